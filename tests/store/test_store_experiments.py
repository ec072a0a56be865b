"""Experiments: created once by name, journal fields kept or updated, deleted with trials."""

from __future__ import annotations

import threading

import pytest
from store_helpers import start, steps

from tunestudio.store import NotFoundError, Store


def test_ensure_experiment_creates_once_and_updates_given_journal_fields(store: Store) -> None:
    first = store.ensure_experiment("width", "width-study", goal="accuracy",
                                    hypothesis="wider is better", search_json='{"n": 1}')
    again = store.ensure_experiment("width", "width-study", expected_result="+2%")
    assert again == first
    (row,) = store.experiments()
    assert (row.name, row.study_name, row.goal, row.hypothesis, row.expected_result,
            row.search_json) == ("width", "width-study", "accuracy", "wider is better", "+2%",
                                 '{"n": 1}')
    assert row.created_at > 0 and row.finished_at is None


def test_conclusion_and_finish_time(store: Store) -> None:
    eid = store.ensure_experiment("depth", "depth-study")
    store.set_conclusion(eid, "depth did not matter")
    store.finish_experiment(eid)
    row = store.experiment("depth")
    assert row is not None
    assert row.conclusion == "depth did not matter"
    assert row.finished_at is not None and row.finished_at >= row.created_at
    assert store.experiment("nope") is None
    with pytest.raises(NotFoundError):
        store.set_conclusion(eid + 100, "x")


def test_experiments_keep_creation_order(store: Store) -> None:
    for name in ("b", "a", "c"):
        store.ensure_experiment(name, f"{name}-study")
    assert [e.name for e in store.experiments()] == ["b", "a", "c"]


def test_delete_experiment_removes_its_trials_and_series_only(store: Store) -> None:
    keep = store.ensure_experiment("keep", "keep-study")
    drop = store.ensure_experiment("drop", "drop-study")
    kept, dropped = start(store, keep), start(store, drop)
    for tid in (kept, dropped):
        store.append_steps(tid, steps(10))
    store.delete_experiment(drop)
    assert [e.name for e in store.experiments()] == ["keep"]
    assert [t.id for t in store.trials()] == [kept]
    assert list(store.step_series([kept, dropped])) == [kept]
    with pytest.raises(NotFoundError):
        store.delete_experiment(drop)


def test_concurrent_ensure_experiment_yields_one_row(url: str) -> None:
    """Workers starting the same experiment at once agree on one id."""
    stores = [Store.open(url) for _ in range(4)]
    ids: list[int] = []
    barrier = threading.Barrier(len(stores))

    def ensure(s: Store) -> None:
        barrier.wait()
        ids.append(s.ensure_experiment("shared", "shared-study", goal="g"))

    threads = [threading.Thread(target=ensure, args=(s,)) for s in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    try:
        assert len(ids) == 4 and len(set(ids)) == 1
        assert len(stores[0].experiments()) == 1
    finally:
        for s in stores:
            s.close()
