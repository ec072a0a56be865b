"""A trial's curves on the three x-axes the plots offer: optimisation step, epoch (fractional,
so a step curve and the per-epoch evaluations line up) and wall-clock seconds of training.

The store keeps no time per step, only per evaluation; a stored step's time is interpolated
between evaluations (through (0, 0)) and extrapolated past the last one at the last rate. The
live view measures it directly (from each step's samples per second). numpy only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.store import EvalSeries, StepSeries

XMode = Literal["step", "epoch", "wall"]
X_MODES: tuple[XMode, ...] = ("step", "epoch", "wall")
X_LABELS: dict[XMode, str] = {"step": N_("PlotPanel", "step"), "epoch": N_("PlotPanel", "epoch"),
                              "wall": N_("PlotPanel", "wall-clock (s)")}
Array = npt.NDArray[np.float64]


def _empty() -> Array:
    return np.zeros(0)


@dataclass
class Curves:
    """One trial's curves (first repeat), each y with its x on every axis."""

    steps_x: dict[XMode, Array] = field(default_factory=lambda: {m: _empty() for m in X_MODES})
    loss: Array = field(default_factory=_empty)
    smooth: Array = field(default_factory=_empty)  # ema(loss)
    lr: Array = field(default_factory=_empty)
    grad_norm: Array = field(default_factory=_empty)
    evals_x: dict[XMode, Array] = field(default_factory=lambda: {m: _empty() for m in X_MODES})
    train_loss: Array = field(default_factory=_empty)
    val_loss: Array = field(default_factory=_empty)
    metrics: dict[str, Array] = field(default_factory=dict)


def steps_per_epoch(epoch: npt.NDArray[np.float64]) -> int:
    """Steps in the first epoch of a stored series (steps store their 0-based epoch)."""
    if not len(epoch):
        return 1
    return max(1, int(np.count_nonzero(epoch == epoch[0])))


def wall_of_steps(step: Array, eval_step: Array, eval_wall: Array) -> Array:
    """Seconds of training at each step, estimated from the evaluation times: only for steps
    stored without their own time (schema before 6); see `step_walls`."""
    ok = np.isfinite(eval_wall)
    xs = np.concatenate([[0.0], eval_step[ok].astype(np.float64)])
    ys = np.concatenate([[0.0], eval_wall[ok]])
    if len(xs) < 2:
        return np.full(len(step), np.nan)
    out = np.interp(step, xs, ys)
    rate = (ys[-1] - ys[-2]) / max(xs[-1] - xs[-2], 1e-12)
    beyond = step > xs[-1]
    out[beyond] = ys[-1] + (step[beyond] - xs[-1]) * rate
    return np.asarray(out, dtype=np.float64)


def step_walls(stored: Array, step: Array, eval_step: Array, eval_wall: Array) -> Array:
    """Seconds of training at each step: the time the trainer recorded with the step, or, for
    steps stored before steps kept one (NaN), the estimate from the evaluation times."""
    missing = ~np.isfinite(stored)
    if not missing.any():
        return stored
    out = stored.copy()
    out[missing] = wall_of_steps(step[missing], eval_step, eval_wall)
    return out


def _first_repeat(repeat: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    return repeat == repeat[0] if len(repeat) else np.zeros(0, dtype=bool)


def curves_of(steps: StepSeries | None, evals: EvalSeries | None) -> Curves:
    """Runs off the GUI thread (smoothing a million points takes a few tenths of a second)."""
    c = Curves()
    e_step, e_wall = np.zeros(0), np.zeros(0)
    if evals is not None and len(evals):
        keep = _first_repeat(evals.repeat)
        e_step = evals.step[keep].astype(np.float64)
        e_wall = evals.wall_s[keep]
        c.evals_x = {"step": e_step, "epoch": evals.epoch[keep], "wall": e_wall}
        c.train_loss, c.val_loss = evals.train_loss[keep], evals.val_loss[keep]
        c.metrics = {k: v[keep] for k, v in evals.metrics.items()}
    if steps is not None and len(steps):
        keep = _first_repeat(steps.repeat)
        step = steps.step[keep].astype(np.float64)
        spe = steps_per_epoch(steps.epoch[keep])
        c.steps_x = {"step": step, "epoch": step / spe,
                     "wall": step_walls(steps.wall_s[keep], step, e_step, e_wall)}
        c.loss, c.lr, c.grad_norm = steps.loss[keep], steps.lr[keep], steps.grad_norm[keep]
        c.smooth = ema(c.loss)
    return c


_CHUNK = 128  # w**-128 stays far inside float64 for any weight the view uses


class Smoother:
    """Bias-corrected exponential moving average (TensorBoard's smoothing), NaNs skipped, fed
    in pieces: the live view smooths each batch of steps as it arrives, with the same result
    as smoothing the whole series at once. Vectorised in numpy over chunks (scipy.signal would
    cost seconds of import on the GUI thread at the first live batch)."""

    def __init__(self, weight: float = 0.9) -> None:
        self.weight = weight
        self._num = 0.0  # EMA of the values (NaN as 0) ...
        self._den = 0.0  # ... and of "a value was there": their ratio corrects the bias

    def update(self, values: Array) -> Array:
        """Smooths the next piece of the series, continuing from the pieces before: returns the
        smoothed values, same length as `values` (float64); NaN where no finite value has arrived
        yet."""
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values)
        clean = np.where(finite, values, 0.0)
        present = finite.astype(np.float64)
        num, den = np.empty(len(values)), np.empty(len(values))
        for start in range(0, len(values), _CHUNK):
            end = min(start + _CHUNK, len(values))
            num[start:end] = self._run(clean[start:end], self._num)
            den[start:end] = self._run(present[start:end], self._den)
            self._num, self._den = float(num[end - 1]), float(den[end - 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(num / den, dtype=np.float64)

    def _run(self, x: Array, previous: float) -> Array:
        """y[i] = w*y[i-1] + (1-w)*x[i] in closed form: w^(i+1)*prev + (1-w)*w^i*cumsum(x/w^k)."""
        w = self.weight
        powers = w ** np.arange(len(x), dtype=np.float64)
        return np.asarray(w * powers * previous + (1 - w) * powers * np.cumsum(x / powers))


def ema(values: Array, weight: float = 0.9) -> Array:
    """The whole series smoothed at once (a fresh `Smoother`; `weight`: the previous smoothed
    value's share of each new one): same length as `values`."""
    return Smoother(weight).update(values)
