"""Step and evaluation series: appended in one transaction, read back per trial in numpy."""

from __future__ import annotations

import math

import numpy as np
from store_helpers import start, steps

from tunestudio.store import EvalPoint, SeriesWriter, Store


def test_steps_round_trip_per_trial_and_repeat(store: Store, experiment_id: int) -> None:
    a, b, empty = (start(store, experiment_id, n) for n in range(3))
    store.append_steps(a, steps(5))
    store.append_steps(a, steps(3), repeat=1)
    store.append_steps(b, [(0, 0.0, math.nan, 0.1, math.inf)])
    got = store.step_series([b, a, empty, a])
    assert sorted(got) == [a, b]
    sa = got[a]
    assert sa.trial_id == a and len(sa) == 8
    assert sa.repeat.tolist() == [0] * 5 + [1] * 3
    assert sa.step.tolist() == [0, 1, 2, 3, 4, 0, 1, 2]
    assert sa.step.dtype == np.int64 and sa.loss.dtype == np.float64
    np.testing.assert_allclose(sa.loss[:5], [1.0 / (i + 1) for i in range(5)])
    np.testing.assert_allclose(sa.epoch[:5], [i / 100 for i in range(5)])
    assert sa.lr.tolist() == [1e-3] * 8 and sa.grad_norm.tolist() == [0.5] * 8
    # A diverged step keeps its NaN loss (SQLite stores it as NULL) and infinite norm.
    assert math.isnan(got[b].loss[0]) and math.isinf(got[b].grad_norm[0])


def test_step_wall_times_round_trip_exactly(store: Store, experiment_id: int) -> None:
    """Each step's wall-clock seconds are stored as given, through the writer and in bulk;
    a step given none reads back NaN."""
    tid = start(store, experiment_id)
    walls = [0.0123456789012345, 0.1 + 0.2, 7.5]
    store.append_steps(tid, [(i, 0.0, 1.0, 0.1, 1.0, w) for i, w in enumerate(walls)])
    store.append_steps(tid, [(3, 0.0, 1.0, 0.1, 1.0)])
    with SeriesWriter(store, background=False) as writer:
        # a numpy scalar (not a float), as a training loop may give
        writer.add_step(tid, 4, 0.0, 1.0, 0.1, 1.0, wall_s=np.float32(9.25))  # type: ignore[arg-type]
    got = store.step_series([tid])[tid]
    assert got.wall_s[:3].tolist() == walls  # exactly, not rounded
    assert math.isnan(got.wall_s[3]) and got.wall_s[4] == 9.25
    small = store.step_series([tid], max_points=2)[tid]  # downsampling keeps each step's own
    assert len(small.wall_s) == len(small.step) < 5
    assert small.wall_s.tolist() == [got.wall_s[s] for s in small.step.tolist()]


def test_steps_arrive_in_step_order_whatever_the_append_order(store: Store,
                                                             experiment_id: int) -> None:
    tid = start(store, experiment_id)
    store.append_steps(tid, steps(5, start_at=5))
    store.append_steps(tid, steps(5))
    assert store.step_series([tid])[tid].step.tolist() == list(range(10))


def test_a_repeated_step_keeps_its_first_values(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    store.append_steps(tid, [(0, 0.0, 1.0, 0.1, 1.0), (1, 0.0, 0.5, 0.1, 1.0)])
    store.append_steps(tid, [(1, 0.0, 9.0, 0.1, 1.0), (2, 0.0, 0.25, 0.1, 1.0)])
    assert store.step_series([tid])[tid].loss.tolist() == [1.0, 0.5, 0.25]


def test_max_points_downsamples_each_trial(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    store.append_steps(tid, steps(1000))
    series = store.step_series([tid], max_points=100)[tid]
    assert 4 <= len(series) <= 100
    assert series.step[0] == 0 and series.step[-1] == 999


def test_many_trials_in_one_read(store: Store, experiment_id: int) -> None:
    ids = [start(store, experiment_id, n) for n in range(600)]  # more than one IN (...) chunk
    for tid in ids[::50]:
        store.append_steps(tid, steps(2))
    got = store.step_series(ids)
    assert sorted(got) == ids[::50]


def test_evals_round_trip_with_metrics_by_name(store: Store, experiment_id: int) -> None:
    tid, other = start(store, experiment_id, 0), start(store, experiment_id, 1)
    store.append_evals(tid, [
        EvalPoint(step=100, epoch=1.0, wall_s=2.5, train_loss=0.9, val_loss=1.0,
                  metrics={"val_accuracy": 0.5}),
        EvalPoint(step=200, epoch=2.0, wall_s=5.0, train_loss=0.7, val_loss=None,
                  metrics={"val_accuracy": 0.6, "train_accuracy": 0.7}),
    ])
    store.append_evals(tid, [EvalPoint(50, 0.5, 1.0, 1.2, 1.3)], repeat=1)
    got = store.eval_series([tid, other])
    assert list(got) == [tid]
    ev = got[tid]
    assert ev.step.tolist() == [100, 200, 50] and ev.repeat.tolist() == [0, 0, 1]
    assert ev.epoch.tolist() == [1.0, 2.0, 0.5] and ev.wall_s.tolist() == [2.5, 5.0, 1.0]
    assert ev.train_loss.tolist() == [0.9, 0.7, 1.2]
    assert ev.val_loss[0] == 1.0 and math.isnan(ev.val_loss[1])
    assert sorted(ev.metrics) == ["train_accuracy", "val_accuracy"]
    np.testing.assert_equal(ev.metrics["val_accuracy"], [0.5, 0.6, np.nan])
    np.testing.assert_equal(ev.metrics["train_accuracy"], [np.nan, 0.7, np.nan])


def test_evals_accept_any_object_with_the_fields(store: Store, experiment_id: int) -> None:
    class EngineEvent:
        step, epoch, wall_s, train_loss, val_loss = 10, 1, 0.5, np.float32(0.25), 0.5
        metrics = {"val_mse": np.float64(0.1)}  # noqa: RUF012

    tid = start(store, experiment_id)
    store.append_evals(tid, [EngineEvent()])  # type: ignore[list-item]  # np.float32 train_loss
    ev = store.eval_series([tid])[tid]
    assert ev.train_loss.tolist() == [0.25] and ev.metrics["val_mse"].tolist() == [0.1]
