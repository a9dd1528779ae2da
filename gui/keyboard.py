"""A playable piano keyboard: mouse and computer keys, the model's playable range shown.

The widget only emits ``note_on(pitch, velocity)`` / ``note_off(pitch)``; it never talks to
the engine. Keys outside the playable range stay playable (the model extrapolates) but are
drawn shaded so the player sees where the training data ended.
"""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from realtime.conditions import MIDI_HIGH, MIDI_LOW, midi_name

BLACK_PCS = frozenset({1, 3, 6, 8, 10})
# Tracker layout: two rows of the computer keyboard, each a chromatic octave from C.
LOWER_ROW = "zsxdcvgbhnjm,l."
UPPER_ROW = "q2w3er5t6y7ui9o0p"
KEY_OFFSETS: dict[str, int] = {
    **{ch: i for i, ch in enumerate(LOWER_ROW)},
    **{ch: 12 + i for i, ch in enumerate(UPPER_ROW)},
}
OCTAVE_DOWN, OCTAVE_UP = Qt.Key.Key_Minus, Qt.Key.Key_Equal

PLAYABLE = QColor("#fdfdf8")
OUTSIDE = QColor("#b8b8b0")
PRESSED = QColor("#f0a030")
BLACK = QColor("#202020")
BLACK_OUTSIDE = QColor("#5a5a5a")


def is_black(pitch: int) -> bool:
    return pitch % 12 in BLACK_PCS


class KeyboardWidget(QWidget):
    """Piano keys from ``low`` to ``high`` (MIDI, inclusive); emits notes, shows the range."""

    note_on = pyqtSignal(int, int)  # pitch, velocity 1..127
    note_off = pyqtSignal(int)
    octave_changed = pyqtSignal(int)

    def __init__(self, low: int = 36, high: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._low, self._high = low, high
        self._playable = (MIDI_LOW, MIDI_HIGH)
        self._velocity = 100
        self._base = 48  # MIDI pitch of the computer keyboard's 'z' key (C3)
        self._held_keys: dict[str, int] = {}  # computer key -> sounding pitch
        self._mouse_pitch: int | None = None
        self._lit: set[int] = set()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(90)
        self.setToolTip(
            "Click or use the computer keys (z s x d c ... and q 2 w 3 e ...);\n"
            "'-' and '=' shift the octave. Shaded keys lie outside the playable range."
        )

    # ---- state the window sets -------------------------------------------------------------
    def set_playable_range(self, low: int, high: int) -> None:
        self._playable = (int(low), int(high))
        self.update()

    def playable_range(self) -> tuple[int, int]:
        return self._playable

    def set_span(self, low: int, high: int) -> None:
        """Show keys ``low..high``, widened to whole octaves (C..C) and to at least five."""
        low = max(MIDI_LOW, int(low) - int(low) % 12)
        high = min(MIDI_HIGH + 1, int(high) + (12 - int(high) % 12) % 12)
        while high - low < 60:
            low, high = max(MIDI_LOW, low - 12), min(MIDI_HIGH + 1, high + 12)
        self._low, self._high = low, high
        self.update()

    def span(self) -> tuple[int, int]:
        return self._low, self._high

    def set_velocity(self, velocity: int) -> None:
        self._velocity = max(1, min(127, int(velocity)))

    def base_pitch(self) -> int:
        return self._base

    def shift_octave(self, steps: int) -> None:
        self._base = max(MIDI_LOW, min(MIDI_HIGH - 24, self._base + 12 * steps))
        self.octave_changed.emit(self._base)
        self.update()

    def lit_pitches(self) -> set[int]:
        return set(self._lit)

    def sizeHint(self) -> QSize:
        return QSize(self._white_count() * 18, 110)

    # ---- geometry ------------------------------------------------------------------------
    def _white_count(self) -> int:
        return sum(1 for p in range(self._low, self._high + 1) if not is_black(p))

    def _white_width(self) -> float:
        return self.width() / max(1, self._white_count())

    def key_rect(self, pitch: int) -> QRectF:
        """The rectangle of one key in widget coordinates."""
        ww = self._white_width()
        whites_before = sum(1 for p in range(self._low, pitch) if not is_black(p))
        if not is_black(pitch):
            return QRectF(whites_before * ww, 0, ww, self.height())
        bw = ww * 0.6
        return QRectF(whites_before * ww - bw / 2, 0, bw, self.height() * 0.6)

    def pitch_at(self, pos: QPointF) -> int | None:
        """Black keys lie on top, so they are hit-tested first."""
        keys = range(self._low, self._high + 1)
        for pitch in [p for p in keys if is_black(p)] + [p for p in keys if not is_black(p)]:
            if self.key_rect(pitch).contains(pos):
                return pitch
        return None

    # ---- notes ---------------------------------------------------------------------------
    def press(self, pitch: int) -> None:
        """Play a key as the mouse would (lit until ``release``)."""
        self._press(pitch)

    def release(self, pitch: int) -> None:
        self._release(pitch)

    def _press(self, pitch: int) -> None:
        self._lit.add(pitch)
        self.note_on.emit(pitch, self._velocity)
        self.update()

    def _release(self, pitch: int) -> None:
        self._lit.discard(pitch)
        self.note_off.emit(pitch)
        self.update()

    def release_all(self) -> None:
        for pitch in sorted(self._lit):
            self._release(pitch)
        self._held_keys.clear()
        self._mouse_pitch = None

    # ---- mouse: press plays, drag glides to the next key, release stops ------------------
    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pitch = self.pitch_at(event.position())
        if pitch is not None:
            self._mouse_pitch = pitch
            self._press(pitch)

    def mouseMoveEvent(self, event: QMouseEvent | None) -> None:
        if event is None or self._mouse_pitch is None:
            return
        pitch = self.pitch_at(event.position())
        if pitch is not None and pitch != self._mouse_pitch:
            self._release(self._mouse_pitch)
            self._mouse_pitch = pitch
            self._press(pitch)

    def mouseReleaseEvent(self, event: QMouseEvent | None) -> None:
        if self._mouse_pitch is not None:
            self._release(self._mouse_pitch)
            self._mouse_pitch = None

    # ---- computer keys -------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent, pressed: bool) -> bool:
        """Play or stop the note of a computer key; True when the key belongs to us.

        Public so the window can route keys here whatever widget has focus.
        """
        if event.key() in (OCTAVE_DOWN, OCTAVE_UP):
            if pressed and not event.isAutoRepeat():
                self.shift_octave(-1 if event.key() == OCTAVE_DOWN else 1)
            return True
        ch = event.text().lower()
        if ch not in KEY_OFFSETS:
            return False
        if event.isAutoRepeat():
            return True  # holding a key must not retrigger the note
        if pressed and ch not in self._held_keys:
            pitch = self._base + KEY_OFFSETS[ch]
            if pitch <= MIDI_HIGH:
                self._held_keys[ch] = pitch
                self._press(pitch)
        elif not pressed and ch in self._held_keys:
            self._release(self._held_keys.pop(ch))
        return True

    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and not self.handle_key(event, True):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent | None) -> None:
        if event is not None and not self.handle_key(event, False):
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event: object) -> None:
        # Keys released while another window has focus never reach us: stop the notes we hold.
        for ch in list(self._held_keys):
            self._release(self._held_keys.pop(ch))
        super().focusOutEvent(event)  # type: ignore[arg-type]

    # ---- painting ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent | None) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        keys = range(self._low, self._high + 1)
        for pitch in [p for p in keys if not is_black(p)] + [p for p in keys if is_black(p)]:
            self._paint_key(painter, pitch)
        painter.end()

    def _paint_key(self, painter: QPainter, pitch: int) -> None:
        rect = self.key_rect(pitch)
        inside = self._playable[0] <= pitch <= self._playable[1]
        if pitch in self._lit:
            fill = PRESSED
        elif is_black(pitch):
            fill = BLACK if inside else BLACK_OUTSIDE
        else:
            fill = PLAYABLE if inside else OUTSIDE
        painter.setPen(QPen(QColor("#404040"), 1))
        painter.setBrush(fill)
        painter.drawRect(rect)
        if not is_black(pitch) and pitch % 12 == 0:
            painter.setPen(QColor("#505050"))
            label_rect = rect.adjusted(0, rect.height() - 18, 0, 0)
            painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, midi_name(pitch))
        if pitch in (self._base, self._base + 12):
            # A small mark under the keys the computer rows start on.
            painter.setBrush(QColor("#3070c0"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRect(QRectF(rect.x() + 2, rect.bottom() - 4, rect.width() - 4, 3))
