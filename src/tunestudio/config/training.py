"""The training loop's knobs, early stopping and evaluation cadence."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import field_validator

from tunestudio.config.common import ConfigModel, Metric, field
from tunestudio.messages import N_

DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


class TrainingConfig(ConfigModel):
    """The run's `training` section: how long it trains (`epochs` passes over the training split,
    in steps of `batch_size` samples), the loss, gradient clipping, the device, precision and
    the seed. Raises ValueError for a `device` other than auto, cpu, mps, cuda or cuda:N;
    `RunConfig` checks the loss and label smoothing against the task and refuses mixed precision
    on cpu or mps."""

    epochs: int = field(50, "Passes over the training split.", ge=1, le=100_000)
    batch_size: int = field(
        64, "Samples per optimisation step.",
        advice="Typical 32, 64, 128 (powers of 2). Too large runs out of memory; smaller is "
        "noisier and slower; larger is faster but may generalise worse. Compare batch sizes "
        "by validation accuracy against wall-clock time, not epochs.",
        ge=1, le=1_048_576,
    )
    loss: Literal["auto", "cross_entropy", "mse"] = field(
        "auto", "Loss: cross-entropy for classification, MSE for regression ('auto' picks).",
    )
    label_smoothing: float = field(0.0, "Label smoothing of the cross-entropy loss.",
                                   ge=0.0, lt=1.0)
    grad_clip_norm: float | None = field(
        None, "Clip the global gradient norm to this value; empty = no clipping.",
        advice="The cure for exploding gradients.", gt=0.0,
    )
    mixed_precision: bool = field(False, "Automatic mixed precision (CUDA only).")
    device: str = field(
        "auto", "Where to train: auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps."
    )
    seed: int = field(0, "Seed of weights and batch order; the same seed gives the same run.",
                      ge=0)
    deterministic: bool = field(
        False, "Use deterministic algorithms only (slower on a GPU, reproducible)."
    )
    num_workers: int = field(
        0,
        "Worker processes of the DataLoader that feeds a python_dataset or a streamed image "
        "folder; 0 loads in the training thread.",
        advice="Raise it (2-8) when the GPU waits for data; each worker costs a process and "
        "memory.",
        ge=0,
        le=64,
    )

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if not DEVICE_PATTERN.match(value):
            raise ValueError(N_("Validation", "unknown device '{device}'; use auto, cpu, cuda, "
                                "cuda:N or mps").format(device=value))
        return value


class EarlyStoppingConfig(ConfigModel):
    """The run's `early_stopping` section: the run stops after `patience` evaluations in a row in
    which `monitor` did not beat its best by more than `min_delta`, or as soon as it reaches
    `target`. `mode` 'auto' takes the direction from the metric (`metric_mode`: accuracy and R²
    maximised, losses and errors minimised). `RunConfig` raises ValueError when `monitor` is not
    a metric of the task, or a validation metric of a run without a validation split."""

    enabled: bool = field(True, "Stop when the monitored metric stops improving.")
    monitor: Metric = field("val_loss", "Metric watched for improvement.")
    mode: Literal["auto", "min", "max"] = field(
        "auto", "Whether lower or higher is better; 'auto' knows it from the metric."
    )
    patience: int = field(
        10, "Evaluations without improvement before stopping.",
        advice="The validation metric wiggles: give it a few evaluations of patience.",
        ge=1, le=100_000,
    )
    min_delta: float = field(0.0, "Smallest change that counts as an improvement.", ge=0.0)
    target: float | None = field(
        None, "Stop as soon as the metric reaches this value; empty = no target.",
        advice="A target adds a threshold to choose; patience alone is often enough.",
    )


class EvaluationConfig(ConfigModel):
    """The run's `evaluation` section: the run is evaluated on the validation split every `every`
    epochs or steps (`unit`); early stopping's and the plateau schedule's patience and the
    pruner's warm-up count these evaluations. `kfold` is the default number of folds of
    cross-validation (`engine.evaluation.cross_validate`)."""

    every: int = field(
        1, "Evaluate on the validation split every N units.",
        advice="Evaluate more often while you simplify to go fast.", ge=1, le=1_000_000,
    )
    unit: Literal["epoch", "step"] = field("epoch", "Unit of 'every'.")
    kfold: int = field(5, "k for k-fold cross-validation of a config.", ge=2, le=50)
