"""Rendered notes kept by their controls: a repeated note starts without running the model."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from realtime.renderer import NoteControls

# a held note's loop (samples of its buffer): start, end, pitch period, where a note-off
# joins the note after the loop, how long the note's own release lasts from there
Loop = tuple[int, int, float, float, int]


class NoteCache:
    """Least-recently-used store of device-rate notes, bounded in bytes.

    The render worker reads and fills it; other threads may ``clear`` it or read its figures
    (a lock, never taken by the audio callback). Stored arrays are read-only: voices share them.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[NoteControls, np.ndarray] = OrderedDict()
        self._loops: dict[NoteControls, Loop] = {}  # held notes' loop points
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: NoteControls) -> np.ndarray | None:
        with self._lock:
            audio = self._items.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return audio

    def loop(self, key: NoteControls) -> Loop | None:
        """The loop of a cached held note (None: it plays once)."""
        with self._lock:
            return self._loops.get(key)

    def put(
        self, key: NoteControls, audio: np.ndarray, loop: Loop | None = None
    ) -> None:
        if audio.nbytes > self.max_bytes:
            return
        audio.setflags(write=False)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = audio
            self._loops.pop(key, None)
            if loop is not None:
                self._loops[key] = loop
            self._bytes += audio.nbytes
            while self._bytes > self.max_bytes and self._items:
                dropped_key, dropped = self._items.popitem(last=False)
                self._loops.pop(dropped_key, None)
                self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._loops.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def figures(self) -> dict[str, float]:
        total = self.hits + self.misses
        return {
            "cache_notes": len(self._items),
            "cache_mb": round(self._bytes / 2**20, 2),
            "cache_hit_rate": round(self.hits / total, 4) if total else 0.0,
        }
