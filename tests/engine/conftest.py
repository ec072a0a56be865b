"""Fixtures of the engine tests."""

from __future__ import annotations

import pytest
from engine_helpers import Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()
