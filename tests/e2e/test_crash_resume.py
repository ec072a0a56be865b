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


def test_kill_nine_during_a_fused_group(tmp_path: Path) -> None:
    """Four trials fused in one group; two reach the early-stopping target and finish inside
    the group, two go on. kill -9 then: the two finished trials are intact (state, objective,
    full series), the two running ones are interrupted and run again by the next run."""
    from tunestudio.config import CategoricalDimension, EarlyStoppingConfig, PrunerConfig

    lr = CategoricalDimension(path="optimizer.lr", choices=[0.03, 0.01, 1e-6, 2e-6])
    base = tiny_project({"strategy": "grid", "dimensions": [lr], "budget": Budget(trials=None),
                         "fuse": "fixed", "fuse_trials": 4, "pruner": PrunerConfig(kind="none")},
                        epochs=60, fraction=0.5)
    baseline = base.baseline.model_copy(update={"early_stopping": EarlyStoppingConfig(
        monitor="val_accuracy", target=0.85, patience=1000)})
    project = Project.model_validate(base.model_copy(update={"baseline": baseline}).model_dump())
    path = tmp_path / "fused.tuneproj"
    save_project(project, path)
    proc = _run(path)
    deadline = time.monotonic() + 180
    before: dict[int, tuple[float | None, int]] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            store = open_store(project)
        except TuneStudioError:
            continue
        try:
            trials = store.trials()
            done = [t for t in trials if t.state == "complete"]
            if len(done) == 2 and sum(t.state == "running" for t in trials) == 2:
                series = store.step_series([t.id for t in done])
                before = {t.id: (t.objective, len(series[t.id].step)) for t in done}
                break
        finally:
            store.close()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert before, "the fast trials did not finish inside the group before the deadline"
    store = open_store(project)
    try:
        trials = store.trials()
        assert len({t.group_id for t in trials}) == 1 and trials[0].group_id is not None
        running = {t.id for t in trials if t.state == "running"}
        assert len(running) == 2
        series = store.step_series(list(before))
        for t in trials:
            if t.id in before:
                assert t.state == "complete" and (t.objective, len(series[t.id].step)) == \
                    before[t.id] and before[t.id][1] == int(t.metrics["steps"])
    finally:
        store.close()
    final = _run(path)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err
    store = open_store(project)
    try:
        ended = {t.id: t for t in store.trials()}
        assert len(ended) == 4 and {t.state for t in ended.values()} == {"complete"}
        series = store.step_series(list(ended))
        for tid, (objective, steps) in before.items():  # untouched by the second run
            assert ended[tid].objective == objective and len(series[tid].step) == steps
        for tid in running:  # ran again, to the end, with a full series
            assert len(series[tid].step) == int(ended[tid].metrics["steps"])
    finally:
        store.close()
