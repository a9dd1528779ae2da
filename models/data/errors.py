"""The error a dataset command shows a person (printed without a traceback, exit code 2)."""

from __future__ import annotations


class DatasetError(Exception):
    """A user-facing problem with a corpus, a sample library or the soundfont."""
