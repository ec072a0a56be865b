"""Learning rate of every step. Lengths in the config are in epochs and become steps here, from
the real number of steps per epoch, so a schedule always spans the run it belongs to.

Warm-up: over W steps the LR rises linearly, lr0 * (t + 1) / W for step t < W (the first step
trains at lr0 / W rather than wasting a step at 0; this is torch's LinearLR with start_factor
1/W). The schedule proper then runs over the remaining steps as if it started at step 0. Every
closed form below equals torch's own scheduler stepped once per step (tests check it)."""

from __future__ import annotations

import math

import numpy as np

from tunestudio.config import (
    ConstantSchedule,
    CosineRestartsSchedule,
    CosineSchedule,
    ExponentialSchedule,
    OneCycleSchedule,
    PlateauSchedule,
    RunConfig,
    StepSchedule,
    metric_mode,
)
from tunestudio.engine.batching import steps_per_epoch, total_steps

FloatArray = np.ndarray


def warmup_steps(config: RunConfig, n_train: int) -> int:
    """Optimiser steps of the learning-rate warm-up: `schedule.warmup_epochs` epochs of steps,
    rounded (at least 1 where warm-up is on, 0 where it is off)."""
    epochs = config.schedule.warmup_epochs
    if epochs <= 0:
        return 0
    return max(1, round(epochs * steps_per_epoch(config, n_train)))


def planned_lr(config: RunConfig, n_train: int) -> FloatArray:
    """LR of every step of the run (index i = the (i+1)-th step), computed without training.
    Reduce-on-plateau cannot be known ahead: its plan is the LR before any cut."""
    spe = steps_per_epoch(config, n_train)
    total = total_steps(config, n_train)
    warm = min(warmup_steps(config, n_train), total - 1)
    lr0 = config.optimizer.lr
    ramp = lr0 * np.arange(1, warm + 1, dtype=np.float64) / max(warm, 1)
    main = _after_warmup(config, lr0, total - warm, spe)
    return np.concatenate([ramp, main])


def _after_warmup(config: RunConfig, lr0: float, n: int, spe: int) -> FloatArray:
    t = np.arange(n, dtype=np.float64)
    s = config.schedule
    if isinstance(s, ConstantSchedule | PlateauSchedule):
        return np.full(n, lr0)
    if isinstance(s, StepSchedule):
        every = max(1, round(s.step_epochs * spe))
        return lr0 * s.gamma ** np.floor(t / every)
    if isinstance(s, ExponentialSchedule):
        return np.asarray(lr0 * s.gamma ** (t / spe), dtype=np.float64)
    if isinstance(s, CosineSchedule):
        low = lr0 * s.min_lr_fraction
        return np.asarray(low + (lr0 - low) * (1 + np.cos(np.pi * t / n)) / 2)
    if isinstance(s, CosineRestartsSchedule):
        return _cosine_restarts(lr0, s, n, spe)
    if isinstance(s, OneCycleSchedule):
        return _one_cycle(lr0, s, n)
    raise AssertionError(f"unhandled schedule {type(s).__name__}")


def _cosine_restarts(lr0: float, s: CosineRestartsSchedule, n: int, spe: int) -> FloatArray:
    """torch's CosineAnnealingWarmRestarts: cycles of T0, T0*m, T0*m^2, ... steps."""
    low = lr0 * s.min_lr_fraction
    t = np.arange(n, dtype=np.int64)
    length = max(1, round(s.cycle_epochs * spe))
    if s.cycle_mult == 1:
        t_cur, t_i = (t % length).astype(np.float64), np.full(n, float(length))
    else:
        t_cur, t_i = np.empty(n), np.empty(n)
        start = 0
        while start < n:
            end = min(n, start + length)
            t_cur[start:end] = np.arange(end - start)
            t_i[start:end] = length
            start, length = start + length, length * s.cycle_mult
    return np.asarray(low + (lr0 - low) * (1 + np.cos(np.pi * t_cur / t_i)) / 2)


def _one_cycle(lr0: float, s: OneCycleSchedule, n: int) -> FloatArray:
    """torch's OneCycleLR (cosine, two phases), step by step."""
    initial = lr0 / s.div_factor
    final = initial / s.final_div_factor
    rise_end = float(s.pct_start * n) - 1
    out = np.empty(n)
    for step in range(n):
        if step <= rise_end:
            start, end, pct = initial, lr0, step / rise_end if rise_end > 0 else 1.0
        else:
            span = (n - 1) - rise_end
            start, end, pct = lr0, final, (step - rise_end) / span if span > 0 else 1.0
        out[step] = end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
    return out


class PlateauController:
    """torch's ReduceLROnPlateau (absolute threshold, no cooldown) on a scale of the LR, plus the
    practice's rule: once the LR is down to `floor_fraction` of its start, stop training."""

    def __init__(self, schedule: PlateauSchedule, lr0: float):
        self.schedule = schedule
        self.lr0 = lr0
        self.scale = 1.0
        self.cuts = 0
        self.mode = metric_mode(schedule.monitor)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.bad = 0

    def observe(self, value: float) -> bool:
        """Feed one evaluation; True when training should end because the floor is reached."""
        s = self.schedule
        better = value < self.best - s.min_delta if self.mode == "min" \
            else value > self.best + s.min_delta
        if better:
            self.best, self.bad = value, 0
        else:
            self.bad += 1
        if self.bad > s.patience:
            new = max(self.scale * s.factor, s.floor_fraction)
            if self.lr0 * (self.scale - new) > 1e-8:
                self.scale = new
                self.cuts += 1
            self.bad = 0
        return s.stop_at_floor and self.cuts > 0 and self.scale <= s.floor_fraction * (1 + 1e-9)


class LRSchedule:
    """The LR the trainer sets before each step: the plan, times the plateau scale if any."""

    def __init__(self, config: RunConfig, n_train: int):
        self.planned = planned_lr(config, n_train)
        self._plan: list[float] = self.planned.tolist()  # list indexing: cheap per step
        self.warmup = warmup_steps(config, n_train)
        schedule = config.schedule
        self.plateau = PlateauController(schedule, config.optimizer.lr) \
            if isinstance(schedule, PlateauSchedule) else None

    def lr(self, step_index: int) -> float:
        """The learning rate of step `step_index` (0-based; past the plan, its last value), times
        the reduce-on-plateau scale where that schedule is used."""
        plan = self._plan
        value = plan[step_index] if step_index < len(plan) else plan[-1]
        return value * self.plateau.scale if self.plateau is not None else value

    def observe(self, metrics: dict[str, float], step_index: int) -> str | None:
        """After an evaluation at `step_index` steps done: a stop message when the plateau
        schedule has reached its floor, else None. Evaluations during warm-up are ignored: the
        LR is still rising, so a plateau there means nothing."""
        if self.plateau is None or step_index < self.warmup:
            return None
        value = metrics.get(self.plateau.schedule.monitor)
        if value is None or not math.isfinite(value):
            return None
        if self.plateau.observe(value):
            fraction = self.plateau.schedule.floor_fraction
            return (f"reduce-on-plateau cut the LR {self.plateau.cuts} times down to "
                    f"{fraction:.3g} of its start ({self.plateau.lr0 * fraction:.3g}); stopped "
                    "as the practice suggests")
        return None
