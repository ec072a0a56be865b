"""Small, fast projects for tests that train: one trial takes well under a second."""

from __future__ import annotations

from pathlib import Path
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


DIGITS_DATASETS = '''
import torch
from sklearn.datasets import load_digits
from torch.utils.data import TensorDataset


def make_datasets(split_seed):
    x, y = load_digits(return_X_y=True)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(split_seed))
    x = torch.tensor(x, dtype=torch.float32)[order[:SAMPLES]] / 16
    y = torch.tensor(y)[order[:SAMPLES]]
    cut = SAMPLES * 4 // 5
    return TensorDataset(x[:cut], y[:cut]), TensorDataset(x[cut:], y[cut:])
'''


def loader_project(folder: Path, experiment_updates: dict[str, object] | None = None,
                   epochs: int = 3, samples: int = 600) -> Project:
    """`tiny_project` whose data is the user's own: a make_datasets file (written into
    `folder`) of `samples` digits as torch Datasets, batched through a DataLoader, so that its
    trials cannot fuse (engine.fused.fusion_obstacle)."""
    from tunestudio.config import DatasetFileData

    path = folder / "digits_datasets.py"
    path.write_text(DIGITS_DATASETS.replace("SAMPLES", str(samples)), encoding="utf-8")
    project = tiny_project(experiment_updates, epochs=epochs)
    baseline = project.baseline.model_copy(update={
        "data": DataConfig(source=DatasetFileData(path=str(path)))})
    return Project.model_validate(project.model_copy(update={"baseline": baseline})
                                  .model_dump())
