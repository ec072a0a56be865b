"""Shared building blocks of the config models: the base class, field helper, tasks and metrics."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from tunestudio.messages import N_

Task = Literal["classification", "regression"]

Metric = Literal[
    "val_loss",
    "val_accuracy",
    "val_mse",
    "val_mae",
    "val_r2",
    "train_loss",
    "train_accuracy",
    "train_mse",
    "train_mae",
    "train_r2",
]
ALL_METRICS: tuple[str, ...] = get_args(Metric)
# A metric a program prints or reports (val_acc, val/f1): any such name.
ProgramMetric = Annotated[str, Field(pattern=r"^[A-Za-z_][\w./-]*$", max_length=80)]
_TASK_METRICS: dict[str, frozenset[str]] = {
    "classification": frozenset({"loss", "accuracy"}),
    "regression": frozenset({"loss", "mse", "mae", "r2"}),
}
_MAXIMISED = frozenset({"accuracy", "r2"})


# Last words of a program's metric names for which larger is better (val_acc, val/f1, mIoU).
_MAXIMISED_WORDS = frozenset({"acc", "accuracy", "r2", "f1", "auc", "auroc", "roc_auc",
                              "precision", "recall", "iou", "miou", "dice", "bleu", "rouge",
                              "map", "score", "reward", "return", "top1", "top5"})


def metric_base(metric: str) -> str:
    """`val_accuracy` -> `accuracy`; a name without a prefix is its own base."""
    return metric.split("_", 1)[-1]


def program_metric_mode(metric: str) -> Literal["min", "max"]:
    """Whether larger is better for a metric a program prints: its last word says (accuracy,
    f1, auc, iou, score... are maximised; losses and errors, and anything else, minimised). An
    experiment's objective direction set explicitly overrides this guess."""
    words = [w for w in re.split(r"[^a-z0-9]+", metric.lower()) if w]
    last = words[-1] if words else ""
    return "max" if last in _MAXIMISED_WORDS or "_".join(words[-2:]) in _MAXIMISED_WORDS \
        else "min"


def metrics_for_task(task: Task) -> tuple[str, ...]:
    """The built-in metrics a run of `task` measures, in `Metric`'s order: loss and accuracy for
    classification; loss, MSE, MAE and R² for regression; each on the validation split (`val_`)
    and on the training split (`train_`)."""
    return tuple(m for m in ALL_METRICS if metric_base(m) in _TASK_METRICS[task])


def metric_mode(metric: str) -> Literal["min", "max"]:
    """Whether a larger value of the metric is better (a built-in metric, or one a program
    prints: see `program_metric_mode`)."""
    if metric not in ALL_METRICS:
        return program_metric_mode(metric)
    return "max" if metric_base(metric) in _MAXIMISED else "min"


def check_metric_for_task(metric: str, task: Task) -> None:
    """Raise ValueError, with a message listing the allowed names, when `metric` is not one of the
    built-in metrics of `task` (`metrics_for_task`): `val_r2` for classification, a typo, or a
    name only a program prints. `RunConfig` (early stopping and plateau monitors), `Project`
    (each experiment's objective) and cross-validation call it, so such a config is refused
    before anything trains."""
    if metric not in ALL_METRICS or metric_base(metric) not in _TASK_METRICS[task]:
        allowed = ", ".join(metrics_for_task(task))
        raise ValueError(N_("Validation", "metric '{metric}' does not exist for {task}; use "
                            "one of: {allowed}").format(metric=metric, task=task,
                                                        allowed=allowed))


def unmeasured_reason(metric: str, has_validation: bool) -> str | None:
    """Why a run without a validation split never measures `metric`, or None when it does
    (`DataConfig.has_validation` tells whether a run has one).
    Validation metrics need a validation split; training metrics are always measured. The one
    rule every place that names a metric (objective, pruner, early stopping, plateau schedule)
    checks, so that such a config is refused before anything trains."""
    if metric.startswith("val_") and not has_validation:
        return N_("Validation", "'{metric}' is never measured because data.val_fraction is 0 "
                  "(no validation split); hold out a validation split (e.g. "
                  "data.val_fraction 0.2)").format(metric=metric)
    return None


class ConfigModel(BaseModel):
    """Strict, immutable base: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        str_strip_whitespace=True,
    )


def field(default: Any, description: str, *, advice: str | None = None, **kw: Any) -> Any:
    """A pydantic Field whose description is the GUI's help text; `advice` carries the tuning
    practice for that knob and is shown beside it."""
    extra: dict[str, Any] = dict(kw.pop("json_schema_extra", None) or {})
    if advice:
        extra["advice"] = advice
    return Field(default, description=description, json_schema_extra=extra or None, **kw)
