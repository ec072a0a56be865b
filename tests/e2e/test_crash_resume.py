"""kill -9 of `tunestudio run` at random moments, five times in a row: finished trials keep
their full series, the project file is unchanged, the killed trial is resumed by a later run,
and the next run resumes the same experiment."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    Project,
    load_project,
    save_project,
)
from tunestudio.errors import TuneStudioError
from tunestudio.search import open_store


def _project(path: Path) -> None:
    """Trials of about a second, so that kills land in training, writing or telling."""
    save_project(tiny_project({"budget": Budget(trials=4)}, epochs=25, fraction=1.0), path)


def _run(path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path), "--quiet",
                             *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for_a_running_trial(project: Project, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            store = open_store(project)
        except TuneStudioError:
            continue
        try:
            if store.counts().get("running"):
                return
        finally:
            store.close()
    raise AssertionError(f"no trial started (exit code {proc.poll()})")


def test_kill_nine_five_times_then_resume(tmp_path: Path) -> None:
    path = tmp_path / "crash.tuneproj"
    _project(path)
    before = path.read_bytes()
    project = load_project(path)
    rng = random.Random(1234)
    killed: set[int] = set()
    for _ in range(5):
        proc = _run(path)
        _wait_for_a_running_trial(project, proc)
        time.sleep(rng.uniform(0.0, 2.0))  # a random moment of training, writing or telling
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert path.read_bytes() == before
        store = open_store(project)
        try:
            trials = store.trials()
            killed |= {t.id for t in trials if t.state == "running"}
            complete = [t for t in trials if t.state == "complete"]
            steps = store.step_series([t.id for t in complete])
            evals = store.eval_series([t.id for t in complete])
            for t in complete:
                assert len(steps[t.id].step) == int(t.metrics["steps"]), t
                assert len(evals[t.id].step) >= 1
                assert t.objective is not None
        finally:
            store.close()
    final = _run(path)
    out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["counts"].get("complete", 0) >= 1
    store = open_store(project)
    try:
        trials = store.trials()
        states = [t.state for t in trials]
        assert "running" not in states
        assert killed, "no kill landed while a trial was running"
        # each killed trial went on from its checkpoint (or started over) in a later run
        assert "interrupted" not in states
        assert killed <= {t.id for t in trials if t.state == "complete"}
        assert len(store.experiments()) == 1  # the same experiment, resumed
        numbers = sorted(t.number for t in trials)
        assert len(numbers) == len(set(numbers))
    finally:
        store.close()
    assert path.read_bytes() == before
