"""Optuna's cache told to re-read only the trials that changed (search/cache_reads.py): what a
sampler reads stays what a fresh read of the database gives, and running trials that did not
change are not fetched again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import optuna
import pytest
from optuna.trial import TrialState

from tunestudio.search import cache_reads
from tunestudio.search.cache_reads import read_changes_only

if TYPE_CHECKING:  # Optuna wraps every storage in it; a private class, for the casts only
    from optuna.storages._cached_storage import _CachedStorage


def _studies(tmp_path: Path) -> tuple[optuna.Study, optuna.Study, str]:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    other = optuna.create_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    ours = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    return ours, other, url


def _seen(trials: list[optuna.trial.FrozenTrial]) -> list[tuple[Any, ...]]:
    """What a sampler reads of each trial (a running trial's reports and user attributes may
    lag, by design)."""
    return [(t.number, t.state, t.params, t.values, t.system_attrs,
             t.intermediate_values if t.state.is_finished() else None) for t in trials]


def test_every_change_another_process_makes_is_seen(tmp_path: Path) -> None:
    ours, other, url = _studies(tmp_path)
    assert read_changes_only(ours)
    first = other.ask()
    first.suggest_float("x", 0, 1)
    other.tell(first, 0.5)
    assert [t.state for t in ours.get_trials(deepcopy=False)] == [TrialState.COMPLETE]
    running = other.ask()  # no parameter yet
    assert ours.get_trials(deepcopy=False)[1].params == {}
    running.suggest_float("x", 0, 1)  # a parameter given after our last read
    running.report(0.1, 1)
    other._storage.set_trial_system_attr(running._trial_id, "sampler:state", 3)
    later = other.ask()
    later.suggest_float("x", 0, 1)
    fresh = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    assert _seen(ours.get_trials(deepcopy=False)) == _seen(fresh.get_trials(deepcopy=False))
    other.tell(running, 0.7)
    other.tell(later, state=TrialState.PRUNED)
    fresh = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    assert _seen(ours.get_trials(deepcopy=False)) == _seen(fresh.get_trials(deepcopy=False))
    assert [t.state for t in ours.get_trials(deepcopy=False)] == [
        TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED]


def test_running_trials_that_did_not_change_are_not_fetched_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fused round asks its trials while they all run: each read fetched every one asked
    before it, in full; now only the new one."""
    ours, other, _ = _studies(tmp_path)
    assert read_changes_only(ours)
    done = other.ask()
    other.tell(done, 1.0)
    ours.get_trials(deepcopy=False)
    backend = cast("_CachedStorage", ours._storage)._backend
    fetched: list[int] = []
    original = backend._get_trials

    def counted(*args: Any, **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
        trials = original(*args, **kwargs)
        fetched.append(len(trials))
        return trials

    monkeypatch.setattr(backend, "_get_trials", counted)
    for _ in range(8):
        trial = ours.ask()
        trial.suggest_float("x", 0, 1)
    ours.get_trials(deepcopy=False)
    before = len(fetched)
    for _ in range(3):
        ours.get_trials(deepcopy=False)  # nothing changed: nothing fetched
    assert len(fetched) == before
    assert all(n <= 2 for n in fetched)  # at most a new trial and one given its parameter
    assert len(ours.get_trials(deepcopy=False, states=(TrialState.RUNNING,))) == 8


def test_a_trial_being_asked_is_read_again_without_a_full_fetch(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial popped from the queue starts (WAITING to RUNNING) and each suggest adds a
    parameter (and a sampler a system attribute) to it: the next read takes them in two light
    queries, not Optuna's full fetch of the trial, and reads what a fresh read gives; a trial
    that finishes is fetched in full."""
    ours, other, url = _studies(tmp_path)
    assert read_changes_only(ours)
    other.tell(other.ask(), 1.0)
    ours.enqueue_trial({"x": 0.25, "y": "b"})  # the queue of a run's budget
    ours.get_trials(deepcopy=False)
    assert ours.get_trials(deepcopy=False)[-1].state == TrialState.WAITING
    backend = cast("_CachedStorage", ours._storage)._backend
    fetched: list[set[int]] = []
    original = backend._get_trials

    def counted(*args: Any, **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
        fetched.append(set(kwargs.get("included_trial_ids", ())))
        return original(*args, **kwargs)

    monkeypatch.setattr(backend, "_get_trials", counted)
    asked = []
    for i in range(4):
        trial = ours.ask()
        trial.suggest_float("x", 0, 1)
        ours._storage.set_trial_system_attr(trial._trial_id, "sampler:seen", [i, "a"])
        trial.suggest_categorical("y", ["a", "b"])
        assert ours.get_trials(deepcopy=False)[-1].params == trial.params
        asked.append(trial)
    assert fetched == []
    fresh = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    assert _seen(ours.get_trials(deepcopy=False)) == _seen(fresh.get_trials(deepcopy=False))
    assert [t.datetime_start for t in ours.get_trials(deepcopy=False)] == \
        [t.datetime_start for t in fresh.get_trials(deepcopy=False)]
    assert asked[0].params == {"x": 0.25, "y": "b"}  # the queued trial, popped and started
    assert list(ours.get_trials(deepcopy=False)[-1].params) == ["x", "y"]  # their order
    ours.tell(asked[0], 0.5)
    fresh = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    assert _seen(ours.get_trials(deepcopy=False)) == _seen(fresh.get_trials(deepcopy=False))
    assert fetched == [{asked[0]._trial_id}]


def test_a_queued_trial_that_finishes_after_a_later_one_is_seen_finished(
        tmp_path: Path) -> None:
    """Optuna 5.1's cache keeps a trial it creates (the run's queue, `enqueue_trial`) without
    marking it unfinished, and re-reads only unfinished trials and those after the last finished
    one. Popped and started, such a trial stayed RUNNING in the cache for good once a later trial
    finished first: a fused round of the digits template's 400-trial search left 35 of its 64
    trials running to TPE for the rest of the run (its constant liar imputed them), and which ones
    depended on the bookkeeping's timing."""
    ours, other, url = _studies(tmp_path)
    assert read_changes_only(ours)
    other.tell(other.ask(), 1.0)
    ours.get_trials(deepcopy=False)  # the history read
    for _ in range(3):
        ours.enqueue_trial({})  # then queued: the cache holds them as it created them
    ours.get_trials(deepcopy=False)
    asked = []
    for _ in range(3):
        trial = ours.ask()
        trial.suggest_float("x", 0, 1)
        asked.append(trial)
    ours.get_trials(deepcopy=False)  # all three running
    ours.tell(asked[2], 0.5)
    ours.get_trials(deepcopy=False)  # the last one finished first
    ours.tell(asked[0], 0.25)
    ours.tell(asked[1], state=TrialState.PRUNED)
    fresh = optuna.load_study(study_name="s", storage=optuna.storages.RDBStorage(url))
    assert _seen(ours.get_trials(deepcopy=False)) == _seen(fresh.get_trials(deepcopy=False))
    assert [t.state for t in ours.get_trials(deepcopy=False)] == [
        TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE]


def test_an_optuna_without_the_tables_we_know_keeps_its_own_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours, _, _ = _studies(tmp_path)
    before = ours._storage._read_trials_from_remote_storage  # type: ignore[attr-defined]
    monkeypatch.setattr(cache_reads, "_models", None)
    assert not read_changes_only(ours)
    assert ours._storage._read_trials_from_remote_storage == before  # type: ignore[attr-defined]
    assert not read_changes_only(optuna.create_study())  # in memory: no cache to change
