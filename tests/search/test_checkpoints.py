"""Trial checkpoints in a search: Optuna artifacts with retention, the stored model for the
confusion matrix and the test split (no training), and resume after a stop."""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import cast

import optuna
import pytest

from tiny_projects import tiny_project
from tunestudio import paths
from tunestudio.config import Budget, CheckpointSettings, Project
from tunestudio.engine import StepEvent, Trainer
from tunestudio.engine.checkpoint import CheckpointError
from tunestudio.search import ExperimentRunner, RunnerHooks, open_store, optuna_storage
from tunestudio.search.artifacts import CHECKPOINT_ATTR, CheckpointPlan, checkpoint_file
from tunestudio.search.stored_model import stored_confusion, stored_test_evaluation


def _with(project: Project, **settings: object) -> Project:
    return project.model_copy(update={"checkpoints": CheckpointSettings(**settings)})


def _study(project: Project) -> optuna.Study:
    return optuna.load_study(study_name=project.experiments[0].name,
                             storage=optuna_storage(project.storage_url or
                                                    paths.default_storage_url(project.id)))


def test_twelve_trials_with_retention_three_keep_three_checkpoints() -> None:
    project = _with(tiny_project({"budget": Budget(trials=12)}, epochs=2, fraction=0.2),
                    keep_best=3)
    summary = ExperimentRunner(project, project.experiments[0].name).run()
    assert sum(summary.counts.values()) == 12
    study = _study(project)
    plan = CheckpointPlan.for_project(project)
    finished = [t for t in study.get_trials() if t.state.is_finished()]
    listed = {t.number: len(optuna.artifacts.get_all_artifact_meta(t, storage=study._storage))
              for t in finished}
    complete = sorted((t for t in finished if t.state == optuna.trial.TrialState.COMPLETE),
                      key=lambda t: (-t.values[0], t.number))
    rank = {t.number: i for i, t in enumerate(complete)}
    # uploaded: the complete trials among the best three when they finished, no other (a
    # checkpoint retention would remove at once is never written to the artifact store)
    among_best = {t.number for t in complete if sum(
        1 for u in complete
        if cast(datetime, u.datetime_complete) < cast(datetime, t.datetime_complete)
        and rank[u.number] < rank[t.number]) < 3}
    assert {n for n, count in listed.items() if count} == among_best
    assert set(listed.values()) <= {0, 1}
    assert len(among_best) < len(complete)  # some were not: the case is exercised
    never = next(t for t in complete if t.number not in among_best)
    with pytest.raises(CheckpointError, match="the retention setting kept none for it"):
        checkpoint_file(plan, never)
    kept = {t.number for t in finished if CHECKPOINT_ATTR in t.user_attrs
            and (plan.artifacts / str(t.user_attrs[CHECKPOINT_ATTR])).is_file()}
    assert kept == {t.number for t in complete[:3]}
    assert len(list(plan.artifacts.iterdir())) == 3
    assert not any(plan.running.iterdir())  # no resume files once the trials finished
    use = paths.checkpoint_disk_use(project.id)
    assert use["artifacts"] == 3
    # what `tunestudio info` tells optuna-dashboard's --artifact-dir
    assert use["artifacts_path"] == str(plan.artifacts)


def test_confusion_and_test_split_use_the_stored_model_and_train_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    project = tiny_project({"budget": Budget(trials=2)}, epochs=3)
    ExperimentRunner(project, project.experiments[0].name).run()
    store = open_store(project)
    best = store.best_trial(store.experiments()[0].id, "maximize")
    store.close()
    assert best is not None and best.objective is not None

    def no_training(self: Trainer) -> None:
        raise AssertionError("the stored model must be used; nothing may train")

    monkeypatch.setattr(Trainer, "fit", no_training)
    monkeypatch.setattr(Trainer, "train_step", no_training)
    cm = stored_confusion(project, best.id)
    assert cm.matrix.shape == (10, 10)
    # the best checkpoint is the model of the trial's best validation accuracy
    assert cm.matrix.trace() / cm.matrix.sum() == pytest.approx(best.objective, abs=1e-6)
    row = stored_test_evaluation(project, best.id)
    assert row.test_metrics is not None and 0 < row.test_metrics["test_accuracy"] <= 1
    with pytest.raises(Exception, match="already evaluated"):
        stored_test_evaluation(project, best.id)


class StopAtStep(RunnerHooks):
    def __init__(self, stop: threading.Event, step: int) -> None:
        self.stop, self.step = stop, step

    def on_step(self, trial_id: int, ev: StepEvent) -> None:
        if ev.step >= self.step:
            self.stop.set()


def test_a_stopped_trial_goes_on_from_its_checkpoint_in_the_next_run(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=1)}, epochs=8, fraction=0.3)
    name = project.experiments[0].name
    stop = threading.Event()
    first = ExperimentRunner(project, name, stop_event=stop, hooks=[StopAtStep(stop, 12)]).run()
    assert first.stopped
    store = open_store(project)
    try:
        [row] = store.trials()
        assert row.state == "interrupted"
        assert _study(project).get_trials()[0].state == optuna.trial.TrialState.WAITING
        second = ExperimentRunner(project, name).run()
        assert second.counts == {"complete": 1}
        [again] = store.trials()
        assert again.id == row.id and again.state == "complete"
        assert again.resumed_from_step is not None and 0 < again.resumed_from_step <= 12
        steps = store.step_series([again.id])[again.id]
        assert list(steps.step) == list(range(1, int(again.metrics["steps"]) + 1))
        evals = store.eval_series([again.id])[again.id]
        assert len(set(evals.step)) == len(evals.step) == 8
    finally:
        store.close()


@pytest.mark.parametrize("min_interval_s", [0.0, 3600.0])
def test_a_lone_trial_writes_resume_files_as_min_interval_s_says(
        monkeypatch: pytest.MonkeyPatch, min_interval_s: float) -> None:
    """checkpoints.min_interval_s reaches the trial's checkpoints: 0 writes a resume file as
    epochs end; an hour writes none during a short trial, only its best state at its end."""
    from tunestudio.engine import paced_checkpoint

    written: list[int] = []
    write = paced_checkpoint._save_quick

    def save_quick(state: dict[str, object], path: Path) -> None:
        if path.name == "latest.pt":
            written.append(int(state["epoch"]))  # type: ignore[call-overload]
        write(state, path)

    monkeypatch.setattr(paced_checkpoint, "_save_quick", save_quick)
    project = _with(tiny_project({"budget": Budget(trials=1)}, epochs=4),
                    min_interval_s=min_interval_s)
    summary = ExperimentRunner(project, project.experiments[0].name).run()
    assert summary.counts == {"complete": 1}
    assert (len(written) > 0) == (min_interval_s == 0)
    assert len(list(CheckpointPlan.for_project(project).artifacts.iterdir())) == 1


def test_retention_applies_after_each_trial_without_reading_the_whole_study(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After each trial only the kept checkpoints remain (judged among the complete trials
    prune checks know and the trial just finished); the whole study is read for retention
    once, at the end of the run."""
    from tunestudio.search import artifacts, runner

    plan_of: list[CheckpointPlan] = []
    counts: list[int] = []
    full_sweeps: list[int] = []

    class Count(RunnerHooks):
        def on_trial_end(self, ev: object) -> None:
            counts.append(len(list(plan_of[0].artifacts.iterdir())))

    def sweep(plan: CheckpointPlan, study: optuna.Study, trials: object = None) -> list[int]:
        if trials is None:
            full_sweeps.append(len(counts))
        return apply(plan, study, trials)  # type: ignore[arg-type]

    apply = artifacts.apply_retention
    monkeypatch.setattr(runner, "apply_retention", sweep)
    monkeypatch.setattr(sys.modules["tunestudio.search.trial_run"], "apply_retention", sweep)
    project = _with(tiny_project({"budget": Budget(trials=4)}, epochs=2, fraction=0.2),
                    keep_best=1)
    plan_of.append(CheckpointPlan.for_project(project))
    ExperimentRunner(project, project.experiments[0].name, hooks=[Count()]).run()
    assert counts == [1, 1, 1, 1] and full_sweeps == [4]


def test_only_complete_trials_keep_a_checkpoint() -> None:
    """A pruned trial's checkpoint would go at the next retention: none is written or kept,
    and asking for it says why."""
    from tunestudio.config import CategoricalDimension, PrunerConfig
    from tunestudio.engine.checkpoint import CheckpointError
    from tunestudio.search import RunOptions
    from tunestudio.search.artifacts import checkpoint_file

    lr = CategoricalDimension(path="optimizer.lr", choices=[0.03, 1e-6])
    project = tiny_project({"strategy": "grid", "dimensions": [lr], "budget": Budget(trials=None),
                            "pruner": PrunerConfig(kind="median", startup_trials=1,
                                                   warmup_evaluations=0)}, epochs=6)
    summary = ExperimentRunner(project, project.experiments[0].name,
                               options=RunOptions(fuse="off")).run()
    assert summary.counts == {"complete": 1, "pruned": 1}
    study = _study(project)
    plan = CheckpointPlan.for_project(project)
    complete, pruned = sorted(study.get_trials(), key=lambda t: t.number)
    assert pruned.state == optuna.trial.TrialState.PRUNED
    assert CHECKPOINT_ATTR in complete.user_attrs and CHECKPOINT_ATTR not in pruned.user_attrs
    assert checkpoint_file(plan, complete).is_file()
    assert len(list(plan.artifacts.iterdir())) == 1 and not any(plan.running.iterdir())
    with pytest.raises(CheckpointError, match="only complete trials keep one"):
        checkpoint_file(plan, pruned)


def test_retention_keeps_the_current_baselines_best_after_the_baseline_changed() -> None:
    """Case 27 (../shared/cases/27-retention-vs-changed-baseline): a grid trained 6 epochs,
    then the baseline cut to 1 epoch and the grid run again, with one checkpoint kept. The old
    trials have better objectives, but the best trial `info` and `export-model` name is the
    current baseline's: that one keeps the slot and its model exports."""
    from tunestudio.config import FloatDimension, Objective
    from tunestudio.search.artifacts import checkpoint_file
    from tunestudio.search.model_export import find_trial

    grid = {"strategy": "grid", "budget": Budget(trials=None),
            "objective": Objective(metric="val_loss"),
            "dimensions": [FloatDimension(path="optimizer.lr", low=1e-4, high=0.1,
                                          values=[0.001, 0.003])]}
    tiny = tiny_project(grid, epochs=6, fraction=0.2)
    tiny = tiny.model_copy(update={"baseline": tiny.baseline.model_copy(update={
        "schedule": tiny.baseline.schedule.model_copy(update={"warmup_epochs": 0.0})})})
    before = _with(tiny, keep_best=1, min_interval_s=0)
    name = before.experiments[0].name
    ExperimentRunner(before, name).run()
    base = before.baseline
    after = before.model_copy(update={"baseline": base.model_copy(update={
        "training": base.training.model_copy(update={"epochs": 1})})})
    ExperimentRunner(after, name).run()
    store = open_store(after)
    try:
        exp = store.experiment(name)
        assert exp is not None
        rows = store.trials(exp.id)
    finally:
        store.close()
    old, new = rows[:2], rows[2:]
    assert len(new) == 2 and min(r.objective or 0 for r in old) < min(
        r.objective or 0 for r in new)  # the old trials are better, on another config
    study = _study(after)
    plan = CheckpointPlan.for_project(after)
    kept = {t.number for t in study.get_trials()
            if (plan.artifacts / str(t.user_attrs.get(CHECKPOINT_ATTR))).is_file()}
    best = min(new, key=lambda r: r.objective or 0.0)
    assert kept == {best.number}
    assert find_trial(after, None, name).number == best.number  # what export-model takes
    frozen = next(t for t in study.get_trials() if t.number == best.number)
    assert checkpoint_file(plan, frozen).is_file()
