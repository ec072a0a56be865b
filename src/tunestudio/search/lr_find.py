"""The learning-rate range test as the first step of a project: run on the baseline config,
before any trial exists, its suggested range (a hundredth of the LR at the smoothed loss's
minimum up to that LR) written into an experiment's LR dimension, a log `optimizer.lr`."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from tunestudio.config import FloatDimension, Project

if TYPE_CHECKING:
    from tunestudio.engine import LRRangeResult

LR_PATH = "optimizer.lr"


def lr_find(project: Project, base_dir: Path | None, *, steps: int = 100,
            device: str | None = None, stop_event: threading.Event | None = None
            ) -> LRRangeResult:
    """The LR range test (Smith 2017) on the project's baseline, with its seed. Raises
    TuneStudioError when the loss diverges at once, DataError/ModelError (TuneStudioError) for
    a baseline that cannot train."""
    from tunestudio.search.retraining import lr_range_test_config

    baseline = project.baseline
    return lr_range_test_config(baseline, base_dir, baseline.training.seed, stop_event,
                                steps=steps, device=device)


def with_lr_range(project: Project, experiment: str, low: float, high: float) -> Project:
    """The project with `experiment` searching `optimizer.lr` on a log scale over [low, high]:
    its LR dimension replaced (keeping its grid points) or added. Values are kept exactly as
    given. Raises KeyError for an unknown experiment, ValueError unless 0 < low < high."""
    if not 0 < low < high:
        raise ValueError(f"an LR range needs 0 < low < high, got {low!r}..{high!r}")
    target = project.experiment(experiment)
    dims = list(target.search.dimensions)
    new = FloatDimension(path=LR_PATH, low=low, high=high, log=True)
    for i, dim in enumerate(dims):
        if dim.path == LR_PATH:
            grid = getattr(dim, "grid_points", new.grid_points)
            dims[i] = new.model_copy(update={"grid_points": grid})
            break
    else:
        dims.append(new)
    search = target.search.model_copy(update={"dimensions": dims})
    changed = target.model_copy(update={"search": search})
    experiments = [changed if e.name == experiment else e for e in project.experiments]
    return Project.model_validate(project.model_copy(update={"experiments": experiments})
                                  .model_dump())
