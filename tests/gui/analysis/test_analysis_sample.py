"""A long search's analysis is drawn from a sample: at most MAX_DRAWN complete trials, always the
best ones and the Pareto front, an even spread of the rest, and the best-so-far line over every
trial (the view says so; tests/gui/analysis/test_analysis_views.py checks it there)."""

from __future__ import annotations

import numpy as np

from tunestudio.gui.analysis.data import MAX_DRAWN, TOP_DRAWN, AnalysisData, Param, sample_of


def long_search(n: int, seed: int = 0) -> AnalysisData:
    rng = np.random.default_rng(seed)
    objective = rng.random(n)
    train_time = rng.uniform(1, 100, n)
    # the front of (objective up, time down), found by brute force over a sorted sweep
    order = np.lexsort((train_time, -objective))
    front = np.zeros(n, dtype=bool)
    best_time = np.inf
    for i in order:
        if train_time[i] < best_time:
            front[i], best_time = True, train_time[i]
    return AnalysisData(
        experiment="long", study_name="long", metric="val_accuracy", maximize=True,
        params=[Param("optimizer.lr", "float", True)], numbers=np.arange(n, dtype=np.int64),
        objective=objective, values={"optimizer.lr": list(rng.uniform(1e-4, 1e-1, n))},
        other={"pruned": np.arange(n, 2 * n, dtype=np.int64)},
        ids=np.arange(n, dtype=np.int64) + 1, train_time=train_time, on_front=front,
        stale=np.zeros(n, dtype=bool), excluded=np.zeros(n, dtype=bool))


def test_a_sample_keeps_the_best_the_front_and_the_whole_best_so_far_line() -> None:
    data = long_search(12_000)
    sample = sample_of(data)
    assert len(sample) <= MAX_DRAWN and sample.sampled_from == 12_000
    assert list(sample.numbers) == sorted(sample.numbers)  # in trial order
    kept = set(sample.numbers.tolist())
    top = np.argsort(-data.objective)[:TOP_DRAWN]
    assert set(data.numbers[top].tolist()) <= kept
    assert set(data.numbers[data.on_front].tolist()) <= kept
    assert sample.best_index() is not None
    assert sample.ids[sample.best_index()] == data.ids[data.best_index()]
    i = np.flatnonzero(np.isin(data.numbers, sample.numbers))  # values stay with their trial
    assert np.array_equal(sample.objective, data.objective[i])
    assert sample.values["optimizer.lr"] == [data.values["optimizer.lr"][k] for k in i]
    assert np.array_equal(sample.train_time, data.train_time[i])
    # the staircase over the sample's corners is the one over every trial
    x, y = sample.best_staircase()
    full_x, full_y = data.best_staircase()
    at = np.searchsorted(x[::2], full_x[::2], side="right") - 1
    assert np.array_equal(y[::2][at], full_y[::2]) and x[-1] == full_x[-1]
    # the other states' marks, spread over the whole search
    assert len(sample.other["pruned"]) == MAX_DRAWN and sample.other_counts["pruned"] == 12_000
    assert sample.other["pruned"][0] == 12_000 and sample.other["pruned"][-1] == 23_999


def test_a_short_search_is_drawn_whole() -> None:
    data = long_search(300)
    sample = sample_of(data, most=1_000)
    assert np.array_equal(sample.numbers, data.numbers)
