"""The LR range test on digits suggests an LR in a sane range for Adam."""

from __future__ import annotations

import numpy as np
import pytest
from engine_helpers import tiny

from tunestudio.engine import lr_range_test


def test_lr_range_test_suggests_a_sane_lr_on_digits() -> None:
    config = tiny({"model.width": 64})
    result = lr_range_test(config, steps=100)
    assert 1e-4 <= result.suggested_lr <= 1e-1
    low, high = result.suggested_range
    assert low < result.suggested_lr < high
    assert high == pytest.approx(result.lrs[int(np.argmin(result.smoothed))])
    assert np.all(np.diff(result.lrs) > 0)
    assert len(result.lrs) == len(result.losses) == len(result.smoothed)
    assert len(result.lrs) < 100  # the sweep ends once the loss blows up


def test_lr_range_test_checks_its_arguments() -> None:
    with pytest.raises(ValueError):
        lr_range_test(tiny(), steps=3)
    with pytest.raises(ValueError):
        lr_range_test(tiny(), min_lr=1.0, max_lr=0.1)
