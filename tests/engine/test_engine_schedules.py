"""Each schedule's per-step LR equals torch's own scheduler stepped once per step, warm-up ramp
included (torch's LinearLR with start_factor 1/W, chained by SequentialLR)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from engine_helpers import tiny
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler as sched

from tunestudio.config import PlateauSchedule, RunConfig
from tunestudio.engine import planned_lr, steps_per_epoch, total_steps, warmup_steps
from tunestudio.engine.schedules import LRSchedule, PlateauController

N_TRAIN = 250  # batch 64 -> 4 steps per epoch
Main = Callable[[torch.optim.Optimizer, int, int], Any]  # (optimizer, steps after warm-up, spe)


def torch_lrs(config: RunConfig, main: Main) -> np.ndarray:
    """LR of each step from torch's schedulers, stepped once per step."""
    spe = steps_per_epoch(config, N_TRAIN)
    total = total_steps(config, N_TRAIN)
    warm = warmup_steps(config, N_TRAIN)
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=config.optimizer.lr)
    scheduler = main(opt, total - warm, spe)
    if warm:
        ramp = sched.LinearLR(opt, start_factor=1 / warm, end_factor=1.0, total_iters=warm - 1)
        scheduler = sched.SequentialLR(opt, [ramp, scheduler], milestones=[warm])
    lrs = []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return np.asarray(lrs)


CASES: list[tuple[dict[str, Any], Main]] = [
    ({"schedule.kind": "constant"},
     lambda opt, n, spe: sched.ConstantLR(opt, factor=1.0, total_iters=0)),
    ({"schedule.kind": "step", "schedule.step_epochs": 2.0, "schedule.gamma": 0.5},
     lambda opt, n, spe: sched.StepLR(opt, step_size=2 * spe, gamma=0.5)),
    ({"schedule.kind": "exponential", "schedule.gamma": 0.8},
     lambda opt, n, spe: sched.ExponentialLR(opt, gamma=0.8 ** (1 / spe))),
    ({"schedule.kind": "cosine", "schedule.min_lr_fraction": 0.1},
     lambda opt, n, spe: sched.CosineAnnealingLR(opt, T_max=n, eta_min=0.1 * 0.01)),
    ({"schedule.kind": "cosine_restarts", "schedule.cycle_epochs": 1.5,
      "schedule.cycle_mult": 2, "schedule.min_lr_fraction": 0.05},
     lambda opt, n, spe: sched.CosineAnnealingWarmRestarts(opt, T_0=round(1.5 * spe),
                                                           T_mult=2, eta_min=0.05 * 0.01)),
    ({"schedule.kind": "cosine_restarts", "schedule.cycle_epochs": 1.0,
      "schedule.cycle_mult": 1},
     lambda opt, n, spe: sched.CosineAnnealingWarmRestarts(opt, T_0=spe, T_mult=1)),
]


@pytest.mark.parametrize("warmup", [0.0, 2.0])
@pytest.mark.parametrize(("values", "main"), CASES, ids=lambda v: str(v.get("schedule.kind"))
                         if isinstance(v, dict) else "")
def test_schedule_matches_torch(values: dict[str, Any], main: Main, warmup: float) -> None:
    config = tiny({**values, "schedule.warmup_epochs": warmup, "training.epochs": 12,
                   "optimizer.lr": 0.01})
    ours = planned_lr(config, N_TRAIN)
    assert len(ours) == total_steps(config, N_TRAIN) == 48
    np.testing.assert_allclose(ours, torch_lrs(config, main), rtol=1e-9, atol=1e-12)


def test_one_cycle_matches_torch() -> None:
    config = tiny({"schedule.kind": "one_cycle", "schedule.warmup_epochs": 0.0,
                   "schedule.pct_start": 0.25, "training.epochs": 10, "optimizer.lr": 0.1})

    def one_cycle(opt: torch.optim.Optimizer, n: int, spe: int) -> Any:
        return sched.OneCycleLR(opt, max_lr=0.1, total_steps=n, pct_start=0.25,
                                div_factor=25.0, final_div_factor=1e4, cycle_momentum=False)

    np.testing.assert_allclose(planned_lr(config, N_TRAIN), torch_lrs(config, one_cycle),
                               rtol=1e-9)


def test_warmup_rises_linearly_from_zero_to_the_lr() -> None:
    config = tiny({"schedule.kind": "cosine", "schedule.warmup_epochs": 2.0,
                   "training.epochs": 10, "optimizer.lr": 0.04})
    lrs = planned_lr(config, N_TRAIN)
    warm = warmup_steps(config, N_TRAIN)
    assert warm == 8
    np.testing.assert_allclose(lrs[:warm], 0.04 * np.arange(1, 9) / 8)
    assert lrs[warm] == pytest.approx(0.04)  # the cosine starts at the peak
    assert np.all(np.diff(lrs[warm:]) <= 0)


def plateau_config(**values: Any) -> RunConfig:
    return tiny({"schedule.kind": "plateau", "schedule.warmup_epochs": 0.0,
                 "schedule.monitor": "val_loss", **values})


def test_plateau_cuts_like_torch_reduce_on_plateau() -> None:
    config = plateau_config(**{"schedule.factor": 0.5, "schedule.patience": 1,
                               "schedule.min_delta": 0.01, "schedule.floor_fraction": 1 / 16})
    metric = [1.0, 0.9, 0.895, 0.9, 0.7, 0.71, 0.705, 0.71, 0.72, 0.73, 0.74, 0.75, 0.76,
              0.77, 0.78]
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.01)
    reference = sched.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1,
                                        threshold=0.01, threshold_mode="abs", cooldown=0,
                                        min_lr=0.01 / 16)
    schedule = LRSchedule(config, N_TRAIN)
    stops = []
    for i, value in enumerate(metric):
        reference.step(value)
        stops.append(schedule.observe({"val_loss": value}, step_index=i + 1))
        assert schedule.lr(i + 1) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
    first_stop = next(i for i, s in enumerate(stops) if s is not None)
    assert schedule.lr(first_stop + 1) == pytest.approx(0.01 / 16)
    assert "0.0625 of its start" in str(stops[first_stop])


def test_plateau_maximises_accuracy_and_ignores_warmup() -> None:
    schedule = plateau_config(**{"schedule.monitor": "val_accuracy", "schedule.patience": 0,
                                 "schedule.warmup_epochs": 1.0, "schedule.factor": 0.5})
    lr = LRSchedule(schedule, N_TRAIN)
    assert lr.observe({"val_accuracy": 0.5}, step_index=2) is None  # during warm-up: ignored
    assert lr.plateau is not None and lr.plateau.best == -math.inf
    lr.observe({"val_accuracy": 0.5}, step_index=4)
    lr.observe({"val_accuracy": 0.6}, step_index=8)
    assert lr.plateau.scale == 1.0
    lr.observe({"val_accuracy": 0.55}, step_index=12)
    assert lr.plateau.scale == 0.5


def test_plateau_floor_stops_after_ten_halvings() -> None:
    schedule = plateau_config(**{"schedule.patience": 0, "schedule.factor": 0.5}).schedule
    assert isinstance(schedule, PlateauSchedule)
    controller = PlateauController(schedule, lr0=0.01)
    stops = [controller.observe(1.0) for _ in range(12)]
    assert stops.index(True) == 10  # first value sets best, then 10 cuts: 1/1024
    assert controller.scale == pytest.approx(1 / 1024)


@settings(max_examples=40, deadline=None)
@given(kind=st.sampled_from(["constant", "step", "exponential", "cosine", "cosine_restarts"]),
       warmup=st.floats(0.0, 4.0), epochs=st.integers(5, 30), n_train=st.integers(1, 600),
       batch=st.sampled_from([1, 16, 64, 256]))
def test_plans_span_the_run_and_stay_within_the_lr(kind: str, warmup: float, epochs: int,
                                                   n_train: int, batch: int) -> None:
    config = tiny({"schedule.kind": kind, "schedule.warmup_epochs": warmup,
                   "training.epochs": epochs, "training.batch_size": batch,
                   "optimizer.lr": 0.02})
    lrs = planned_lr(config, n_train)
    assert len(lrs) == total_steps(config, n_train)
    assert np.all(lrs > 0) and np.all(lrs <= 0.02 * (1 + 1e-12))
    warm = warmup_steps(config, n_train)
    assert np.all(np.diff(lrs[:warm]) > 0)
