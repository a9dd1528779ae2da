"""The sample panel (transform mode): load or drop a recorded note, hear it three ways.

Load a file (button) or drop one on the panel or the window; while it is encoded (about a
second, on a pool thread: ``SampleLoader``) the panel says so. Then it shows what the
model heard (pitch, style, dynamics, z) and plays the **original**, its **reconstruction**
and the **transformed** version: the encoded z (now the latent pad's point) with the style
faders and velocity of this moment, at the sample's pitch + ``transpose``.
"""

from __future__ import annotations

from PyQt6.QtCore import QMimeData, QObject, QRunnable, QThreadPool, pyqtSignal
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from gui.bridge import SAMPLE_SOUNDS, BackendError, SampleInfo, SynthBackend

AUDIO_FILTER = "Audio (*.wav *.flac *.aif *.aiff *.ogg *.mp3);;All files (*)"
TIPS = {
    "original": "The file's note as the encoder saw it (mono, trimmed, model length)",
    "reconstruction": "What the model makes of the note unchanged: z + its own attributes",
    "transformed": "z with the current style faders and velocity, at the sample's pitch "
    "+ transpose (the keyboard plays it at any pitch)",
}


def dropped_file(mime: QMimeData | None) -> str | None:
    """The first local file in a drag's data, or None."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile():
            return url.toLocalFile()
    return None


class SamplePanel(QGroupBox):
    """Widgets only: ``sample_chosen(path)`` asks for a load, ``play_requested(which,
    transpose)`` for a sound; the window calls ``set_loading`` / ``show_sample`` /
    ``show_failure``."""

    sample_chosen = pyqtSignal(str)
    play_requested = pyqtSignal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Sample → transform", parent)
        self.setAcceptDrops(True)
        self.load_button = QPushButton("Load sample…")
        self.load_button.clicked.connect(self._browse)
        self.info = QLabel("Load or drop a recorded note (any audio file).")
        self.info.setWordWrap(True)
        self.transpose = QSpinBox()
        self.transpose.setRange(-48, 48)
        self.transpose.setSuffix(" st")
        self.transpose.setToolTip("Transformed version: semitones from the sample's pitch")
        self.buttons = {which: QPushButton(which.capitalize()) for which in SAMPLE_SOUNDS}
        for which, button in self.buttons.items():
            button.setToolTip(TIPS[which])
            button.clicked.connect(lambda _=False, w=which: self._play(w))
        self.loaded = False
        self._layout()
        self._enable(False)

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.addWidget(self.load_button, 0, 0, 1, 2)
        grid.addWidget(QLabel("Transpose"), 0, 2)
        grid.addWidget(self.transpose, 0, 3)
        grid.addWidget(self.info, 1, 0, 1, 4)
        for col, button in enumerate(self.buttons.values()):
            grid.addWidget(button, 2, col)

    def _enable(self, on: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(on)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a sample", "", AUDIO_FILTER)
        if path:
            self.sample_chosen.emit(path)

    def _play(self, which: str) -> None:
        self.play_requested.emit(which, self.transpose.value())

    # ---- drops --------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        if event is not None and dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:
        path = dropped_file(event.mimeData()) if event is not None else None
        if path is not None and event is not None:
            event.acceptProposedAction()
            self.sample_chosen.emit(path)

    # ---- state shown ----------------------------------------------------------------------
    def set_loading(self, path: str) -> None:
        self.info.setStyleSheet("")
        self.info.setText(f"Encoding {path.rsplit('/', 1)[-1]} …")
        self.load_button.setEnabled(False)
        self._enable(False)

    def show_sample(self, info: SampleInfo) -> None:
        self.loaded = True
        self.info.setStyleSheet("")
        z = ", ".join(f"{v:+.2f}" for v in info.z)
        self.info.setText(
            f"{info.path.rsplit('/', 1)[-1]}: heard as {info.note} {info.style}, "
            f"{info.dynamics}; z = ({z}) is now the latent point"
        )
        self.load_button.setEnabled(True)
        self._enable(True)

    def show_failure(self, text: str) -> None:
        self.info.setStyleSheet("color: #b03020;")
        kept = " (the previous sample is still loaded)" if self.loaded else ""
        self.info.setText(text + kept)
        self.load_button.setEnabled(True)
        self._enable(self.loaded)


class SampleLoader(QObject):
    """Runs ``backend.load_sample`` on Qt's thread pool; answers on the GUI thread."""

    loaded = pyqtSignal(object)  # SampleInfo
    failed = pyqtSignal(str)

    def __init__(self, backend: SynthBackend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.backend = backend

    def load(self, path: str) -> None:
        QThreadPool.globalInstance().start(_LoadJob(self, path))  # type: ignore[union-attr]

    def run_load(self, path: str) -> None:
        """The pool thread's work; the signals cross to the GUI thread queued."""
        try:
            self.loaded.emit(self.backend.load_sample(path))
        except BackendError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must not kill the pool thread silently
            self.failed.emit(f"{path}: {type(exc).__name__}: {exc}")


class _LoadJob(QRunnable):
    def __init__(self, loader: SampleLoader, path: str) -> None:
        super().__init__()
        self.loader, self.path = loader, path

    def run(self) -> None:
        self.loader.run_load(self.path)
