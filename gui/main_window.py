"""The main window: lays out the panels and wires them to the bridge, both ways.

Widgets -> bridge: every user change becomes one ``set_control`` (or a note).
Bridge -> widgets: ``control_changed`` (OSC, MIDI, presets) moves the widget with its
signals blocked, so a change from outside never echoes back to the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import QEvent, QObject, Qt, pyqtSignal
from PyQt6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
)
from PyQt6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.bridge import (
    BackendError,
    EngineBridge,
    EngineStatus,
    ModelInfo,
    SampleInfo,
    playable_range,
)
from gui.faders import NoteMixBank, StyleFaderBank
from gui.keyboard import KeyboardWidget
from gui.latent_pad import LatentPanel
from gui.model_bar import ModelBar
from gui.note_view import NoteView
from gui.performance import PerformancePanel
from gui.sample_panel import SampleLoader, SamplePanel
from gui.status import StatusPanel
from realtime.conditions import midi_name


def _scrolling(page: QWidget) -> QScrollArea:
    """A tab page that scrolls when the window is smaller than the page."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(page)
    return area


class MainWindow(QMainWindow):
    """The synth's window over one ``EngineBridge``."""

    closed = pyqtSignal()

    def __init__(self, bridge: EngineBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.setWindowTitle("waefader")
        self.model_bar = ModelBar()
        self.banner = QLabel()
        self.banner.setStyleSheet("color: white; background: #b03020; padding: 4px;")
        self.banner.hide()
        self.styles = StyleFaderBank(bridge.backend.model.style_names)
        self.note_mix = NoteMixBank()
        self.latent = LatentPanel()
        self.play = PerformancePanel()
        self.keyboard = KeyboardWidget()
        self.range_label = QLabel()
        self.status = StatusPanel()
        self.note_view = NoteView()
        self.sample = SamplePanel()
        self.sample_loader = SampleLoader(bridge.backend, self)
        self._style_row = QHBoxLayout()
        self._fitted = False
        self._build()
        self._wire()
        self.show_model(bridge.backend.model)
        self.show_controls(bridge.controls())
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    # ---- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        """Model bar; tabs (styles | note mix + latent | sample), each page scrolling when
        the window is smaller than it; the keyboard; performance, status and last note.
        Fits a 1280x720 screen with everything reachable."""
        central = QWidget()
        root = QVBoxLayout(central)
        root.setContentsMargins(6, 4, 6, 4)
        root.setSpacing(4)
        root.addWidget(self.model_bar)
        root.addWidget(self.banner)
        styles_page = QWidget()
        self._style_row.setContentsMargins(0, 0, 0, 0)
        self._style_row.addWidget(self.styles)
        styles_page.setLayout(self._style_row)
        mix_page = QWidget()
        middle = QHBoxLayout(mix_page)
        middle.setContentsMargins(0, 0, 0, 0)
        middle.addWidget(self.note_mix, 6)
        middle.addWidget(self.latent, 2)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title in ((styles_page, "Styles"), (mix_page, "Note mix && latent"),
                            (self.sample, "Sample (transform)")):
            self.tabs.addTab(_scrolling(page), title)
        root.addWidget(self.tabs, 3)
        self.range_label.setWordWrap(True)
        root.addWidget(self.range_label)
        root.addWidget(self.keyboard, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.play, 3)
        bottom.addWidget(self.status, 4)
        bottom.addWidget(self.note_view, 4)
        root.addLayout(bottom, 2)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)  # a dropped audio file goes to the sample panel
        quit_action = QAction("Quit", self)
        quit_keys = [QKeySequence("Ctrl+Q")]  # the platform's Quit key too, where it has one
        quit_keys += [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                      if k not in quit_keys]
        quit_action.setShortcuts(quit_keys)
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        quit_action.triggered.connect(self.close)
        self.addAction(quit_action)
        self.fit_to_screen(1500, 980)

    def fit_to_screen(self, width: int, height: int) -> None:
        """Take ``width`` x ``height`` or the screen's free area, whichever is smaller (the
        window frame included once the window manager has drawn one)."""
        screen = self.screen()
        if screen is None:
            self.resize(width, height)
            return
        area = screen.availableGeometry()
        frame_w = max(0, self.frameGeometry().width() - self.width())
        frame_h = max(0, self.frameGeometry().height() - self.height())
        self.resize(min(width, area.width() - frame_w), min(height, area.height() - frame_h))
        if not area.contains(self.frameGeometry()):
            self.move(area.topLeft())

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        if not self._fitted:  # the frame's size is known once shown
            self._fitted = True
            self.fit_to_screen(self.width(), self.height())

    def _wire(self) -> None:
        b = self.bridge
        self._wire_styles()
        self.note_mix.pitch_class_changed.connect(
            lambda *_: b.set_control("pitch_class_mix", self.note_mix.pitch_class.values())
        )
        self.note_mix.octave_changed.connect(
            lambda *_: b.set_control("octave_mix", self.note_mix.octave.values())
        )
        self.latent.latent_changed.connect(lambda x, y, z: b.set_control("latent", (x, y, z)))
        self.latent.variation_changed.connect(lambda v: b.set_control("variation", v))
        self.latent.randomise_requested.connect(b.randomise_latent)
        self.play.changed.connect(self._on_play)
        self.play.fx_toggled.connect(lambda on: b.set_control("fx", on))
        self.play.panic_clicked.connect(self._panic)
        self.keyboard.note_on.connect(b.note_on)
        self.keyboard.note_off.connect(b.note_off)
        self.model_bar.model_chosen.connect(self.load_model)
        self.model_bar.preset_load.connect(self.load_preset)
        self.model_bar.preset_save.connect(self.save_preset)
        b.control_changed.connect(self.on_control_changed)
        b.status_changed.connect(self.show_status)
        b.note_audio.connect(self.note_view.show_note)
        b.note_named.connect(self.note_view.set_caption)
        self.sample.sample_chosen.connect(self.load_sample)
        self.sample.play_requested.connect(self.play_sample)
        self.sample_loader.loaded.connect(self._sample_loaded)
        self.sample_loader.failed.connect(self._sample_failed)

    def _wire_styles(self) -> None:
        self.styles.changed.connect(self._on_style)
        self.styles.normalise_toggled.connect(
            lambda on: self.bridge.set_control("normalise", on)
        )

    def _on_style(self, *_: object) -> None:
        self.bridge.set_control("style", self.styles.values())
        self._show_range()

    def _on_play(self, name: str, value: float) -> None:
        if name == "velocity":
            self.keyboard.set_velocity(round(value))
        self.bridge.set_control(name, value)

    def _panic(self) -> None:
        self.keyboard.release_all()
        self.bridge.panic()

    # ---- showing state -------------------------------------------------------------------
    def show_model(self, info: ModelInfo) -> None:
        self.model_bar.show_model(info.name, info.path)
        if self.styles.style_names != info.style_names:
            fresh = StyleFaderBank(info.style_names)
            self._style_row.replaceWidget(self.styles, fresh)
            self.styles.deleteLater()
            self.styles = fresh
            self._wire_styles()
        every = playable_range(info, [0.0] * len(info.style_names))
        self.keyboard.set_span(*every)
        self._show_range()

    def _show_range(self) -> None:
        low, high = playable_range(self.bridge.backend.model, self.styles.values())
        self.keyboard.set_playable_range(low, high)
        self.range_label.setText(
            f"Playable range {midi_name(low)}–{midi_name(high)} (shaded keys lie outside). "
            "Computer keys: z s x d c … and q 2 w 3 e …; '-' / '=' shift the octave."
        )

    def show_controls(self, controls: dict[str, Any]) -> None:
        for name, value in controls.items():
            self.on_control_changed(name, value)

    def on_control_changed(self, name: str, value: Any) -> None:
        """Move the widget of one control (a change made by OSC, MIDI or a preset)."""
        if name == "style":
            self.styles.set_values(value)
            self._show_range()
        elif name == "normalise":
            self.styles.set_normalise(bool(value))
        elif name == "pitch_class_mix":
            self.note_mix.pitch_class.set_values(value)
        elif name == "octave_mix":
            self.note_mix.octave.set_values(value)
        elif name == "latent":
            self.latent.set_value(*list(value)[:3])
        elif name == "variation":
            self.latent.set_variation(float(value))
        elif name in ("velocity", "velocity_curve", "release", "gain"):
            self.play.set_values({name: float(value)})
            if name == "velocity":
                self.keyboard.set_velocity(round(float(value)))
        elif name == "fx":
            self.play.set_fx(bool(value))
        elif name == "preset":  # loaded over OSC (or here: the box already shows it)
            self.model_bar.show_preset(str(value))

    def show_status(self, status: EngineStatus) -> None:
        self.status.show_status(status)
        if status.running:
            self.banner.hide()
        else:
            self.banner.setText(
                f"No audio output: {status.audio_error or 'stopped'}. The controls, OSC and "
                "MIDI still work; notes are rendered but not heard."
            )
            self.banner.show()

    # ---- actions with user-facing errors --------------------------------------------------
    def show_error(self, title: str, text: str) -> QMessageBox:
        """A window-modal message box that does not block the event loop (tests can see it)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setObjectName("error-box")
        box.open()
        return box

    def load_model(self, path: str) -> None:
        try:
            info = self.bridge.backend.load_model(path)
        except BackendError as exc:
            self.show_error("Cannot load model", str(exc))
            return
        self.show_model(info)
        self.show_controls(self.bridge.controls())

    def load_preset(self, path: str) -> None:
        try:
            warnings = self.bridge.backend.load_preset(Path(path))
        except BackendError as exc:
            self.show_error("Cannot load preset", str(exc))
            return
        self.show_controls(self.bridge.controls())
        self.model_bar.show_preset(path)
        note = f"preset {Path(path).stem} loaded"
        self.statusBar().showMessage(  # type: ignore[union-attr]
            f"{note}; " + "; ".join(warnings) if warnings else note, 8000
        )

    def save_preset(self, path: str) -> None:
        try:
            self.bridge.backend.save_preset(Path(path))
        except BackendError as exc:
            self.show_error("Cannot save preset", str(exc))

    def load_sample(self, path: str) -> None:
        """Encode a sample off the GUI thread; its z and style arrive as control changes."""
        self.sample.set_loading(path)
        self.sample_loader.load(path)

    def _sample_loaded(self, info: SampleInfo) -> None:
        self.sample.show_sample(info)
        self.tabs.setCurrentIndex(2)  # the sample page, wherever the file was dropped
        self.statusBar().showMessage(  # type: ignore[union-attr]
            f"sample {Path(info.path).name}: its z is the latent point and its style the "
            "faders; move them and play Transformed (or any key)",
            8000,
        )

    def _sample_failed(self, text: str) -> None:
        self.sample.show_failure(text)
        self.show_error("Cannot load sample", text)

    def play_sample(self, which: str, transpose: int) -> None:
        try:
            self.bridge.backend.play_sample(which, transpose)
        except BackendError as exc:
            self.show_error("Cannot play sample", str(exc))

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        self.sample.dragEnterEvent(event)  # a file dropped anywhere goes to the sample panel

    def dropEvent(self, event: QDropEvent | None) -> None:
        self.sample.dropEvent(event)  # emits sample_chosen -> load_sample

    # ---- keys and closing -------------------------------------------------------------------
    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Computer keys play the keyboard whatever control has focus (but text fields)."""
        if event is None or event.type() not in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self:
            return False
        if isinstance(QApplication.focusWidget(), QLineEdit | QAbstractSpinBox):
            return False
        assert isinstance(event, QKeyEvent)
        return self.keyboard.handle_key(event, event.type() == QEvent.Type.KeyPress)

    def closeEvent(self, event: QCloseEvent | None) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.keyboard.release_all()
        self.bridge.stop_timers()  # nothing left to show; the backend is shut down next
        self.closed.emit()
        super().closeEvent(event)

