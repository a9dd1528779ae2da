"""The one error type of transform mode: a user mistake, printed as one line (exit 2)."""

from __future__ import annotations


class TransformError(ValueError):
    """Bad input (unreadable, silent, too short or pitchless audio), bad edits (unknown
    style, pitch out of range) or an output that would overwrite something. The message is
    what the user reads; commands print it without a traceback."""
