"""Edits the trial views make to the project, each one undoable step through the document's
`replace` (so Ctrl+Z takes back a suggested experiment or a written LR range like any edit):
adding an experiment under a unique name, making a trial's config the baseline, and writing a
range into an experiment's search space."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tunestudio.config import (
    Budget,
    CategoricalDimension,
    Experiment,
    FloatDimension,
    PrunerConfig,
    SearchDefinition,
)

if TYPE_CHECKING:
    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.store import TrialRow


def unique_name(document: ProjectDocument, stem: str) -> str:
    """An experiment name not yet in `document`: `stem` (cut to 70 characters), else with '-2',
    '-3', ... appended."""
    names = set(document.experiment_names())
    stem = stem[:70]
    name, n = stem, 1
    while name in names:
        n += 1
        name = f"{stem}-{n}"
    return name


def add_experiment(document: ProjectDocument, experiment: Experiment) -> str:
    """Appends the experiment (renamed if its name is taken); returns the name it got."""
    body = experiment.model_dump(mode="json")
    body["name"] = unique_name(document, experiment.name)
    experiments = [*document.draft.get("experiments", []), body]
    document.replace({**document.draft, "experiments": experiments},
                     f"Add experiment {body['name']}")
    return str(body["name"])


def use_as_baseline(document: ProjectDocument, config_json: str, label: str) -> None:
    """The trial's full config (sampled values merged) becomes the project's baseline."""
    baseline: dict[str, Any] = json.loads(config_json)
    document.replace({**document.draft, "baseline": baseline}, f"Use {label} as baseline")


def set_dimension_range(document: ProjectDocument, experiment: str, path: str, low: float,
                        high: float, log: bool = True) -> None:
    """The experiment searches `path` over [low, high] (its dimension is replaced, or added)."""
    experiments = json.loads(json.dumps(document.draft.get("experiments", [])))
    index = document.experiment_names().index(experiment)
    dims = experiments[index]["search"]["dimensions"]
    new = FloatDimension(path=path, low=low, high=high, log=log).model_dump(mode="json")
    for i, dim in enumerate(dims):
        if dim.get("path") == path:
            dims[i] = {**new, "grid_points": dim.get("grid_points", new["grid_points"])}
            break
    else:
        dims.append(new)
    document.replace({**document.draft, "experiments": experiments},
                     f"Search {path} over {low:.3g}..{high:.3g}")


def seeds_experiment(trial: TrialRow, source: Experiment, seeds: int) -> Experiment:
    """Trial `trial` again, its sampled values pinned, once per seed (seed, seed+1, ...): does
    its result hold, or was it a lucky seed?"""
    dims = [CategoricalDimension(path=p, choices=[v]) for p, v in trial.params.items()]
    return Experiment(
        name=f"{source.name}-trial-{trial.number}-x{seeds}-seeds",
        goal=f"Check that trial #{trial.number} of {source.name} holds over {seeds} seeds.",
        hypothesis="The result does not depend on the seed.",
        expected_result=f"Mean objective close to {trial.objective:.4g}, small spread."
        if trial.objective is not None else "",
        search=SearchDefinition(dimensions=dims, strategy="grid", repeats=seeds,
                                budget=Budget(trials=None), pruner=PrunerConfig(kind="none"),
                                objective=source.search.objective),
    )


def experiment_trial_count(document: ProjectDocument, experiment: str) -> int:
    """How many trials the project's history holds for `experiment` (0 without a database).
    One count query on the calling thread: milliseconds."""
    from pathlib import Path

    url = document.storage_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    from tunestudio.store import Store

    store = Store.open(url)
    try:
        row = store.experiment(experiment)
        return len(store.trials(row.id)) if row is not None else 0
    finally:
        store.close()
