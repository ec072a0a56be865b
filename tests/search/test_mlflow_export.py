"""The MLflow export, read back with MLflow's own client: one experiment per TuneStudio
experiment, one run per trial with its values at full precision, its state and provenance as
tags, every stored step and evaluation as metric history, and the best trial's model as an
artifact that loads into the trial's model; exporting again adds nothing twice."""

from __future__ import annotations

import json
import sys
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
import torch

from tiny_projects import tiny_project
from tunestudio.config import Budget, Project
from tunestudio.errors import TuneStudioError
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.mlflow_export import export_mlflow, param_text, tracking_uri
from tunestudio.search.model_export import delivered, model_from_state
from tunestudio.search.stored_model import trial_state
from tunestudio.store import CurrentConfig, EvalSeries, StepSeries, Store, TrialRow

mlflow = pytest.importorskip("mlflow", reason="pip install 'tunestudio[mlflow]'")
MlflowClient = mlflow.MlflowClient
ViewType = mlflow.entities.ViewType


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """A finished 4-trial random search with its own history and data folder."""
    folder = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(folder / "data"))
        project = tiny_project({"budget": Budget(trials=4)}, epochs=2, fraction=0.2)
        project = project.model_copy(update={
            "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
        ExperimentRunner(project, project.experiments[0].name).run()
    return project, folder / "data"


def _history(project: Project
             ) -> tuple[list[TrialRow], dict[int, StepSeries], dict[int, EvalSeries]]:
    store = open_store(project)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        trials = store.trials(exp.id)
        ids = [t.id for t in trials]
        return trials, dict(store.step_series(ids)), dict(store.eval_series(ids))
    finally:
        store.close()


def test_runs_params_metric_history_and_the_best_model_read_back_and_again(
        searched: tuple[Project, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project, data_dir = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data_dir))
    name = project.experiments[0].name
    done = export_mlflow(project, str(tmp_path / "mlruns"))
    assert done.tracking_uri == f"sqlite:///{(tmp_path / 'mlruns' / 'mlflow.db').as_posix()}"
    assert (done.created, done.updated, done.unchanged) == (4, 0, 0)

    client = MlflowClient(tracking_uri=done.tracking_uri)
    exp = client.get_experiment_by_name(f"{project.name}/{name}")
    assert exp is not None and exp.experiment_id == done.experiments[name]
    assert exp.tags["tunestudio.project_id"] == str(project.id)
    assert exp.artifact_location.startswith((tmp_path / "mlruns" / "mlartifacts").as_uri())
    runs = {int(r.data.tags["tunestudio.trial_number"]): r
            for r in client.search_runs([exp.experiment_id])}
    trials, steps, evals = _history(project)
    assert sorted(runs) == sorted(t.number for t in trials)
    current = CurrentConfig(project.baseline)
    for t in trials:
        run = runs[t.number]
        assert run.info.run_name == f"trial-{t.number:04d}"
        assert run.info.status == "FINISHED" and t.state == "complete"
        assert run.data.tags["tunestudio.state"] == "complete"
        assert run.data.tags["tunestudio.config_fingerprint"] == t.config_fingerprint
        assert run.data.tags["tunestudio.config"] == "current"
        # every searched value, exactly: floats read back to the same float
        assert set(run.data.params) == set(t.params)
        for key, value in t.params.items():
            assert json.loads(run.data.params[key]) == value
        assert run.data.metrics["objective/val_accuracy"] == t.objective
        assert run.data.metrics["steps"] == t.metrics["steps"]
        s, e = steps[t.id], evals[t.id]
        loss = client.get_metric_history(run.info.run_id, "train/loss")
        lr = client.get_metric_history(run.info.run_id, "train/lr")
        assert [m.step for m in loss] == s.step.tolist()
        assert [m.value for m in lr] == s.lr.tolist()
        assert len(loss) == t.metrics["steps"]
        accuracy = client.get_metric_history(run.info.run_id, "eval/val_accuracy")
        assert [m.step for m in accuracy] == e.step.tolist()
        assert [m.value for m in accuracy] == \
            e.metrics["val_accuracy"].tolist()
        assert len(client.get_metric_history(run.info.run_id, "eval/val_loss")) == len(e)
        assert current.holds(t)

    # the best trial's run carries its model, which loads into the trial's architecture
    best = current.best(trials, "maximize")
    assert best is not None and done.models[name] == runs[best.number].info.run_id
    assert [r for r in runs.values() if r.data.tags.get("tunestudio.best") == "true"] == \
        [runs[best.number]]
    best_id = runs[best.number].info.run_id
    assert {f.path for f in client.list_artifacts(best_id, "model")} == \
        {"model/model.pt", "model/model.pt.json"}
    for other in runs.values():
        if other.info.run_id != best_id:
            assert client.list_artifacts(other.info.run_id, "model") == []
    local = Path(client.download_artifacts(best_id, "model", str(tmp_path / "dl")))
    weights = torch.load(local / "model.pt", weights_only=True)
    store = open_store(project)
    try:
        full = store.trial(best.id)
    finally:
        store.close()
    stored = trial_state(project, full)
    from tunestudio.config import RunConfig

    config = RunConfig.model_validate_json(full.config_json or "")
    # the delivered model: the trial's network behind the training split's standardisation
    model = delivered(model_from_state(config, stored), config, stored["data"])
    model.load_state_dict(weights)
    for key, tensor in model.state_dict().items():
        assert torch.equal(tensor, weights[key]), key
    meta = json.loads((local / "model.pt.json").read_text(encoding="utf-8"))
    assert meta["trial_number"] == best.number

    # exporting again (into a .db file named the same way) adds no run and no point
    again = export_mlflow(project, str(tmp_path / "mlruns" / "mlflow.db"))
    assert again.tracking_uri == done.tracking_uri
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)) == 4
    for t in trials:
        run_id = runs[t.number].info.run_id
        assert len(client.get_metric_history(run_id, "train/loss")) == \
            len(steps[t.id])
        assert len(client.get_metric_history(run_id, "objective/val_accuracy")) == 1
    assert len(client.list_artifacts(best_id, "model")) == 2

    # a run deleted in MLflow, even one with points left to add, stays deleted and is not
    # exported anew
    worst = min(trials, key=lambda t: (t.objective or 0.0, -t.number))
    gone = runs[worst.number].info.run_id
    client.set_tag(gone, "tunestudio.last_step", "0")
    client.delete_run(gone)
    third = export_mlflow(project, str(tmp_path / "mlruns"))
    assert (third.created, third.updated, third.unchanged) == (0, 0, 4)
    assert client.get_run(gone).info.lifecycle_stage == "deleted"
    assert len(client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL)) == 4


def test_a_trial_exported_while_running_gets_its_later_points_once(
        searched: tuple[Project, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trial #0 exported half-way (running, the first half of its steps and evaluations), then
    again once complete: the same run gets the later points once, the objective, and its
    state and status follow the trial."""
    project, data_dir = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data_dir))
    trials, steps, evals = _history(project)
    first_trial = next(t for t in trials if t.number == 0)
    half = int(steps[first_trial.id].step[len(steps[first_trial.id]) // 2])

    real_trials, real_steps, real_evals = Store.trials, Store.step_series, Store.eval_series

    def running(self: Store, *args: object) -> list[TrialRow]:
        return [replace(t, state="running", objective=None, finished_at=None)
                if t.number == 0 else t for t in real_trials(self, *args)]  # type: ignore

    def cut(series: dict[int, Any]) -> dict[int, Any]:
        s = series.get(first_trial.id)
        if s is not None:
            keep = s.step <= half
            series[first_trial.id] = replace(s, **{
                f.name: (getattr(s, f.name)[keep] if f.name != "metrics" else
                         {k: v[keep] for k, v in s.metrics.items()})
                for f in fields(s) if f.name != "trial_id"})
        return series

    with monkeypatch.context() as mp:
        mp.setattr(Store, "trials", running)
        mp.setattr(Store, "step_series", lambda self, ids: cut(real_steps(self, ids)))
        mp.setattr(Store, "eval_series", lambda self, ids: cut(real_evals(self, ids)))
        first = export_mlflow(project, str(tmp_path / "m"))
    client = MlflowClient(tracking_uri=first.tracking_uri)
    [exp_id] = first.experiments.values()
    [run] = client.search_runs([exp_id], "tags.`tunestudio.trial_number` = '0'")
    assert run.info.status == "RUNNING" and run.data.tags["tunestudio.state"] == "running"
    assert "objective/val_accuracy" not in run.data.metrics
    assert max(m.step for m in client.get_metric_history(run.info.run_id, "train/loss")) == half

    again = export_mlflow(project, str(tmp_path / "m"))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 3)
    after = client.get_run(run.info.run_id)
    assert after.info.status == "FINISHED" and after.data.tags["tunestudio.state"] == "complete"
    assert after.data.metrics["objective/val_accuracy"] == first_trial.objective
    loss = client.get_metric_history(run.info.run_id, "train/loss")
    assert [m.step for m in loss] == steps[first_trial.id].step.tolist()
    accuracy = client.get_metric_history(run.info.run_id, "eval/val_accuracy")
    assert [m.step for m in accuracy] == evals[first_trial.id].step.tolist()
    assert len(client.search_runs([exp_id], run_view_type=ViewType.ALL)) == 4


def test_param_text_keeps_full_precision() -> None:
    assert param_text(0.011712588580608897) == "0.011712588580608897"
    assert float(param_text(1 / 3)) == 1 / 3
    assert param_text([64, 128]) == "[64, 128]"
    assert param_text("adamw") == "adamw"


def test_tracking_uri_of_a_folder_a_file_and_a_uri(tmp_path: Path) -> None:
    assert tracking_uri(str(tmp_path / "runs")) == \
        f"sqlite:///{(tmp_path / 'runs' / 'mlflow.db').as_posix()}"
    assert (tmp_path / "runs").is_dir()
    assert tracking_uri(str(tmp_path / "x.db")) == f"sqlite:///{(tmp_path / 'x.db').as_posix()}"
    assert tracking_uri("http://localhost:5000") == "http://localhost:5000"
    assert tracking_uri("sqlite:///rel.db") == "sqlite:///rel.db"


def test_missing_mlflow_names_the_extra(searched: tuple[Project, Path], tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    project, _ = searched
    monkeypatch.setitem(sys.modules, "mlflow", None)  # `import mlflow` raises ImportError
    with pytest.raises(TuneStudioError, match=r"tunestudio\[mlflow\]"):
        export_mlflow(project, str(tmp_path / "never"))
    assert not (tmp_path / "never" / "mlflow.db").exists()
