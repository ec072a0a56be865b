"""Small, fast projects for tests that train: one trial takes well under a second."""

from __future__ import annotations

from typing import Any

from tunestudio.config import Budget, DataConfig, Project, PrunerConfig, from_template


def tiny_project(experiment_updates: dict[str, object] | None = None,
                 epochs: int = 3, fraction: float = 0.3) -> Project:
    """Digits, 30% of the data, a few epochs: one trial trains in well under a second."""
    project = from_template("digits")
    base = project.baseline
    baseline = base.model_copy(update={
        "data": DataConfig(source=base.data.source, fraction=fraction),
        "training": base.training.model_copy(update={"epochs": epochs, "device": "cpu"}),
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 1.0}),
    })
    exp = project.experiments[0]
    search = exp.search.model_copy(update={"budget": Budget(trials=3),
                                           "pruner": PrunerConfig(kind="none"),
                                           **(experiment_updates or {})})
    experiments = [exp.model_copy(update={"search": search}), *project.experiments[1:]]
    return Project.model_validate(
        project.model_copy(update={"baseline": baseline, "experiments": experiments})
        .model_dump()
    )


def instant_fit(config: Any, **kw: Any) -> Any:
    """A trial that trains nothing (ExperimentRunner's `fit`): the run's bookkeeping alone."""
    from tunestudio.engine import FitResult

    metrics = {"val_accuracy": 0.5 + config.optimizer.lr, "val_loss": 0.5}
    return FitResult("completed", "", metrics, metrics, 1.0, 1, 0.0, "cpu")
