"""Pruning reports, the stale-trial sweep, the strategy-to-sampler map and repeats, each
checked on the exact behaviour a small edit would change."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import optuna
import pytest
import sqlalchemy
from optuna.distributions import FloatDistribution
from optuna.trial import FrozenTrial, TrialState, create_trial

from tiny_projects import tiny_project
from tunestudio.config import Budget, FloatDimension, PrunerConfig, SearchDefinition
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.search.liveness import HEARTBEAT_ENV, STALE_AFTER_ENV, Heartbeat
from tunestudio.search.plan import WORKER_ATTR
from tunestudio.search.pruning import PruningReporter
from tunestudio.search.samplers import build_sampler
from tunestudio.search.trial_run import train_with_engine

if TYPE_CHECKING:  # Optuna wraps every storage in it; a private class, for the casts only
    from optuna.storages._cached_storage import _CachedStorage


class _Stops:
    """What the reporter asks of a trainer: a stop request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    def request_stop(self, status: str, message: str) -> None:
        self.requests.append((status, message))


def _study_with_one_finished_trial() -> optuna.Study:
    """Maximise; one finished trial reported 0.5, 0.6, 0.7 at evaluations 0, 1, 2."""
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(
        n_startup_trials=1, n_warmup_steps=0))
    study.add_trial(create_trial(value=0.7, params={"x": 0.5},
                                 distributions={"x": FloatDistribution(0, 1)},
                                 intermediate_values={0: 0.5, 1: 0.6, 2: 0.7}))
    return study


def _report(values: list[float]) -> tuple[PruningReporter, _Stops, optuna.Trial]:
    study = _study_with_one_finished_trial()
    trial = study.ask()
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    for step, value in enumerate(values):
        reporter.submit(stops, value, step)  # type: ignore[arg-type]
    reporter.close()
    return reporter, stops, trial


def test_a_trial_better_than_the_median_is_not_pruned_and_its_values_are_reported_as_is(
        ) -> None:
    reporter, stops, trial = _report([0.8, 0.9, 0.95])
    assert not reporter.pruned.is_set() and stops.requests == []
    frozen = trial.study.get_trials()[-1]
    assert frozen.intermediate_values == {0: 0.8, 1: 0.9, 2: 0.95}


def test_a_trial_that_falls_below_the_median_later_is_pruned_at_that_evaluation() -> None:
    # its best so far is above the median's 0.5 and 0.6 at evaluations 1 and 2, and its best,
    # 0.68, below 0.7 at evaluation 3
    reporter, stops, trial = _report([0.55, 0.65, 0.68, 0.9])
    assert reporter.pruned.is_set()
    [(status, message)] = stops.requests
    assert status == "pruned" and message.startswith("pruned after evaluation 3:")
    assert "val_accuracy = 0.68 " in message
    assert trial.study.get_trials()[-1].intermediate_values == {0: 0.55, 1: 0.65, 2: 0.68}


def test_a_report_that_fails_is_kept_and_the_trial_goes_on() -> None:
    study = _study_with_one_finished_trial()
    trial = study.ask()
    study.tell(trial, 0.1)  # finished: Optuna refuses further reports
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    reporter.submit(stops, 0.9, 0)  # type: ignore[arg-type]
    reporter.close()  # the write fails here, and is kept
    assert isinstance(reporter.error, RuntimeError) and stops.requests == []


def _rdb_study(tmp_path: Path, pruner: optuna.pruners.BasePruner) -> optuna.Study:
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'o.db'}")
    return optuna.create_study(storage=storage, direction="maximize", pruner=pruner)


def _stored(study: optuna.Study, trial: optuna.Trial) -> dict[int, float]:
    return dict(study._storage.get_trial(trial._trial_id).intermediate_values)


def test_median_pruning_reports_reach_the_storage_in_batches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Median and percentile pruners judge a trial on its values in memory, so its reports are
    written when REPORTS_FLUSH_S has passed, on flush() (before a checkpoint) and on close()
    (before the trial is told), each batch in one transaction."""
    from tunestudio.search import pruning

    monkeypatch.setattr(pruning, "REPORTS_FLUSH_S", 3600.0)
    study = _rdb_study(tmp_path, optuna.pruners.MedianPruner(n_startup_trials=0))
    trial = study.ask()
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    commits: list[object] = []
    sqlalchemy.event.listen(cast("_CachedStorage", study._storage)._backend.engine, "commit",
                            commits.append)
    for step, value in enumerate([0.5, 0.6]):
        reporter.submit(stops, value, step)  # type: ignore[arg-type]
    with reporter._idle:
        reporter._idle.wait_for(lambda: reporter._in_flight == 0)
    first_read = pruning._reports_view(study)._first  # type: ignore[attr-defined]
    if first_read is not None:  # the view's first read commits too, on a thread of its own
        first_read.join(timeout=30)
    assert _stored(study, trial) == {}  # judged, not yet written
    commits.clear()
    reporter.flush()
    assert len(commits) == 1 and _stored(study, trial) == {0: 0.5, 1: 0.6}
    reporter.submit(stops, 0.7, 2)  # type: ignore[arg-type]
    with reporter._idle:
        reporter._idle.wait_for(lambda: reporter._in_flight == 0)
    commits.clear()
    reporter.close()
    assert len(commits) == 1 and _stored(study, trial) == {0: 0.5, 1: 0.6, 2: 0.7}
    assert reporter.error is None and stops.requests == []
    monkeypatch.setattr(pruning, "REPORTS_FLUSH_S", 0.0)  # due at once: written as judged
    later = study.ask()
    again = PruningReporter(later, "val_accuracy")
    again.submit(stops, 0.9, 0)  # type: ignore[arg-type]
    again.submit(stops, 0.9, 1)  # type: ignore[arg-type]
    with again._idle:
        again._idle.wait_for(lambda: again._in_flight == 0)
    assert _stored(study, later) == {0: 0.9, 1: 0.9}


def test_a_value_already_reported_keeps_its_first_value_as_trial_report_does(
        tmp_path: Path) -> None:
    from tunestudio.search.pruning import store_reports

    study = _rdb_study(tmp_path, optuna.pruners.MedianPruner())
    trial = study.ask()
    trial.report(0.25, 0)  # e.g. reported before the process was killed
    store_reports(trial, [(0, 0.5), (1, 0.75)])
    assert _stored(study, trial) == {0: 0.25, 1: 0.75}
    study.tell(trial, 0.75)
    with pytest.raises(RuntimeError):  # Optuna refuses a finished trial's reports
        store_reports(optuna.Trial(study, trial._trial_id), [(2, 0.5)])


def test_other_pruners_get_each_report_at_once(tmp_path: Path) -> None:
    """Successive halving and Hyperband read the trial's values from the storage."""
    study = _rdb_study(tmp_path, optuna.pruners.SuccessiveHalvingPruner())
    trial = study.ask()
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    reporter.submit(stops, 0.5, 0)  # type: ignore[arg-type]
    with reporter._idle:
        reporter._idle.wait_for(lambda: reporter._in_flight == 0)
    assert _stored(study, trial) == {0: 0.5}
    reporter.close()


@pytest.mark.parametrize("pruner", [optuna.pruners.SuccessiveHalvingPruner,
                                    optuna.pruners.HyperbandPruner])
def test_halving_pruners_get_each_value_at_its_evaluation_index(
        tmp_path: Path, pruner: type[optuna.pruners.BasePruner]) -> None:
    study = _rdb_study(tmp_path, pruner())
    trial = study.ask()
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    values = [0.5, 0.6, 0.7]
    for step, value in enumerate(values):
        reporter.submit(stops, value, step)  # type: ignore[arg-type]
        with reporter._idle:
            reporter._idle.wait_for(lambda: reporter._in_flight == 0)
        assert _stored(study, trial) == dict(enumerate(values[:step + 1]))
    reporter.close()
    assert reporter.error is None


@pytest.mark.parametrize("fuse", ["off", "fixed"])
@pytest.mark.parametrize("kind", ["successive_halving", "hyperband"])
def test_a_search_reports_to_halving_pruners_at_each_evaluation_index(kind: str,
                                                                     fuse: str) -> None:
    """Successive halving and Hyperband count a trial's resource in the steps it reports:
    its evaluations 0, 1, 2 (one per epoch), not its optimiser steps, lone or fused."""
    lr = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)
    project = tiny_project({"budget": Budget(trials=3), "fuse": fuse, "fuse_trials": 3,
                            "dimensions": [lr], "pruner": PrunerConfig(
                                kind=kind, startup_trials=0, warmup_evaluations=1)}, epochs=3)
    summary = ExperimentRunner(project, project.experiments[0].name,
                               options=RunOptions(device="cpu")).run()
    store = open_store(project)
    try:
        study = optuna.load_study(study_name=summary.study_name, storage=store.url)
        trials = store.trials()
        evaluations = store.eval_series([t.id for t in trials])
    finally:
        store.close()
    assert len(study.trials) == 3 and ({t.group_id for t in trials} == {None}) == (fuse == "off")
    for trial in study.trials:
        [row] = [t for t in trials if t.optuna_trial_id == trial._trial_id]
        n = len(evaluations[row.id])
        # A verdict comes an evaluation late (the pruning thread): the evaluation made
        # meanwhile is not reported, even when the fit ended with it (then complete).
        assert n == 3 or trial.state == TrialState.PRUNED
        assert sorted(trial.intermediate_values) in (list(range(n)), list(range(n - 1)))
        assert trial.intermediate_values, trial.number


def test_each_strategy_gets_its_own_sampler() -> None:
    pytest.importorskip("scipy")
    pytest.importorskip("cmaes")
    expected = {"ovat": optuna.samplers.RandomSampler, "grid": optuna.samplers.RandomSampler,
                "random": optuna.samplers.RandomSampler, "tpe": optuna.samplers.TPESampler,
                "gp": optuna.samplers.GPSampler, "qmc": optuna.samplers.QMCSampler,
                "cmaes": optuna.samplers.CmaEsSampler}
    for strategy, kind in expected.items():
        search = SearchDefinition(strategy=strategy, budget=Budget(trials=3))
        assert type(build_sampler(search, 1)) is kind, strategy


def _running_trial(owner: str) -> tuple[ExperimentRunner, Any, optuna.Study, int, int]:
    project = tiny_project()
    runner = ExperimentRunner(project, project.experiments[0].name)
    store = open_store(project)
    _, study, experiment_id = runner._open_study(store, 1)
    trial = study.ask({"optimizer.lr": FloatDistribution(1e-3, 1e-1)})
    trial.set_user_attr(WORKER_ATTR, owner)
    trial_id = store.start_trial(experiment_id, number=trial.number,
                                 optuna_trial_id=trial._trial_id, params={}, config_json="",
                                 device="cpu", seed=0)
    return runner, store, study, experiment_id, trial_id


# study.ask() on a heartbeat storage, as the runner does (which silences the same notice)
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_trial_of_a_dead_local_process_is_interrupted_at_once() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    runner, store, study, experiment_id, trial_id = _running_trial(
        f"{socket.gethostname()}:{gone.pid}")
    try:
        runner._sweep_stale(store, study, experiment_id)  # its heartbeat is fresh
        row = store.trial(trial_id)
        assert row.state == "interrupted" and "ended without finishing" in row.message
        # back in Optuna's queue to resume from its checkpoint (or failed, without checkpoints)
        assert study.get_trials()[-1].state in (TrialState.WAITING, TrialState.FAIL)
    finally:
        store.close()


# study.ask() on a heartbeat storage, as the runner does (which silences the same notice)
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_held_trial_lives_past_the_grace_and_dies_once_released(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A popped trial that only waits (no training, no row writes) stays alive on its beats
    past the grace; once no process beats it, Optuna's sweep fails it, its point is queued
    again and its row is interrupted, saying why."""
    monkeypatch.setenv(HEARTBEAT_ENV, "0.5")
    monkeypatch.setenv(STALE_AFTER_ENV, "3")
    runner, store, study, experiment_id, trial_id = _running_trial("elsewhere:1")
    [frozen] = study.get_trials()
    assert runner._storage is not None
    beat = Heartbeat(runner._storage)
    beat.start()
    try:
        beat.claim(frozen._trial_id)
        time.sleep(4.5)  # more than the grace of 3 s (SQLite's clock has whole seconds)
        runner._sweep_stale(store, study, experiment_id)
        assert store.trial(trial_id).state == "running"
        assert study.get_trials()[0].state == TrialState.RUNNING
        beat.release(frozen._trial_id)
        time.sleep(4.5)
        runner._sweep_stale(store, study, experiment_id)
        row = store.trial(trial_id)
        assert row.state == "interrupted" and "no heartbeat for more than 3 s" in row.message
        failed, again = study.get_trials()
        assert failed.state == TrialState.FAIL and again.state == TrialState.WAITING
        assert again.params == failed.params and "optimizer.lr" in again.params
        runner._sweep_stale(store, study, experiment_id)  # nothing left to find
        assert len(study.get_trials()) == 2
    finally:
        beat.stop()
        store.close()


def test_repeats_are_averaged_into_the_objective() -> None:
    project = tiny_project({"budget": Budget(trials=1), "repeats": 3}, epochs=2)
    metric = project.experiments[0].search.objective.metric
    seen: list[float] = []

    def fit(config: Any, **kw: Any) -> Any:
        result = train_with_engine(config, **kw)
        seen.append(result.best[metric])
        return result

    ExperimentRunner(project, project.experiments[0].name, fit=fit).run()
    assert len(seen) == 3 and len(set(seen)) > 1  # the seeds give different results
    store = open_store(project)
    try:
        [row] = store.trials()
        assert row.objective == pytest.approx(statistics.fmean(seen), rel=1e-12)
        assert row.objective_std == pytest.approx(statistics.pstdev(seen), rel=1e-9)
        assert row.repeats == 3
    finally:
        store.close()


def test_a_trial_told_in_this_process_is_seen_by_the_next_prune_check() -> None:
    """Prune checks read the complete trials through a short-lived cache; telling a trial
    clears it, so the next check judges against that trial too."""
    from tunestudio.search.pruning import trial_told

    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(
        n_startup_trials=1, n_warmup_steps=0))
    trial = study.ask()
    reporter = PruningReporter(trial, "val_accuracy")
    stops = _Stops()
    reporter.submit(stops, 0.5, 0)  # type: ignore[arg-type]
    reporter.close()  # judged against no complete trial: goes on
    assert not reporter.pruned.is_set()
    study.add_trial(create_trial(value=0.9, params={"x": 0.5},
                                 distributions={"x": FloatDistribution(0, 1)},
                                 intermediate_values={0: 0.9, 1: 0.9}))
    trial_told(study)
    reporter.submit(stops, 0.4, 1)  # type: ignore[arg-type]
    reporter.close()
    assert reporter.pruned.is_set() and stops.requests[0][0] == "pruned"


def test_a_trial_told_with_its_frozen_trial_joins_the_prune_checks_without_a_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.search import pruning
    from tunestudio.search.pruning import completed_trials, trial_told

    monkeypatch.setattr(pruning, "COMPLETED_TTL_S", 3600.0)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.MedianPruner(
        n_startup_trials=1, n_warmup_steps=0))
    first = study.ask()
    first.report(0.9, 0)
    assert completed_trials(study) == []  # read once: nothing complete yet
    reads: list[object] = []
    real = study.get_trials

    def counted(*a: Any, **k: Any) -> list[FrozenTrial]:
        reads.append(k)
        return real(*a, **k)

    monkeypatch.setattr(study, "get_trials", counted)
    told = study.tell(first, 0.9)
    trial_told(study, told)
    trial_told(study, told)  # told twice (a bookkeeping retry): judged once
    failed = study.ask()
    trial_told(study, study.tell(failed, state=TrialState.FAIL))  # not complete: not added
    assert [t.number for t in completed_trials(study)] == [0] and reads == []
    later = study.ask()
    reporter = PruningReporter(later, "val_accuracy")
    stops = _Stops()
    reporter.submit(stops, 0.4, 0)  # type: ignore[arg-type]
    reporter.close()
    assert reporter.pruned.is_set() and reads == []


def test_reports_of_steps_stored_behind_the_trials_back_fall_back_to_optunas_upsert(
        tmp_path: Path) -> None:
    """A batch whose step is in the database but not in the trial's own copy (written by
    another handle on the same trial) is written value by value, as Optuna writes them."""
    from tunestudio.search.pruning import store_reports

    study = _rdb_study(tmp_path, optuna.pruners.MedianPruner())
    trial = study.ask()
    study._storage.set_trial_intermediate_value(trial._trial_id, 1, 0.25)
    store_reports(trial, [(0, 0.5), (1, 0.75), (2, float("nan"))])
    stored = _stored(study, trial)
    assert stored[0] == 0.5 and stored[1] == 0.75 and stored[2] != stored[2]


def test_a_median_check_is_decided_at_that_evaluation_however_old_the_read(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The evaluation is judged in the caller's thread against the complete trials in memory
    (nothing is read there): the stop is requested before submit returns. When their last
    read is stale it is judged so all the same, and a read is queued on the pruning thread,
    which brings in the trials other processes completed meanwhile. Judged on the pruning
    thread whenever the read was stale, a trial was pruned an evaluation later, or not at all,
    by the bookkeeping's timing: the same seeded search pruned 144-149 of 400 trials."""
    from tunestudio.search import pruning
    from tunestudio.search.pruning import completed_trials

    monkeypatch.setattr(pruning, "COMPLETED_TTL_S", 3600.0)
    study = _study_with_one_finished_trial()
    assert len(completed_trials(study)) == 1  # read now: fresh for the checks below
    reporter = PruningReporter(study.ask(), "val_accuracy")
    stops = _Stops()
    reporter.submit(stops, 0.1, 0)  # type: ignore[arg-type]
    assert reporter.pruned.is_set() and stops.requests[0][0] == "pruned"
    assert reporter._in_flight == 0  # nothing went to the pruning thread
    reporter.close()
    assert study.get_trials()[-1].intermediate_values == {0: 0.1}

    monkeypatch.setattr(pruning, "COMPLETED_TTL_S", -1.0)  # always stale
    reads: list[object] = []
    real = study.get_trials

    def counted(*a: Any, **k: Any) -> list[FrozenTrial]:
        reads.append(k)
        return real(*a, **k)

    monkeypatch.setattr(study, "get_trials", counted)
    stale = PruningReporter(study.ask(), "val_accuracy")
    later = _Stops()
    gate = threading.Event()
    # hold the pruning thread (the bool that wait returns is not read)
    pruning._Worker.shared().queue.put(gate.wait)  # type: ignore[arg-type]
    stale.submit(later, 0.1, 0)  # type: ignore[arg-type]
    assert stale.pruned.is_set() and later.requests[0][0] == "pruned"  # at this evaluation
    assert stale._checks == 0 and reads == []  # judged here, nothing read here
    study.add_trial(create_trial(  # completed by another process meanwhile
        value=0.8, params={"x": 0.5}, distributions={"x": FloatDistribution(0, 1)},
        intermediate_values={0: 0.8}))
    gate.set()
    stale.close()
    read = threading.Event()
    pruning._Worker.shared().queue.put(read.set)  # after the queued read
    assert read.wait(10) and len(reads) == 1  # one read queued, on the pruning thread
    judged = pruning._reports_view(study).current()
    assert judged is not None and len(judged.get_trials()) == 2


def _drain_pruning_thread() -> None:
    from tunestudio.search import pruning

    done = threading.Event()
    pruning._Worker.shared().queue.put(done.set)  # runs after what was queued before it
    assert done.wait(10)


@pytest.mark.parametrize("storage", ["memory", "sqlite"])
def test_a_process_that_knows_too_few_complete_trials_to_prune_reads_them_more_often(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage: str) -> None:
    """Knowing fewer complete trials than the pruner's start-up trials, a process's checks
    cannot prune at all: it reads other processes' complete trials STARTUP_READS times as
    often, and a trial of its next round is judged against them (read once a second, a fused
    search's second round was never judged). Once it knows enough, the usual pace."""
    from tunestudio.search import pruning

    monkeypatch.setattr(pruning, "COMPLETED_TTL_S", 2.0)  # the start-up pace: 0.2 s
    pruner = optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    assert pruning.pruner_startup_trials(pruner) == 2  # the name Optuna keeps it under
    assert pruning.pruner_startup_trials(optuna.pruners.NopPruner()) == 0
    study = _rdb_study(tmp_path, pruner) if storage == "sqlite" else optuna.create_study(
        direction="maximize", pruner=pruner)
    view = pruning._reports_view(study)
    view.get_trials()  # the first read: nothing complete
    if isinstance(view, pruning._CompleteReports):
        assert view._first is not None
        view._first.join(30)
    assert view.current() is not None
    for value in (0.8, 0.9):  # completed by another process: not told to this one
        trial = study.ask()
        trial.report(value, 0)
        trial.report(value, 1)
        study.tell(trial, value)
    time.sleep(0.25)
    late = PruningReporter(study.ask(), "val_accuracy")
    stops = _Stops()
    late.submit(stops, 0.1, 0)  # type: ignore[arg-type]
    assert not late.pruned.is_set()  # judged against what it knew: nothing, so not pruned
    _drain_pruning_thread()  # the read that check queued
    late.submit(stops, 0.1, 1)  # type: ignore[arg-type]
    assert late.pruned.is_set() and stops.requests[0][0] == "pruned"
    late.close()

    third = study.ask()  # enough known now: the next read waits COMPLETED_TTL_S
    third.report(0.7, 0)
    study.tell(third, 0.7)
    time.sleep(0.25)
    assert view.current() is not None
    _drain_pruning_thread()
    judged = view.current()
    assert judged is not None and len(judged.get_trials()) == 2


def test_a_trial_that_ends_complete_is_judged_against_before_it_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trial that ends complete on the training thread joins that process's prune checks at
    once (`completed`), not when the bookkeeping thread tells it: the next trial is judged
    against it whatever the bookkeeping's pace (a fused group's members are told one by one
    while the next group trains)."""
    from tunestudio.search import pruning

    monkeypatch.setattr(pruning, "COMPLETED_TTL_S", 3600.0)
    study = _rdb_study(tmp_path, optuna.pruners.MedianPruner(n_startup_trials=1,
                                                              n_warmup_steps=0))
    first = PruningReporter(study.ask(), "val_accuracy")
    pruning._reports_view(study).get_trials()  # the first read, on its own thread
    view = pruning._reports_view(study)
    assert isinstance(view, pruning._CompleteReports) and view._first is not None
    view._first.join(10)
    stops = _Stops()
    first.submit(stops, 0.9, 0)  # type: ignore[arg-type]
    first.submit(stops, 0.95, 1)  # type: ignore[arg-type]
    assert first._checks == 0 and stops.requests == []  # judged here: nothing complete yet
    first.completed()  # it ended complete; its tell is still to come
    second = PruningReporter(study.ask(), "val_accuracy")
    later = _Stops()
    second.submit(later, 0.1, 0)  # type: ignore[arg-type]
    assert second.pruned.is_set() and later.requests[0][0] == "pruned"
    assert study.get_trials()[0].state == TrialState.RUNNING  # not told
    first.close()
    study.tell(first.trial, 0.95)
    pruning.trial_told(study, study.get_trials()[0])  # joined once: its reports as they were
    judged = view.current()
    assert judged is not None and len(judged.get_trials()) == 1
    second.close()


def test_a_trial_is_beaten_from_the_moment_it_is_popped(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """The crash of `run --workers 2` under load: a popped trial got its next beat only when
    it started training, so one waiting for its fused group, or sampled ahead while another
    trained, went past the grace and another worker's sweep failed it while it lived. The
    runner's own pop holds it: past the grace, another process's sweep leaves it running."""
    from tunestudio.search.liveness import fail_stale

    monkeypatch.setenv(HEARTBEAT_ENV, "0.5")
    monkeypatch.setenv(STALE_AFTER_ENV, "3")
    project = tiny_project()
    runner = ExperimentRunner(project, project.experiments[0].name)
    store = open_store(project)
    _, study, _ = runner._open_study(store, 1)
    study.enqueue_trial({"optimizer.lr": 0.01})
    assert runner._storage is not None
    beat = Heartbeat(runner._storage)
    beat.start()
    try:
        trial = runner._next_trial(study, runner._storage, False, beat)
        assert trial is not None
        time.sleep(4.5)  # waits, untrained, past the grace of 3 s
        assert fail_stale(study) == []  # a sweep as another worker's finds nothing dead
        assert study.get_trials()[0].state == TrialState.RUNNING
    finally:
        beat.stop()
        store.close()
