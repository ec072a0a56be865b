"""TuneStudio's two imports of Optuna's private RDB modules (optuna.storages._rdb), each
guarded, each path run here on the same cases:
- store_reports writes a batch of pruning reports in one transaction; an Optuna that moved the
  modules makes it fall back to Optuna's public `Trial.report`, one value at a time;
- the queue (search/queue.py) finds waiting and running trials and counts them through an index
  on Optuna's table; without the table definitions it reads them through the study's cache and
  public `get_trials`;
- the heartbeats of a process's held trials are written in one transaction, and a sweep reads
  the running trials' owners in one query (search/queue.py); without the table definitions
  each trial is beaten through Optuna's `record_heartbeat` and read whole;
- a waiting trial is popped by one conditional UPDATE (search/queue.py `start_waiting`), so one
  process of several starts it; without the table definitions, through Optuna's own pop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import optuna
import pytest
import sqlalchemy

from tunestudio.search import pruning
from tunestudio.search.pruning import store_reports

if TYPE_CHECKING:  # Optuna wraps every storage in it; a private class, for the casts only
    from optuna.storages._cached_storage import _CachedStorage


@pytest.fixture(params=["batched", "public-fallback"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "public-fallback":  # as if a later Optuna had moved its RDB modules
        monkeypatch.setattr(pruning, "_models", None)
        monkeypatch.setattr(pruning, "_scoped_session", None)
    yield request.param


def _study(tmp_path: Path) -> optuna.Study:
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'o.db'}")
    return optuna.create_study(storage=storage, direction="maximize")


def _stored(study: optuna.Study, trial: optuna.Trial) -> dict[int, float]:
    return dict(study._storage.get_trial(trial._trial_id).intermediate_values)


def _commits(study: optuna.Study) -> list[str]:
    """The SQL statements that commit, counted on the study's engine from now on."""
    statements: list[str] = []
    engine = cast("_CachedStorage", study._storage)._backend.engine
    sqlalchemy.event.listen(engine, "commit", lambda _conn: statements.append("commit"))
    return statements


def test_the_locked_optuna_has_the_internals_the_batched_path_uses() -> None:
    # (pruning's and queue's guarded imports of Optuna's private modules, not re-exported)
    assert pruning._models is not None and pruning._scoped_session is not None, (  # type: ignore[attr-defined]
        "this Optuna moved optuna.storages._rdb: store_reports falls back to one transaction "
        "per report; check the batched path against the new layout")
    # the complete trials' reads follow it
    values = pruning._models.TrialValueModel.__table__  # type: ignore[attr-defined]
    assert {"trial_value_id", "trial_id"} <= set(values.c.keys())
    assert [c.name for c in values.primary_key] == ["trial_value_id"]


def test_a_batch_is_stored_exactly_on_either_path(tmp_path: Path, path: str) -> None:
    study = _study(tmp_path)
    trial = study.ask()
    commits = _commits(study)
    store_reports(trial, [(0, 0.1), (1, 1 / 3), (2, float("inf"))])
    # one transaction for the batch, or one per value through Optuna's public API
    assert len(commits) == (1 if path == "batched" else 3)
    assert _stored(study, trial) == {0: 0.1, 1: 1 / 3, 2: float("inf")}


def test_a_step_already_reported_keeps_its_first_value_on_either_path(
        tmp_path: Path, path: str) -> None:
    study = _study(tmp_path)
    trial = study.ask()
    trial.report(0.25, 0)
    store_reports(trial, [(0, 0.5), (1, 0.75)])
    assert _stored(study, trial) == {0: 0.25, 1: 0.75}


def test_a_finished_trials_reports_are_refused_on_either_path(tmp_path: Path, path: str) -> None:
    study = _study(tmp_path)
    trial = study.ask()
    study.tell(trial, 0.75)
    with pytest.raises(RuntimeError):
        store_reports(optuna.Trial(study, trial._trial_id), [(2, 0.5)])
    assert _stored(study, trial) == {}


@pytest.fixture(params=["indexed", "cache-fallback"])
def queue_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from tunestudio.search import queue

    if request.param == "cache-fallback":  # as if a later Optuna had moved its table models
        monkeypatch.setattr(queue, "_models", None)
    yield request.param


def test_the_locked_optuna_has_the_tables_the_queue_reads() -> None:
    from tunestudio.search import queue

    assert queue._models is not None, (  # type: ignore[attr-defined]
        "this Optuna moved optuna.storages._rdb.models: the queue reads waiting trials through "
        "the study's cache (a read of the whole queue per trial); check the indexed path")


def test_a_run_pops_its_whole_budget_on_either_queue_path(queue_path: str) -> None:
    from optuna.trial import TrialState

    from tiny_projects import instant_fit, tiny_project
    from tunestudio.config import Budget
    from tunestudio.search import ExperimentRunner, RunOptions
    from tunestudio.search.queue import count_trials, waiting_ids
    from tunestudio.search.storage import optuna_storage, storage_url

    project = tiny_project({"budget": Budget(trials=20), "strategy": "random"})
    name = project.experiments[0].name
    summary = ExperimentRunner(project, name, fit=instant_fit,
                               options=RunOptions(fuse="off")).run()
    assert summary.counts == {"complete": 20}
    storage = optuna_storage(storage_url(project))
    study = optuna.load_study(study_name=name, storage=storage)
    numbers = sorted(t.number for t in study.get_trials(deepcopy=False))
    assert numbers == list(range(20))  # each popped once
    assert count_trials(study, [TrialState.COMPLETE]) == 20
    assert count_trials(study, [TrialState.WAITING, TrialState.RUNNING]) == 0
    found = waiting_ids(storage, study._study_id, 10)
    assert found == ([] if queue_path == "indexed" else None)  # None: the caller reads the cache


def test_prune_checks_read_the_complete_trials_reports_and_then_only_what_changed(
        tmp_path: Path) -> None:
    """The median/percentile pruners judge against the reports of the study's complete
    trials, read by targeted queries: the first read on a thread of its own (nothing is
    pruned until it is done), each later one picking up trials completed since, whether
    newer than the last read or running then."""
    import time

    from optuna.trial import TrialState

    study = _study(tmp_path)
    for n in range(5):
        t = study.ask()
        t.report(0.1 * n, 0)
        t.report(0.2 * n, 1)
        study.tell(t, 0.2 * n)
    running = study.ask()
    running.report(9.0, 0)
    pruned = study.ask()
    pruned.report(8.0, 0)
    study.tell(pruned, state=TrialState.PRUNED)
    view = pruning._reports_view(study)
    assert isinstance(view, pruning._CompleteReports)
    first = view.get_trials()
    assert view._first is not None
    view._first.join(30)
    assert view.first_error is None
    if first:  # the read won the race; otherwise nothing was known yet
        assert len(first) == 5
    assert sorted(t.intermediate_values[1] for t in view.get_trials()) == \
        pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8])
    study.tell(running, 9.0)  # completed after the read, by "another process" (not told)
    late = study.ask()
    late.report(7.0, 0)
    study.tell(late, 7.0)
    view.invalidate()
    got = sorted(t.intermediate_values[0] for t in view.get_trials())
    assert got == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 7.0, 9.0])
    reads = _commits(study)
    before = time.monotonic()
    view.get_trials()  # within the TTL: nothing read
    assert time.monotonic() - before < pruning.COMPLETED_TTL_S and reads == []


def _read_view(study: optuna.Study) -> pruning._CompleteReports:
    """The study's complete-reports view after its first read."""
    view = pruning._reports_view(study)
    assert isinstance(view, pruning._CompleteReports)
    view.get_trials()
    assert view._first is not None
    view._first.join(30)
    assert view.first_error is None
    return view


def test_a_later_read_finds_trials_completed_from_the_queue_without_reading_the_queue(
        tmp_path: Path) -> None:
    """A trial queued when the complete trials were read, then popped and completed before
    the next read, is found by that read; the read's statements neither name the queued
    trials nor grow with the queue (it read the whole queue of 100,000 trials every second)."""
    study = _study(tmp_path)
    for n in range(3):
        study.add_trial(optuna.trial.create_trial(value=float(n), intermediate_values={0: n}))
    for n in range(300):
        study.enqueue_trial({"x": n})
    view = _read_view(study)
    assert len(view.get_trials()) == 3
    popped = study.ask()  # a queued trial, completed "elsewhere" between two reads
    popped.report(5.0, 0)
    study.tell(popped, 5.0)
    statements: list[tuple[str, Any]] = []
    engine = cast("_CachedStorage", study._storage)._backend.engine
    sqlalchemy.event.listen(engine, "before_cursor_execute",
                            lambda _c, _k, sql, params, _x, _m: statements.append((sql, params)))
    view.invalidate()
    got = sorted(t.intermediate_values[0] for t in view.get_trials())
    assert got == pytest.approx([0.0, 1.0, 2.0, 5.0])
    assert statements and all("WAITING" not in str(params) and len(params or ()) < 10
                              for _, params in statements), statements


def test_a_value_row_numbered_below_the_last_read_is_found_looking_back_or_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A complete trial whose value row is numbered below the last read's largest (on
    PostgreSQL a slow commit's number; here renumbered by hand) is found by the next read
    within VALUE_ROWS_BACK rows, else by the next whole read."""
    study = _study(tmp_path)
    for n in range(3):
        study.add_trial(optuna.trial.create_trial(value=float(n), intermediate_values={0: n}))
    view = _read_view(study)
    late = study.ask()
    late.report(7.0, 0)
    study.tell(late, 7.0)
    engine = cast("_CachedStorage", study._storage)._backend.engine
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE trial_values SET trial_value_id = -5 "
                                     "WHERE trial_id = :t"), {"t": late._trial_id})
    monkeypatch.setattr(pruning, "VALUE_ROWS_BACK", 0)
    view.invalidate()
    assert len(view.get_trials()) == 3  # not looked back for: missed until a whole read
    monkeypatch.setattr(pruning, "FULL_READ_S", 0.0)
    view.invalidate()
    assert sorted(t.intermediate_values[0] for t in view.get_trials()) == \
        pytest.approx([0.0, 1.0, 2.0, 7.0])
    monkeypatch.setattr(pruning, "FULL_READ_S", 60.0)
    again = study.ask()
    again.report(8.0, 0)
    study.tell(again, 8.0)
    with engine.begin() as conn:  # numbered just below the last read's largest
        conn.execute(sqlalchemy.text("UPDATE trial_values SET trial_value_id = -4 "
                                     "WHERE trial_id = :t"), {"t": again._trial_id})
    monkeypatch.setattr(pruning, "VALUE_ROWS_BACK", 1000)
    view.invalidate()
    assert len(view.get_trials()) == 5


def _popped_elsewhere(tmp_path: Path) -> tuple[optuna.Study, optuna.trial.FrozenTrial]:
    """A study of 6 complete trials, opened a second time (`other`, its cache empty), and a
    trial queued by the first and popped (made RUNNING) through the second."""
    storage = optuna.storages.get_storage(f"sqlite:///{tmp_path / 'o.db'}")
    study = optuna.create_study(storage=storage, direction="maximize")
    for n in range(6):
        study.add_trial(optuna.trial.create_trial(value=float(n)))
    other = optuna.load_study(study_name=study.study_name,
                              storage=optuna.storages.get_storage(
                                  optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'o.db'}")))
    study.enqueue_trial({"x": 0.5})
    [waiting] = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.WAITING,))
    assert other._storage.set_trial_state_values(waiting._trial_id,
                                                 optuna.trial.TrialState.RUNNING)
    return other, waiting


def test_a_popped_trial_is_made_known_to_the_cache_alone(tmp_path: Path) -> None:
    """A trial queued elsewhere is added to the study's cache by itself: the cache does not
    read the study's history to start it, and suggesting its values works."""
    from tunestudio.search.queue import know_trial

    other, waiting = _popped_elsewhere(tmp_path)
    know_trial(other, waiting._trial_id)
    cache = cast("_CachedStorage", other._storage)._studies[other._study_id]
    assert list(cache.trials) == [waiting.number]  # the history was not read
    trial = optuna.Trial(other, waiting._trial_id)
    assert trial.suggest_float("x", 0.0, 1.0) == 0.5
    other.tell(trial, 1.0)
    assert len(other.get_trials(deepcopy=False)) == 7  # the whole study when asked for


def test_without_the_caches_study_record_a_popped_trial_is_read_with_the_study(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a later Optuna move `_StudyInfo`, `know_trial` lets the cache read the study
    as it always did: slower on a long history, the same trial and values."""
    from tunestudio.search import queue
    from tunestudio.search.queue import know_trial

    monkeypatch.setattr(queue, "_StudyInfo", None)
    other, waiting = _popped_elsewhere(tmp_path)
    know_trial(other, waiting._trial_id)
    cache = cast("_CachedStorage", other._storage)._studies[other._study_id]
    assert len(cache.trials) == 7  # the history read
    trial = optuna.Trial(other, waiting._trial_id)
    assert trial.suggest_float("x", 0.0, 1.0) == 0.5


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_the_held_trials_are_beaten_in_one_transaction_that_optuna_reads(
        tmp_path: Path) -> None:
    """`beat_trials` stamps every held trial in one commit, whether it had a heartbeat row
    (an UPDATE) or not (an INSERT), in the form Optuna's own stale check reads: a trial whose
    beat is old is stale, and beaten again it is alive."""
    from tunestudio.search.queue import beat_trials
    from tunestudio.search.storage import optuna_storage

    storage = optuna_storage(f"sqlite:///{tmp_path / 'b.db'}")
    study = optuna.create_study(storage=storage)
    ids = [study.ask()._trial_id for _ in range(3)]
    storage.record_heartbeat(ids[0])  # one with a row already
    commits = _commits(study)
    assert beat_trials(storage, ids) and commits == ["commit"]
    table = sqlalchemy.table("trial_heartbeats", sqlalchemy.column("trial_id"),
                             sqlalchemy.column("heartbeat"))
    with storage.engine.begin() as conn:
        rows = conn.execute(sqlalchemy.select(table.c.trial_id)).scalars().all()
        assert sorted(rows) == ids  # one row each, none doubled
        conn.execute(sqlalchemy.update(table).values(heartbeat="2000-01-01 00:00:00"))
    assert sorted(storage._get_stale_trial_ids(study._study_id)) == ids
    assert beat_trials(storage, ids)
    assert storage._get_stale_trial_ids(study._study_id) == []


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_without_optunas_tables_each_trial_is_beaten_through_optuna(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.search import queue
    from tunestudio.search.liveness import Heartbeat
    from tunestudio.search.storage import optuna_storage

    monkeypatch.setattr(queue, "_models", None)  # as if a later Optuna had moved them
    storage = optuna_storage(f"sqlite:///{tmp_path / 'f.db'}")
    study = optuna.create_study(storage=storage)
    ids = [study.ask()._trial_id for _ in range(2)]
    assert not queue.beat_trials(storage, ids)
    assert queue.user_attr_of(storage, ids, "k") is None
    beaten: list[int] = []
    monkeypatch.setattr(storage, "record_heartbeat", beaten.append)
    Heartbeat(storage, interval_s=3600).beat_now()  # holds none: nothing
    heartbeat = Heartbeat(storage, interval_s=3600)
    for trial_id in ids:
        heartbeat.claim(trial_id, beaten=True)
    heartbeat.beat_now()
    assert beaten == ids


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_the_sweep_reads_the_running_trials_owners_in_one_read(tmp_path: Path) -> None:
    from tunestudio.search.queue import user_attr_of
    from tunestudio.search.storage import optuna_storage

    storage = optuna_storage(f"sqlite:///{tmp_path / 'o.db'}")
    study = optuna.create_study(storage=storage)
    trials = [study.ask() for _ in range(3)]
    trials[0].set_user_attr("worker", "host:1")
    trials[2].set_user_attr("worker", "host:3")
    trials[2].set_user_attr("other", [1, 2])
    ids = [t._trial_id for t in trials]
    assert user_attr_of(storage, ids, "worker") == {ids[0]: "host:1", ids[2]: "host:3"}
    assert user_attr_of(storage, ids, "other") == {ids[2]: [1, 2]}
    assert user_attr_of(storage, [], "worker") == {}


@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_waiting_trial_popped_at_once_by_four_processes_starts_once(tmp_path: Path) -> None:
    """Four storages (four processes' connections) pop the same waiting trial at the same
    moment, twelve times over: each time exactly one starts it (Optuna's read-then-write let
    two start one trial on SQLite under `--workers 2`), and it is RUNNING with its start time,
    as Optuna's own pop leaves it."""
    import threading

    from optuna.trial import TrialState

    from tunestudio.search.queue import start_waiting
    from tunestudio.search.storage import optuna_storage

    url = f"sqlite:///{tmp_path / 'p.db'}"
    study = optuna.create_study(storage=optuna_storage(url))
    storages = [optuna_storage(url) for _ in range(4)]
    for _ in range(12):
        study.enqueue_trial({})
        trial_id = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))[0]._trial_id
        won: list[bool | None] = []
        go = threading.Barrier(len(storages))

        def pop(storage: optuna.storages.RDBStorage, trial_id: int = trial_id,
                won: list[bool | None] = won, go: threading.Barrier = go) -> None:
            go.wait()
            won.append(start_waiting(storage, trial_id))

        threads = [threading.Thread(target=pop, args=(s,)) for s in storages]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(won, key=bool) == [False, False, False, True]
        frozen = storages[0].get_trial(trial_id)
        assert frozen.state == TrialState.RUNNING and frozen.datetime_start is not None
