from __future__ import annotations

import pytest
from engine_helpers import tiny

from tunestudio.engine import batch_bounds, steps_per_epoch, total_steps


@pytest.mark.parametrize(("n", "b", "expected"), [
    (10, 4, [(0, 4), (4, 8), (8, 10)]),
    (8, 4, [(0, 4), (4, 8)]),
    (9, 4, [(0, 4), (4, 9)]),  # a lone last sample joins the previous batch
    (3, 64, [(0, 3)]),
    (1, 1, [(0, 1)]),
])
def test_batch_bounds_cover_every_sample_once(n: int, b: int,
                                              expected: list[tuple[int, int]]) -> None:
    bounds = batch_bounds(n, b)
    assert bounds == expected
    assert sum(e - s for s, e in bounds) == n


def test_steps_follow_the_config() -> None:
    config = tiny({"training.batch_size": 100, "training.epochs": 7})
    assert steps_per_epoch(config, 1000) == 10
    assert steps_per_epoch(config, 1001) == 10
    assert steps_per_epoch(config, 1002) == 11
    assert total_steps(config, 1000) == 70
