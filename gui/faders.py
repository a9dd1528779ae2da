"""Fader banks: style mixing (one fader per style of the model) and note mixing.

Weights are non-negative floats; values above 1 are allowed (the condition layout accepts
any non-negative mix, and pushing a style past 1 exaggerates it). The fader travel is
quadratic (value = maximum * position**2), so with the engine's range 0..4 the weight 1.0
sits at mid-travel and small weights get fine steps. Each bank keeps the exact values it
was given: a value set over OSC is sent back unchanged when another fader of the bank
moves, not rounded to a slider step. ``set_values`` moves faders without emitting, which
is how changes from OSC or MIDI reach the screen without echoing back to the engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

TRAVEL = 400  # slider steps over the whole travel
# pitch_class_mix[k] weighs the interval k semitones above the played note (0 = the note);
# octave_mix[j] weighs the octave offset j - 4 (index 4 = the played octave).
INTERVALS = ("root", "m2", "M2", "m3", "M3", "P4", "TT", "P5", "m6", "M6", "m7", "M7")
OCTAVE_OFFSETS = ("-4", "-3", "-2", "-1", "0", "+1", "+2", "+3", "+4")


def fader_label(name: str) -> str:
    """One word per line, so a column is as wide as its longest word: ``"english horn"``
    -> ``"english\nhorn"``, ``"violin-staccato"`` -> ``"violin-\nstaccato"``."""
    return re.sub(r"(?<=\w)-", "-\n", "\n".join(name.split()))


class FaderBank(QGroupBox):
    """A row of labelled vertical faders, each 0..``maximum``; emits ``changed(index, value)``."""

    changed = pyqtSignal(int, float)

    def __init__(
        self, title: str, names: Sequence[str], maximum: float = 4.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self._maximum = maximum
        self._exact = [0.0] * len(names)
        self._sliders: list[QSlider] = []
        self._readouts: list[QLabel] = []
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(7)  # labels of neighbours never run together
        self._grid.setVerticalSpacing(1)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()  # faders packed to the left, not spread over a wide bank
        row.addLayout(self._grid)
        row.addStretch(1)
        outer.addLayout(row)
        for index, name in enumerate(names):
            self._add_fader(index, name)

    def _add_fader(self, index: int, name: str) -> None:
        slider = QSlider(Qt.Orientation.Vertical)
        slider.setRange(0, TRAVEL)
        slider.setPageStep(TRAVEL // 20)
        slider.setMinimumHeight(90)
        slider.setToolTip(f"{name}: 0 to {self._maximum:g}")
        slider.setObjectName(f"fader:{name}")
        readout = QLabel("0.00")
        readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        readout.setMinimumWidth(38)
        label = QLabel(fader_label(name))
        label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        label.setToolTip(name)
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        label.setFont(font)
        self._grid.addWidget(readout, 0, index)
        self._grid.addWidget(slider, 1, index, Qt.AlignmentFlag.AlignHCenter)
        self._grid.addWidget(label, 2, index)
        slider.valueChanged.connect(lambda v, i=index: self._on_slider(i, v))
        self._sliders.append(slider)
        self._readouts.append(readout)

    def to_value(self, steps: int) -> float:
        return round(self._maximum * (steps / TRAVEL) ** 2, 4)

    def to_steps(self, value: float) -> int:
        return round(math.sqrt(max(0.0, min(1.0, value / self._maximum))) * TRAVEL)

    def _on_slider(self, index: int, steps: int) -> None:
        if self.signalsBlocked():
            return  # set_values already stored the exact value
        value = self.to_value(steps)
        self._exact[index] = value
        self._readouts[index].setText(f"{value:.2f}")
        self.changed.emit(index, value)

    def __len__(self) -> int:
        return len(self._sliders)

    def slider(self, index: int) -> QSlider:
        return self._sliders[index]

    def values(self) -> list[float]:
        return list(self._exact)

    def set_values(self, values: Sequence[float]) -> None:
        """Show ``values`` (kept exact, drawn clipped to the range) without emitting."""
        blocked = self.blockSignals(True)
        try:
            for index, value in enumerate(list(values)[: len(self._sliders)]):
                self._exact[index] = float(value)
                self._sliders[index].setValue(self.to_steps(float(value)))
                self._readouts[index].setText(f"{float(value):.2f}")
        finally:
            self.blockSignals(blocked)


class StyleFaderBank(FaderBank):
    """One fader per style of the loaded model, plus the normalise switch."""

    normalise_toggled = pyqtSignal(bool)

    def __init__(
        self, style_names: Sequence[str], maximum: float = 4.0, parent: QWidget | None = None
    ) -> None:
        super().__init__("Style mix", style_names, maximum=maximum, parent=parent)
        self.style_names = tuple(style_names)
        self.normalise = QCheckBox("normalise")
        self.normalise.setToolTip(
            "On: the style weights are scaled to sum to 1 before rendering.\n"
            "Off: raw weights, so values above 1 exaggerate a style."
        )
        self.normalise.toggled.connect(self.normalise_toggled.emit)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.addWidget(self.normalise)

    def set_normalise(self, on: bool) -> None:
        blocked = self.normalise.blockSignals(True)
        self.normalise.setChecked(bool(on))
        self.normalise.blockSignals(blocked)


class NoteMixBank(QGroupBox):
    """Pitch-class and octave blends of every played note, relative to it (12 + 9 faders)."""

    pitch_class_changed = pyqtSignal(int, float)
    octave_changed = pyqtSignal(int, float)

    def __init__(self, maximum: float = 4.0, parent: QWidget | None = None) -> None:
        super().__init__("Note mix", parent)
        self.pitch_class = FaderBank("pitch class (interval above the note)", INTERVALS, maximum)
        self.octave = FaderBank("octave (offset)", OCTAVE_OFFSETS, maximum)
        self.pitch_class.setToolTip(
            "Condition weight of each interval above the played note ('root' = the note).\n"
            "Raise P5 to blend the fifth's pitch class into the timbre."
        )
        self.octave.setToolTip("Condition weight of each octave offset ('0' = the played octave).")
        self.pitch_class.changed.connect(self.pitch_class_changed.emit)
        self.octave.changed.connect(self.octave_changed.emit)
        layout = QHBoxLayout(self)
        layout.addWidget(self.pitch_class, 12)
        layout.addWidget(self.octave, 9)
