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


class _Enough:
    """When a timing has enough steps: at least `steps` after the warm-up, and more, up to
    `max_steps`, until the timed steps took `min_s` seconds (thread CPU time) between them."""

    def __init__(self, steps: int, min_s: float, max_steps: int):
        self.stop_after = LOOP_WARMUP + steps
        self.last = LOOP_WARMUP + max(steps, max_steps)
        self.min_s = min_s
        self.began: float | None = None
        self.done = False

    def step(self, step: int) -> bool:
        """Called by the first member's clock after each step; True once enough."""
        now = time.thread_time()
        if step == LOOP_WARMUP:
            self.began = now
        if step >= self.stop_after and (step >= self.last or self.began is None
                                        or now - self.began >= self.min_s):
            self.done = True
        return self.done


class _StepClock(TrainerHooks):
    """Stamps the loop's steps (through the first member's hooks) and stops every member once
    the timing has enough steps (`_Enough`, judged by the first member)."""

    def __init__(self, stamps: list[tuple[float, float]] | None, enough: _Enough):
        self.stamps = stamps
        self.enough = enough

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        if self.stamps is not None:
            # the step's own wall time: on an accelerator the loop hands its steps' events on
            # in batches (engine.step_recorder), so the hook's call time would say nothing
            wall = event.wall_s if math.isfinite(event.wall_s) else time.perf_counter()
            self.stamps.append((wall, time.thread_time()))
            self.enough.step(event.step)
        if self.enough.done or event.step >= self.enough.last:
            trainer.request_stop("stopped", "the probe's steps are timed")


def time_loop(configs: list[RunConfig], data: Splits, *, base_dir: Path | None = None,
              device: str = "cpu", steps: int = 24, min_s: float = 0.0,
              max_steps: int = 256, fused: bool = False) -> float:
    """Seconds per optimisation step of `configs` trained as a run trains them: one config
    through the lone path (`Trainer`: the plain kernel with `torch.optim`), several (one shape
    signature), or one with `fused`, as one fused group (`FusedTrainer`: a group of one is how
    a fused run of the built-in MLP trains a trial on its own, and builds no torch optimiser,
    whose first one imports torch._dynamo, about 1 s), in both cases through the whole
    training loop (the step recorder, every member's step events, the learning-rate table),
    which is where most of a small model's step goes on a CPU. The median gap between `steps` steps
    after LOOP_WARMUP: a busy machine's stalls, and an evaluation at an epoch's end, do not
    decide it. On a CPU that trains on one thread the gaps are of the thread's CPU time, which
    is what a step costs on a quiet machine however busy this one is (at a load of 9 on 2
    cores the wall-clock medians of a 1-ms step were 2-10x off); elsewhere (a GPU computes
    apart from the thread, torch's own threads) of the wall clock. Steps cheaper than `min_s`
    seconds together are timed on, up to `max_steps`: a median of 16 steps of a millisecond
    still moved by 2x between two timings of one group on a quiet CPU (the first loops of a
    process, a neighbour's burst), one over ~50 ms of steps by a few percent. Raises what
    building the group raises (FusionError, out of memory)."""
    stamps: list[tuple[float, float]] = []
    enough = _Enough(max(2, steps), min_s, max_steps)
    clocks = [_StepClock(stamps if i == 0 else None, enough) for i in range(len(configs))]
    cuda = device.startswith("cuda")
    if len(configs) == 1 and not fused:
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
