"""What the trainer reports: small frozen events, the outcome of a fit, and the no-op hooks that
receive them. Plain callbacks, no signals: the GUI adapts these to Qt in its own layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from tunestudio.engine.trial import Trial

FitStatus = Literal[
    "completed", "stopped_early", "stopped", "pruned", "diverged", "out_of_memory", "failed"
]
FIT_STATUSES: tuple[FitStatus, ...] = (
    "completed", "stopped_early", "stopped", "pruned", "diverged", "out_of_memory", "failed"
)


@dataclass(frozen=True, slots=True)
class FitStartEvent:
    """Data, model and optimiser are built on the device; training is about to start."""

    device: str
    n_train: int
    n_val: int
    steps_per_epoch: int
    total_steps: int  # planned; early stopping may end sooner
    n_parameters: int


@dataclass(frozen=True, slots=True)
class StepEvent:
    """One optimisation step. `step` counts steps done (the first is 1); `epoch` is the 0-based
    epoch the step belongs to; `grad_norm` is the global L2 norm before clipping; `loss` is the
    data loss of the batch (without the L1 penalty, so runs with different penalties compare).
    `wall_s` is seconds of training when the step ended, on the same clock as
    `EvalEvent.wall_s` (from the first step, paused time excluded); it never decreases."""

    step: int
    epoch: int
    loss: float
    lr: float
    grad_norm: float
    samples_per_s: float
    wall_s: float


@dataclass(frozen=True, slots=True)
class EvalEvent:
    """One evaluation. `epoch` is epochs done (fractional when evaluating every N steps);
    `wall_s` is seconds of training so far (from the first step, so data loading and set-up
    do not skew comparisons between trials; paused time excluded); `train_loss` and the train
    metrics are running values over the last epoch's worth of steps."""

    step: int
    epoch: float
    wall_s: float
    train_loss: float
    val_loss: float | None
    metrics: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class FitResult:
    """The outcome of one fit; every outcome is data, never an exception.

    `metrics` holds the last evaluation, `best` the best value of each metric over all
    evaluations (max for accuracy and R2, min otherwise), and `best_at[name]` the whole
    evaluation (its metrics and `epoch`) at which `name` was best: the model the checkpoint
    kept on that metric (engine/best.py). `duration_s` is the trial's training time in seconds:
    the whole fit, data loading and set-up included, paused time excluded, by the clock of
    engine/training_clock.py (the training thread's CPU time on a CPU trained by that thread
    alone, else wall time); a fused member's is its share of its group's."""

    status: FitStatus
    message: str
    metrics: dict[str, float]
    best: dict[str, float]
    epochs: float
    steps: int
    duration_s: float
    device: str
    traceback: str | None = None
    # Per-channel (mean, std) of the training images on the 0..1 scale that the model applies
    # to its input (image folders), kept with the trial.
    normalization: tuple[tuple[float, ...], tuple[float, ...]] | None = None
    best_at: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Training ran to a normal end (all epochs, or early stopping)."""
        return self.status in ("completed", "stopped_early")


class TrainerHooks:
    """Lightning-style observer: every method does nothing, override what you need. Calls come
    from the thread that runs the fit; the trial (`engine.trial.Trial`: a lone `Trainer`, or a
    fused group's member) passes itself first so a hook can call `trainer.request_stop(...)`."""

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        """Before the first step."""

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        """After each optimisation step (batched and slightly delayed on CUDA, never lost)."""

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        """After the last step of 0-based `epoch` (and its evaluation, if one was due)."""

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        """After each validation pass, before early stopping looks at it."""

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        """Once, whatever the outcome."""

    def on_exception(self, trainer: Trial, exc: BaseException) -> None:
        """An exception ended the fit (it becomes a failed or out-of-memory result)."""


def overriding(hooks: Sequence[object], name: str, base: type = TrainerHooks
               ) -> list[Callable[..., Any]]:
    """Bound methods `name` of the hooks that override the no-op of the observer class `base`
    (TrainerHooks, or the search's RunnerHooks), in their class or set on the instance, in
    order: calling no-ops costs time per step (a fused group calls per member and step)."""
    default = getattr(base, name)
    return [getattr(h, name) for h in hooks
            if getattr(type(h), name, default) is not default
            or name in getattr(h, "__dict__", {})]
