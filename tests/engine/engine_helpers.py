"""Small, fast configs and a hook that records everything the trainer reports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunestudio.config import RunConfig, from_template, merge_values
from tunestudio.engine import EvalEvent, FitResult, FitStartEvent, StepEvent, TrainerHooks, Trial

TINY: dict[str, Any] = {
    "data.source.kind": "builtin",
    "data.source.name": "digits",
    "model.kind": "mlp",
    "model.width": 32,
    "model.depth": 1,
    "optimizer.kind": "adam",
    "optimizer.lr": 0.01,
    "schedule.kind": "constant",
    "schedule.warmup_epochs": 0.0,
    "training.epochs": 3,
    "training.batch_size": 64,
    "early_stopping.enabled": False,
    # the loop's logic is tested where each step is read at once; tests of the CUDA leg and of
    # `auto` say so (test_engine_cuda.py)
    "training.device": "cpu",
}


def tiny(values: Mapping[str, Any] | None = None) -> RunConfig:
    """Digits, a one-layer MLP, 3 epochs, on the CPU: about 0.1 s on one CPU thread."""
    config = merge_values(from_template("digits").baseline, TINY)
    return merge_values(config, values) if values else config


class Recorder(TrainerHooks):
    def __init__(self) -> None:
        self.starts: list[FitStartEvent] = []
        self.steps: list[StepEvent] = []
        self.evals: list[EvalEvent] = []
        self.epochs: list[int] = []
        self.results: list[FitResult] = []
        self.exceptions: list[BaseException] = []

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        self.starts.append(event)

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        self.steps.append(event)

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        self.epochs.append(epoch)

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        self.evals.append(event)

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        self.results.append(result)

    def on_exception(self, trainer: Trial, exc: BaseException) -> None:
        self.exceptions.append(exc)
