"""An experiment of strategy 'pbt' with pruning of hopeless lineages (`pbt.prune`, patience 2),
stopped right after its first prune and run again, beside the same population run without a
stop: each pruned member is an ordinary pruned trial whose message names the rule, its series
ending at the perturbation that pruned it and its exploits kept; the population file carries
the pruned members and each member's run in the worst quantile, so the resumed population
keeps them pruned (a member asked again, as a kill before its end was recorded leaves it,
included) and prunes and exploits later exactly as the uninterrupted one."""

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
EPOCHS = 6
MEMBERS = 6
RESUMED = re.compile(r"^population resumed from its checkpoint at step \d+; ")


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
        if ev.state == "interrupted" and self.file is None and found:  # stopped: saved
            self.path = found[0]
            self.file = load_population(self.path)


def _project(folder: Path) -> Project:
    """6 members, 2 replaced each epoch, pruned after 2 perturbations in a row in the worst
    quantile (floor 2); sampler seed 7 makes a member prune at the second perturbation and
    another, replaced there, at the third."""
    search = {"strategy": "pbt", "dimensions": DIMS, "sampler_seed": 7,
              "pbt": PBTSettings(population=MEMBERS, interval=1, quantile=0.34,
                                 prune=PBTPruning(enabled=True, patience=2, min_population=2))}
    project = tiny_project(search, epochs=EPOCHS)
    return project.model_copy(update={
        "checkpoints": CheckpointSettings(min_interval_s=0),
        "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})


def _run(proj: Project, hooks: Said, stop: threading.Event | None = None) -> Any:
    return ExperimentRunner(proj, proj.experiments[0].name, hooks=[hooks], stop_event=stop,
                            options=RunOptions(device="cpu")).run()


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The population run through; and again, stopped at its first prune (after that epoch's
    checkpoint), the pruned member put back in the queue as a kill before its end was
    recorded leaves it, then run again to its end."""
    out: dict[str, Any] = {}
    with pytest.MonkeyPatch.context() as mp:
        whole = tmp_path_factory.mktemp("pbt-prune-whole")
        mp.setenv("TUNESTUDIO_DATA_DIR", str(whole / "data"))
        out["whole"] = _project(whole)
        _run(out["whole"], Said())
        folder = tmp_path_factory.mktemp("pbt-prune-resumed")
        mp.setenv("TUNESTUDIO_DATA_DIR", str(folder / "data"))
        proj = out["project"] = _project(folder)
        plan = CheckpointPlan.for_project(proj)
        assert plan is not None
        stop = threading.Event()
        first = StopAtPrune(stop, plan.running)
        _run(proj, first, stop)
        assert first.file is not None, first.messages
        trials, _, _ = stored_population(proj)
        [again] = [t for t in trials.values() if t.state == "pruned"]
        assert again.optuna_trial_id is not None
        with sqlite3.connect(folder / "history.sqlite") as db:  # told, then killed: queued
            db.execute("UPDATE trials SET state = 'WAITING', datetime_complete = NULL "
                       "WHERE trial_id = ?", (again.optuna_trial_id,))
        second = Said()
        out["summary"] = _run(proj, second)
    out.update(file=first.file, first=first.messages, second=second.messages,
               asked_again=again.id, path=first.path)
    return out


def test_the_population_file_carries_the_pruned_members(ran: dict[str, Any]) -> None:
    saved = ran["file"]
    assert len(saved["pruned"]) == 1 and len(saved["members"]) == MEMBERS - 1
    assert not set(saved["pruned"]) & set(saved["members"])
    spe = saved["step"] // saved["epoch"]
    assert saved["epoch"] == 2 and all(p["status"] == "pruned" and p["steps"] == 2 * spe
                                       for p in saved["pruned"].values())
    streaks = saved["streaks"]
    assert set(streaks) == set(saved["members"])  # the pruned member's left with it
    assert sorted(streaks.values()) == [0, 0, 0, 0, 1]  # replaced there, not pruned
    assert ran["path"] is not None and not ran["path"].exists()  # gone at the end


def _events(project: Project) -> dict[str, Any]:
    """The population's outcome by trial number: states, pruned steps and messages (without
    the note a resumed trial's message starts with), exploits (member, step, source, values)
    and every member's trained steps."""
    trials, changes, steps = stored_population(project)
    number = {t.id: t.number for t in trials.values()}
    return {
        "states": {t.number: t.state for t in trials.values()},
        "pruned": {t.number: (t.metrics["steps"], RESUMED.sub("", t.message))
                   for t in trials.values() if t.state == "pruned"},
        "exploits": sorted((number[c.trial_id], c.step, number[c.source_trial_id or -1],
                            tuple(sorted(c.values.items())))
                           for cs in changes.values() for c in cs if c.exploit),
        "steps": {number[t]: list(s.step) for t, s in steps.items()},
    }


def test_the_resumed_population_prunes_and_exploits_as_the_uninterrupted_one(
        ran: dict[str, Any]) -> None:
    whole, resumed = _events(ran["whole"]), _events(ran["project"])
    spe = ran["file"]["step"] // 2
    # the uninterrupted population pruned at the second perturbation and, after the stop's
    # point, a member whose first of two runs in the worst quantile came before it
    assert sorted(step for step, _ in whole["pruned"].values()) == [2 * spe, 3 * spe]
    assert resumed == whole
    assert ran["summary"].counts == {"complete": MEMBERS - 2, "pruned": 2}  # 1 asked again
    trials, changes, steps = stored_population(ran["project"])
    pattern = re.compile(re.escape(PBT_PRUNED.template).replace(r"\{step\}", r"(\d+)")
                         .replace(r"\{metric\}", "val_accuracy")
                         .replace(r"\{streak\}", "2").replace(r"\{margin\}", "0")
                         .replace(r"\{value\}", r"[\d.]+").replace(r"\{best\}", r"[\d.]+"))
    for t in trials.values():
        if t.state == "pruned":
            match = pattern.fullmatch(RESUMED.sub("", t.message))
            assert match is not None, t.message
            stop = int(match.group(1))
            assert t.metrics["steps"] == stop and t.objective is None
            assert list(steps[t.id].step) == list(range(1, stop + 1))  # trained no further
            assert any(c.exploit for c in changes[t.id])  # replaced once first; kept
        else:
            assert t.resumed_from_step == 2 * spe
            assert list(steps[t.id].step) == list(range(1, EPOCHS * spe + 1))
    assert trials[ran["asked_again"]].resumed_from_step == 2 * spe
    check_exploits(trials, changes, steps)
    assert sum(" pruned at step " in m for m in ran["first"]) == 1
    assert sum(" pruned at step " in m for m in ran["second"]) == 1


def test_the_lineage_names_the_pruned_members(ran: dict[str, Any], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`Lineage.pruned` and `tunestudio lineage` (text and JSON) name each pruned member, its
    step and the rule's reason."""
    store = open_store(ran["project"])
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    spe = ran["file"]["step"] // 2
    assert len(found.members) == MEMBERS
    assert [m.pruned_at for m in found.pruned] == [2 * spe, 3 * spe]
    assert found.best is not None and found.best.pruned_at is None
    project_file = tmp_path / "pbt.tuneproj"
    save_project(ran["project"], project_file)
    assert main(["lineage", str(project_file)]) == 0
    text = capsys.readouterr().out
    assert f"{MEMBERS} members, {len(found.exploits)} exploits, 2 pruned" in text
    for m in found.pruned:
        [line] = [x for x in text.splitlines()
                  if x.startswith(f"  step {m.pruned_at:>6}: #{m.trial.number} ")]
        assert f"pruned at step {m.pruned_at} as a hopeless lineage (pbt.prune)" in line
    assert main(["lineage", str(project_file), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [(p["trial"], p["step"]) for p in out["pruned"]] == [
        (m.trial.number, m.pruned_at) for m in found.pruned]
    assert all("pbt.prune" in p["reason"] for p in out["pruned"])
