"""The experiment commands as a user runs them: `run`, `trials`, `info`, `export`, Ctrl+C."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    FloatDimension,
    IntDimension,
    PrunerConfig,
    save_project,
)


def test_tpe_with_median_pruning_lists_every_trial_and_optuna_agrees(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=12),
                            "pruner": PrunerConfig(kind="median", startup_trials=3,
                                                   warmup_evaluations=1)}, epochs=4)
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path))
    assert run.returncode == 0, run.stderr
    assert "12/12" in run.stderr and "best" in run.stderr  # progress and summary
    listed = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert len(listed) == 12
    names = {d.path for d in project.experiments[0].search.dimensions}
    for row in listed:
        assert row["state"] in ("complete", "pruned")
        assert set(row["params"]) == names
        if row["state"] == "complete":
            assert isinstance(row["objective"], float)
    info = json.loads(tunestudio("info", str(path)).stdout)
    [exp] = [e for e in info["experiments"] if e["name"] == project.experiments[0].name]
    assert sum(exp["counts"].values()) == 12
    study = optuna.load_study(study_name=exp["study_name"], storage=info["storage_url"])
    assert len(study.trials) == 12
    assert study.best_value == exp["best"]["objective"]


def test_ovat_three_dimensions_four_values_runs_ten_trials(tmp_path: Path) -> None:
    dims = [
        FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True,
                       values=[0.00075, 0.003, 0.012, 0.048]),
        FloatDimension(path="optimizer.weight_decay", low=1e-5, high=1e-2, log=True,
                       values=[0.0001, 0.0004, 0.0016, 0.0064]),
        IntDimension(path="model.width", low=16, high=512, values=[32, 64, 128, 256]),
    ]
    project = tiny_project({"strategy": "ovat", "dimensions": dims,
                            "budget": Budget(trials=None)}, epochs=2)
    path = tmp_path / "ovat.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path), "--quiet")
    assert run.returncode == 0, run.stderr
    assert sum(json.loads(run.stdout.splitlines()[-1])["counts"].values()) == 10
    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    points = {json.dumps(r["params"], sort_keys=True) for r in rows}
    assert len(rows) == len(points) == 10


def test_workers_share_the_budget_on_sqlite(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=6)}, epochs=3)
    path = tmp_path / "w.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path), "--workers", "2", "--quiet")
    assert run.returncode == 0, run.stderr
    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert len(rows) == 6
    assert sorted(r["number"] for r in rows) == list(range(6))
    assert {r["state"] for r in rows} == {"complete"}


def test_export_csv_and_json(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=2)}, epochs=2)
    path = tmp_path / "e.tuneproj"
    save_project(project, path)
    assert tunestudio("run", str(path), "--quiet").returncode == 0
    out = tmp_path / "t.csv"
    assert tunestudio("export", str(path), "--format", "csv", "-o", str(out)).returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 2 and "optimizer.lr" in rows[0]
    as_json = json.loads(tunestudio("export", str(path), "--format", "json").stdout)
    assert len(as_json) == 2


def test_unknown_experiment_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "u.tuneproj"
    save_project(tiny_project(), path)
    out = tunestudio("run", str(path), "--experiment", "nope")
    assert out.returncode == 1
    assert "no experiment named 'nope'; the project has: bayes-lr-wd-width-batch" in out.stderr
    assert "Traceback" not in out.stderr


def test_ctrl_c_stops_cleanly_and_marks_the_trial_interrupted(tmp_path: Path) -> None:
    # one at a time: one trial runs when Ctrl+C comes (a fused group's: test_runner.py)
    project = tiny_project({"budget": Budget(trials=3), "fuse": "off"}, epochs=400)
    long_run = project.baseline.model_copy(update={
        "early_stopping": project.baseline.early_stopping.model_copy(update={"enabled": False})})
    project = project.model_copy(update={"baseline": long_run})
    path = tmp_path / "c.tuneproj"
    save_project(project, path)
    proc = subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    for line in proc.stderr:  # wait until a trial trains
        if line.startswith("trial 1/") or time.monotonic() > deadline:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    # the trial running at Ctrl+C is interrupted (a fast machine may finish one before it)
    counts = json.loads(out.splitlines()[-1])["counts"]
    assert counts.get("interrupted") == 1 and set(counts) <= {"complete", "interrupted"}
    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    states = [r["state"] for r in rows]
    assert states[-1] == "interrupted" and set(states[:-1]) <= {"complete"}


def test_fuse_option_trains_groups_or_one_at_a_time(tmp_path: Path) -> None:
    from tunestudio.search import open_store

    lr = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)
    project = tiny_project({"budget": Budget(trials=3), "dimensions": [lr]}, epochs=2)
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    bad = tunestudio("run", str(path), "--fuse", "many")
    assert bad.returncode == 2 and "auto, off or a whole number" in bad.stderr
    assert tunestudio("run", str(path), "--fuse", "3").returncode == 0
    assert tunestudio("run", str(path), "--fuse", "off", "--trials", "1").returncode == 0
    store = open_store(project)
    try:
        groups = [t.group_id for t in store.trials()]
    finally:
        store.close()
    assert len(groups) == 4 and len(set(groups[:3])) == 1 and groups[3] is None
    assert groups[0] is not None
