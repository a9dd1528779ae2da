"""Performance controls: velocity, velocity curve, release, gain, FX on/off, panic.

Ranges follow the engine's controls (release 0.005..20 s on a log travel, gain -80..+12 dB,
velocity curve 0..4). Each slider keeps the exact value last shown, so a value set over OSC
is displayed (and later re-sent) as it is, not as the nearest slider step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Travel:
    """How a slider's int steps map to a control value (and back)."""

    steps: int
    to_value: Callable[[int], float]
    to_steps: Callable[[float], int]
    text: Callable[[float], str]


def linear(lo: float, hi: float, steps: int, text: Callable[[float], str]) -> Travel:
    def to_steps(v: float) -> int:
        return round((min(max(v, lo), hi) - lo) / (hi - lo) * steps)

    return Travel(steps, lambda s: lo + (hi - lo) * s / steps, to_steps, text)


def logarithmic(lo: float, hi: float, steps: int, text: Callable[[float], str]) -> Travel:
    ratio = math.log(hi / lo)

    def to_steps(v: float) -> int:
        return round(math.log(min(max(v, lo), hi) / lo) / ratio * steps)

    return Travel(steps, lambda s: lo * math.exp(ratio * s / steps), to_steps, text)


TRAVELS = {
    "velocity": linear(1, 127, 126, lambda v: f"{v:.0f}"),
    "velocity_curve": linear(0.0, 4.0, 400, lambda v: f"{v:.2f}"),
    "release": logarithmic(0.005, 20.0, 400, lambda v: f"{v:.3g} s"),
    "gain": linear(-80.0, 12.0, 184, lambda v: f"{v:+.1f} dB"),
}
TIPS = {
    "velocity": "Velocity of keyboard notes (1..127): dynamics condition and gain",
    "velocity_curve": "Velocity curve: gain = (velocity / 127) ** curve",
    "release": "Release after note-off (time to -60 dB)",
    "gain": "Output gain (dB), ramped without clicks",
}
DEFAULTS = {"velocity": 100.0, "velocity_curve": 1.0, "release": 0.3, "gain": -6.0}


class PerformancePanel(QGroupBox):
    """Emits ``changed(name, value)`` for velocity, velocity_curve, release, gain."""

    changed = pyqtSignal(str, float)
    fx_toggled = pyqtSignal(bool)
    panic_clicked = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Play", parent)
        self.sliders: dict[str, QSlider] = {}
        self._readouts: dict[str, QLabel] = {}
        self._exact = dict(DEFAULTS)
        grid = QGridLayout(self)
        for row, name in enumerate(TRAVELS):
            self._add_slider(grid, row, name)
        self.fx = QCheckBox("FX")
        self.fx.setToolTip("Post-FX chain (reverb, compressor) on the output")
        self.panic = QPushButton("Panic")
        self.panic.setToolTip("Stop every sounding voice")
        grid.addWidget(self.fx, len(TRAVELS), 0)
        grid.addWidget(self.panic, len(TRAVELS), 1, 1, 2)
        self.fx.toggled.connect(self.fx_toggled.emit)
        self.panic.clicked.connect(self.panic_clicked.emit)
        self.set_values(DEFAULTS)

    def _add_slider(self, grid: QGridLayout, row: int, name: str) -> None:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(0, TRAVELS[name].steps)
        slider.setToolTip(TIPS[name])
        slider.setObjectName(f"play:{name}")
        readout = QLabel()
        readout.setMinimumWidth(70)
        grid.addWidget(QLabel(name.replace("_", " ")), row, 0)
        grid.addWidget(slider, row, 1)
        grid.addWidget(readout, row, 2)
        slider.valueChanged.connect(lambda s, n=name: self._on_slider(n, s))
        self.sliders[name] = slider
        self._readouts[name] = readout

    def _on_slider(self, name: str, steps: int) -> None:
        if self.sliders[name].signalsBlocked():
            return
        value = round(TRAVELS[name].to_value(steps), 4)
        self._exact[name] = value
        self._readouts[name].setText(TRAVELS[name].text(value))
        self.changed.emit(name, value)

    def value(self, name: str) -> float:
        return self._exact[name]

    def set_values(self, values: dict[str, float]) -> None:
        """Show values set elsewhere (OSC, MIDI CC, preset) without emitting."""
        for name, value in values.items():
            if name not in TRAVELS:
                continue
            self._exact[name] = float(value)
            slider = self.sliders[name]
            blocked = slider.blockSignals(True)
            slider.setValue(TRAVELS[name].to_steps(float(value)))
            slider.blockSignals(blocked)
            self._readouts[name].setText(TRAVELS[name].text(float(value)))

    def set_fx(self, on: bool) -> None:
        blocked = self.fx.blockSignals(True)
        self.fx.setChecked(bool(on))
        self.fx.blockSignals(blocked)
