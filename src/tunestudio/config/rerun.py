"""Re-running a trial with several seeds: does its result hold, or was it a lucky seed?

The re-run is an experiment of its own (named after the trial, so the app's "Rerun with more
seeds" and `tunestudio rerun` find the same one): the trial's values pinned as a one-point
grid, run `seeds` times (seed, seed + 1, ...), no pruning, the source's objective."""

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


def rerun_name(source: str, number: int, seeds: int) -> str:
    return f"{source}-trial-{number}-x{seeds}-seeds"


def rerun_experiment(source: Experiment, number: int, params: Mapping[str, Any], seeds: int,
                     objective: float | None = None) -> Experiment:
    """Trial `number` of `source` (its sampled `params`) again, once per seed. Raises
    pydantic's ValidationError when `seeds` < 1 or a value no longer fits its field."""
    dims = [CategoricalDimension(path=p, choices=[v]) for p, v in params.items()]
    return Experiment(
        name=rerun_name(source.name, number, seeds),
        goal=f"Check that trial #{number} of {source.name} holds over {seeds} seeds.",
        hypothesis="The result does not depend on the seed.",
        expected_result=f"Mean objective close to {objective:.4g}, small spread."
        if objective is not None else "",
        search=SearchDefinition(dimensions=dims, strategy="grid", repeats=seeds,
                                budget=Budget(trials=None), pruner=PrunerConfig(kind="none"),
                                objective=source.search.objective),
    )
