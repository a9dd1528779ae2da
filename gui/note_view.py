"""The last rendered note: waveform envelope on top, log spectrogram below.

The picture is computed once per new note on the GUI thread from audio the engine already
rendered (at most 256 frames of a 1024-point STFT: a few milliseconds); nothing here renders audio.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QLineF, QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

N_FFT = 1024
HOP = 128
MAX_FRAMES = 256  # about the view's width: more frames would cost time and show nothing
FLOOR_DB = -80.0


def spectrogram_db(audio: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """``audio (N,)`` -> dB magnitudes ``(n_fft // 2 + 1, frames)``, 0 dB = loudest bin.
    The hop grows for long notes so that there are at most MAX_FRAMES frames."""
    x = np.asarray(audio, dtype=np.float32).ravel()
    if x.size < n_fft:
        x = np.pad(x, (0, n_fft - x.size))
    hop = max(hop, -(-(x.size - n_fft) // (MAX_FRAMES - 1)))
    frames = 1 + (x.size - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(n_fft).astype(np.float32), axis=1)).T
    db = 20 * np.log10(np.maximum(spec, 1e-9))
    return np.maximum(db - db.max(), FLOOR_DB)


def envelope(audio: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of ``audio`` over ``columns`` equal chunks (for drawing a waveform);
    the few samples past the last whole chunk are left out."""
    x = np.asarray(audio, dtype=np.float32).ravel()
    columns = max(1, min(columns, x.size))
    chunks = x[: x.size - x.size % columns].reshape(columns, -1)
    return chunks.min(axis=1), chunks.max(axis=1)


# A small "inferno"-like colour ramp: dB level 0..1 -> RGB, by linear interpolation.
RAMP = np.array(
    [[0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66],
     [245, 125, 21], [250, 193, 39], [252, 255, 164]], dtype=np.float32,
)


def log_rows(db: np.ndarray, rate: int, rows: int = 160, f_low: float = 30.0) -> np.ndarray:
    """Resample the frequency axis of ``db (F, T)`` to ``rows`` log-spaced bins (music is
    log-spaced: on a linear axis every orchestral fundamental hides in the bottom rows).
    The axis starts two bins above DC at the lowest, so no row repeats the DC bin."""
    n_bins = db.shape[0]
    f_low = max(f_low, 2 * (rate / 2) / (n_bins - 1))
    freqs = np.geomspace(f_low, rate / 2, rows)
    index = np.clip(np.round(freqs / (rate / 2) * (n_bins - 1)).astype(int), 0, n_bins - 1)
    return db[index]


def _ramp_lut() -> np.ndarray:
    """256 RGB colours along RAMP, for an 8-bit level -> colour lookup."""
    pos = np.linspace(0.0, len(RAMP) - 1, 256)
    k = np.minimum(pos.astype(int), len(RAMP) - 2)
    t = (pos - k)[:, None]
    return ((1 - t) * RAMP[k] + t * RAMP[k + 1]).astype(np.uint8)


LUT = _ramp_lut()


def _image_from_db(db: np.ndarray) -> QImage:
    """dB array (F, T) -> a colour image, low frequencies at the bottom."""
    level = np.clip((db - FLOOR_DB) * (255.0 / -FLOOR_DB), 0, 255).astype(np.uint8)[::-1]
    rgb = np.ascontiguousarray(LUT[level])
    h, w, _ = rgb.shape
    pixels = rgb.tobytes()  # must outlive the QImage that wraps it (until the copy below)
    image = QImage(pixels, w, h, 3 * w, QImage.Format.Format_RGB888)
    return image.copy()  # own the pixels: ``pixels`` is freed when this returns


class NoteView(QWidget):
    """Shows the most recent note handed to ``show_note``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._audio: np.ndarray | None = None
        self._rate = 0
        self._image: QImage | None = None
        self._wave: tuple[tuple[int, int], list[QLineF]] | None = None
        self.caption = ""  # the note in words (pitch, styles), shown above the picture
        self.setMinimumSize(220, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(300, 180)

    def has_note(self) -> bool:
        return self._audio is not None

    def set_caption(self, text: str) -> None:
        self.caption = text
        self.setToolTip(text)
        self.update()

    def show_note(self, audio: np.ndarray, rate: int) -> None:
        # Non-finite samples would make non-finite coordinates, which Qt must never paint.
        self._audio = np.nan_to_num(np.asarray(audio, dtype=np.float32).ravel(), posinf=0.0,
                                    neginf=0.0)
        self._rate = int(rate)
        self._image = _image_from_db(log_rows(spectrogram_db(self._audio), self._rate))
        self._wave = None
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#10151c"))
        if self._audio is None or self._image is None:
            p.setPen(QColor("#8090a0"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "last note: none yet")
            p.end()
            return
        wave_h = self.height() // 3
        self._paint_wave(p, QRectF(0, 0, self.width(), wave_h))
        p.drawImage(QRectF(0, wave_h, self.width(), self.height() - wave_h), self._image)
        seconds = self._audio.size / max(1, self._rate)
        text = f"last note  {self.caption + '  ' if self.caption else ''}{seconds:.2f} s"
        text = p.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self.width() - 14)
        box = QRectF(2, wave_h - 18, p.fontMetrics().horizontalAdvance(text) + 10, 16)
        p.fillRect(box, QColor(0, 0, 0, 160))  # readable over any spectrogram colour
        p.setPen(QColor("#e0e8f0"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        p.end()

    def _paint_wave(self, p: QPainter, rect: QRectF) -> None:
        key = (int(rect.width()), int(rect.height()))
        if self._wave is None or self._wave[0] != key:
            self._wave = (key, self._wave_lines(rect))
        p.setPen(QPen(QColor("#60c0f0"), 1))
        p.drawLines(*self._wave[1])

    def _wave_lines(self, rect: QRectF) -> list[QLineF]:
        """One vertical line per pixel column, from the min to the max of its samples;
        built once per note and size, so repaints do no per-column Python work."""
        assert self._audio is not None
        lo, hi = envelope(self._audio, int(rect.width()))
        peak = max(1e-6, float(np.max(np.abs(self._audio))))
        mid, half = rect.center().y(), rect.height() / 2 - 2
        top, bottom = mid - hi / peak * half, mid - lo / peak * half
        return [
            QLineF(float(x), float(a), float(x), float(b))
            for x, (a, b) in enumerate(zip(top, bottom, strict=True))
        ]
