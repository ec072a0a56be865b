"""Downsampling keeps spikes, NaNs and both ends, in step order, within the budget."""

from __future__ import annotations

import numpy as np

from tunestudio.store import StepSeries
from tunestudio.store.downsample import downsample


def _series(loss: np.ndarray, repeat: np.ndarray | None = None) -> StepSeries:
    n = len(loss)
    return StepSeries(trial_id=1, step=np.arange(n), epoch=np.arange(n) / 10.0, loss=loss,
                      lr=np.full(n, 0.1), grad_norm=np.ones(n),
                      wall_s=np.arange(n, dtype=np.float64) * 0.01,
                      repeat=np.zeros(n, dtype=np.int64) if repeat is None else repeat)


def test_short_series_are_returned_as_they_are() -> None:
    series = _series(np.ones(50))
    assert downsample(series, 100) is series


def test_keeps_spikes_nans_and_ends_in_order() -> None:
    loss = np.linspace(2.0, 0.1, 100_000)
    loss[31_337] = 50.0
    loss[77_777] = np.nan
    out = downsample(_series(loss), 500)
    assert len(out) <= 500
    assert np.all(np.diff(out.step) > 0)
    assert {0, 31_337, 77_777, 99_999} <= set(out.step.tolist())
    np.testing.assert_array_equal(out.loss, loss[out.step])
    np.testing.assert_array_equal(out.epoch, out.step / 10.0)


def test_shares_the_budget_among_repeats() -> None:
    repeat = np.repeat([0, 1], 5000)
    out = downsample(_series(np.random.default_rng(0).random(10_000), repeat), 200)
    assert len(out) <= 200
    assert sorted(set(out.repeat.tolist())) == [0, 1]
    assert np.sum(out.repeat == 0) <= 100
