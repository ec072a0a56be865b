"""Experiments end to end on the real engine and store (tiny digits runs)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import optuna
import pytest

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    Objective,
    PrunerConfig,
    SearchDefinition,
    merge_values,
)
from tunestudio.engine import StepEvent
from tunestudio.search import (
    ExperimentRunner,
    RunnerHooks,
    RunOptions,
    TrialFinished,
    open_store,
    storage_url,
)
from tunestudio.search.plan import STATE_ATTR
from tunestudio.search.runner import study_name
from tunestudio.search.trial_run import train_with_engine


class Recorder(RunnerHooks):
    def __init__(self) -> None:
        self.ended: list[TrialFinished] = []
        self.steps = 0
        self.total: int | None = -1

    def on_run_start(self, total_trials: int | None) -> None:
        self.total = total_trials

    def on_step(self, trial_id: int, ev: StepEvent) -> None:
        self.steps += 1

    def on_trial_end(self, ev: TrialFinished) -> None:
        self.ended.append(ev)


def test_tpe_experiment_runs_its_budget_and_optuna_sees_it() -> None:
    project = tiny_project()
    rec = Recorder()
    summary = ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    assert rec.total == 3 and len(rec.ended) == 3
    assert summary.counts == {"complete": 3}
    assert rec.steps > 0
    store = open_store(project)
    try:
        trials = store.trials()
        assert len(trials) == 3
        best = store.best_trial(trials[0].experiment_id, "maximize")
        assert best is not None and best.objective == max(t.objective or 0 for t in trials)
        series = store.step_series([best.id])[best.id]
        assert len(series.step) == int(best.metrics["steps"])
        assert set(best.params) == {d.path for d in project.experiments[0].search.dimensions}
    finally:
        store.close()
    study = optuna.load_study(study_name=summary.study_name, storage=storage_url(project))
    assert len(study.trials) == 3
    assert {t.state for t in study.trials} == {optuna.trial.TrialState.COMPLETE}


def test_running_again_adds_trials_to_the_same_experiment() -> None:
    project = tiny_project({"budget": Budget(trials=2)})
    name = project.experiments[0].name
    ExperimentRunner(project, name).run()
    ExperimentRunner(project, name, options=RunOptions(trials=1)).run()
    store = open_store(project)
    try:
        assert len(store.experiments()) == 1
        assert sorted(t.number for t in store.trials()) == [0, 1, 2]
    finally:
        store.close()


def test_ovat_runs_baseline_once_plus_each_other_value() -> None:
    search = SearchDefinition(
        strategy="ovat", budget=Budget(trials=None), pruner=PrunerConfig(kind="none"),
        dimensions=[
            FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True,
                           values=[0.00075, 0.003, 0.012]),
            CategoricalDimension(path="training.batch_size", choices=[32, 64, 128]),
        ],
    )
    project = tiny_project({"strategy": "ovat", "dimensions": search.dimensions,
                            "budget": search.budget}, epochs=2)
    rec = Recorder()
    ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    assert rec.total == 1 + 2 + 2
    params = [e for e in rec.ended]
    assert len(params) == 5
    # a second run has nothing left to do
    rec2 = Recorder()
    ExperimentRunner(project, project.experiments[0].name, hooks=[rec2]).run()
    assert rec2.total == 0 and rec2.ended == []


def test_invalid_sampled_config_is_recorded_and_the_search_goes_on() -> None:
    # warm-up longer than some sampled epoch counts: those trials are invalid, others train
    dims = [IntDimension(path="training.epochs", low=1, high=3)]
    project = tiny_project({"strategy": "grid", "dimensions": dims,
                            "budget": Budget(trials=None)})
    rec = Recorder()
    summary = ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    states = sorted(e.state for e in rec.ended)
    assert states == ["complete", "complete", "invalid"]
    invalid = next(e for e in rec.ended if e.state == "invalid")
    assert "warmup_epochs" in invalid.message
    assert summary.counts["invalid"] == 1


def test_a_search_whose_dimension_changed_kind_records_its_trials_invalid() -> None:
    """A dimension searched as integers, then as choices, in the same experiment: Optuna
    refuses the new distribution (here at each trial's one write: a random search's cache
    never read the earlier trials' distributions; test_trial_writes.py has the refusal at
    the suggest), each such trial is recorded invalid with the fix, none of its values
    written, and the run goes on to its budget."""
    from tiny_projects import instant_fit

    before = tiny_project({"strategy": "random", "budget": Budget(trials=2),
                           "dimensions": [IntDimension(path="model.width", low=16, high=64)]})
    name = before.experiments[0].name
    ExperimentRunner(before, name, fit=instant_fit).run()
    exp = before.experiments[0]
    search = exp.search.model_copy(update={"dimensions": [
        CategoricalDimension(path="model.width", choices=[16, 32])]})
    after = before.model_copy(update={"experiments": [exp.model_copy(update={"search": search})]})
    rec = Recorder()
    summary = ExperimentRunner(after, name, hooks=[rec], fit=instant_fit).run()
    assert [e.state for e in rec.ended] == ["invalid", "invalid"]
    assert all("search space no longer matches" in e.message and "new experiment" in e.message
               for e in rec.ended)
    assert summary.counts == {"invalid": 2}
    study = optuna.load_study(study_name=study_name(after.experiments[0]),
                              storage=storage_url(after))
    refused = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert len(refused) == 2 and all(t.params == {} for t in refused)


def test_diverging_trial_is_recorded_and_the_search_goes_on() -> None:
    dims = [CategoricalDimension(path="optimizer.lr", choices=[3e-3, 10.0])]
    project = tiny_project({"strategy": "grid", "dimensions": dims,
                            "budget": Budget(trials=None)})
    sgd = merge_values(project.baseline, {"optimizer.kind": "sgd"})
    project = project.model_copy(update={"baseline": sgd})
    rec = Recorder()
    summary = ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    states = sorted(e.state for e in rec.ended)
    assert states == ["complete", "diverged"]
    diverged = next(e for e in rec.ended if e.state == "diverged")
    assert "lr" in diverged.message.lower() or "nan" in diverged.message.lower()
    # Optuna is told which failure it was; a complete trial says it by Optuna's state alone
    study = optuna.load_study(study_name=summary.study_name, storage=storage_url(project))
    attrs = {t.state: t.user_attrs.get(STATE_ATTR) for t in study.trials}
    assert attrs == {optuna.trial.TrialState.COMPLETE: None,
                     optuna.trial.TrialState.FAIL: "diverged"}
    # a final failure: the next run of the grid does not train it again
    again = Recorder()
    ExperimentRunner(project, project.experiments[0].name, hooks=[again]).run()
    assert again.total == 0 and again.ended == []


@pytest.mark.parametrize("fuse", ["off", "fixed"])
def test_stop_marks_the_running_trial_interrupted(fuse: str) -> None:
    """One at a time, the one running trial; fused, every trial of the running group."""
    lr = FloatDimension(path="optimizer.lr", low=1e-4, high=1e-2, log=True)
    project = tiny_project({"fuse": fuse, "fuse_trials": 3, "dimensions": [lr]}, epochs=200)
    stop = threading.Event()

    class StopAfterSteps(RunnerHooks):
        def __init__(self) -> None:
            self.n = 0

        def on_step(self, trial_id: int, ev: StepEvent) -> None:
            self.n += 1
            if self.n == 20:
                stop.set()

    rec = Recorder()
    summary = ExperimentRunner(project, project.experiments[0].name,
                               hooks=[StopAfterSteps(), rec], stop_event=stop).run()
    assert summary.stopped
    running = 1 if fuse == "off" else 3
    assert [e.state for e in rec.ended] == ["interrupted"] * running
    store = open_store(project)
    try:
        trials = store.trials()
        assert [t.state for t in trials] == ["interrupted"] * running
        assert len({t.group_id for t in trials}) == 1
        assert (trials[0].group_id is None) == (fuse == "off")
    finally:
        store.close()


def test_repeats_average_the_objective_and_keep_the_spread() -> None:
    project = tiny_project({"repeats": 2, "budget": Budget(trials=1)})
    rec = Recorder()
    ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    store = open_store(project)
    try:
        [trial] = store.trials()
        assert trial.state == "complete"
        assert trial.objective_std is not None
        series = store.eval_series([trial.id])[trial.id]
        assert len(series.step) > 0
    finally:
        store.close()


def test_median_pruner_prunes_poor_trials() -> None:
    search_updates: dict[str, Any] = {
        "strategy": "grid", "budget": Budget(trials=None),
        "pruner": PrunerConfig(kind="median", startup_trials=1, warmup_evaluations=0),
        "dimensions": [CategoricalDimension(path="optimizer.lr",
                                            choices=[0.003, 0.0031, 1e-6, 2e-6])],
        "objective": Objective(metric="val_accuracy"),
        # one at a time, so the poor LRs meet complete trials (groups: test_fused_groups.py)
        "fuse": "off",
    }
    project = tiny_project(search_updates, epochs=4)
    rec = Recorder()
    summary = ExperimentRunner(project, project.experiments[0].name, hooks=[rec]).run()
    assert summary.counts.get("pruned", 0) >= 1


def test_second_objective_makes_a_pareto_study() -> None:
    project = tiny_project({"objective": Objective(metric="val_accuracy", second="train_time"),
                            "budget": Budget(trials=2)})
    summary = ExperimentRunner(project, project.experiments[0].name).run()
    study = optuna.load_study(study_name=summary.study_name, storage=storage_url(project))
    assert len(study.directions) == 2
    assert all(len(t.values) == 2 for t in study.trials)


@pytest.mark.parametrize("strategy", ["random", "gp", "cmaes", "qmc"])
def test_every_adaptive_strategy_runs(strategy: str) -> None:
    dims = [FloatDimension(path="optimizer.lr", low=1e-4, high=1e-2, log=True),
            IntDimension(path="model.width", low=16, high=64)]
    project = tiny_project({"strategy": strategy, "dimensions": dims,
                            "budget": Budget(trials=2)}, epochs=2)
    summary = ExperimentRunner(project, project.experiments[0].name).run()
    assert summary.counts == {"complete": 2}


def test_unknown_experiment_is_a_clear_error(project_file: Path) -> None:
    from tunestudio.errors import TuneStudioError
    from tunestudio.search import check_experiment

    with pytest.raises(TuneStudioError, match="the project has: bayes"):
        check_experiment(tiny_project(), "nope")


def test_changed_categorical_choices_are_reported_not_crashed() -> None:
    first = [CategoricalDimension(path="training.batch_size", choices=[32, 64])]
    project = tiny_project({"strategy": "random", "dimensions": first,
                            "budget": Budget(trials=1)}, epochs=2)
    name = project.experiments[0].name
    ExperimentRunner(project, name).run()
    changed = [CategoricalDimension(path="training.batch_size", choices=[32, 128])]
    project = tiny_project({"strategy": "random", "dimensions": changed,
                            "budget": Budget(trials=1)}, epochs=2).model_copy(
        update={"id": project.id})
    rec = Recorder()
    ExperimentRunner(project, name, hooks=[rec]).run()
    [ended] = rec.ended
    assert ended.state == "invalid"
    assert "new experiment" in ended.message


def test_a_trial_that_could_not_measure_the_objective_is_invalid_before_training() -> None:
    """A searched data.val_fraction of 0 leaves the objective unmeasured: that trial is refused
    at once, naming the field and the objective; the others train."""
    dims = [CategoricalDimension(path="data.val_fraction", choices=[0.0, 0.2])]
    project = tiny_project({"strategy": "grid", "dimensions": dims,
                            "budget": Budget(trials=None)}, epochs=2)
    project = project.model_copy(update={"baseline": merge_values(
        project.baseline, {"early_stopping.monitor": "train_loss"})})
    trained: list[float] = []

    def fit(config: Any, **kw: Any) -> Any:
        trained.append(config.data.val_fraction)
        return train_with_engine(config, **kw)

    rec = Recorder()
    ExperimentRunner(project, project.experiments[0].name, hooks=[rec], fit=fit).run()
    assert trained == [0.2]
    invalid = next(e for e in rec.ended if e.state == "invalid")
    assert invalid.message.startswith("data.val_fraction is 0")
    assert "'val_accuracy'" in invalid.message


def test_a_run_splits_its_data_once_for_all_its_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.engine import data as engine_data

    calls: list[object] = []
    real = engine_data.load_splits

    def load_splits(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine_data, "load_splits", load_splits)
    project = tiny_project({"budget": Budget(trials=3)}, epochs=2)
    summary = ExperimentRunner(project, project.experiments[0].name,
                               options=RunOptions(fuse="off")).run()
    # the preflight splits it (and keeps the splits on disk); its trials use those splits
    assert summary.counts == {"complete": 3} and len(calls) == 1
    again = ExperimentRunner(project, project.experiments[0].name,
                             options=RunOptions(fuse="off", trials=2)).run()
    # a run started again: the preflight reads the kept splits back, the trials use them
    assert again.counts == {"complete": 2} and len(calls) == 1


def test_popping_a_trial_and_sampling_it_read_the_study_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each read of the study brings back every queued trial: a popped trial is found by its
    id, and the sampler's cached reads for it read the study once; the pop that finds the
    queue empty reads nothing."""
    from tunestudio.search.cache_reads import _ChangedReads

    reads: list[int] = []
    per_trial: list[int] = []
    read = _ChangedReads.__call__  # the cache's reads (search/cache_reads.py)
    prepare = ExperimentRunner._prepare

    def counting_read(self: Any, study_id: int) -> None:
        reads.append(study_id)
        read(self, study_id)

    def counting(self: ExperimentRunner, *args: Any) -> Any:
        before = len(reads)
        try:
            return prepare(self, *args)
        finally:
            per_trial.append(len(reads) - before)

    monkeypatch.setattr(_ChangedReads, "__call__", counting_read)
    monkeypatch.setattr(ExperimentRunner, "_prepare", counting)
    project = tiny_project({"budget": Budget(trials=7), "strategy": "tpe"}, epochs=2)
    summary = ExperimentRunner(project, project.experiments[0].name,
                               options=RunOptions(fuse="off")).run()
    assert summary.counts == {"complete": 7} and per_trial == [1] * 7 + [0]
