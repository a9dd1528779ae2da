"""Fader banks: style mixing (one fader per style of the model) and note mixing.

Weights are non-negative floats; values above 1 are allowed (the condition layout accepts
any non-negative mix, and pushing a style past 1 exaggerates it). A QSlider holds ints, so
each fader counts in hundredths. ``set_values`` moves faders without emitting, which is how
changes coming from OSC or MIDI reach the screen without echoing back to the engine.
"""

from __future__ import annotations

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

from realtime.conditions import N_OCTAVES, PITCH_NAMES

STEPS_PER_UNIT = 100


class FaderBank(QGroupBox):
    """A row of labelled vertical faders, each 0..``maximum``; emits ``changed(index, value)``."""

    changed = pyqtSignal(int, float)

    def __init__(
        self, title: str, names: Sequence[str], maximum: float = 2.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, parent)
        self._maximum = maximum
        self._sliders: list[QSlider] = []
        self._readouts: list[QLabel] = []
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(2)
        self._grid.setVerticalSpacing(1)
        outer = QVBoxLayout(self)
        outer.addLayout(self._grid)
        for index, name in enumerate(names):
            self._add_fader(index, name)

    def _add_fader(self, index: int, name: str) -> None:
        slider = QSlider(Qt.Orientation.Vertical)
        slider.setRange(0, round(self._maximum * STEPS_PER_UNIT))
        slider.setPageStep(STEPS_PER_UNIT // 10)
        slider.setMinimumHeight(90)
        slider.setToolTip(f"{name}: 0 to {self._maximum:g}")
        slider.setObjectName(f"fader:{name}")
        readout = QLabel("0.00")
        readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label = QLabel(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._grid.addWidget(readout, 0, index)
        self._grid.addWidget(slider, 1, index, Qt.AlignmentFlag.AlignHCenter)
        self._grid.addWidget(label, 2, index)
        slider.valueChanged.connect(lambda v, i=index: self._on_slider(i, v))
        self._sliders.append(slider)
        self._readouts.append(readout)

    def _on_slider(self, index: int, steps: int) -> None:
        value = steps / STEPS_PER_UNIT
        self._readouts[index].setText(f"{value:.2f}")
        if not self.signalsBlocked():
            self.changed.emit(index, value)

    def __len__(self) -> int:
        return len(self._sliders)

    def slider(self, index: int) -> QSlider:
        return self._sliders[index]

    def values(self) -> list[float]:
        return [s.value() / STEPS_PER_UNIT for s in self._sliders]

    def set_values(self, values: Sequence[float]) -> None:
        """Move the faders to ``values`` (clipped to the range) without emitting ``changed``."""
        blocked = self.blockSignals(True)
        try:
            for slider, value in zip(self._sliders, values, strict=False):
                slider.setValue(round(max(0.0, min(self._maximum, float(value))) * STEPS_PER_UNIT))
        finally:
            self.blockSignals(blocked)


class StyleFaderBank(FaderBank):
    """One fader per style of the loaded model, plus the normalise switch."""

    normalise_toggled = pyqtSignal(bool)

    def __init__(self, style_names: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__("Style mix", style_names, maximum=2.0, parent=parent)
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
    """Pitch-class and octave blends added to the played note (12 + 9 faders)."""

    pitch_class_changed = pyqtSignal(int, float)
    octave_changed = pyqtSignal(int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Note mix", parent)
        self.pitch_class = FaderBank("pitch class", PITCH_NAMES, maximum=1.0)
        self.octave = FaderBank("octave", [str(o) for o in range(N_OCTAVES)], maximum=1.0)
        self.pitch_class.setToolTip("Blend other pitch classes into every played note.")
        self.octave.setToolTip("Blend other octaves into every played note.")
        self.pitch_class.changed.connect(self.pitch_class_changed.emit)
        self.octave.changed.connect(self.octave_changed.emit)
        layout = QHBoxLayout(self)
        layout.addWidget(self.pitch_class, 12)
        layout.addWidget(self.octave, 9)
