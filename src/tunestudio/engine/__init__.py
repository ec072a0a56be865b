"""The training engine: data, models, optimisers, schedules, the training loop and its
diagnostics. Imports torch; never Qt. Reports through plain hooks (see events.py)."""

from tunestudio.engine.batching import batch_bounds, steps_per_epoch, total_steps
from tunestudio.engine.data import Splits, kfold_splits, load_splits
from tunestudio.engine.dataset import DataError, RawData
from tunestudio.engine.devices import DeviceError, DeviceInfo, available_devices, resolve_device
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
from tunestudio.engine.user_code import UserFunctionError

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
    "warm_up",
    "warmup_steps",
]
