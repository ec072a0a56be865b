"""What a running experiment tells its observers (the CLI's progress bar, the GUI's worker).
Plain frozen dataclasses: the GUI adapts them to Qt signals, nothing here knows about Qt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Our trial states (the ts_trial table); Optuna sees complete / pruned / fail.
TRIAL_STATES = ("running", "complete", "pruned", "failed", "diverged", "interrupted", "invalid")


@dataclass(frozen=True, slots=True)
class TrialStarted:
    """A trial is about to train: its store id, number, values (`params`), seed and device."""
    trial_id: int
    number: int
    params: Mapping[str, Any]
    seed: int
    device: str
    index: int  # 1-based position in this run
    total: int | None  # trials this run will start (None: bounded by time only)
    config: Any = None  # the RunConfig the trial trains (baseline merged with its values)
    resumed_from_step: int | None = None  # an interrupted trial going on from its checkpoint
    note: str = ""  # what became of an interrupted trial's checkpoint


@dataclass(frozen=True, slots=True)
class TrialFinished:
    """A trial ended: its state (one of TRIAL_STATES), message, objective (None where it has none),
    the experiment's best objective so far, `done` (its 1-based position in this run), `total`, its
    duration (seconds) and its final metrics."""
    trial_id: int
    number: int
    state: str
    message: str
    objective: float | None
    best_objective: float | None
    done: int
    total: int | None
    duration_s: float
    metrics: Mapping[str, float] = field(default_factory=dict)
    objective2: float | None = None  # the second objective (training time, s), if searched


@dataclass(frozen=True, slots=True)
class RunSummary:
    """How a run ended: its experiment, Optuna study and storage, trials per state, the best trial
    (None where none completed), its duration (seconds) and closing message."""
    experiment: str
    study_name: str
    storage_url: str
    counts: Mapping[str, int]  # trials of this run per state, its local workers' included
    best_trial_id: int | None
    best_number: int | None
    best_objective: float | None
    best_params: Mapping[str, Any]
    duration_s: float
    stopped: bool  # stopped by the user (Ctrl+C, Stop) rather than by the budget
    message: str = ""
    halted: bool = False  # stopped by itself: its first trials failed alike (`message` says how)
    stop_rule: str | None = None  # the experiment's stop rule that ended it (config StopRules)
    fusing: str | None = None  # what `--fuse auto` chose and why (also said as a message)
