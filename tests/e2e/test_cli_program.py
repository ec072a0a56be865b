"""The `script` template end to end: its plain PyTorch script, unchanged, tuned by
`tunestudio run` with TPE and median pruning (every trial's curve stored, some trials pruned
from its printed lines, a best trial), the three-call example tuned the same way, and both
scripts running alone as plain scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from program_helpers import program_project, run
from tunestudio.config import FloatDimension, Project, load_project, save_project
from tunestudio.config.program import ProgramParameter
from tunestudio.store import Store

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")]
SRC = Path(__file__).resolve().parents[2] / "src"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "tunestudio", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def small_project(tmp_path: Path, command: str, trials: int) -> Path:
    """The template's project, trained small: 8 short epochs (300 sequences) per trial."""
    path = tmp_path / "waves.tuneproj"
    done = cli("new", str(path), "--template", "script", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = load_project(path)
    program = project.baseline.program
    assert program is not None
    baseline = project.baseline.model_copy(update={
        "program": program.model_copy(update={"command": command}),
        "params": {"epochs": 8, "samples": 300}})
    exp = project.experiments[0]
    search = exp.search.model_copy(update={
        "budget": exp.search.budget.model_copy(update={"trials": trials}),
        "pruner": exp.search.pruner.model_copy(update={"startup_trials": 2,
                                                       "warmup_evaluations": 1}),
        "dimensions": [exp.search.dimensions[0].model_copy(update={"low": 1e-5})],
        "sampler_seed": 4})
    project = project.model_copy(update={
        "baseline": baseline, "experiments": [exp.model_copy(update={"search": search})]})
    save_project(Project.model_validate(project.model_dump()), path)  # validated again
    return path


def tuned(tmp_path: Path, path: Path, trials: int) -> None:
    done = cli("run", str(path), "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert sum(outcome["counts"].values()) == trials
    assert set(outcome["counts"]) <= {"complete", "pruned"}, outcome
    assert outcome["counts"].get("pruned"), outcome
    with Store.for_project(load_project(path)) as store:
        exp = store.experiment(load_project(path).experiments[0].name)
        assert exp is not None
        rows = store.trials(exp.id)
        curves = store.eval_series([r.id for r in rows])
    for row in rows:
        assert len(curves[row.id]) >= 1 and "val_acc" in curves[row.id].metrics
    best = max((r for r in rows if r.state == "complete"), key=lambda r: r.objective or 0)
    assert outcome["best_trial"] == best.id and outcome["best_objective"] == best.objective


def test_the_plain_script_is_tuned_unchanged(tmp_path: Path) -> None:
    path = small_project(tmp_path, "python train_sequence.py", trials=6)
    tuned(tmp_path, path, 6)


def test_the_three_call_example_is_tuned(tmp_path: Path) -> None:
    path = small_project(tmp_path, "python train_sequence_reporting.py", trials=6)
    tuned(tmp_path, path, 6)


def test_both_scripts_run_alone(tmp_path: Path) -> None:
    assert cli("new", str(tmp_path / "w.tuneproj"), "--template", "script",
               cwd=tmp_path).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNESTUDIO_TRIAL")}
    env["PYTHONPATH"] = str(SRC)
    plain = subprocess.run([sys.executable, "train_sequence.py", "--epochs", "2",
                            "--samples", "200"], cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=300, check=True)
    assert plain.stdout.splitlines()[-1].startswith("epoch 2 train_loss=")
    three = subprocess.run([sys.executable, "train_sequence_reporting.py"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=300, check=True)
    assert "epoch 8 val_loss=" in three.stdout and (tmp_path / "checkpoints" / "last.pt").exists()


def test_log_prints_what_a_trial_printed(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, "import sys\nprint('hello from', sys.argv[1:])\nprint('val_acc=0.5')\n",
        [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=1)
    run(project, path)
    done = cli("log", str(path), "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hello from ['--lr', '0.") and "val_acc=0.5" in done.stdout
    missing = cli("log", str(path), "7", cwd=tmp_path)
    assert missing.returncode != 0 and "no trial number 7 (its trials: 0)" in missing.stderr
