"""Test-split evaluation on request, the confusion matrix, k-fold cross-validation."""

from __future__ import annotations

import math
import threading
from typing import cast

import numpy as np
import pytest
from engine_helpers import tiny

from tunestudio.engine import (
    DataError,
    Splits,
    Trainer,
    confusion_matrix,
    cross_validate,
    evaluate_split,
    evaluate_test,
)


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(tiny({"training.epochs": 5}))
    assert trainer.fit().status == "completed"
    return trainer


def test_test_split_only_when_asked(trained: Trainer) -> None:
    metrics = evaluate_test(trained)
    assert set(metrics) == {"test_loss", "test_accuracy"}
    assert metrics["test_accuracy"] > 0.85
    val = evaluate_split(trained, "val")
    assert val["val_accuracy"] == pytest.approx(trained.metrics["val_accuracy"])


def test_empty_test_split_is_explained() -> None:
    trainer = Trainer(tiny({"data.test_fraction": 0.0}))
    trainer.setup()
    with pytest.raises(DataError, match="test split is empty"):
        evaluate_test(trainer)


def test_confusion_matrix(trained: Trainer) -> None:
    cm = confusion_matrix(trained, "val")
    assert trained.datasets is not None
    assert cm.matrix.shape == (10, 10) and cm.matrix.sum() == trained.datasets.n_val
    # digits is held in memory (Splits, not a loader's)
    assert np.bincount(cast(Splits, trained.datasets).y_val, minlength=10).tolist() == \
        cm.matrix.sum(axis=1).tolist()
    accuracy = np.trace(cm.matrix) / cm.matrix.sum()
    assert accuracy == pytest.approx(trained.metrics["val_accuracy"], abs=1e-6)
    assert cm.class_names == tuple(str(i) for i in range(10))
    assert cm.per_class_recall.min() > 0.5


def test_kfold_returns_k_scores() -> None:
    config = tiny({"data.source.name": "iris", "training.epochs": 15, "optimizer.lr": 0.03,
                   "model.width": 16})
    result = cross_validate(config, k=3)
    assert len(result.scores) == len(result.folds) == 3 and result.complete
    assert all(0.6 <= s <= 1.0 for s in result.scores)
    assert result.mean == pytest.approx(float(np.mean(result.scores)))
    assert result.std == pytest.approx(float(np.std(result.scores)))
    assert result.metric == "val_accuracy"
    with pytest.raises(ValueError, match="val_r2"):
        cross_validate(config, k=3, metric="val_r2")


def test_kfold_stops_when_asked() -> None:
    stop = threading.Event()
    stop.set()
    result = cross_validate(tiny({"data.source.name": "iris"}), k=3, stop_event=stop)
    assert result.scores == [] and math.isnan(result.mean) and not result.complete
