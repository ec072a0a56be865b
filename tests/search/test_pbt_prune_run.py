"""An experiment of strategy 'pbt' with pruning of hopeless lineages (`pbt.prune`), stopped
right after its first prune and run again: each pruned member is an ordinary pruned trial
whose message names the rule, its series ending at the perturbation that pruned it and its
exploits kept; the population file carries it, so the resumed population keeps it pruned, a
member asked again (a kill before its end was recorded) included, and goes on with the
others from the checkpoint."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from pbt_helpers import Said, check_exploits, stored_population
from tiny_projects import tiny_project
from tunestudio.cli import main
from tunestudio.config import FloatDimension, Project, save_project
from tunestudio.config.checkpoints import CheckpointSettings
from tunestudio.config.pbt import PBTPruning, PBTSettings
from tunestudio.engine.pbt import load_population
from tunestudio.messages import PBT_PRUNED
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.search.artifacts import CheckpointPlan
from tunestudio.store.lineage import lineage

DIMS = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True)]
EPOCHS = 4
MEMBERS = 6


class StopAtPrune(Said):
    """Stops the run once a member is pruned (the population is saved at that epoch's end,
    then every running member stops) and keeps the population file as it was then."""

    def __init__(self, stop: threading.Event, folder: Path):
        super().__init__()
        self.stop, self.folder = stop, folder
        self.file: dict[str, Any] | None = None
        self.path: Path | None = None

    def on_message(self, text: str) -> None:
        super().on_message(text)
        if " pruned at step " in text:
            self.stop.set()

    def on_trial_end(self, ev: Any) -> None:
        found = sorted(self.folder.glob("population-*.pt"))
        if self.stop.is_set() and self.file is None and found:
            self.path = found[0]
            self.file = load_population(self.path)


def _project() -> Project:
    search = {"strategy": "pbt", "dimensions": DIMS, "sampler_seed": 3,
              "pbt": PBTSettings(population=MEMBERS, interval=1, quantile=0.34,
                                 prune=PBTPruning(enabled=True, patience=1, min_population=4))}
    project = tiny_project(search, epochs=EPOCHS)
    return project.model_copy(update={"checkpoints": CheckpointSettings(min_interval_s=0)})


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The population stopped at its first prune (after that epoch's checkpoint), one pruned
    member put back in the queue as a kill before its end was recorded leaves it, then run
    again to its end."""
    folder = tmp_path_factory.mktemp("pbt-prune")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(folder / "data"))
        proj = _project().model_copy(update={
            "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
        stop = threading.Event()
        plan = CheckpointPlan.for_project(proj)
        assert plan is not None
        first = StopAtPrune(stop, plan.running)
        ExperimentRunner(proj, proj.experiments[0].name, hooks=[first], stop_event=stop,
                         options=RunOptions(device="cpu")).run()
        assert first.file is not None, first.messages
        trials, _, _ = stored_population(proj)
        pruned = [t for t in trials.values() if t.state == "pruned"]
        assert len(pruned) == 2, first.messages  # 2 of 6 replaced, patience 1, floor 4
        again = pruned[0]
        assert again.optuna_trial_id is not None
        with sqlite3.connect(folder / "history.sqlite") as db:  # told, then killed: queued
            db.execute("UPDATE trials SET state = 'WAITING', datetime_complete = NULL "
                       "WHERE trial_id = ?", (again.optuna_trial_id,))
        second = Said()
        summary = ExperimentRunner(proj, proj.experiments[0].name, hooks=[second],
                                   options=RunOptions(device="cpu")).run()
    return {"project": proj, "file": first.file, "first": first.messages,
            "second": second.messages, "summary": summary, "asked_again": again.id,
            "path": first.path}


def test_the_population_file_carries_the_pruned_members(ran: dict[str, Any]) -> None:
    saved = ran["file"]
    assert len(saved["pruned"]) == 2 and len(saved["members"]) == MEMBERS - 2
    assert not set(saved["pruned"]) & set(saved["members"])
    spe = saved["step"] // saved["epoch"]
    assert saved["epoch"] == 1 and all(p["status"] == "pruned" and p["steps"] == spe
                                       for p in saved["pruned"].values())
    assert set(saved["streaks"]) == set(saved["members"])  # none of the 4 was replaced
    assert not ran["path"].exists()  # gone once the population ended


def test_pruned_members_stay_pruned_and_the_others_resume(ran: dict[str, Any]) -> None:
    trials, changes, steps = stored_population(ran["project"])
    assert ran["summary"].counts == {"complete": MEMBERS - 2, "pruned": 1}  # asked again
    states = sorted(t.state for t in trials.values())
    assert states == ["complete"] * (MEMBERS - 2) + ["pruned"] * 2
    spe = ran["file"]["step"]
    pattern = re.compile(re.escape(PBT_PRUNED.template).replace(r"\{step\}", str(spe))
                         .replace(r"\{metric\}", "val_accuracy")
                         .replace(r"\{streak\}", "1").replace(r"\{margin\}", "0")
                         .replace(r"\{value\}", r"[\d.]+").replace(r"\{best\}", r"[\d.]+"))
    for t in trials.values():
        if t.state == "pruned":
            assert pattern.fullmatch(t.message), t.message
            assert list(steps[t.id].step) == list(range(1, spe + 1))  # trained no further
            assert changes[t.id][0].step == 0  # its history kept
            assert t.objective is None and t.metrics["steps"] == spe
        else:  # resumed from the checkpoint of the prune's epoch, series whole
            assert t.resumed_from_step == spe
            assert list(steps[t.id].step) == list(range(1, EPOCHS * spe + 1))
    assert trials[ran["asked_again"]].resumed_from_step == spe
    exploits = [c for cs in changes.values() for c in cs if c.exploit]
    # the first perturbation pruned its 2 and replaced none; then 1 of 4 at each of the
    # next two (the floor of 4 reached), none applied twice
    assert sorted(c.step for c in exploits) == [2 * spe, 3 * spe]
    check_exploits(trials, changes, steps)
    assert sum(" pruned at step " in m for m in ran["first"]) == 2
    assert not any(" pruned at step " in m for m in ran["second"])


def test_the_lineage_names_the_pruned_members(ran: dict[str, Any], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`Lineage.pruned` and `tunestudio lineage` (text and JSON) name each pruned member, its
    step and the rule's reason."""
    store = open_store(ran["project"])
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    spe = ran["file"]["step"]
    assert len(found.members) == MEMBERS and len(found.pruned) == 2
    assert all(m.pruned_at == spe for m in found.pruned)
    assert found.best is not None and found.best.pruned_at is None
    project_file = tmp_path / "pbt.tuneproj"
    save_project(ran["project"], project_file)
    assert main(["lineage", str(project_file)]) == 0
    text = capsys.readouterr().out
    assert f"{MEMBERS} members, 2 exploits, 2 pruned" in text
    for m in found.pruned:
        assert f"step {spe:>6}: #{m.trial.number} pruned at step {spe} as a hopeless " \
            "lineage (pbt.prune)" in text
    assert main(["lineage", str(project_file), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sorted(p["trial"] for p in out["pruned"]) == sorted(m.trial.number
                                                               for m in found.pruned)
    assert all(p["step"] == spe and "pbt.prune" in p["reason"] for p in out["pruned"])
