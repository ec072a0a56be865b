"""kill -9 in the middle of a 60-epoch trial, then `tunestudio run` again: the same trial goes
on from its last checkpoint, stores each step once, and on the CPU in deterministic mode ends
with the validation loss of an uninterrupted run. A truncated checkpoint: the trial starts
over, with a note."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import tunestudio as _cli
from tiny_projects import tiny_project
from tunestudio import paths
from tunestudio.config import (
    Budget,
    CategoricalDimension,
    CheckpointSettings,
    EarlyStoppingConfig,
    Project,
    save_project,
)
from tunestudio.search import open_store

EPOCHS = 60


def _project(path: Path) -> Project:
    """One grid point (the same config in every project), 60 epochs of a few steps each; a
    resume file every epoch (the default `min_interval_s` would write none in so short a
    trial, and a kill would start it over)."""
    dims = [CategoricalDimension(path="training.batch_size", choices=[16])]
    project = tiny_project({"budget": Budget(trials=1), "strategy": "grid", "dimensions": dims},
                           epochs=EPOCHS, fraction=0.3)
    base = project.baseline
    baseline = base.model_copy(update={
        "training": base.training.model_copy(update={"deterministic": True}),
        "early_stopping": EarlyStoppingConfig(enabled=False),
    })
    project = Project.model_validate(project.model_copy(update={
        "baseline": baseline, "id": uuid.uuid4(),
        "checkpoints": CheckpointSettings(min_interval_s=0)}).model_dump())
    save_project(project, path)
    return project




def _trials(path: Path) -> list[dict[str, Any]]:
    done = _cli("trials", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def _final_val_loss(project: Project, trial_id: int) -> tuple[float, int, int]:
    store = open_store(project)
    try:
        steps = store.step_series([trial_id])[trial_id]
        evals = store.eval_series([trial_id])[trial_id]
        assert len(set(steps.step)) == len(steps.step)  # no step stored twice
        return float(evals.val_loss[-1]), len(steps.step), len(evals.step)
    finally:
        store.close()


def _kill_mid_run(path: Path, project: Project) -> None:
    """Start `tunestudio run`, wait for a checkpoint past epoch 10, kill -9."""
    proc = subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path), "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    running = paths.resume_dir(project.id)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            latest = list(running.glob("*/latest.pt"))
            if latest and latest[0].stat().st_size and _epochs_in(project) > 10:
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the run ended before the kill: {proc.stderr}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)


def _epochs_in(project: Project) -> int:
    store = open_store(project)
    try:
        rows = store.trials()
        return max((len(store.eval_series([r.id]).get(r.id, ()) or ()) for r in rows),
                   default=0)
    finally:
        store.close()


@pytest.mark.timeout(600)
def test_kill_nine_mid_trial_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    whole_path, cut_path = tmp_path / "whole.tuneproj", tmp_path / "cut.tuneproj"
    whole, cut = _project(whole_path), _project(cut_path)
    assert _cli("run", str(whole_path), "--quiet").returncode == 0
    [reference] = _trials(whole_path)
    ref_loss, ref_steps, ref_evals = _final_val_loss(whole, reference["trial_id"])
    assert ref_steps > EPOCHS

    _kill_mid_run(cut_path, cut)
    [killed] = _trials(cut_path)
    assert killed["state"] == "running"  # its process died; the next run sweeps it up
    again = _cli("run", str(cut_path), "--quiet")
    assert again.returncode == 0, again.stderr
    [resumed] = _trials(cut_path)
    assert resumed["trial_id"] == killed["trial_id"] and resumed["number"] == 0
    assert resumed["state"] == "complete", resumed["message"]
    assert resumed["resumed_from_step"] > 0
    assert "resumed from its checkpoint" in resumed["message"]
    loss, steps, evals = _final_val_loss(cut, resumed["trial_id"])
    assert (steps, evals) == (ref_steps, ref_evals)
    assert int(resumed["metrics"]["steps"]) == ref_steps
    print(f"resumed_from_step={resumed['resumed_from_step']} steps={steps}/{ref_steps} "
          f"evals={evals}/{ref_evals} val_loss={loss!r} reference={ref_loss!r} "
          f"difference={abs(loss - ref_loss):.3g}")
    assert abs(loss - ref_loss) <= 1e-4, (loss, ref_loss)
    assert not any(paths.resume_dir(cut.id).iterdir())  # the resume files went at the end


@pytest.mark.timeout(600)
def test_a_truncated_checkpoint_starts_the_trial_over_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "cut.tuneproj"
    project = _project(path)
    _kill_mid_run(path, project)
    [latest] = list(paths.resume_dir(project.id).glob("*/latest.pt"))
    data = latest.read_bytes()
    latest.write_bytes(data[: len(data) // 2])
    again = _cli("run", str(path), "--quiet")
    assert again.returncode == 0, again.stderr
    [trial] = _trials(path)
    assert trial["state"] == "complete"
    assert trial["resumed_from_step"] is None
    assert "started over" in trial["message"] and "truncated or corrupt" in trial["message"]
    _, steps, _ = _final_val_loss(project, trial["trial_id"])
    assert steps == int(trial["metrics"]["steps"])
