"""Peak-preserving downsampling of a step series for plotting.

Plain striding would hide exactly what a tuner looks for: a loss spike or the NaN of a diverging
run. Instead the series is cut into buckets and each bucket keeps the points where the loss is
lowest and highest (NaN sorts highest, so divergence stays visible), plus the first and last
points, in step order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tunestudio.store.rows import StepSeries

if TYPE_CHECKING:
    from tunestudio.store.rows import IntArray


def _segment_keep(loss: np.ndarray, start: int, stop: int, budget: int) -> IntArray:
    n = stop - start
    if n <= budget:
        return np.arange(start, stop, dtype=np.int64)
    buckets = max(1, (budget - 2) // 2)
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    bucket = np.repeat(np.arange(buckets), np.diff(edges))
    order = np.lexsort((loss[start:stop], bucket))  # by bucket, then loss (NaN last)
    firsts = edges[:-1][edges[:-1] < edges[1:]]
    lasts = edges[1:][edges[:-1] < edges[1:]] - 1
    keep = np.concatenate([order[firsts], order[lasts], [0, n - 1]])
    return np.unique(keep) + start


def downsample(series: StepSeries, max_points: int) -> StepSeries:
    """At most `max_points` points (but at least four per repeat), shared among the repeats."""
    if len(series) <= max_points:
        return series
    bounds = np.flatnonzero(np.diff(series.repeat)) + 1
    starts = np.concatenate([[0], bounds])
    stops = np.concatenate([bounds, [len(series)]])
    budget = max(2, max_points // len(starts))
    keep = np.concatenate([
        _segment_keep(series.loss, int(a), int(b), budget) for a, b in zip(starts, stops,
                                                                            strict=True)
    ])
    return StepSeries(
        trial_id=series.trial_id, step=series.step[keep], epoch=series.epoch[keep],
        loss=series.loss[keep], lr=series.lr[keep], grad_norm=series.grad_norm[keep],
        repeat=series.repeat[keep], wall_s=series.wall_s[keep],
    )
