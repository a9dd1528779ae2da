"""The folders ``/waefader/transform`` may read (``--allow-dir DIR``, repeatable).

A remote sender names a file; it is read only when its real path (symlinks resolved) is
a regular file inside an allowed folder. None allowed (the default): every transform over
OSC is refused. The file is opened without following a last symlink and read from that
descriptor, so it cannot be swapped for a link between the check and the read. Every
refusal (outside, missing, unreadable, not a regular file) is the same
:class:`NotAllowed` ``not allowed or not found``: a sender cannot learn which files exist.
The window's own file dialog is the user's act and does not come through here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from realtime.engine.preset_folders import REFUSED


class NotAllowed(ValueError):
    def __init__(self) -> None:
        super().__init__(REFUSED)


class AllowedDirs:
    """Folders a remote sender may read from; ``open`` hands out a checked file."""

    def __init__(self, dirs: Iterable[str | Path] = ()) -> None:
        self.dirs = tuple(Path(d).expanduser().resolve() for d in dirs)

    def __bool__(self) -> bool:
        return bool(self.dirs)

    def open(self, name: str) -> BinaryIO:
        """The named file opened for reading (binary); NotAllowed otherwise."""
        if not self.dirs or not isinstance(name, str) or "\0" in name:
            raise NotAllowed()
        try:
            real = Path(name).expanduser().resolve(strict=True)
        except (OSError, RuntimeError):
            raise NotAllowed() from None
        if not any(real.is_relative_to(d) for d in self.dirs):
            raise NotAllowed()
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
        except OSError:
            raise NotAllowed() from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a FIFO or device would block or stream
            os.close(fd)
            raise NotAllowed()
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
