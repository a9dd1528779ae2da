"""Fixtures for the engine tests (helpers: engine_fakes.py)."""

from __future__ import annotations

import pytest
from engine_fakes import SineRenderer


@pytest.fixture
def renderer() -> SineRenderer:
    return SineRenderer()


@pytest.fixture
def head_renderer() -> SineRenderer:
    return SineRenderer(head_samples=2205)
