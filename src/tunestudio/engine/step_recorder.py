"""Per-step values (loss, gradient norm) turned into StepEvents, and divergence detected.

On the CPU reading a value costs nothing, so each step is read and reported at once. On an
accelerator, reading a value forces the host to wait for the device; there the values stay on
the device and are read in one transfer every FLUSH_STEPS steps or FLUSH_S seconds (and before
every evaluation, pause and stop), so the loop never stalls and no event is lost."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from tunestudio.engine.events import StepEvent

FLUSH_STEPS = 64
FLUSH_S = 0.25


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
        return (f"diverged during training: the {self.what} became {self.value} {where}; "
                f"lower the learning rate (e.g. {self.lr / 10:.3g}), add gradient clipping or "
                "a warm-up")


class StepRecorder:
    """Turns each step's values into a StepEvent. `clock()` gives seconds of training (paused
    time excluded); it is read when the step is recorded, not when a buffer is flushed, so a
    step's `wall_s` is its own time on an accelerator too (NaN without a clock)."""

    def __init__(self, buffered: bool, emit: Callable[[StepEvent], None] | None,
                 check_grad: bool = True, clock: Callable[[], float] | None = None):
        self.buffered = buffered
        self.emit = emit
        self.check_grad = check_grad  # off under a GradScaler, which skips inf steps itself
        self.clock = clock
        self._pending: list[tuple[int, int, float, int, torch.Tensor, torch.Tensor, float]] = []
        self._last = time.perf_counter()

    def restart_clock(self) -> None:
        """After a pause, so the pause does not count as a slow step."""
        self._last = time.perf_counter()

    def record(self, step: int, epoch: int, lr: float, n: int, loss: torch.Tensor,
               grad_norm: torch.Tensor | float) -> Divergence | None:
        wall = self.clock() if self.clock is not None else math.nan
        if self.buffered:
            if not isinstance(grad_norm, torch.Tensor):
                grad_norm = torch.tensor(grad_norm)
            self._pending.append((step, epoch, lr, n, loss.detach(), grad_norm.detach(), wall))
            if len(self._pending) >= FLUSH_STEPS or time.perf_counter() - self._last >= FLUSH_S:
                return self.flush()
            return None
        loss_f = loss.item()
        norm_f = grad_norm if isinstance(grad_norm, float) else grad_norm.item()
        now = time.perf_counter()
        rate = n / max(now - self._last, 1e-9)
        self._last = now
        return self._report(step, epoch, lr, loss_f, norm_f, rate, wall)

    def flush(self) -> Divergence | None:
        if not self._pending:
            return None
        pending, self._pending = self._pending, []
        values = torch.stack([torch.stack([p[4].float() for p in pending]),
                              torch.stack([p[5].float() for p in pending])]).cpu().tolist()
        now = time.perf_counter()
        rate = sum(p[3] for p in pending) / max(now - self._last, 1e-9)
        self._last = now
        for (step, epoch, lr, _, _, _, wall), loss_f, norm_f in zip(pending, *values,
                                                                   strict=True):
            diverged = self._report(step, epoch, lr, loss_f, norm_f, rate, wall)
            if diverged is not None:
                return diverged
        return None

    def _report(self, step: int, epoch: int, lr: float, loss: float, norm: float,
                rate: float, wall: float) -> Divergence | None:
        if not math.isfinite(loss):
            return Divergence(step, epoch, "loss", loss, lr)
        if self.check_grad and not math.isfinite(norm):
            return Divergence(step, epoch, "gradient norm", norm, lr)
        if self.emit is not None:
            self.emit(StepEvent(step, epoch, loss, lr, norm, rate, wall))
        return None
