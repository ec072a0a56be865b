"""Cutting a sorted sequence into contiguous parts at least cost."""

from __future__ import annotations

import pytest

from tunestudio.engine.fused.partition import cheapest_parts


def test_parts_minimise_the_summed_cost() -> None:
    widths = [1, 1, 1, 9, 9]
    # a part costs 5 plus its length times its widest: {1,1,1} + {9,9} (8 + 23) beats one part
    assert cheapest_parts(5, lambda a, b: 5 + (b - a) * widths[b - 1]) == [(0, 3), (3, 5)]
    # a costly part: one part for all
    assert cheapest_parts(5, lambda a, b: 100 + (b - a) * widths[b - 1]) == [(0, 5)]
    assert cheapest_parts(0, lambda a, b: 1.0) == []


def test_forbidden_parts_are_avoided_or_refused() -> None:
    pairs = cheapest_parts(4, lambda a, b: 1.0 if b - a == 2 else float("inf"))
    assert pairs == [(0, 2), (2, 4)]  # only parts of two allowed
    with pytest.raises(ValueError, match="forbidden"):
        cheapest_parts(3, lambda a, b: float("inf"))
