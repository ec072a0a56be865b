"""Validated configuration: the run config, search definitions and project files.

Imports pydantic only, so a project opens and validates without torch or Qt."""

from tunestudio.config.augment import AugmentConfig
from tunestudio.config.checkpoints import CheckpointSettings
from tunestudio.config.common import (
    ALL_METRICS,
    Metric,
    Task,
    metric_mode,
    metrics_for_task,
)
from tunestudio.config.data import (
    BuiltinData,
    CsvData,
    DataConfig,
    DatasetFileData,
    ImageFolderData,
    NpzData,
    PythonData,
)
from tunestudio.config.dotted import Leaf, get_value, iter_leaves, resolve, set_values
from tunestudio.config.merge import InvalidConfigError, merge_values
from tunestudio.config.model import CNNModel, MLPModel, PythonModel, TorchvisionModel
from tunestudio.config.optim import (
    AdamOptimizer,
    AdamWOptimizer,
    RMSpropOptimizer,
    SGDOptimizer,
)
from tunestudio.config.problems import validation_problems
from tunestudio.config.project import SCHEMA_VERSION, Experiment, Project
from tunestudio.config.projectfile import (
    SUFFIX,
    ProjectFileError,
    dump_project,
    load_project,
    parse_project,
    save_project,
)
from tunestudio.config.run import RunConfig
from tunestudio.config.schedule import (
    ConstantSchedule,
    CosineRestartsSchedule,
    CosineSchedule,
    ExponentialSchedule,
    OneCycleSchedule,
    PlateauSchedule,
    StepSchedule,
)
from tunestudio.config.search import (
    STRATEGY_LABELS,
    Budget,
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    Objective,
    PrunerConfig,
    SearchDefinition,
    StopRules,
    count_trials,
    inactive_dimensions,
    ovat_values,
)
from tunestudio.config.templates import TEMPLATES, from_template
from tunestudio.config.training import EarlyStoppingConfig, EvaluationConfig, TrainingConfig

__all__ = [
    "ALL_METRICS",
    "SCHEMA_VERSION",
    "STRATEGY_LABELS",
    "SUFFIX",
    "TEMPLATES",
    "AdamOptimizer",
    "AdamWOptimizer",
    "AugmentConfig",
    "Budget",
    "BuiltinData",
    "CNNModel",
    "CategoricalDimension",
    "CheckpointSettings",
    "ConstantSchedule",
    "CosineRestartsSchedule",
    "CosineSchedule",
    "CsvData",
    "DataConfig",
    "DatasetFileData",
    "EarlyStoppingConfig",
    "EvaluationConfig",
    "Experiment",
    "ExponentialSchedule",
    "FloatDimension",
    "ImageFolderData",
    "IntDimension",
    "InvalidConfigError",
    "Leaf",
    "MLPModel",
    "Metric",
    "NpzData",
    "Objective",
    "OneCycleSchedule",
    "PlateauSchedule",
    "Project",
    "ProjectFileError",
    "PrunerConfig",
    "PythonData",
    "PythonModel",
    "RMSpropOptimizer",
    "RunConfig",
    "SGDOptimizer",
    "SearchDefinition",
    "StepSchedule",
    "StopRules",
    "Task",
    "TorchvisionModel",
    "TrainingConfig",
    "count_trials",
    "dump_project",
    "from_template",
    "get_value",
    "inactive_dimensions",
    "iter_leaves",
    "load_project",
    "merge_values",
    "metric_mode",
    "metrics_for_task",
    "ovat_values",
    "parse_project",
    "resolve",
    "save_project",
    "set_values",
    "validation_problems",
]
