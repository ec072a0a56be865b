"""Excluded trials: kept and listed with their reason, left out of the best trial and the
Pareto front, and the mark is seen by every Store on the database and survives reopening."""

from __future__ import annotations

import pytest
from store_helpers import start

from tunestudio.store import NotFoundError, Store
from tunestudio.store.pareto import pareto_front


def _finished(store: Store, eid: int, values: list[tuple[float, float]]) -> None:
    for number, (objective, seconds) in enumerate(values):
        tid = start(store, eid, number, lr=0.1 * (number + 1))
        store.finish_trial(tid, state="complete", objective=objective, objective2=seconds)


def test_excluding_the_best_trial_changes_best_and_front_and_include_restores(url: str) -> None:
    with Store.open(url) as store:
        eid = store.ensure_experiment("e", "e")
        _finished(store, eid, [(0.9, 10.0), (0.8, 5.0), (0.7, 20.0)])
        assert store.best_trial(eid, "maximize").number == 0  # type: ignore[union-attr]
        front = [r.number for r in pareto_front(store.trials(eid), ("maximize", "minimize"))]
        assert front == [0, 1]

        store.exclude_trials(eid, [0], "  trained on the broken data file ")
        with Store.open(url) as other:  # another worker, or the app after a restart
            rows = other.trials(eid)
            assert [r.number for r in rows] == [0, 1, 2]  # kept and listed
            assert rows[0].excluded and rows[0].excluded_reason == \
                "trained on the broken data file"
            assert not rows[0].counted and rows[1].counted
            assert other.best_trial(eid, "maximize").number == 1  # type: ignore[union-attr]
            assert [r.number for r in pareto_front(rows, ("maximize", "minimize"))] == [1]
            assert other.excluded_optuna_ids(eid) == frozenset({0})

        store.include_trials(eid, [0])
        assert store.best_trial(eid, "maximize").number == 0  # type: ignore[union-attr]
        assert store.excluded_optuna_ids(eid) == frozenset()
        assert not store.trials(eid)[0].excluded


def test_bad_exclusions_are_refused_and_change_nothing(url: str) -> None:
    with Store.open(url) as store:
        eid = store.ensure_experiment("e", "e")
        _finished(store, eid, [(0.9, 1.0)])
        with pytest.raises(NotFoundError, match="no trial #5"):
            store.exclude_trials(eid, [0, 5], "typo")
        with pytest.raises(ValueError, match="give a reason"):
            store.exclude_trials(eid, [0], "   ")
        assert not store.trials(eid)[0].excluded
