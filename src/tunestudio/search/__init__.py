"""Experiments on Optuna: strategies, pruning, the trial lifecycle and its storage."""

from tunestudio.search.console import ConsoleProgress
from tunestudio.search.events import RunSummary, TrialFinished, TrialStarted
from tunestudio.search.hooks import RunnerHooks
from tunestudio.search.plan import finite_plan
from tunestudio.search.runner import ExperimentRunner, RunOptions, check_experiment
from tunestudio.search.storage import open_store, optuna_storage, storage_url
from tunestudio.search.trial_run import FitFunction, train_with_engine

__all__ = [
    "ConsoleProgress",
    "ExperimentRunner",
    "FitFunction",
    "RunOptions",
    "RunSummary",
    "RunnerHooks",
    "TrialFinished",
    "TrialStarted",
    "check_experiment",
    "finite_plan",
    "open_store",
    "optuna_storage",
    "storage_url",
    "train_with_engine",
]
