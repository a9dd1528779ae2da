"""A short hands-free performance of the window: press a few keys, then take a screenshot.

For ``waefader play --play-demo`` (a quick check that sound comes out) and ``--screenshot``
(the README picture: the window as the display shows it, keys held, last note drawn).
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QPixmap

from gui.main_window import MainWindow

CHORD = (0, 4, 7, 12)  # semitones above the middle C of the playable range
STEP_MS = 350


class Showcase:
    """Presses CHORD one key at a time, screenshots while they sound, then lets go."""

    def __init__(self, window: MainWindow, screenshot: Path | None, play: bool = True) -> None:
        self.window = window
        self.screenshot = screenshot
        low, high = window.keyboard.playable_range()
        middle = (low + high) // 2
        self.root = middle - middle % 12
        self.pitches = [self.root + k for k in CHORD] if play or screenshot else []
        for i, pitch in enumerate(self.pitches):
            QTimer.singleShot(500 + i * STEP_MS, lambda p=pitch: window.keyboard.press(p))
        end = 500 + len(self.pitches) * STEP_MS + 600
        QTimer.singleShot(end, self._shoot)
        QTimer.singleShot(end + 200, self._release)

    def _shoot(self) -> None:
        if self.screenshot is None:
            return
        self.screenshot.parent.mkdir(parents=True, exist_ok=True)
        grab_window(self.window).save(str(self.screenshot))
        print(f"screenshot: {self.screenshot}", flush=True)

    def _release(self) -> None:
        for pitch in self.pitches:
            self.window.keyboard.release(pitch)


def grab_window(window: MainWindow) -> QPixmap:
    """The window's pixels as the display server has them (what a person sees); falls back
    to rendering the widget where the platform cannot read the screen (offscreen)."""
    screen = window.screen()
    if screen is not None:
        pixmap = screen.grabWindow(window.winId())
        if not pixmap.isNull() and pixmap.width() > 1:
            return pixmap
    return window.grab()
