"""How long a training step takes as a run trains it: the probe behind `--fuse auto`'s cost
model (search/fuse_cost.py), which weighs a fused group's step against its members' steps
alone. Both are timed through the whole training loop, the lone path (`Trainer`) and the
fused one (`FusedTrainer`), since on a CPU most of a small model's step is spent outside its
arithmetic."""

from __future__ import annotations

import math
import statistics
import time
from itertools import pairwise
from pathlib import Path

import torch

from tunestudio.config import RunConfig
from tunestudio.engine.data import Splits
from tunestudio.engine.events import StepEvent, TrainerHooks
from tunestudio.engine.fused.trainer import FusedTrainer
from tunestudio.engine.step_recorder import buffered_for
from tunestudio.engine.trainer import Trainer
from tunestudio.engine.trial import Trial

LOOP_WARMUP = 3  # steps left out of a loop timing: the first calls allocate and compile


class _StepClock(TrainerHooks):
    """Stamps the loop's steps (through the first member's hooks) and stops every member once
    `warmup + steps` steps are done."""

    def __init__(self, stamps: list[tuple[float, float]] | None, stop_after: int):
        self.stamps = stamps
        self.stop_after = stop_after

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        if self.stamps is not None:
            # the step's own wall time: on an accelerator the loop hands its steps' events on
            # in batches (engine.step_recorder), so the hook's call time would say nothing
            wall = event.wall_s if math.isfinite(event.wall_s) else time.perf_counter()
            self.stamps.append((wall, time.thread_time()))
        if event.step >= self.stop_after:
            trainer.request_stop("stopped", "the probe's steps are timed")


def time_loop(configs: list[RunConfig], data: Splits, *, base_dir: Path | None = None,
              device: str = "cpu", steps: int = 24) -> float:
    """Seconds per optimisation step of `configs` trained as a run trains them: one config
    through the lone path (`Trainer`: the plain kernel with `torch.optim`), several (one shape
    signature) as one fused group (`FusedTrainer`), in both cases through the whole training
    loop (the step recorder, every member's step events, the learning-rate table), which is
    where most of a small model's step goes on a CPU. The median gap between `steps` steps
    after LOOP_WARMUP: a busy machine's stalls, and an evaluation at an epoch's end, do not
    decide it. On a CPU that trains on one thread the gaps are of the thread's CPU time, which
    is what a step costs on a quiet machine however busy this one is (at a load of 9 on 2
    cores the wall-clock medians of a 1-ms step were 2-10x off); elsewhere (a GPU computes
    apart from the thread, torch's own threads) of the wall clock. Raises what building the
    group raises (FusionError, out of memory)."""
    stamps: list[tuple[float, float]] = []
    stop_after = LOOP_WARMUP + max(2, steps)
    clocks = [_StepClock(stamps if i == 0 else None, stop_after) for i in range(len(configs))]
    cuda = device.startswith("cuda")
    if len(configs) == 1:
        Trainer(configs[0], hooks=[clocks[0]], base_dir=base_dir, device=device,
                datasets=data).fit()
    else:
        trainer = FusedTrainer(configs, hooks=[[c] for c in clocks], base_dir=base_dir,
                               device=device, datasets=data)
        trainer.fit()
    if cuda:
        torch.cuda.synchronize(device)
    own_clock = 1 if not buffered_for(device) and torch.get_num_threads() == 1 else 0
    timed = [stamp[own_clock] for stamp in stamps[LOOP_WARMUP - 1:]]
    gaps = [b - a for a, b in pairwise(timed)]
    if not gaps:  # a fit that ended at once (no steps: nothing to train)
        raise RuntimeError("the probe's fit trained no steps")
    return statistics.median(gaps)
