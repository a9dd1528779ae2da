"""The top bar: model picker and presets (by name: shipped and the user's; load / save JSON)."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from realtime.engine.preset_names import available, display
from realtime.engine.presets import SHIPPED_DIR, PresetError, find_preset, preset_dirs


def shipped_presets() -> list[Path]:
    """Every preset by name (the user's folder, then the shipped ones): the same list as
    OSC's /waefader/presets and --preset."""
    return list(available(preset_dirs()).values())


def resolve_preset(name_or_path: str) -> Path:
    """A preset file, or a name (normalised: ``Warm Strings`` = ``warm_strings``)."""
    try:
        return find_preset(name_or_path)
    except PresetError:
        return Path(name_or_path)  # loading it says what is wrong


class ModelBar(QWidget):
    """Emits the paths the user picks; the window does the loading (and shows errors)."""

    model_chosen = pyqtSignal(str)
    preset_load = pyqtSignal(str)
    preset_save = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_label = QLabel("no model")
        self.open_model = QPushButton("Open model…")
        self.open_model.setToolTip("Choose an exported model folder (with manifest.json)")
        self.presets = QComboBox()
        self.presets.setToolTip("Presets: shipped and yours (~/.config/waefader/presets)")
        self.presets.setMinimumWidth(140)
        self.load_preset = QPushButton("Load preset…")
        self.save_preset = QPushButton("Save preset…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Model:"))
        layout.addWidget(self.model_label, 1)
        layout.addWidget(self.open_model)
        layout.addSpacing(16)
        layout.addWidget(QLabel("Preset:"))
        layout.addWidget(self.presets)
        layout.addWidget(self.load_preset)
        layout.addWidget(self.save_preset)
        self._fill_presets()
        self.open_model.clicked.connect(self._ask_model)
        self.presets.activated.connect(self._on_preset_picked)
        self.load_preset.clicked.connect(self._ask_load)
        self.save_preset.clicked.connect(self._ask_save)

    def _fill_presets(self) -> None:
        self.presets.addItem("(choose)", "")
        for path in shipped_presets():
            self.presets.addItem(display(path.stem), str(path))

    def show_model(self, name: str, path: str) -> None:
        self.model_label.setText(name)
        self.model_label.setToolTip(path)

    def show_preset(self, path: str) -> None:
        """Show a loaded preset in the combo (added when it is not a listed one): loaded
        here, over OSC or at start."""
        index = self.presets.findData(str(Path(path)))
        if index < 0:
            index = self.presets.findData(str(Path(path).resolve()))
        if index < 0:
            self.presets.addItem(display(Path(path).stem), str(Path(path)))
            index = self.presets.count() - 1
        self.presets.setCurrentIndex(index)

    def _on_preset_picked(self, index: int) -> None:
        path = self.presets.itemData(index)
        if path:
            self.preset_load.emit(path)

    def _ask_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open an exported model folder")
        if folder:
            self.model_chosen.emit(folder)

    def _ask_load(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load preset", str(SHIPPED_DIR), "Presets (*.json)"
        )
        if path:
            self.preset_load.emit(path)

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save preset", "", "Presets (*.json)")
        if path:
            self.preset_save.emit(path if path.endswith(".json") else path + ".json")
