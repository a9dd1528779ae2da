"""Help texts from docstrings: plain words, no reStructuredText markup."""

from __future__ import annotations

import re

_ROLE = re.compile(r":[a-z]+:`~?([^`]+)`")  # :class:`Engine` -> Engine


def plain(text: str) -> str:
    """``text`` without RST markup: double backticks and roles removed."""
    return _ROLE.sub(r"\1", text).replace("``", "")


def summary(doc: str | None) -> str:
    """A module docstring's first paragraph, on one line, as plain text (a --help description)."""
    first = (doc or "").strip().split("\n\n")[0]
    return plain(" ".join(first.split()))
