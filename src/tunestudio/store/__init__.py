"""The trial history: experiments, trials and their series in one SQLAlchemy database per
project, beside Optuna's own tables. Imports SQLAlchemy and numpy, never torch or Qt, so that
browsing history is fast and works without a GPU stack."""

from tunestudio.store.database import display_url, optuna_engine_kwargs
from tunestudio.store.errors import NotFoundError, StoreError
from tunestudio.store.hparams import HparamChange, per_step, values_at
from tunestudio.store.provenance import CurrentConfig, trained_on_current_config
from tunestudio.store.rows import (
    FINISHED_STATES,
    TRIAL_STATES,
    EnsembleMember,
    EnsembleRow,
    EvalLike,
    EvalPoint,
    EvalSeries,
    ExperimentRow,
    StepPoint,
    StepSeries,
    TrialRow,
    TrialState,
)
from tunestudio.store.store import Store, storage_url_for
from tunestudio.store.writer import SeriesWriter

__all__ = [
    "FINISHED_STATES",
    "TRIAL_STATES",
    "CurrentConfig",
    "EnsembleMember",
    "EnsembleRow",
    "EvalLike",
    "EvalPoint",
    "EvalSeries",
    "ExperimentRow",
    "HparamChange",
    "NotFoundError",
    "SeriesWriter",
    "StepPoint",
    "StepSeries",
    "Store",
    "StoreError",
    "TrialRow",
    "TrialState",
    "display_url",
    "optuna_engine_kwargs",
    "per_step",
    "storage_url_for",
    "trained_on_current_config",
    "values_at",
]
