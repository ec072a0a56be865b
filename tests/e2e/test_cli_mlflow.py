"""`tunestudio export --format mlflow` as a user runs it: a search's trials land in a local
MLflow store, read back with MLflow's own client (exporting again: tests/search)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import Budget, save_project

mlflow = pytest.importorskip("mlflow", reason="pip install 'tunestudio[mlflow]'")




def test_export_to_mlflow_reads_back_one_run_per_trial(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=3)}, epochs=2, fraction=0.2)
    name = project.experiments[0].name
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path), "--quiet")
    assert run.returncode == 0, run.stderr
    store = tmp_path / "mlruns"
    first = tunestudio("export", str(path), "--format", "mlflow", "-o", str(store))
    assert first.returncode == 0, first.stderr
    done = json.loads(first.stdout.splitlines()[-1])
    assert (done["created"], done["updated"], done["unchanged"]) == (3, 0, 0)
    assert "mlflow ui --backend-store-uri sqlite:///" in first.stderr

    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    client = mlflow.MlflowClient(tracking_uri=done["tracking_uri"])
    exp = client.get_experiment_by_name(f"{project.name}/{name}")
    assert exp is not None
    runs = {int(r.data.tags["tunestudio.trial_number"]): r
            for r in client.search_runs([exp.experiment_id])}
    assert sorted(runs) == sorted(r["number"] for r in rows)
    for row in rows:
        r = runs[row["number"]]
        assert {k: json.loads(v) for k, v in r.data.params.items()} == row["params"]
        assert r.data.tags["tunestudio.state"] == row["state"] == "complete"
        assert r.data.metrics["objective/val_accuracy"] == row["objective"]
        assert len(client.get_metric_history(r.info.run_id, "train/loss")) == \
            row["metrics"]["steps"]
    best = runs[max(rows, key=lambda r: (r["objective"], -r["number"]))["number"]]
    assert best.info.run_id == done["model_runs"][name]
    assert {f.path for f in client.list_artifacts(best.info.run_id, "model")} == \
        {"model/model.pt", "model/model.pt.json"}


def test_export_to_mlflow_needs_a_store(tmp_path: Path) -> None:
    path = tmp_path / "p.tuneproj"
    save_project(tiny_project(), path)
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    out = tunestudio("export", str(path), "--format", "mlflow", env=env)
    assert out.returncode == 1 and "-o DIR" in out.stderr and "MLFLOW_TRACKING_URI" in out.stderr
