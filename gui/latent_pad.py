"""Latent controls: a 2-D pad for (x, y), a slider for z, randomise and variation amount.

The latent prior is a standard normal, so the pad spans +-``LATENT_RANGE`` standard
deviations. x, y, z drive the first three latent dimensions; variation is how far each new
note's z is drawn around that point, in prior standard deviations (0 = every note identical).
Values set elsewhere beyond the drawn range are kept exact and drawn at the edge.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QWidget,
)

LATENT_RANGE = 3.0
Z_STEPS = 100  # slider steps per unit of z
VARIATION_STEPS = 100  # per prior std
VARIATION_MAX = 4.0


def _clip(v: float) -> float:
    return float(np.clip(v, -LATENT_RANGE, LATENT_RANGE))


class XYPad(QWidget):
    """A square pad; drag the dot to set (x, y) in [-range, range]^2."""

    moved = pyqtSignal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._x = self._y = 0.0
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Latent x / y: drag the dot")

    def sizeHint(self) -> QSize:
        return QSize(150, 150)

    def value(self) -> tuple[float, float]:
        return self._x, self._y

    def set_value(self, x: float, y: float) -> None:
        """Move the dot without emitting ``moved``."""
        self._x, self._y = float(x), float(y)
        self.update()

    def to_widget(self, x: float, y: float) -> QPointF:
        r = self._square()
        return QPointF(
            r.left() + (x + LATENT_RANGE) / (2 * LATENT_RANGE) * r.width(),
            r.top() + (LATENT_RANGE - y) / (2 * LATENT_RANGE) * r.height(),
        )

    def _square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _from_widget(self, pos: QPointF) -> tuple[float, float]:
        r = self._square()
        x = (pos.x() - r.left()) / max(1.0, r.width()) * 2 * LATENT_RANGE - LATENT_RANGE
        y = LATENT_RANGE - (pos.y() - r.top()) / max(1.0, r.height()) * 2 * LATENT_RANGE
        return _clip(x), _clip(y)

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None:
            self._drag(event.position())

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._drag(event.position())

    def _drag(self, pos: QPointF) -> None:
        self.set_value(*self._from_widget(pos))
        self.moved.emit(self._x, self._y)

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self._square()
        p.fillRect(r, QColor("#1d2530"))
        p.setPen(QPen(QColor("#3a4656"), 1))
        for k in range(-int(LATENT_RANGE), int(LATENT_RANGE) + 1):
            a, b = self.to_widget(k, -LATENT_RANGE), self.to_widget(k, LATENT_RANGE)
            p.drawLine(a, b)
            a, b = self.to_widget(-LATENT_RANGE, k), self.to_widget(LATENT_RANGE, k)
            p.drawLine(a, b)
        dot = self.to_widget(_clip(self._x), _clip(self._y))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#f0a030"))
        p.drawEllipse(dot, 6, 6)
        p.end()


class LatentPanel(QGroupBox):
    """Pad + z slider + randomise + variation; emits ``latent_changed(x, y, z)``."""

    latent_changed = pyqtSignal(float, float, float)
    variation_changed = pyqtSignal(float)
    randomise_requested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Latent", parent)
        self._z = 0.0  # exact z (the slider shows it clipped)
        self._variation = 0.0
        self.pad = XYPad()
        self.z = QSlider(Qt.Orientation.Vertical)
        self.z.setRange(-round(LATENT_RANGE * Z_STEPS), round(LATENT_RANGE * Z_STEPS))
        self.z.setToolTip("Latent z")
        self.randomise = QPushButton("Randomise")
        self.randomise.setToolTip(
            "Draw a new latent point from the prior (every dimension, not only x, y, z)"
        )
        self.variation = QSlider(Qt.Orientation.Horizontal)
        self.variation.setRange(0, round(VARIATION_MAX * VARIATION_STEPS))
        self.variation.setToolTip(
            "Variation: how far each new note's z strays from the point (prior std units)"
        )
        self.readout = QLabel()
        self._layout()
        self.pad.moved.connect(lambda *_: self._emit_latent())
        self.z.valueChanged.connect(self._on_z)
        self.randomise.clicked.connect(self.randomise_requested.emit)
        self.variation.valueChanged.connect(self._on_variation)
        self._show_readout()

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.addWidget(self.pad, 0, 0)
        grid.addWidget(self.z, 0, 1)
        grid.addWidget(QLabel("z"), 1, 1, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(self.readout, 1, 0)
        grid.addWidget(self.randomise, 2, 0, 1, 2)
        grid.addWidget(QLabel("variation"), 3, 0, 1, 2)
        grid.addWidget(self.variation, 4, 0, 1, 2)

    def value(self) -> tuple[float, float, float]:
        x, y = self.pad.value()
        return x, y, self._z

    def variation_amount(self) -> float:
        return self._variation

    def set_value(self, x: float, y: float, z: float) -> None:
        """Show a latent point set elsewhere (OSC, preset) without emitting."""
        self.pad.set_value(x, y)
        self._z = float(z)
        blocked = self.z.blockSignals(True)
        self.z.setValue(round(_clip(self._z) * Z_STEPS))
        self.z.blockSignals(blocked)
        self._show_readout()

    def set_variation(self, amount: float) -> None:
        self._variation = float(amount)
        blocked = self.variation.blockSignals(True)
        self.variation.setValue(round(min(amount, VARIATION_MAX) * VARIATION_STEPS))
        self.variation.blockSignals(blocked)

    def _on_z(self, steps: int) -> None:
        self._z = steps / Z_STEPS
        self._emit_latent()

    def _emit_latent(self) -> None:
        self._show_readout()
        self.latent_changed.emit(*self.value())

    def _on_variation(self, steps: int) -> None:
        self._variation = steps / VARIATION_STEPS
        self.variation_changed.emit(self._variation)

    def _show_readout(self) -> None:
        x, y, z = self.value()
        self.readout.setText(f"x {x:+.2f}  y {y:+.2f}  z {z:+.2f}")
