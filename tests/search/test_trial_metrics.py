"""A trial's reported metrics describe one model: the evaluation its objective came from (the
checkpoint it keeps), with the last evaluation beside them, labelled. Case 29
(../shared/cases/29-trial-metrics-mix-epochs): an MLP that overfits, whose validation loss
bottoms out early while its training loss goes on falling; per-metric bests mixed the two."""

from __future__ import annotations

import math

import pytest

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    EarlyStoppingConfig,
    FloatDimension,
    Objective,
    Project,
    PrunerConfig,
)
from tunestudio.engine.best import note_evaluation
from tunestudio.search import ExperimentRunner, RunOptions, open_store


def overfitting(epochs: int = 20) -> Project:
    project = tiny_project({
        "strategy": "grid", "budget": Budget(trials=None), "pruner": PrunerConfig(kind="none"),
        "dimensions": [FloatDimension(path="optimizer.lr", low=1e-4, high=0.1,
                                      values=[0.01, 0.003])],
        "objective": Objective(metric="val_loss"),
    }, epochs=epochs, fraction=0.3)
    base = project.baseline
    baseline = base.model_copy(update={
        "model": base.model.model_copy(update={"width": 256, "depth": 2}),
        "optimizer": base.optimizer.model_copy(update={"weight_decay": 0.0}),
        "training": base.training.model_copy(update={"batch_size": 16}),
        "early_stopping": EarlyStoppingConfig(enabled=False),
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 0.0}),
    })
    return Project.model_validate(project.model_copy(update={"baseline": baseline})
                                  .model_dump())


@pytest.mark.parametrize("fuse", ["off", "2"])
def test_reported_metrics_come_from_the_objectives_evaluation(fuse: str) -> None:
    project = overfitting()
    name = project.experiments[0].name
    ExperimentRunner(project, name, options=RunOptions(device="cpu", fuse=fuse)).run()
    store = open_store(project)
    try:
        exp = store.experiment(name)
        assert exp is not None
        trials = store.trials(exp.id)
        evals = store.eval_series([t.id for t in trials])
    finally:
        store.close()
    assert [t.state for t in trials] == ["complete", "complete"]
    for trial in trials:
        series = evals[trial.id]
        keys = ["train_loss", "val_loss", "val_accuracy"]
        columns = {"train_loss": series.train_loss, "val_loss": series.val_loss,
                   **series.metrics}
        best = min(range(len(series)), key=lambda i: (series.val_loss[i], i))
        assert trial.objective == pytest.approx(series.val_loss[best])
        # every reported metric is that one evaluation's, its epoch given
        for key in keys:
            assert trial.metrics[key] == pytest.approx(float(columns[key][best]), rel=1e-6), key
        assert trial.metrics["best_epoch"] == pytest.approx(float(series.epoch[best]))
        # the last evaluation beside it, labelled
        for key in keys:
            assert trial.metrics[f"last_{key}"] == pytest.approx(float(columns[key][-1]),
                                                                 rel=1e-6), key
    # the run overfits: the best validation loss came before the end, where training loss
    # kept falling (the mix reported the last training loss beside the best validation loss)
    assert any(t.metrics["best_epoch"] < t.metrics["epochs"] for t in trials)
    assert any(t.metrics["last_train_loss"] < t.metrics["train_loss"] for t in trials)


def test_note_evaluation_keeps_the_first_of_equal_bests_and_never_a_nan() -> None:
    best: dict[str, float] = {}
    best_at: dict[str, dict[str, float]] = {}
    note_evaluation(best, best_at, {"val_loss": math.nan, "val_accuracy": 0.5}, 1.0)
    assert "val_loss" not in best_at and best_at["val_accuracy"]["epoch"] == 1.0
    note_evaluation(best, best_at, {"val_loss": 0.4, "val_accuracy": 0.7}, 2.0)
    note_evaluation(best, best_at, {"val_loss": 0.4, "val_accuracy": 0.9}, 3.0)
    note_evaluation(best, best_at, {"val_loss": 0.6, "val_accuracy": math.nan}, 4.0)
    assert best == {"val_loss": 0.4, "val_accuracy": 0.9}
    assert best_at["val_loss"] == {"val_loss": 0.4, "val_accuracy": 0.7, "epoch": 2.0}
    assert best_at["val_accuracy"] == {"val_loss": 0.4, "val_accuracy": 0.9, "epoch": 3.0}
