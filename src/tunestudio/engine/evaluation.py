"""Helpers around a trained model: the test split (evaluated only when asked for, once, for the
final model), the confusion matrix, and k-fold cross-validation of a config."""

from __future__ import annotations

import math
import statistics
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
from torch import nn

from tunestudio.config import RunConfig
from tunestudio.config.common import check_metric_for_task
from tunestudio.engine.data import SplitName, Splits, kfold_splits
from tunestudio.engine.dataset import DataError
from tunestudio.engine.events import FitResult, TrainerHooks
from tunestudio.engine.loader_data import LoaderSplits, eval_loader, loader_outputs
from tunestudio.engine.metrics import gather, metric_tensors, predict
from tunestudio.engine.trainer import Trainer
from tunestudio.engine.trial import Trial


def _parts(trainer: Trial) -> tuple[nn.Module, Splits | LoaderSplits]:
    if trainer.model is None or trainer.datasets is None:
        raise RuntimeError("the trainer has no model yet; call fit() (or setup()) first")
    return trainer.model, trainer.datasets


def _split_tensors(data: Splits, split: SplitName, device: str
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = data.arrays(split)
    if len(y) == 0:
        raise DataError(f"the {split} split is empty; set data.{split}_fraction above 0")
    return torch.as_tensor(np.array(x)).to(device), torch.as_tensor(np.array(y)).to(device)


def split_outputs(trainer: Trial, split: SplitName) -> tuple[torch.Tensor, torch.Tensor]:
    """The trained model's float outputs `(N, K)` and the targets `(N,)` of one split, on the
    trainer's device (from the device tensors, or batch by batch from a DataLoader)."""
    model, data = _parts(trainer)
    if isinstance(data, LoaderSplits):
        loader = eval_loader(data, split, trainer.config.training.num_workers, trainer.device)
        return loader_outputs(model, loader, trainer.device, data.task, trainer.autocast)
    x, y = _split_tensors(data, split, trainer.device)
    return predict(model, x, trainer.autocast), y


def evaluate_split(trainer: Trial, split: SplitName) -> dict[str, float]:
    """Loss and metrics of the trained model on one split, named `{split}_loss`,
    `{split}_accuracy` or `{split}_mse`/`_mae`/`_r2`."""
    _, data = _parts(trainer)
    output, y = split_outputs(trainer, split)
    assert trainer.loss_fn is not None  # split_outputs set the trainer up
    with torch.inference_mode():
        values = {f"{split}_loss": trainer.loss_fn(output, y)}
        values.update(metric_tensors(trainer.config.task, output, y, data.target_std, split))
    return gather(values)


def evaluate_test(trainer: Trial) -> dict[str, float]:
    """The test split: use it once, for the final model, never to choose between trials."""
    return evaluate_split(trainer, "test")


@dataclass(frozen=True)
class ConfusionMatrix:
    """`matrix[i, j]` counts samples of true class i predicted as class j."""

    matrix: np.ndarray
    class_names: tuple[str, ...]

    @property
    def per_class_recall(self) -> np.ndarray:
        """Share of each class predicted right: the weak classes stand out here."""
        totals = self.matrix.sum(axis=1)
        return np.asarray(np.divide(np.diag(self.matrix), totals, out=np.zeros(len(totals)),
                                    where=totals > 0))


def confusion_matrix(trainer: Trial, split: SplitName = "val") -> ConfusionMatrix:
    """The trained model's confusion matrix `(K, K)` on `split` (rows: true class, columns: the
    predicted argmax), with the class names (or the indices as text); raises DataError for data that
    is not classification."""
    _, data = _parts(trainer)
    if data.task != "classification" or data.n_classes is None:
        raise DataError("a confusion matrix needs classification data")
    output, y = split_outputs(trainer, split)
    predicted = output.argmax(dim=1)
    k = data.n_classes
    counts = torch.bincount(y * k + predicted, minlength=k * k).reshape(k, k)
    names = data.class_names or tuple(str(i) for i in range(k))
    return ConfusionMatrix(counts.cpu().numpy(), names)


@dataclass(frozen=True)
class CrossValidationResult:
    """One score per fold (NaN where a fold did not finish normally), their mean and
    standard deviation over the folds that did, and each fold's FitResult."""

    metric: str
    k: int
    scores: list[float]
    mean: float
    std: float
    folds: list[FitResult]

    @property
    def complete(self) -> bool:
        """Every fold ran and ended normally."""
        return len(self.folds) == self.k and all(f.ok for f in self.folds)


def default_cv_metric(config: RunConfig) -> str:
    """The metric cross-validation scores by default: 'val_accuracy' for classification, 'val_r2'
    for regression."""
    return "val_accuracy" if config.task == "classification" else "val_r2"


def cross_validate(config: RunConfig, k: int | None = None, base_dir: Path | None = None, *,
                   metric: str | None = None, score: Literal["best", "final"] = "best",
                   device: str | None = None, seed: int | None = None,
                   hooks: Callable[[int], Sequence[TrainerHooks]] | None = None,
                   stop_event: threading.Event | None = None) -> CrossValidationResult:
    """Train the config once per fold (k defaults to `evaluation.kfold`); each fold is the
    validation split once. The score of a fold is the metric's best value over its
    evaluations (as a search's objective is) or its final value. `hooks(fold)` may give
    per-fold observers. Stops early, with the folds done so far, when `stop_event` is set."""
    k = k or config.evaluation.kfold
    metric = metric or default_cv_metric(config)
    check_metric_for_task(metric, config.task)  # a typo fails before any training
    folds = kfold_splits(config.data, k, base_dir)
    scores: list[float] = []
    results: list[FitResult] = []
    for index, fold in enumerate(folds):
        if stop_event is not None and stop_event.is_set():
            break
        trainer = Trainer(config, hooks=hooks(index) if hooks else (), base_dir=base_dir,
                          device=device, seed=seed, stop_event=stop_event, datasets=fold,
                          step_events=hooks is not None)
        result = trainer.fit()
        results.append(result)
        values = result.best if score == "best" else result.metrics
        value = values.get(metric, math.nan) if result.ok else math.nan
        scores.append(float(value))
    done = [s for s in scores if math.isfinite(s)]
    mean = statistics.fmean(done) if done else math.nan
    std = statistics.pstdev(done) if len(done) > 1 else (0.0 if done else math.nan)
    return CrossValidationResult(metric, k, scores, mean, std, results)
