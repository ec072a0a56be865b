"""One trial as every loop trains it and every hook sees it: its config, seed, hooks, model,
optimiser, schedule, resumable state (`TrialState`), stop requests, clocks and outcome. The
lone `Trainer` is a Trial that trains itself; a fused group's members are Trials whose steps
the group computes. Hooks receive the Trial first (`hook.on_step_end(trial, event)`), so
`request_stop` (pruning, a stop button) works per trial whichever loop runs it.

The helpers below (`classify`, `determinism`, ...) are what both loops share about running a
fit; `overriding`, which finds the hooks worth calling, lives beside the hooks (events.py)."""

from __future__ import annotations

import contextlib
import math
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from tunestudio.config import PythonModel, RunConfig
from tunestudio.engine.augment import BatchAugment, make_augment
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.data import Splits
from tunestudio.engine.events import (
    FIT_STATUSES,
    EvalEvent,
    FitResult,
    FitStartEvent,
    FitStatus,
    TrainerHooks,
    overriding,
)
from tunestudio.engine.input_norm import with_input_normalization
from tunestudio.engine.loader_data import LoaderSplits
from tunestudio.engine.metrics import AutocastFactory, LossFn, make_loss
from tunestudio.engine.models import build_model, count_parameters
from tunestudio.engine.optimizers import build_optimizer
from tunestudio.engine.runtime import seed_initialisation
from tunestudio.engine.schedules import LRSchedule
from tunestudio.engine.step_recorder import Divergence
from tunestudio.engine.trial_state import TrialState
from tunestudio.engine.user_code import UserFunctionError
from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.engine.checkpoint import State

PAUSE_POLL_S = 0.05


class Trial:
    """One trial's identity and state (see the module docstring). `device` and `seed`
    override the config's (a search repeats a trial with other seeds); relative data and model
    paths resolve against `base_dir` (the project file's folder). `stop_event` ends the fit
    before the next step; while `pause_event` is set the fit waits. `datasets` may be given to
    skip loading. The loop that trains the trial sets `model`, `optimizer`, `schedule`,
    `loss_fn` and `steps_per_epoch` (0 until then)."""

    def __init__(self, config: RunConfig, *, hooks: Sequence[TrainerHooks] = (),
                 base_dir: Path | None = None, device: str | None = None,
                 seed: int | None = None, stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None, step_events: bool = True,
                 datasets: Splits | LoaderSplits | None = None):
        self.config = config
        self.hooks = list(hooks)
        self.base_dir = base_dir
        self.device: str = device or config.training.device
        self.seed = config.training.seed if seed is None else seed
        self.stop_event = stop_event
        self.pause_event = pause_event
        self.step_events = step_events
        self.datasets: Splits | LoaderSplits | None = datasets
        self.model: nn.Module | None = None
        self._optimizer: torch.optim.Optimizer | None = None
        # built on first use (see `optimizer`): the parameters it will hold, and the state a
        # fused group wrote for them meanwhile (`optimizer_state`)
        self._optimizer_params: list[nn.Parameter] | None = None
        self._pending_state: dict[torch.Tensor, dict[str, Any]] = {}
        self.schedule: LRSchedule | None = None
        self.loss_fn: LossFn | None = None
        self.scaler: torch.amp.GradScaler | None = None
        self.augmentation: BatchAugment | None = None
        self.state = TrialState(config, self.seed)
        self.steps_per_epoch = 0
        self.divergence: Divergence | None = None  # the non-finite step that ended it, if any
        # Where this trial's training time comes from when a group trains it (its share of the
        # group's time); None: its own clock.
        self.time_source: Callable[[], float] | None = None
        # A fused group's member keeps a new best this way (see engine.paced_checkpoint).
        self.capture_later: Callable[[int], Callable[[], State | None]] | None = None
        # What flushes the steps computed so far to the hooks (the loop's step recorder).
        self.step_flusher: Callable[[], None] | None = None
        self.autocast: AutocastFactory | None = None  # mixed precision (CUDA only), or None
        self._stop: tuple[FitStatus, str] | None = None
        self._started = time.perf_counter()
        self._training_started = self._started
        self._paused_s = 0.0

    # --- building ---------------------------------------------------------------------------

    def build(self, data: Splits | LoaderSplits, device: str, half_outputs: bool = False
              ) -> nn.Module:
        """The trial's model (initialised from its seed, behind the data's input
        normalisation), torch optimiser, LR schedule, data loss (`half_outputs`: in float32
        from mixed-precision outputs) and augmentation on `device`, built the same way
        whichever loop trains the trial (so a fused member starts from the lone trial's
        weights). Raises what building the model raises (a failing user file)."""
        cfg = self.config
        self.device, self.datasets = device, data
        seed_initialisation(self.seed, device)
        model = build_model(cfg.model, data.input_shape, data.n_outputs, self.base_dir)
        self.model = with_input_normalization(model, data.normalization).to(device)
        self._optimizer, self._pending_state = None, {}
        self._optimizer_params = list(self.model.parameters())
        self.schedule = LRSchedule(cfg, data.n_train)
        self.loss_fn = make_loss(cfg, half_outputs=half_outputs)
        self.augmentation = make_augment(cfg.data.augment, data.input_shape, device, self.seed)
        self.state.plateau = self.schedule.plateau
        self.state.augment = self.augmentation.generator if self.augmentation else None
        self.steps_per_epoch = len(batch_bounds(data.n_train, cfg.training.batch_size))
        return self.model

    @property
    def optimizer(self) -> torch.optim.Optimizer | None:
        """The trial's torch optimiser over its model's parameters (None before `build`),
        built on first use: a lone trial builds it before its first step, a fused member only
        if something reads it (its checkpoint does not: `optimizer_state_by_index`), since
        torch.optim's first optimiser imports torch._dynamo (about 1 s), which a fused search
        otherwise never needs. State written before (`optimizer_state`) is its state."""
        if self._optimizer is None and self._optimizer_params is not None:
            self._optimizer = build_optimizer(self.config.optimizer, self._optimizer_params)
            self._optimizer.state.update(self._pending_state)
            self._pending_state = {}
        return self._optimizer

    @optimizer.setter
    def optimizer(self, value: torch.optim.Optimizer | None) -> None:
        """Set the torch optimiser (None: drop it, and reading does not build it again); state
        written before (`optimizer_state`) is discarded."""
        self._optimizer, self._pending_state = value, {}
        if value is None:
            self._optimizer_params = None

    @property
    def optimizer_built(self) -> bool:
        """Whether the torch optimiser exists yet (reading `optimizer` builds it)."""
        return self._optimizer is not None

    @property
    def has_optimizer(self) -> bool:
        """Whether the trial has an optimiser, built or to be built on first use (after
        `build`, until a kernel lets it go)."""
        return self._optimizer is not None or self._optimizer_params is not None

    def optimizer_state_by_index(self) -> dict[int, dict[str, Any]]:
        """The optimiser's per-parameter state keyed as torch.optim's `state_dict()["state"]`
        keys it (the parameter's position among the trainable ones, in the model's order),
        read without building the optimiser: a fused member's checkpoint then needs no torch
        optimiser (see `optimizer`). The tensors are the live ones (copy them to keep them)."""
        if self._optimizer is not None:
            return dict(self._optimizer.state_dict()["state"])
        params = [p for p in self._optimizer_params or [] if p.requires_grad]
        return {i: self._pending_state[p] for i, p in enumerate(params)
                if p in self._pending_state}

    def optimizer_state(self) -> MutableMapping[torch.Tensor, dict[str, Any]]:
        """Where the optimiser's per-parameter state goes (torch.optim's `state`, parameter ->
        its tensors): the optimiser's own once built, else a map it takes when it is. A fused
        group writes a member's state here without building a torch optimiser."""
        if self._optimizer is not None:
            return self._optimizer.state
        return self._pending_state

    def start_fit(self, n_train: int, n_val: int, total_steps: int,
                  started: float | None = None) -> FitStartEvent:
        """The first step is about to run (`started`: a perf_counter time, default now): the
        training clock starts and the hooks receive `on_fit_start`."""
        assert self.model is not None
        event = FitStartEvent(device=self.device, n_train=n_train, n_val=n_val,
                              steps_per_epoch=self.steps_per_epoch, total_steps=total_steps,
                              n_parameters=count_parameters(self.model))
        self.start_training_clock(started)
        for hook in self.hooks:
            hook.on_fit_start(self, event)
        return event

    # --- the state, as hooks and searches read it --------------------------------------------

    @property
    def step(self) -> int:
        """Optimisation steps done."""
        return self.state.step

    @step.setter
    def step(self, value: int) -> None:
        """Set the optimisation steps done."""
        self.state.step = value

    @property
    def metrics(self) -> dict[str, float]:
        """The last evaluation's values (name -> value)."""
        return self.state.metrics

    @property
    def best(self) -> dict[str, float]:
        """The best value of each metric so far."""
        return self.state.best

    @property
    def best_at(self) -> dict[str, dict[str, float]]:
        """Each metric's best evaluation (metric -> that evaluation's values and epoch)."""
        return self.state.best_at

    @property
    def evaluated(self) -> bool:
        """Whether the last evaluation was at the current step."""
        return self.state.evaluated_at == self.state.step

    def epochs_done(self) -> float:
        """Steps done in epochs (0 before the loop set the trial up)."""
        spe = self.steps_per_epoch
        return self.step / spe if spe and self.step else 0.0

    # --- control -------------------------------------------------------------------------------

    def request_stop(self, status: str = "stopped", message: str = "") -> None:
        """End the fit before the next step with this status (e.g. a pruner's "pruned"). The
        first request wins. Safe to call from any thread."""
        if status not in FIT_STATUSES:
            raise ValueError(f"unknown status '{status}'; use one of {', '.join(FIT_STATUSES)}")
        if self._stop is None:
            self._stop = (status, message or "stop requested")

    @property
    def stop_requested(self) -> tuple[FitStatus, str] | None:
        """The first stop request (status, message), or None."""
        return self._stop

    def stop_due(self) -> bool:
        """Whether the trial asked to stop or the shared stop event is set."""
        return self._stop is not None or (self.stop_event is not None and
                                          self.stop_event.is_set())

    def wait_while_paused(self) -> None:
        """Wait while the pause event is set, waking at once on a stop; the pause is left out
        of the trial's clocks."""
        if self.pause_event is not None:
            self.add_paused(wait_while_paused(self.pause_event, self.stop_event,
                                              lambda: self._stop is not None))

    def add_paused(self, seconds: float) -> None:
        """Leave `seconds` of pause out of the trial's clocks."""
        self._paused_s += seconds

    def flush_steps(self) -> bool:
        """Send the steps computed so far to the hooks (a checkpoint is never ahead of them);
        False when one of them was not finite (the trial has diverged)."""
        if self.step_flusher is not None:
            self.step_flusher()
        return self.divergence is None

    def note_divergence(self, divergence: Divergence) -> None:
        """A non-finite step: the trial stops as diverged (the first one counts)."""
        if self.divergence is None:
            self.divergence = divergence
            self.request_stop("diverged", divergence.message())

    # --- clocks --------------------------------------------------------------------------------

    def start_clock(self) -> None:
        """The fit (set-up included) begins now."""
        self._started = self._training_started = time.perf_counter()
        self._paused_s = 0.0

    def start_training_clock(self, at: float | None = None) -> None:
        """The first step is about to run (`at`: a perf_counter time, default now)."""
        self._training_started = time.perf_counter() if at is None else at

    def _elapsed(self, since: float) -> float:
        return time.perf_counter() - since - self._paused_s

    def duration_s(self) -> float:
        """The trial's training time so far in seconds: this fit's (set-up included, paused
        time excluded; a fused member's share of its group's, see `time_source`) plus that of
        the runs before a resume, so an interrupted trial's time sums its segments."""
        now = self.time_source() if self.time_source is not None else self._elapsed(
            self._started)
        return self.state.prior_duration_s + now

    def wall_s(self) -> float:
        """Seconds of training so far: from the first step (set-up and data loading left out),
        paused time excluded; the clock of StepEvent.wall_s and EvalEvent.wall_s."""
        return self._elapsed(self._training_started)

    # --- evaluations and outcome ---------------------------------------------------------------

    def report_evaluation(self, metrics: dict[str, float], epoch: float, wall_s: float) -> None:
        """After an evaluation at the current step (`epoch` in epochs, `wall_s` in seconds of
        training): keep `metrics` and the best value of each, send `on_evaluate_end`, then let
        early stopping and the plateau schedule ask for a stop."""
        state = self.state
        state.note_evaluation(metrics, epoch)
        event = EvalEvent(step=state.step, epoch=epoch, wall_s=wall_s,
                          train_loss=metrics.get("train_loss", math.nan),
                          val_loss=metrics.get("val_loss"), metrics=metrics)
        for call in overriding(self.hooks, "on_evaluate_end"):
            call(self, event)
        reason = state.early.observe(metrics, epoch)
        if reason is not None:
            self.request_stop("stopped_early", reason)
        assert self.schedule is not None
        reason = self.schedule.observe(metrics, state.step)
        if reason is not None:
            self.request_stop("stopped_early", reason)

    def diverged(self, d: Divergence, first_step: Sequence[torch.Tensor | bool] | None,
                 train: tuple[torch.Tensor, torch.Tensor] | None
                 ) -> tuple[FitStatus, str]:
        """A non-finite step's outcome: a divergence during training, or (a failure, not a
        divergence) a first step that was never finite, or data that holds NaN or inf.
        `first_step`: whether the first step's inputs, targets, output and loss were finite;
        `train`: the training inputs and targets on the device (None: streamed)."""
        self.step = min(self.step, d.step)
        d = replace(d, cause=_cause_of(d, first_step, train))
        message = d.message()
        model = self.config.model
        if d.cause in ("model", "gradient") and isinstance(model, PythonModel):
            message += f" in {model.path} ({model.function})"
        return ("diverged" if d.cause == "training" else "failed"), message

    def result(self, status: FitStatus, message: str, trace: str | None = None,
               duration_s: float | None = None) -> FitResult:
        """The trial's FitResult now (`duration_s`: default `duration_s()`)."""
        state = self.state
        return FitResult(status=status, message=message, metrics=dict(state.metrics),
                         best=dict(state.best), epochs=self.epochs_done(), steps=state.step,
                         duration_s=self.duration_s() if duration_s is None else duration_s,
                         device=self.device, traceback=trace,
                         normalization=getattr(self.datasets, "normalization", None),
                         best_at={k: dict(v) for k, v in state.best_at.items()})

    def restore(self, state: Mapping[str, Any]) -> None:
        """Put a checkpoint's trial state back (see `TrialState.load_state_dict`), with the
        training time of the runs before."""
        self.state.load_state_dict(state)
        self.state.prior_duration_s = float(state.get("duration_s", 0.0))


def wait_while_paused(pause: threading.Event, stop: threading.Event | None,
                      stopped: Callable[[], bool]) -> float:
    """Wait while `pause` is set, waking at once when `stop` is set (or, within
    PAUSE_POLL_S, when `stopped()` says so); the seconds waited."""
    began = time.perf_counter()
    while pause.is_set() and not stopped():
        if stop is not None:
            if stop.wait(PAUSE_POLL_S):
                break
        else:
            time.sleep(PAUSE_POLL_S)
    return time.perf_counter() - began


def _cause_of(d: Divergence, first_step: Sequence[torch.Tensor | bool] | None,
              train: tuple[torch.Tensor, torch.Tensor] | None) -> str:
    """Where a non-finite step came from (see `Divergence.cause`). The first step ran on the
    initial weights, so its batch, output and loss tell; later, only the training data can
    still be to blame rather than the weights."""
    if d.step <= 1 and first_step is not None:
        x_ok, y_ok, out_ok, loss_ok = (bool(c) for c in first_step)
        for ok, cause in ((x_ok, "inputs"), (y_ok, "targets"), (out_ok, "model"),
                          (loss_ok, "loss")):
            if not ok:
                return cause
        return "gradient" if d.what == "gradient norm" else "loss"
    if train is not None:
        if not bool(all_finite(train[0])):
            return "inputs"
        if not bool(all_finite(train[1])):
            return "targets"
    return "training"


def all_finite(t: torch.Tensor) -> torch.Tensor | bool:
    """Whether every value is finite, as a device tensor (no host sync); integer tensors
    (class labels) always are."""
    if not (t.is_floating_point() or t.is_complex()):
        return True
    return torch.isfinite(t).all()


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether `exc` says the device (or the host) ran out of memory."""
    if isinstance(exc, torch.OutOfMemoryError | MemoryError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or
                                              "can't allocate memory" in text)


def first_line(exc: BaseException) -> str:
    """The exception's first line of text (its type's name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def classify(exc: Exception, config: RunConfig, device: str
             ) -> tuple[FitStatus, str, str | None]:
    """A fit's exception as its (status, message, traceback): running out of memory (with the
    advice), a failing user function (its own traceback), a TuneStudio error (its message), or
    any other failure (with the traceback)."""
    text = first_line(exc)
    if is_out_of_memory(exc):
        bs = config.training.batch_size
        return ("out_of_memory", f"out of memory on {device} at batch size {bs} "
                f"({text}); try a smaller batch size (e.g. {max(1, bs // 2)}) or a smaller "
                "model", None)
    if isinstance(exc, UserFunctionError):
        return "failed", str(exc), exc.user_traceback
    if isinstance(exc, TuneStudioError):
        return "failed", str(exc), None
    return ("failed", f"{type(exc).__name__}: {text}",
            "".join(traceback.format_exception(exc)))


@contextlib.contextmanager
def determinism(config: RunConfig) -> Iterator[None]:
    """Deterministic algorithms while the fit runs, when the config asks for them."""
    if not config.training.deterministic:
        yield
        return
    previous = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
