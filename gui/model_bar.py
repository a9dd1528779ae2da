"""The top bar: model picker and presets (shipped ones, load / save JSON)."""

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

from realtime.engine.presets import SHIPPED_DIR as ENGINE_PRESETS
from realtime.engine.presets import user_dir

PRESET_DIR = Path(__file__).resolve().parent / "presets"


def shipped_presets() -> list[Path]:
    """The window's shipped presets, then the engine's and the user's, one per name."""
    found: dict[str, Path] = {}
    for folder in (PRESET_DIR, ENGINE_PRESETS, user_dir()):
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            found.setdefault(path.stem, path)
    return sorted(found.values(), key=lambda p: p.stem)


def resolve_preset(name_or_path: str) -> Path:
    """A preset file, or a name: the window's shipped presets first, then the engine's own
    lookup (user folder, engine presets) by name."""
    path = Path(name_or_path)
    if path.suffix == ".json" or path.exists():
        return path
    for candidate in shipped_presets():
        if candidate.stem == name_or_path:
            return candidate
    return path


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
        self.presets.setToolTip("Shipped presets")
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
            self.presets.addItem(path.stem.replace("_", " "), str(path))

    def show_model(self, name: str, path: str) -> None:
        self.model_label.setText(name)
        self.model_label.setToolTip(path)

    def show_preset(self, path: str) -> None:
        """Show a loaded preset in the combo (added when it is not a shipped one)."""
        index = self.presets.findData(str(Path(path)))
        if index < 0:
            self.presets.addItem(Path(path).stem.replace("_", " "), str(Path(path)))
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
            self, "Load preset", str(PRESET_DIR), "Presets (*.json)"
        )
        if path:
            self.preset_load.emit(path)

    def _ask_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save preset", "", "Presets (*.json)")
        if path:
            self.preset_save.emit(path if path.endswith(".json") else path + ".json")
