"""Metrics of a trial recovered from Optuna's record, rebuilt from its stored series: the
metrics `trial_run._finish` writes (one evaluation, labelled last values, steps, epochs)."""

from __future__ import annotations

import json
import math

import numpy as np

from tunestudio.search.recovery import series_metrics
from tunestudio.store.rows import EvalSeries, StepSeries


def _steps(per_epoch: int, total: int, repeats: int = 1) -> StepSeries:
    step = np.tile(np.arange(1, total + 1), repeats)
    epoch = (step - 1) // per_epoch
    n = len(step)
    return StepSeries(trial_id=1, step=step.astype(np.int64), epoch=epoch.astype(np.float64),
                      loss=np.ones(n), lr=np.ones(n), grad_norm=np.ones(n),
                      repeat=np.repeat(np.arange(repeats), total).astype(np.int64),
                      wall_s=np.arange(n, dtype=np.float64))


def _evals(points: list[tuple[int, int, float, dict[str, float]]]) -> EvalSeries:
    names = sorted({k for *_, m in points for k in m})
    return EvalSeries(
        trial_id=1, step=np.array([p[1] for p in points], dtype=np.int64),
        epoch=np.array([p[2] for p in points]), wall_s=np.zeros(len(points)),
        train_loss=np.array([p[3].get("train_loss", math.nan) for p in points]),
        val_loss=np.array([p[3].get("val_loss", math.nan) for p in points]),
        metrics={k: np.array([p[3].get(k, math.nan) for p in points]) for k in names},
        repeat=np.array([p[0] for p in points], dtype=np.int64))


def test_the_metrics_come_from_the_objective_s_best_evaluation_with_the_last_labelled() -> None:
    evals = _evals([
        (0, 10, 1.0, {"train_loss": 0.9, "val_loss": 0.8, "val_accuracy": 0.7}),
        (0, 20, 2.0, {"train_loss": 0.5, "val_loss": 0.4, "val_accuracy": 0.9}),
        (0, 30, 3.0, {"train_loss": 0.2, "val_loss": 0.6, "val_accuracy": 0.9}),  # a tie
        (0, 40, 4.0, {"train_loss": 0.1, "val_loss": 0.9, "val_accuracy": 0.8}),
    ])
    got = series_metrics(_steps(10, 40), evals, "val_accuracy")
    assert got == {"train_loss": 0.5, "val_loss": 0.4, "val_accuracy": 0.9, "best_epoch": 2.0,
                   "last_train_loss": 0.1, "last_val_loss": 0.9, "last_val_accuracy": 0.8,
                   "steps": 40.0, "epochs": 4.0}
    # judged by the validation loss, the same series names another evaluation
    by_loss = series_metrics(_steps(10, 40), evals, "val_loss")
    assert by_loss["best_epoch"] == 2.0 and by_loss["train_loss"] == 0.5
    assert json.loads(json.dumps(got)) == got  # stored as written


def test_steps_after_the_last_evaluation_count_in_epochs_and_steps() -> None:
    evals = _evals([(0, 10, 1.0, {"val_accuracy": 0.5}), (0, 20, 2.0, {"val_accuracy": 0.6})])
    got = series_metrics(_steps(10, 25), evals, "val_accuracy")
    assert got["steps"] == 25.0 and got["epochs"] == 2.5


def test_the_last_repeat_gives_the_evaluation_and_every_repeat_its_steps() -> None:
    evals = _evals([(0, 10, 1.0, {"val_accuracy": 0.9}), (1, 10, 1.0, {"val_accuracy": 0.6})])
    got = series_metrics(_steps(10, 10, repeats=2), evals, "val_accuracy")
    assert got["val_accuracy"] == 0.6 and got["steps"] == 20.0 and got["epochs"] == 1.0


def test_a_metric_missing_from_a_point_is_left_out_and_no_objective_gives_the_last() -> None:
    evals = _evals([(0, 10, 1.0, {"val_loss": 0.5, "val_accuracy": 0.7}),
                    (0, 20, 2.0, {"val_loss": 0.4})])
    got = series_metrics(None, evals, "val_r2")  # never measured: the last evaluation alone
    assert got == {"val_loss": 0.4, "epochs": 2.0}
    assert series_metrics(None, None, "val_accuracy") == {}
