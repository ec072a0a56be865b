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


def tiny_cnn_project(trials: int = 5, epochs: int = 2) -> Project:
    """Digits (8x8 images, 30% of the data) with a small CNN, searched at random over the
    learning rate and weight decay: `trials` trials of a few epochs, each keeping its best
    checkpoint, for what combines trained models (ensembles)."""
    from tunestudio.config import FloatDimension
    from tunestudio.config.model import CNNModel

    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
            FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-3, log=True)]
    project = tiny_project({"budget": Budget(trials=trials), "strategy": "random",
                            "dimensions": dims}, epochs=epochs)
    baseline = project.baseline.model_copy(update={
        "model": CNNModel(channels=[4, 8], hidden=16, dropout=0.0)})
    return Project.model_validate(project.model_copy(update={
        "baseline": baseline, "experiments": project.experiments[:1]}).model_dump())
