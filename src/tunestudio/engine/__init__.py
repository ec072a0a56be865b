"""The training engine: data, models, optimisers, schedules, the training loop and its
diagnostics. Imports torch; never Qt. Reports through plain hooks (see events.py).

The facade is lazy (PEP 562): a name is imported from its module when first used, so that
`from tunestudio.engine import EvalEvent` or the diagnostics load without torch, and only the
names that train (Trainer, build_model, ...) bring it in. To export a name, add it to
`_EXPORTS`, `__all__` and the TYPE_CHECKING imports (for type checkers)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunestudio.engine.batching import batch_bounds, steps_per_epoch, total_steps
    from tunestudio.engine.data import Splits, kfold_splits, load_splits
    from tunestudio.engine.dataset import DataError, RawData
    from tunestudio.engine.devices import DeviceError, DeviceInfo, available_devices, resolve_device
    from tunestudio.engine.environment import trial_environment
    from tunestudio.engine.evaluation import (
        ConfusionMatrix,
        CrossValidationResult,
        confusion_matrix,
        cross_validate,
        evaluate_split,
        evaluate_test,
    )
    from tunestudio.engine.events import (
        FIT_STATUSES,
        EvalEvent,
        FitResult,
        FitStartEvent,
        FitStatus,
        StepEvent,
        TrainerHooks,
    )
    from tunestudio.engine.lr_finder import LRRangeResult, lr_range_test
    from tunestudio.engine.models import ModelError, build_model
    from tunestudio.engine.progress import ProgressLine
    from tunestudio.engine.runtime import THREADS_ENV, torch_threads, warm_up
    from tunestudio.engine.schedules import planned_lr, warmup_steps
    from tunestudio.engine.trainer import Trainer
    from tunestudio.engine.trial import Trial
    from tunestudio.engine.user_code import UserFunctionError

# name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "ConfusionMatrix": "tunestudio.engine.evaluation",
    "CrossValidationResult": "tunestudio.engine.evaluation",
    "DataError": "tunestudio.engine.dataset",
    "DeviceError": "tunestudio.engine.devices",
    "DeviceInfo": "tunestudio.engine.devices",
    "EvalEvent": "tunestudio.engine.events",
    "FIT_STATUSES": "tunestudio.engine.events",
    "FitResult": "tunestudio.engine.events",
    "FitStartEvent": "tunestudio.engine.events",
    "FitStatus": "tunestudio.engine.events",
    "LRRangeResult": "tunestudio.engine.lr_finder",
    "ModelError": "tunestudio.engine.models",
    "ProgressLine": "tunestudio.engine.progress",
    "RawData": "tunestudio.engine.dataset",
    "Splits": "tunestudio.engine.data",
    "StepEvent": "tunestudio.engine.events",
    "THREADS_ENV": "tunestudio.engine.runtime",
    "Trainer": "tunestudio.engine.trainer",
    "Trial": "tunestudio.engine.trial",
    "TrainerHooks": "tunestudio.engine.events",
    "UserFunctionError": "tunestudio.engine.user_code",
    "available_devices": "tunestudio.engine.devices",
    "batch_bounds": "tunestudio.engine.batching",
    "build_model": "tunestudio.engine.models",
    "confusion_matrix": "tunestudio.engine.evaluation",
    "cross_validate": "tunestudio.engine.evaluation",
    "evaluate_split": "tunestudio.engine.evaluation",
    "evaluate_test": "tunestudio.engine.evaluation",
    "kfold_splits": "tunestudio.engine.data",
    "load_splits": "tunestudio.engine.data",
    "lr_range_test": "tunestudio.engine.lr_finder",
    "planned_lr": "tunestudio.engine.schedules",
    "resolve_device": "tunestudio.engine.devices",
    "steps_per_epoch": "tunestudio.engine.batching",
    "torch_threads": "tunestudio.engine.runtime",
    "total_steps": "tunestudio.engine.batching",
    "trial_environment": "tunestudio.engine.environment",
    "warm_up": "tunestudio.engine.runtime",
    "warmup_steps": "tunestudio.engine.schedules",
}

__all__ = [
    "FIT_STATUSES",
    "THREADS_ENV",
    "ConfusionMatrix",
    "CrossValidationResult",
    "DataError",
    "DeviceError",
    "DeviceInfo",
    "EvalEvent",
    "FitResult",
    "FitStartEvent",
    "FitStatus",
    "LRRangeResult",
    "ModelError",
    "ProgressLine",
    "RawData",
    "Splits",
    "StepEvent",
    "Trainer",
    "TrainerHooks",
    "Trial",
    "UserFunctionError",
    "available_devices",
    "batch_bounds",
    "build_model",
    "confusion_matrix",
    "cross_validate",
    "evaluate_split",
    "evaluate_test",
    "kfold_splits",
    "load_splits",
    "lr_range_test",
    "planned_lr",
    "resolve_device",
    "steps_per_epoch",
    "torch_threads",
    "total_steps",
    "trial_environment",
    "warm_up",
    "warmup_steps",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next access skips this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
