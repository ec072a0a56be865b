"""kill -9 of `tunestudio run` during population-based training, then `run` again: the
population goes on from its checkpoint (each member resumed, not started over), its lineage
intact, no exploit applied or stored twice and none lost, every member's series whole. Both
kinds of population: one fused model, and lone members (the user's own Datasets, which cannot
fuse) exchanging checkpoints."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tiny_projects import loader_project, tiny_project
from tunestudio.config import FloatDimension, Project, load_project, save_project
from tunestudio.config.checkpoints import CheckpointSettings
from tunestudio.config.pbt import PBTSettings
from tunestudio.errors import TuneStudioError
from tunestudio.search import open_store

INTERVAL = 2
# by kind, fused or lone: the members, epochs, and the perturbations done before the kill
# (lone members train one after another: fewer, shorter, killed sooner)
POPULATION = {"fused": 8, "lone": 4}
EPOCHS = {"fused": 16, "lone": 8}
KILL_AFTER = {"fused": 2, "lone": 1}


def _project(path: Path, kind: str) -> Project:
    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
            FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True)]
    search = {"strategy": "pbt", "dimensions": dims, "sampler_seed": 1,
              "pbt": PBTSettings(population=POPULATION[kind], interval=INTERVAL)}
    project = tiny_project(search, epochs=EPOCHS[kind], fraction=0.5) if kind == "fused" else \
        loader_project(path.parent, search, epochs=EPOCHS[kind], samples=600)
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


@pytest.mark.parametrize("kind", ["fused", "lone"])
def test_kill_nine_during_pbt_then_run_resumes_the_population(tmp_path: Path,
                                                              kind: str) -> None:
    path = tmp_path / "pbt.tuneproj"
    project = _project(path, kind)
    members, epochs = POPULATION[kind], EPOCHS[kind]
    replaced = project.experiments[0].search.pbt.replaced(members)
    proc = _run(path)
    deadline = time.monotonic() + 180
    while _exploits(project) < KILL_AFTER[kind] * replaced and proc.poll() is None and \
            time.monotonic() < deadline:
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
    assert len(before) >= KILL_AFTER[kind] * replaced

    again = _run(path)
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["counts"] == {"complete": members}
    store = open_store(project)
    try:
        trials = store.trials()
        changes = store.hparam_changes([t.id for t in trials])
        steps = store.step_series([t.id for t in trials])
    finally:
        store.close()
    assert len(trials) == members and all(t.state == "complete" for t in trials)
    resumed = {t.resumed_from_step for t in trials}
    assert len(resumed) == 1 and (resumed.pop() or 0) > 0  # all from one checkpoint, not 0
    spe = int(trials[0].metrics["steps"]) // epochs
    after = [c for cs in changes.values() for c in cs if c.exploit]
    # every perturbation replaced 2 of 8 (1 of 4) once: none applied twice, none lost
    by_step: dict[int, int] = {}
    for c in after:
        by_step[c.step] = by_step.get(c.step, 0) + 1
    expected = list(range(INTERVAL * spe, epochs * spe, INTERVAL * spe))
    assert sorted(by_step) == expected and set(by_step.values()) == {replaced}
    # the exploits stored before the kill up to the checkpoint are kept as they were
    point = trials[0].resumed_from_step or 0
    kept = {c.trial_id * 10**6 + c.step: c for c in after}
    for key, c in before.items():
        if c.step <= point:
            assert kept[key] == c
    for t in trials:  # each member's series whole: every step once
        assert list(steps[t.id].step) == list(range(1, epochs * spe + 1))
