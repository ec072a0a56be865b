"""Per-step values (loss, gradient norm) of K >= 1 trials turned into StepEvents, and each
trial's divergence detected. One recorder serves every loop: a lone fit is K = 1.

On the CPU reading a value costs nothing, so each step is read and reported at once. On an
accelerator, reading a value forces the host to wait for the device; there the `(K,)` vectors
stay on the device and are read in one transfer every FLUSH_STEPS steps or FLUSH_S seconds (and
before every evaluation, checkpoint, pause and stop), so the loop never stalls and no event is
lost. Either way a step's `wall_s` is read when the step is recorded, not when it is read
back: each step keeps its own time."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from tunestudio.engine.events import StepEvent
from tunestudio.messages import DIVERGED

FLUSH_STEPS = 64
FLUSH_S = 0.25
# Record as on an accelerator whatever the device (True), or read every step (False); None:
# by the device. Tests and benchmarks set it to see an accelerator's recording on the CPU.
FORCE_BUFFERED: bool | None = None


def buffered_for(device: str) -> bool:
    """Whether a loop on `device` buffers its step values (see the module docstring)."""
    return device != "cpu" if FORCE_BUFFERED is None else FORCE_BUFFERED


@dataclass(frozen=True, slots=True)
class Divergence:
    """A non-finite loss or gradient norm at `step` (1-based: step 1 is computed with the
    initial weights, before any update). `cause` says where it came from:
    - "training": the weights went there during training (divergence: the learning rate, the
      gradients' size);
    - "inputs" / "targets": the batch itself held NaN or inf;
    - "model": the model's output was non-finite on finite inputs before any update;
    - "loss": the loss was non-finite on finite outputs before any update;
    - "gradient": the backward pass was non-finite before any update.
    Only "training" is a divergence a learning rate can cause or cure."""

    step: int
    epoch: int
    what: str  # "loss" or "gradient norm"
    value: float
    lr: float
    cause: str = "training"

    def message(self) -> str:
        """What went wrong and what to check, in one message: for `cause` 'training', where (step,
        epoch, learning rate) the loss or gradient norm became non-finite; for the other causes, the
        data, the model, the loss or the backward pass that was non-finite before any update."""
        where = f"at step {self.step} (epoch {self.epoch + 1}, LR {self.lr:.3g})"
        first = f"the {self.what} was {self.value} at step {self.step}, before any weight " \
                "update, so no learning rate causes it"
        if self.cause in ("inputs", "targets"):
            return (f"the training {self.cause} hold non-finite values (NaN or inf): the "
                    f"{self.what} was {self.value} at step {self.step} because of the data, not "
                    "the learning rate; check the data source and its preprocessing (missing "
                    "values, a division by zero, a log of 0) or your Dataset's __getitem__")
        if self.cause == "model":
            return (f"the model's output was non-finite (NaN or inf) on finite inputs: {first}; "
                    "check the model's forward pass (a log or square root of a negative number, "
                    "a division by zero, an overflow) and its initialisation")
        if self.cause == "loss":
            return (f"the loss was non-finite on finite model outputs: {first}; check the "
                    "targets against the loss (class labels within the model's outputs, "
                    "regression targets of a sane scale) and the loss settings")
        if self.cause == "gradient":
            return (f"the gradient was non-finite on a finite loss: {first}; check the model's "
                    "backward pass (a square root or power at 0, a custom operation)")
        if self.what in DIVERGED:  # a message the window shows in its language
            return DIVERGED[self.what].format(value=self.value, step=self.step,
                                              epoch=self.epoch + 1, lr=f"{self.lr:.3g}",
                                              lower=f"{self.lr / 10:.3g}")
        return (f"diverged during training: the {self.what} became {self.value} {where}; "
                f"lower the learning rate (e.g. {self.lr / 10:.3g}), add gradient clipping or "
                "a warm-up")


class StepRecorder:
    """Turns each step's `(K,)` values into one StepEvent per trial. `emit(trial, event)`
    receives them (trial: the key the loop passed with the step); `on_divergence(trial,
    divergence)` is told once of a trial's first non-finite loss (or gradient norm, unless
    `check_grad` is off: a GradScaler skips such steps itself), after which that trial's steps
    are dropped. `clock()` gives seconds of training (paused time excluded), read when a step
    is recorded (NaN without a clock)."""

    def __init__(self, buffered: bool, emit: Callable[[int, StepEvent], None] | None,
                 on_divergence: Callable[[int, Divergence], None] | None = None, *,
                 check_grad: bool = True, clock: Callable[[], float] | None = None):
        self.buffered = buffered
        self.emit = emit
        self.on_divergence = on_divergence
        self.check_grad = check_grad
        self.clock = clock
        self.diverged: dict[int, Divergence] = {}  # trial -> its first non-finite step
        self._pending: list[tuple[int, int, int, Sequence[int], Sequence[float], torch.Tensor,
                                  torch.Tensor, float]] = []
        self._last = time.perf_counter()

    def restart_clock(self) -> None:
        """After a pause, so the pause does not count as a slow step."""
        self._last = time.perf_counter()

    def record(self, step: int, epoch: int, n: int, lrs: Sequence[float],
               losses: torch.Tensor, grad_norms: torch.Tensor | float,
               trials: Sequence[int] = (0,), rows: Sequence[int] | None = None) -> None:
        """One step (1-based `step`, 0-based `epoch`, `n` samples per trial) of the `trials`:
        their learning rates `lrs`, data losses and gradient norms (before clipping) as `(R,)`
        device tensors (or a 0-d loss and a float norm for one trial) of which `rows` are
        theirs (None: all, in order)."""
        wall = self.clock() if self.clock is not None else math.nan
        if rows is not None and len(rows) == losses.shape[0]:  # not len(): a Python call
            rows = None  # every row, in order: no copy
        if self.buffered:
            if not isinstance(grad_norms, torch.Tensor):
                grad_norms = torch.tensor(grad_norms)
            loss_v, norm_v = losses.detach().reshape(-1), grad_norms.detach().reshape(-1)
            if rows is not None:
                loss_v, norm_v = loss_v[list(rows)], norm_v[list(rows)]
            self._pending.append((step, epoch, n, trials, lrs, loss_v, norm_v, wall))
            if len(self._pending) >= FLUSH_STEPS or time.perf_counter() - self._last >= FLUSH_S:
                self.flush()
            return
        if len(trials) == 1 and losses.numel() == 1:
            loss_l = [losses.item()]
            norm_l = [grad_norms if isinstance(grad_norms, float) else grad_norms.item()]
        else:
            assert isinstance(grad_norms, torch.Tensor)
            if rows is not None:
                losses, grad_norms = losses[list(rows)], grad_norms[list(rows)]
            loss_l, norm_l = torch.stack([losses.float(), grad_norms.float()]).tolist()
        now = time.perf_counter()
        rate = n / max(now - self._last, 1e-9)
        self._last = now
        self._report(step, epoch, trials, lrs, loss_l, norm_l, rate, wall)

    def flush(self) -> None:
        """Read back and report every buffered step (one transfer)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        values = torch.stack([torch.cat([p[5].float() for p in pending]),
                              torch.cat([p[6].float() for p in pending])]).cpu().tolist()
        now = time.perf_counter()
        rate = sum(p[2] for p in pending) / max(now - self._last, 1e-9)
        self._last = now
        at = 0
        for step, epoch, _, trials, lrs, _, _, wall in pending:
            k = len(trials)
            self._report(step, epoch, trials, lrs, values[0][at:at + k], values[1][at:at + k],
                         rate, wall)
            at += k

    def _report(self, step: int, epoch: int, trials: Sequence[int], lrs: Sequence[float],
                losses: list[float], norms: list[float], rate: float, wall: float) -> None:
        diverged, emit = self.diverged, self.emit
        for trial, lr, loss, norm in zip(trials, lrs, losses, norms, strict=True):
            if diverged and trial in diverged:
                continue
            found = None
            if not math.isfinite(loss):
                found = Divergence(step, epoch, "loss", loss, lr)
            elif self.check_grad and not math.isfinite(norm):
                found = Divergence(step, epoch, "gradient norm", norm, lr)
            if found is not None:
                diverged[trial] = found
                if self.on_divergence is not None:
                    self.on_divergence(trial, found)
            elif emit is not None:
                emit(trial, StepEvent(step, epoch, loss, lr, norm, rate, wall))
