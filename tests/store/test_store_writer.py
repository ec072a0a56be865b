"""SeriesWriter: one transaction per flush, never per step; flushes by size, time, finish and
close; thread-safe; errors reach the trainer's thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from store_helpers import start

from tunestudio.store import EvalPoint, SeriesWriter, Store


@contextmanager
def counting_commits(store: Store) -> Iterator[list[int]]:
    """Counts committed transactions and executemany calls on the store's engine."""
    counts = [0, 0]

    def on_commit(conn: object) -> None:
        counts[0] += 1

    def on_execute(conn: object, cursor: object, statement: str, params: object,
                   context: object, executemany: bool) -> None:
        counts[1] += executemany

    engine = store._db.engine
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counts
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_execute)


def _points(store: Store, trial_id: int) -> int:
    series = store.step_series([trial_id]).get(trial_id)
    return 0 if series is None else len(series)


def test_a_flush_of_many_points_is_one_transaction(store: Store, experiment_id: int) -> None:
    a, b = start(store, experiment_id, 0), start(store, experiment_id, 1)
    writer = SeriesWriter(store, flush_points=100_000, background=False)
    with counting_commits(store) as counts:
        for i in range(5000):
            writer.add_step(a, i, i / 100, 1.0, 0.1, 0.5)
            writer.add_step(b, i, i / 100, 1.0, 0.1, 0.5)
        for tid in (a, b):
            writer.add_eval(tid, EvalPoint(4999, 50.0, 1.0, 0.5, 0.6, {"val_accuracy": 0.8}))
        assert counts == [0, 0] and writer.pending == 10_002
        writer.flush()
        assert counts[0] == 1  # one transaction
        if store._db.is_sqlite:
            assert counts[1] == 2  # one executemany per table
    assert writer.pending == 0
    assert (_points(store, a), _points(store, b)) == (5000, 5000)
    assert len(store.eval_series([a])[a]) == 1
    writer.close()


def test_append_steps_is_one_transaction(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    with counting_commits(store) as counts:
        store.append_steps(tid, [(i, 0.0, 1.0, 0.1, 1.0) for i in range(3000)])
    assert counts[0] == 1


def test_flushes_when_flush_points_are_waiting(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    writer = SeriesWriter(store, flush_points=100, background=False)
    with counting_commits(store) as counts:
        writer.add_steps(tid, [(i, 0.0, 1.0, 0.1, 1.0) for i in range(99)])
        assert counts[0] == 0
        writer.add_step(tid, 99, 0.0, 1.0, 0.1, 1.0)
        assert counts[0] == 1 and writer.pending == 0
    writer.close()
    assert _points(store, tid) == 100


def test_the_timer_flushes_slow_trials(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    with SeriesWriter(store, flush_seconds=0.05) as writer:
        writer.add_step(tid, 0, 0.0, 1.0, 0.1, 1.0)
        deadline = time.monotonic() + 5
        while _points(store, tid) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _points(store, tid) == 1 and writer.pending == 0


def test_finish_trial_writes_the_buffered_series_first(store: Store,
                                                      experiment_id: int) -> None:
    tid = start(store, experiment_id)
    writer = store.series_writer(flush_points=10_000, flush_seconds=60)
    writer.add_steps(tid, [(i, 0.0, 1.0, 0.1, 1.0) for i in range(500)])
    store.finish_trial(tid, state="complete", objective=1.0)
    assert _points(store, tid) == 500 and writer.pending == 0
    writer.add_step(tid, 500, 0.0, 1.0, 0.1, 1.0)
    store.interrupt_trial(tid, "no-op on a finished trial, but flushes too")
    assert _points(store, tid) == 501
    store.close()  # closes the writer, which later adds must notice
    with pytest.raises(RuntimeError, match="closed"):
        writer.add_step(tid, 501, 0.0, 1.0, 0.1, 1.0)


def test_close_flushes_and_is_idempotent(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    writer = SeriesWriter(store)
    writer.add_step(tid, 0, 0.0, 1.0, 0.1, 1.0)
    writer.close()
    writer.close()
    assert _points(store, tid) == 1


def test_converts_numpy_like_numbers(store: Store, experiment_id: int) -> None:
    np = pytest.importorskip("numpy")
    tid = start(store, experiment_id)
    with SeriesWriter(store) as writer:
        writer.add_step(tid, np.int64(3), np.float32(0.5), np.float32(0.25), np.float64(0.1),
                        None)
    series = store.step_series([tid])[tid]
    assert series.step.tolist() == [3] and series.loss.tolist() == [0.25]


def test_a_failed_flush_keeps_its_points_and_raises_to_the_caller(
        store: Store, experiment_id: int) -> None:
    """A bug (here a step of a trial that does not exist) propagates to whoever flushes."""
    tid = start(store, experiment_id)
    writer = SeriesWriter(store, background=False)
    writer.add_step(tid + 999, 0, 0.0, 1.0, 0.1, 1.0)
    with pytest.raises(IntegrityError):
        writer.flush()
    assert writer.pending == 1
    with pytest.raises(IntegrityError):
        writer.close()


def test_a_failure_in_the_timer_is_raised_in_the_trainer_thread(
        store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    writer = SeriesWriter(store, flush_seconds=0.02)
    writer.add_step(tid + 999, 0, 0.0, 1.0, 0.1, 1.0)
    deadline = time.monotonic() + 5
    while writer._error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(IntegrityError):
        writer.add_step(tid, 1, 0.0, 1.0, 0.1, 1.0)
    assert writer.pending == 2  # nothing lost, nothing written
    with pytest.raises(IntegrityError):
        writer.close()


def test_threads_adding_to_one_writer_lose_nothing(store: Store, experiment_id: int) -> None:
    ids = [start(store, experiment_id, n) for n in range(4)]
    writer = SeriesWriter(store, flush_points=700, flush_seconds=0.01)

    def produce(tid: int) -> None:
        for i in range(3000):
            writer.add_step(tid, i, 0.0, 1.0, 0.1, 1.0)

    threads = [threading.Thread(target=produce, args=(tid,)) for tid in ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    writer.close()
    got = store.step_series(ids)
    assert {tid: got[tid].step.tolist() for tid in ids} == {
        tid: list(range(3000)) for tid in ids}


def test_rejects_nonsense_settings(store: Store) -> None:
    with pytest.raises(ValueError):
        SeriesWriter(store, flush_points=0)
