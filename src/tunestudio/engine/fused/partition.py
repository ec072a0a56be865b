"""Cutting a sorted sequence into contiguous parts at least cost: how trials of neighbouring
widths are gathered, into width classes of one stack (engine/fused/handgrad.py) or into
separate groups of a search (search/groups.py)."""

from __future__ import annotations

from collections.abc import Callable


def cheapest_parts(n: int, cost: Callable[[int, int], float]) -> list[tuple[int, int]]:
    """Items `0..n-1` cut into contiguous parts `[(start, stop), ...]` minimising the sum of
    `cost(start, stop)` over the parts (`inf` forbids a part); dynamic programming over the
    cut points, O(n^2) calls of `cost`. Raises ValueError when every cut is forbidden."""
    best = [0.0] + [float("inf")] * n
    cut = [0] * (n + 1)
    for stop in range(1, n + 1):
        for start in range(stop):
            total = best[start] + cost(start, stop)
            if total < best[stop]:
                best[stop], cut[stop] = total, start
    if n and best[n] == float("inf"):
        raise ValueError("no way to cut the sequence: every part is forbidden")
    parts: list[tuple[int, int]] = []
    stop = n
    while stop > 0:
        parts.append((cut[stop], stop))
        stop = cut[stop]
    return parts[::-1]
