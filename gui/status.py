"""The status panel: what the engine measures about itself, shown as it is.

Values come from ``bridge.EngineStatus`` snapshots polled on a timer; a missing figure is
shown as a dash rather than a made-up number.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from gui.bridge import EngineStatus

FIELDS = (
    ("audio", "Audio"),
    ("device", "Device"),
    ("block", "Block size"),
    ("rate", "Sample rate"),
    ("latency", "Latency"),
    ("load", "Callback load"),
    ("underflows", "Underflows"),
    ("headroom", "Worst block"),
    ("voices", "Voices"),
    ("osc", "OSC"),
    ("midi", "MIDI"),
)
DASH = "–"
HEADROOM = 0.5  # a worst block above this share of its period shows red: little room left


def _ms(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f} ms"


def format_status(s: EngineStatus) -> dict[str, str]:
    """One display string per field of ``FIELDS``."""
    latency = DASH
    if s.latency_p50_ms is not None:
        latency = f"p50 {_ms(s.latency_p50_ms)}, p99 {_ms(s.latency_p99_ms)}"
    if s.render_ms is not None:
        latency += f" (render {_ms(s.render_ms)})"
    return {
        "audio": "running" if s.running else f"NO AUDIO: {s.audio_error or 'stopped'}",
        "device": s.device or DASH,
        "block": DASH if s.block_size is None else f"{s.block_size} frames",
        "rate": DASH if s.sample_rate is None else f"{s.sample_rate} Hz",
        "latency": latency,
        "load": DASH if s.callback_load is None else f"{100 * s.callback_load:.1f} %",
        "underflows": _underflows(s),
        "headroom": _headroom(s),
        "voices": DASH if s.voices is None else f"{s.voices} / {s.max_voices or DASH}",
        "osc": s.osc or "off",
        "midi": s.midi or "off",
    }


def _underflows(s: EngineStatus) -> str:
    """Underflows, and on JACK the server's own xruns beside them: a cycle the whole server
    missed (the host stalled it) also reads as an underflow of ours."""
    if s.underflows is None:
        return DASH
    if s.server_xruns is None:
        return str(s.underflows)
    return f"{s.underflows} (server xruns {s.server_xruns})"


def _headroom(s: EngineStatus) -> str:
    """The worst block against its period, and the stalls: how close the audio came to
    breaking, before any underflow."""
    if s.callback_worst is None or s.callback_worst_ms is None:
        return DASH
    stalls = "" if s.stalls is None else f", {s.stalls} stall{'s' if s.stalls != 1 else ''}"
    return f"{_ms(s.callback_worst_ms)} ({100 * s.callback_worst:.0f} % of a block){stalls}"


class StatusPanel(QGroupBox):
    """Labelled read-outs in two columns (short enough for a 720-pixel screen); long values
    wrap instead of being cut. ``show_status`` refreshes them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Status", parent)
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        rows = (len(FIELDS) + 1) // 2
        for i, (key, title) in enumerate(FIELDS):
            row, col = i % rows, 2 * (i // rows)
            name = QLabel(title)
            name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label = QLabel(DASH)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setObjectName(f"status:{key}")
            self.values[key] = label
            grid.addWidget(name, row, col)
            grid.addWidget(label, row, col + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def show_status(self, status: EngineStatus) -> None:
        for key, text in format_status(status).items():
            self.values[key].setText(text)
        red = "color: #c03020;"
        self.values["audio"].setStyleSheet(red if not status.running else "")
        self.values["underflows"].setStyleSheet(red if status.underflows else "")
        worst = status.callback_worst
        self.values["headroom"].setStyleSheet(red if worst and worst > HEADROOM else "")

    def text(self, key: str) -> str:
        return self.values[key].text()
