"""An experiment of strategy 'pbt' whose members cannot fuse (their data is the user's own
Datasets, batched through a DataLoader): they train as lone trials, one interval at a time,
exchanging checkpoints; each member is an ordinary trial of one group, its starting values and
each exploit stored as a fused population's are, so that its schedule, lineage and replay read
back through the same CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pbt_helpers import Said, check_exploits, run_population, stored_population
from tiny_projects import loader_project
from tunestudio.cli import main
from tunestudio.config import FloatDimension, Project, save_project
from tunestudio.config.pbt import PBTSettings
from tunestudio.search import open_store
from tunestudio.search.artifacts import CheckpointPlan
from tunestudio.search.pbt import population_path
from tunestudio.store.lineage import lineage

DIMS = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True)]
EPOCHS = 3


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Any, Said, Path]:
    """One population of 4 lone members, 3 epochs, perturbed after each epoch (1 of 4
    replaced), with its own history and data folder (shared by this module's tests)."""
    folder = tmp_path_factory.mktemp("pbt-lone")
    proj, summary, said, path = run_population(folder, lambda: loader_project(
        folder, {"strategy": "pbt", "dimensions": DIMS, "sampler_seed": 3,
                 "pbt": PBTSettings(population=4, interval=1)}, epochs=EPOCHS))
    project_file = folder / "pbt.tuneproj"
    save_project(proj, project_file)
    assert path is not None
    return proj, summary, said, project_file


Ran = tuple[Project, Any, Said, Path]


def test_lone_members_are_one_group_of_ordinary_trials(ran: Ran) -> None:
    proj, summary, said, _ = ran
    assert summary.counts == {"complete": 4}, said.messages
    assert any("lone trials" in m and "DataLoader" in m for m in said.messages)
    store = open_store(proj)
    try:
        trials = store.trials()
        experiment_id = store.experiments()[0].id
    finally:
        store.close()
    assert len(trials) == 4 and len({t.group_id for t in trials}) == 1
    assert all(t.objective is not None and t.metrics["steps"] > 0 for t in trials)
    # each member's time is its own, not the population's: they sum to about the run's
    assert sum(t.duration_s or 0 for t in trials) < 1.5 * summary.duration_s
    path = population_path(CheckpointPlan.for_project(proj), experiment_id)
    assert path is not None and not path.exists()  # saved while it trained, gone at its end


def test_each_exploit_is_stored_as_a_fused_populations_is(ran: Ran) -> None:
    trials, changes, steps = stored_population(ran[0])
    spe = int(next(iter(trials.values())).metrics["steps"]) // EPOCHS
    exploits = [c for cs in changes.values() for c in cs if c.exploit]
    assert sorted(c.step for c in exploits) == [spe, 2 * spe]  # 1 of 4, never after the last
    check_exploits(trials, changes, steps)
    for tid in changes:
        assert list(steps[tid].step) == list(range(1, EPOCHS * spe + 1))


def test_the_cli_reads_the_lineage_and_replays_the_best_schedule_alone(
        ran: Ran, capsys: pytest.CaptureFixture[str]) -> None:
    proj, summary, _, project_file = ran
    store = open_store(proj)
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    assert len(found.members) == 4 and len(found.exploits) == 2
    assert found.best is not None and found.best.trial.id == summary.best_trial_id
    assert main(["lineage", str(project_file), "--format", "json", "--replay", "2",
                 "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["best"] == found.best.trial.number and len(out["exploits"]) == 2
    replay = out["replay"]  # each seed trained alone: these members cannot fuse
    assert len(replay["replays"]) == 2 and all(0.0 < v <= 1.0 for v in replay["replays"])
    assert replay["member"] == found.best.trial.objective
