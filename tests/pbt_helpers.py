"""What the PBT tests share: the members' starting points and ranges of the engine's tests, and
the checks of a stored population's exploits that fused and lone populations must both pass."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tunestudio.config import Project
from tunestudio.config.pbt import Range
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, open_store
from tunestudio.search.artifacts import CheckpointPlan
from tunestudio.search.pbt import population_path
from tunestudio.store import values_at

POINTS = [{"optimizer.lr": 0.002, "optimizer.weight_decay": 0.0, "optimizer.momentum": 0.5},
          {"optimizer.lr": 0.05, "optimizer.weight_decay": 1e-4, "optimizer.momentum": 0.9},
          {"optimizer.lr": 0.2, "optimizer.weight_decay": 1e-3, "optimizer.momentum": 0.8},
          {"optimizer.lr": 0.01, "optimizer.weight_decay": 0.0, "optimizer.momentum": 0.0}]
RANGES = {"optimizer.lr": Range(1e-3, 0.5, log=True),
          "optimizer.weight_decay": Range(0.0, 0.01),
          "optimizer.momentum": Range(0.0, 0.95)}


def stored_population(project: Project) -> tuple[dict[int, Any], dict[int, Any], dict[int, Any]]:
    """The history's trials by id, their hyperparameter changes and their step series."""
    store = open_store(project)
    try:
        trials = {t.id: t for t in store.trials()}
        return trials, store.hparam_changes(list(trials)), store.step_series(list(trials))
    finally:
        store.close()


def check_exploits(trials: dict[int, Any], changes: dict[int, Any],
                   steps: dict[int, Any]) -> None:
    """Each member starts at step 0 with its trial's own learning rate; each later change
    comes from another member and records the values it replaced; after an exploit the stored
    LR is the source's plan at the same step, scaled by the member's new rate."""
    for tid, cs in changes.items():
        assert cs[0].step == 0 and cs[0].source_trial_id is None
        assert cs[0].values["optimizer.lr"] == pytest.approx(trials[tid].params["optimizer.lr"])
        for c in cs[1:]:
            assert c.source_trial_id in trials and c.source_trial_id != tid
            assert c.before == values_at(cs, c.step - 1)
            source = values_at(changes[c.source_trial_id], c.step)["optimizer.lr"]
            mine, theirs = steps[tid].lr[c.step], steps[c.source_trial_id].lr[c.step]
            assert mine / theirs == pytest.approx(c.values["optimizer.lr"] / source, rel=1e-5)


class Said(RunnerHooks):
    """The run's messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def on_message(self, text: str) -> None:
        self.messages.append(text)


def run_population(folder: Path, make: Callable[[], Project]
                   ) -> tuple[Project, Any, Said, Path | None]:
    """Run the PBT experiment of the project `make` builds, on the CPU, with its history and
    data folder under `folder`: the project as run, its summary, its messages and the path of
    its population file (which the run removes at its end)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(folder / "data"))
        proj = make()
        proj = proj.model_copy(update={
            "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
        said = Said()
        summary = ExperimentRunner(proj, proj.experiments[0].name, hooks=[said],
                                   options=RunOptions(device="cpu")).run()
        store = open_store(proj)
        try:
            experiment_id = store.experiments()[0].id
        finally:
            store.close()
        path = population_path(CheckpointPlan.for_project(proj), experiment_id)
    return proj, summary, said, path
