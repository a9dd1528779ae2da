"""The error a training command shows a person (printed without a traceback, exit code 2)."""

from __future__ import annotations


class TrainingError(Exception):
    """A user-facing problem: missing corpus, incompatible checkpoint, bad option."""
