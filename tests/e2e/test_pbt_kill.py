"""kill -9 of `tunestudio run` during population-based training, then `run` again: the
population goes on from its checkpoint (each member resumed, not started over), its lineage
intact, no exploit applied or stored twice and none lost, every member's series whole."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tiny_projects import tiny_project
from tunestudio.config import FloatDimension, Project, load_project, save_project
from tunestudio.config.checkpoints import CheckpointSettings
from tunestudio.config.pbt import PBTSettings
from tunestudio.errors import TuneStudioError
from tunestudio.search import open_store

POPULATION, EPOCHS, INTERVAL = 8, 16, 2


def _project(path: Path) -> Project:
    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
            FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True)]
    project = tiny_project({"strategy": "pbt", "dimensions": dims, "sampler_seed": 1,
                            "pbt": PBTSettings(population=POPULATION, interval=INTERVAL)},
                           epochs=EPOCHS, fraction=0.5)
    baseline = project.baseline.model_copy(update={
        "early_stopping": project.baseline.early_stopping.model_copy(update={"enabled": False})})
    project = project.model_copy(update={"checkpoints": CheckpointSettings(min_interval_s=0),
                                          "baseline": baseline})
    save_project(project, path)
    return load_project(path)


def _run(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _exploits(project: Project) -> int:
    try:
        store = open_store(project)
    except TuneStudioError:
        return 0
    try:
        ids = [t.id for t in store.trials()]
        return sum(c.exploit for cs in store.hparam_changes(ids).values() for c in cs)
    finally:
        store.close()


def test_kill_nine_during_pbt_then_run_resumes_the_population(tmp_path: Path) -> None:
    path = tmp_path / "pbt.tuneproj"
    project = _project(path)
    proc = _run(path)
    deadline = time.monotonic() + 180
    while _exploits(project) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the population ended before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = open_store(project)
    try:
        before = {c.trial_id * 10**6 + c.step: c for cs in store.hparam_changes(
            [t.id for t in store.trials()]).values() for c in cs if c.exploit}
    finally:
        store.close()
    assert len(before) >= 4

    again = _run(path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["counts"] == {"complete": POPULATION}
    store = open_store(project)
    try:
        trials = store.trials()
        changes = store.hparam_changes([t.id for t in trials])
        steps = store.step_series([t.id for t in trials])
    finally:
        store.close()
    assert len(trials) == POPULATION and all(t.state == "complete" for t in trials)
    resumed = {t.resumed_from_step for t in trials}
    assert len(resumed) == 1 and (resumed.pop() or 0) > 0  # all from one checkpoint, not 0
    spe = int(trials[0].metrics["steps"]) // EPOCHS
    after = [c for cs in changes.values() for c in cs if c.exploit]
    # every perturbation replaced 2 of 8 once: none applied twice, none lost
    by_step: dict[int, int] = {}
    for c in after:
        by_step[c.step] = by_step.get(c.step, 0) + 1
    expected = list(range(INTERVAL * spe, EPOCHS * spe, INTERVAL * spe))
    assert sorted(by_step) == expected and set(by_step.values()) == {2}
    # the exploits stored before the kill up to the checkpoint are kept as they were
    point = trials[0].resumed_from_step or 0
    kept = {c.trial_id * 10**6 + c.step: c for c in after}
    for key, c in before.items():
        if c.step <= point:
            assert kept[key] == c
    for t in trials:  # each member's series whole: every step once
        assert list(steps[t.id].step) == list(range(1, EPOCHS * spe + 1))
