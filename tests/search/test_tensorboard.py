"""TensorBoard logs of a search, read back with TensorBoard's own event reader: one run folder
per trial with every stored point, and an HParams summary of each trial's values and
objective. Written from the history (export) and while training (hooks), alike."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from tiny_projects import tiny_project
from tunestudio.config import Budget, Project
from tunestudio.errors import TuneStudioError
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.tensorboard import (
    TensorBoardHooks,
    export_tensorboard,
    objective_tags,
    run_dir,
)

TAGS = objective_tags("val_accuracy", "none")


def read_run(folder: Path) -> EventAccumulator:
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def session_hparams(acc: EventAccumulator) -> dict[str, object]:
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    data = plugin_data_pb2.HParamsPluginData.FromString(content)
    values = data.session_start_info.hparams
    return {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind"))
            for k, v in values.items()}


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """A 6-trial search, logged live to `live/`."""
    folder = tmp_path_factory.mktemp("tb")
    live = folder / "live"
    project = tiny_project({"budget": Budget(trials=6)}, epochs=2, fraction=0.2)
    project = project.model_copy(update={  # one history for every test of the module
        "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
    name = project.experiments[0].name
    ExperimentRunner(project, name, hooks=[TensorBoardHooks(live, name, TAGS)]).run()
    return project, live


def check_logs(project: Project, root: Path) -> None:
    name = project.experiments[0].name
    store = open_store(project)
    try:
        exp = store.experiment(name)
        assert exp is not None
        trials = store.trials(exp.id)
        steps = store.step_series([t.id for t in trials])
        evals = store.eval_series([t.id for t in trials])
    finally:
        store.close()
    assert len(trials) == 6
    for t in trials:
        acc = read_run(run_dir(root, name, t.number))
        scalars = set(acc.Tags()["scalars"])
        n_steps, n_evals = len(steps[t.id]), len(evals[t.id])
        assert n_steps > 0 and n_evals > 0
        for tag in ("train/loss", "train/lr", "train/grad_norm"):
            points = acc.Scalars(tag)
            assert len(points) == n_steps, (tag, t.number)
            assert [p.step for p in points] == steps[t.id].step.tolist()
        assert [p.value for p in acc.Scalars("train/lr")] == pytest.approx(
            steps[t.id].lr.tolist(), rel=1e-6)  # float32 in the event file
        for tag in ("eval/val_loss", "eval/train_loss", "eval/val_accuracy", "eval/wall_s",
                    "eval/epoch"):
            points = acc.Scalars(tag)
            assert len(points) == n_evals, (tag, t.number)
            # each evaluation at the optimiser step it was made after, as the steps are
            assert [p.step for p in points] == evals[t.id].step.tolist(), (tag, t.number)
        assert [p.value for p in acc.Scalars("eval/val_loss")] == pytest.approx(
            evals[t.id].val_loss.tolist(), rel=1e-6)
        assert [p.value for p in acc.Scalars("eval/epoch")] == evals[t.id].epoch.tolist()
        assert evals[t.id].step.tolist()[-1] == steps[t.id].step.tolist()[-1]
        assert {"train/loss", "eval/val_accuracy", TAGS[0]} <= scalars
        hp = session_hparams(acc)
        for key, value in t.params.items():
            assert hp[key] == pytest.approx(value) if isinstance(value, float) \
                else hp[key] == value
        assert hp["state"] == t.state == "complete"
        [objective] = acc.Scalars(TAGS[0])
        assert objective.value == pytest.approx(t.objective, rel=1e-6)


def test_exported_logs_hold_every_stored_point_and_the_hparams(
        searched: tuple[Project, Path], tmp_path: Path) -> None:
    project, _ = searched
    out = tmp_path / "export"
    store = open_store(project)
    try:
        runs = export_tensorboard(store, out, {project.experiments[0].name: TAGS})
    finally:
        store.close()
    assert len(runs) == 6
    check_logs(project, out)
    # each exported step is at its own stored time (trial start + its wall_s)
    store = open_store(project)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        trial = store.trials(exp.id)[0]
        walls = store.step_series([trial.id])[trial.id].wall_s
    finally:
        store.close()
    times = [p.wall_time for p in read_run(run_dir(out, exp.name, trial.number))
             .Scalars("train/loss")]
    assert np.isfinite(walls).all()
    assert np.allclose(np.diff(times), np.diff(walls), atol=1e-6)


def test_logs_written_while_training_hold_the_same(searched: tuple[Project, Path]) -> None:
    project, live = searched
    check_logs(project, live)


def test_a_missing_tensorboard_package_gets_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with pytest.raises(TuneStudioError, match=r"pip install 'tunestudio\[tensorboard\]'"):
        TensorBoardHooks(tmp_path, "e", TAGS)


def repeated_steps(root: Path) -> dict[str, int]:
    """Per run folder under `root` and tag, the steps TensorBoard's own loader (which merges
    every event file of a run) shows more than once (case 30,
    ../shared/cases/30-tensorboard-export-twice-duplicates)."""
    repeated: dict[str, int] = {}
    for events in sorted(root.rglob("events.out.tfevents.*")):
        acc = read_run(events.parent)
        for tag in acc.Tags()["scalars"]:
            steps = [p.step for p in acc.Scalars(tag)]
            if len(steps) != len(set(steps)):
                repeated[f"{events.parent.relative_to(root)}:{tag}"] = len(steps) - len(set(steps))
    return repeated


def test_exporting_into_a_folder_that_has_the_runs_replaces_them(
        searched: tuple[Project, Path], tmp_path: Path) -> None:
    """The case's commands: `run --tensorboard runs`, then `export -o runs`, twice."""
    import shutil

    project, live = searched
    runs = tmp_path / "runs"
    shutil.copytree(live, runs)
    keep = run_dir(runs, project.experiments[0].name, 0) / "notes.txt"
    keep.write_text("mine")
    for _ in range(2):
        store = open_store(project)
        try:
            export_tensorboard(store, runs, {project.experiments[0].name: TAGS})
        finally:
            store.close()
        assert repeated_steps(runs) == {}
        check_logs(project, runs)
    for trial_folder in (runs / project.experiments[0].name).iterdir():
        assert len(list(trial_folder.glob("events.out.tfevents.*"))) == 1
    assert keep.read_text() == "mine"  # only event files are replaced


def test_a_resumed_trial_logged_live_shows_each_step_once(tmp_path: Path) -> None:
    """A trial interrupted after step 8 and resumed from its checkpoint at step 5 logs steps
    6-8 again; the second writer's purge step hides the first process's copies."""
    from tunestudio.engine import EvalEvent, FitStartEvent, StepEvent
    from tunestudio.search.events import TrialFinished, TrialStarted

    def segment(steps: range, resumed_from: int | None) -> None:
        hooks = TensorBoardHooks(tmp_path, "e", TAGS)
        hooks.on_trial_start(TrialStarted(7, 3, {"lr": 0.1}, 0, "cpu", 1, 1,
                                          resumed_from_step=resumed_from))
        hooks.on_fit_start(7, FitStartEvent("cpu", 10, 2, 4, 12, 100))
        for step in steps:
            hooks.on_step(7, StepEvent(step, (step - 1) // 4, 1.0 / step, 0.1, 1.0, 1e3,
                                       0.01 * step))
            if step % 4 == 0:
                hooks.on_evaluate(7, EvalEvent(step, step // 4, 0.01 * step, 1.0, 0.5, {}))
        hooks.on_trial_end(TrialFinished(7, 3, "complete", "", 0.5, 0.5, 1, 1, 1.0))

    segment(range(1, 9), None)  # killed after step 8: its writer flushed what it had
    segment(range(6, 13), 5)
    folder = run_dir(tmp_path, "e", 3)
    assert repeated_steps(tmp_path) == {}
    assert [p.step for p in read_run(folder).Scalars("train/loss")] == list(range(1, 13))


def test_kept_ensembles_are_exported_beside_the_trials(
        searched: tuple[Project, Path], tmp_path: Path) -> None:
    """One run folder per kept ensemble: its validation metrics, gain, size and test split
    result as scalars at step 0, its method and members in the HParams summary with the
    trials' objective tag; exported twice, one event file."""
    from tunestudio.search.tensorboard import ensemble_dir
    from tunestudio.store import EnsembleMember

    project, _ = searched
    name = project.experiments[0].name
    out = tmp_path / "export"
    store = open_store(project)
    try:
        exp = store.experiment(name)
        assert exp is not None
        best = sorted(store.trials(exp.id), key=lambda t: -(t.objective or 0.0))[:2]
        kept = store.record_ensemble(
            exp.id, method="greedy", k=3, task="classification", metric="val_accuracy",
            direction="maximize",
            members=[EnsembleMember(t.number, t.id, 2 - i, t.objective, t.metrics)
                     for i, t in enumerate(best)],
            metrics={"val_accuracy": 0.875, "val_loss": 0.5}, best_member=best[0].number,
            gain=0.0625)
        store.set_ensemble_test_metrics(kept.id, {"test_accuracy": 0.75, "test_loss": 0.625})
        for _ in range(2):
            runs = export_tensorboard(store, out, {name: TAGS})
        store.delete_ensemble(kept.id)  # the module's other tests count the trials' runs
    finally:
        store.close()
    folder = ensemble_dir(out, name, kept.number)
    assert len(runs) == 7 and runs[-1] == folder
    assert len(list(folder.glob("events.out.tfevents.*"))) == 1
    acc = read_run(folder)
    values = {tag: [(p.step, p.value) for p in acc.Scalars(tag)]
              for tag in acc.Tags()["scalars"]}
    assert values["ensemble/val_accuracy"] == [(0, 0.875)]
    assert values["ensemble/val_loss"] == [(0, 0.5)]
    assert values["ensemble/gain"] == [(0, 0.0625)] and values["ensemble/size"] == [(0, 3.0)]
    assert values["test/test_accuracy"] == [(0, 0.75)]
    assert values[TAGS[0]] == [(0, 0.875)]  # ranked among the trials in HParams
    hp = session_hparams(acc)
    assert hp["state"] == "ensemble" and hp["method"] == "greedy" and hp["k"] == 3
    assert hp["members"] == f"#{best[0].number}x2 #{best[1].number}"
    assert f"#{best[0].number}" in acc.Tensors("ensemble/summary/text_summary")[0] \
        .tensor_proto.string_val[0].decode()
