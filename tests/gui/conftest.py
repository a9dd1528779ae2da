"""GUI test fixtures."""

from __future__ import annotations

import pytest
from gui_fakes import RecordingBackend


@pytest.fixture
def recording_backend() -> RecordingBackend:
    return RecordingBackend()
