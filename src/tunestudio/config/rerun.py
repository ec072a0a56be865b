"""Re-running a trial with several seeds: does its result hold, or was it a lucky seed?

The re-run is an experiment of its own (named after the trial, so the app's "Re-run the top N
with K seeds" and `tunestudio rerun` find the same one): the trial's values pinned, and its
seed as a grid dimension over K seeds (the trial's own first: seed, seed + 1, ...). Each seed
is a trial of its own, so the K trials share one shape and train fused, K at once, where the
fused trainer can (a trial with `repeats` trains its seeds one after another). No pruning;
the source's objective."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunestudio.config.project import Experiment
from tunestudio.config.search import (
    Budget,
    CategoricalDimension,
    PrunerConfig,
    SearchDefinition,
)

SEED_PATH = "training.seed"


def rerun_name(source: str, number: int, seeds: int) -> str:
    """Name of the experiment that re-runs trial `number` of experiment `source` with `seeds` seeds
    (`lr-search-trial-7-x5-seeds`); the app and `tunestudio rerun` find it by this name."""
    return f"{source}-trial-{number}-x{seeds}-seeds"


def rerun_experiment(source: Experiment, number: int, params: Mapping[str, Any], seeds: int,
                     objective: float | None = None, seed: int = 0) -> Experiment:
    """Trial `number` of `source` (its sampled `params`, trained with `seed`) again with
    `seeds` seeds: seed, seed + 1, ... Raises pydantic's ValidationError when `seeds` < 1 or
    a value no longer fits its field."""
    dims = [CategoricalDimension(path=p, choices=[v]) for p, v in params.items()
            if p != SEED_PATH]
    dims.append(CategoricalDimension(path=SEED_PATH,
                                     choices=[seed + i for i in range(seeds)]))
    return Experiment(
        name=rerun_name(source.name, number, seeds),
        goal=f"Check that trial #{number} of {source.name} holds over {seeds} seeds.",
        hypothesis="The result does not depend on the seed.",
        expected_result=f"Mean objective close to {objective:.4g}, small spread."
        if objective is not None else "",
        search=SearchDefinition(dimensions=dims, strategy="grid",
                                budget=Budget(trials=None), pruner=PrunerConfig(kind="none"),
                                objective=source.search.objective),
    )
