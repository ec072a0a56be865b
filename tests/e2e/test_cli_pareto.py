"""A search with a second objective (training time): `run` and `info` list exactly the trials
of Optuna's own Pareto front, `study.best_trials`, each with both values."""

from __future__ import annotations

import json
from pathlib import Path

import optuna

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import Budget, Objective, save_project


def test_info_and_run_list_optunas_pareto_front(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=8),
                            "objective": Objective(metric="val_accuracy", second="train_time")},
                           epochs=2, fraction=0.2)
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path))
    assert run.returncode == 0, run.stderr
    ran = json.loads(run.stdout.splitlines()[-1])
    assert "Pareto front (val_accuracy against training time)" in run.stderr
    info = json.loads(tunestudio("info", str(path)).stdout)
    [exp] = [e for e in info["experiments"] if e["name"] == project.experiments[0].name]
    study = optuna.load_study(study_name=exp["study_name"], storage=info["storage_url"])
    assert len(study.trials) == 8
    optunas = {t.number: t.values for t in study.best_trials}
    for listed in (exp["pareto_front"], ran["pareto_front"]):
        assert {t["number"] for t in listed} == set(optunas)
        for t in listed:  # both values, exactly as Optuna holds them
            assert [t["objective"], t["train_time_s"]] == optunas[t["number"]]
