"""Performance controls: velocity, release, gain, FX on/off, panic."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSlider,
    QWidget,
)

RELEASE_STEPS = 100  # slider steps per second of release
GAIN_MIN_DB, GAIN_MAX_DB = -40, 6


class PerformancePanel(QGroupBox):
    """Sliders emit plain values: velocity 1..127, release in s, gain in dB."""

    velocity_changed = pyqtSignal(int)
    release_changed = pyqtSignal(float)
    gain_changed = pyqtSignal(float)
    fx_toggled = pyqtSignal(bool)
    panic_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Play", parent)
        self.velocity = self._slider(1, 127, 100, "Velocity of keyboard notes (1..127)")
        self.release = self._slider(1, 3 * RELEASE_STEPS, 30, "Release after note-off (s)")
        self.gain = self._slider(GAIN_MIN_DB, GAIN_MAX_DB, -6, "Output gain (dB)")
        self.fx = QCheckBox("FX")
        self.fx.setToolTip("Post-FX chain (reverb, compressor) on the output")
        self.panic = QPushButton("Panic")
        self.panic.setToolTip("Stop every sounding voice")
        self._readouts: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        for row, (name, slider) in enumerate(
            (("velocity", self.velocity), ("release", self.release), ("gain", self.gain))
        ):
            readout = QLabel()
            readout.setMinimumWidth(60)
            self._readouts[name] = readout
            grid.addWidget(QLabel(name), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(readout, row, 2)
        grid.addWidget(self.fx, 3, 0)
        grid.addWidget(self.panic, 3, 1, 1, 2)
        self.velocity.valueChanged.connect(self._on_velocity)
        self.release.valueChanged.connect(self._on_release)
        self.gain.valueChanged.connect(self._on_gain)
        self.fx.toggled.connect(self.fx_toggled.emit)
        self.panic.clicked.connect(self.panic_clicked.emit)
        self._show_readouts()

    @staticmethod
    def _slider(low: int, high: int, value: int, tip: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setValue(value)
        slider.setToolTip(tip)
        return slider

    def _show_readouts(self) -> None:
        self._readouts["velocity"].setText(str(self.velocity.value()))
        self._readouts["release"].setText(f"{self.release.value() / RELEASE_STEPS:.2f} s")
        self._readouts["gain"].setText(f"{self.gain.value():+d} dB")

    def _on_velocity(self, v: int) -> None:
        self._show_readouts()
        self.velocity_changed.emit(v)

    def _on_release(self, v: int) -> None:
        self._show_readouts()
        self.release_changed.emit(v / RELEASE_STEPS)

    def _on_gain(self, v: int) -> None:
        self._show_readouts()
        self.gain_changed.emit(float(v))

    def set_values(
        self, velocity: float | None = None, release: float | None = None,
        gain_db: float | None = None, fx: bool | None = None,
    ) -> None:
        """Show values set elsewhere (OSC, MIDI CC, preset) without emitting."""
        pairs = (
            (self.velocity, None if velocity is None else round(velocity)),
            (self.release, None if release is None else round(release * RELEASE_STEPS)),
            (self.gain, None if gain_db is None else round(gain_db)),
        )
        for slider, value in pairs:
            if value is not None:
                blocked = slider.blockSignals(True)
                slider.setValue(value)
                slider.blockSignals(blocked)
        if fx is not None:
            blocked = self.fx.blockSignals(True)
            self.fx.setChecked(fx)
            self.fx.blockSignals(blocked)
        self._show_readouts()
