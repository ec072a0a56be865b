"""What the store hands out and takes in: frozen rows and series of numpy arrays.

Readers return plain values (dicts parsed from JSON, floats for times in seconds since the Unix
epoch), so the GUI and the CLI never see SQLAlchemy objects and never trigger lazy queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:  # numpy loads with the first series read, not with the rows (fast CLI)
    import numpy as np
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]


class TrialState(StrEnum):
    """A trial's outcome. Values are the strings stored in the database, and compare equal to
    them ('complete' == TrialState.COMPLETE)."""

    RUNNING = "running"
    COMPLETE = "complete"
    PRUNED = "pruned"
    FAILED = "failed"
    DIVERGED = "diverged"
    INTERRUPTED = "interrupted"
    INVALID = "invalid"


TRIAL_STATES: tuple[str, ...] = tuple(s.value for s in TrialState)
FINISHED_STATES: frozenset[str] = frozenset(TRIAL_STATES) - {TrialState.RUNNING.value}


def check_state(state: str) -> str:
    """`state` where it is one of TRIAL_STATES; raises ValueError otherwise."""
    if state not in TRIAL_STATES:
        raise ValueError(f"unknown trial state {state!r}; expected one of {TRIAL_STATES}")
    return str(state)


@dataclass(frozen=True, slots=True)
class ExperimentRow:
    """One experiment: its name, the Optuna study it searches in, its journal (goal, hypothesis,
    expected result, conclusion), its search settings as JSON, and when it was created and when its
    last run ended (epoch seconds; None while none ended)."""
    id: int
    name: str
    study_name: str
    goal: str
    hypothesis: str
    expected_result: str
    conclusion: str
    search_json: str
    created_at: float
    finished_at: float | None


@dataclass(frozen=True, slots=True)
class TrialRow:
    """One trial. `config_json` is only filled by `Store.trial()`: the trial list leaves the
    (large) config snapshot out to stay fast. `config_fingerprint` identifies the full config it
    trained (see `tunestudio.store.provenance` to ask whether that is the current one)."""

    id: int
    experiment_id: int
    number: int
    state: str
    message: str
    params: dict[str, Any]
    objective: float | None
    objective2: float | None
    objective_std: float | None
    metrics: dict[str, float]
    device: str
    seed: int | None
    repeats: int
    duration_s: float | None
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    updated_at: float
    notes: str
    tags: list[str]
    optuna_trial_id: int | None
    test_metrics: dict[str, float] | None
    config_json: str | None = None
    config_fingerprint: str | None = None
    # What it ran on (engine/environment.py). Only filled by `Store.trial()`, like the config;
    # `Store.environments()` reads many at once.
    environment: dict[str, Any] | None = None
    resumed_from_step: int | None = None  # set when the trial went on from a checkpoint
    group_id: str | None = None  # the fused group it trained in; None: trained alone
    # Why the user excluded it (`Store.exclude_trials`); None: it counts. An excluded trial is
    # kept and shown, but left out of the best trial, the Pareto front, importance, noise
    # verdicts, default plots and exports, and of what the sampler learns.
    excluded_reason: str | None = None
    # The provenance verdict kept with the trial (store/provenance.py): the fingerprint of the
    # baseline it was judged against, and whether it trained that baseline merged with its
    # values. None: not judged yet (a trial stored before version 8, or by hand).
    verdict_baseline: str | None = None
    verdict_current: bool | None = None

    @property
    def excluded(self) -> bool:
        """Whether the user excluded the trial (`excluded_reason` is set)."""
        return self.excluded_reason is not None

    @property
    def counted(self) -> bool:
        """A complete trial with an objective that was not excluded: one that results use."""
        return (self.state == TrialState.COMPLETE and self.objective is not None
                and self.excluded_reason is None)


class StepPoint(NamedTuple):
    """One optimiser step, as `append_steps` takes it."""

    step: int
    epoch: float
    loss: float
    lr: float
    grad_norm: float


class EvalLike(Protocol):
    """An evaluation point: `EvalPoint`, or any object with these attributes (the engine's
    evaluation event)."""

    @property
    def step(self) -> int:
        """The optimiser steps taken before the evaluation."""
    @property
    def epoch(self) -> float:
        """The epochs trained before the evaluation (fractional within an epoch)."""
    @property
    def wall_s(self) -> float:
        """Seconds since the trial started."""
    @property
    def train_loss(self) -> float | None:
        """The loss on the training split, or None where not measured."""
    @property
    def val_loss(self) -> float | None:
        """The loss on the validation split, or None where not measured."""
    @property
    def metrics(self) -> Mapping[str, float]:
        """Metrics by name (for example 'val_accuracy')."""


@dataclass(frozen=True, slots=True)
class EvalPoint:
    """One evaluation: losses on the training and validation splits, metrics by name (for
    example 'val_accuracy'), and seconds since the trial started."""

    step: int
    epoch: float
    wall_s: float
    train_loss: float | None
    val_loss: float | None
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StepSeries:
    """A trial's step points ordered by (repeat, step); arrays of equal length. Missing values
    (and NaN losses of a diverged run) are NaN."""

    trial_id: int
    step: IntArray
    epoch: FloatArray
    loss: FloatArray
    lr: FloatArray
    grad_norm: FloatArray
    repeat: IntArray
    # seconds of training at each step (NaN where not stored: steps written before schema 6)
    wall_s: FloatArray

    def __len__(self) -> int:
        return len(self.step)


@dataclass(frozen=True, slots=True)
class EvalSeries:
    """A trial's evaluation points ordered by (repeat, step). `metrics` holds one array per
    metric name seen in any point (NaN where a point lacks it)."""

    trial_id: int
    step: IntArray
    epoch: FloatArray
    wall_s: FloatArray
    train_loss: FloatArray
    val_loss: FloatArray
    metrics: dict[str, FloatArray]
    repeat: IntArray

    def __len__(self) -> int:
        return len(self.step)


@dataclass(frozen=True, slots=True)
class EnsembleMember:
    """One trial of a stored ensemble: its number (the table's #) and id, how many times the
    ensemble holds it (1 for the top K; a greedy selection may pick a trial twice), its
    objective as stored, and its metrics on the validation split as the ensemble's were
    computed."""

    number: int
    trial_id: int
    count: int
    objective: float | None
    metrics: dict[str, float]


@dataclass(frozen=True, slots=True)
class EnsembleRow:
    """An ensemble built of an experiment's trials, as the history keeps it. `number` counts
    the experiment's ensembles from 1. `method`: "top" (the top `k` trials) or "greedy"
    (Caruana et al.'s selection with replacement in `k` rounds). `metrics`: on the validation
    split; `gain`: on `metric` over `best_member` (a trial number), positive is better.
    `test_metrics`: None until the test split is evaluated for it (once, at `tested_at`).
    `exports`: each export written, oldest first, as a dict with `format`, `files`,
    `metadata`, `checked`, `max_abs_difference`, `agrees` and `at` (seconds since the epoch).
    """

    id: int
    experiment_id: int
    number: int
    method: str
    k: int
    task: str
    metric: str
    direction: str
    members: tuple[EnsembleMember, ...]
    metrics: dict[str, float]
    best_member: int | None
    gain: float | None
    skipped: dict[int, str]
    test_metrics: dict[str, float] | None
    tested_at: float | None
    exports: tuple[dict[str, Any], ...]
    created_at: float

    @property
    def size(self) -> int:
        """Members counted with their multiplicity."""
        return sum(m.count for m in self.members)

    @property
    def value(self) -> float | None:
        """The ensemble's `metric` on the validation split (None when it was not computed)."""
        return self.metrics.get(self.metric)

    def members_text(self, times: str = "x") -> str:
        """The members by trial number, a count above 1 after `times`: "#3x2 #5 #0"."""
        return " ".join(f"#{m.number}" + (f"{times}{m.count}" if m.count > 1 else "")
                        for m in self.members)
