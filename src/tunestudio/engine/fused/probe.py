"""How many trials to fuse on this device: a short probe of throughput (and, on CUDA, memory).

Fusing pays while a bigger group still trains more trials per second: on a CPU the gain comes
from fewer, larger matrix products and flattens at a few dozen small trials; on a GPU a small
model is launch-bound and the gain goes on into the thousands until memory runs out. The probe
times a few optimisation steps of the config fused K = 1, 4, 16, ... times (up to the cap or the
memory) and keeps the K of the most trials per second (the median step of each, so that a busy
machine's stalls do not decide)."""

from __future__ import annotations

import math
import statistics
import time
from pathlib import Path

import torch

from tunestudio.config import RunConfig
from tunestudio.engine.data import load_splits
from tunestudio.engine.fused.trainer import FusedTrainer
from tunestudio.engine.trial import is_out_of_memory

PROBE_STEPS = 9
MEMORY_SHARE = 0.8  # of the free device memory a group may plan to use
_cache: dict[tuple[str, str, int], int] = {}


def probe_group_size(config: RunConfig, cap: int, *, base_dir: Path | None = None,
                     device: str = "cpu") -> int:
    """Trials per fused group worth training (1..`cap`), measured in well under a second for
    small models; cached per config shape, device and cap for the process. A config that
    cannot fuse (or fails to build) gives 1; the trial itself then reports its problem."""
    from tunestudio.engine.fused.signature import fuse_signature

    key = (fuse_signature(config), device, cap)
    if key in _cache:
        return _cache[key]
    size = 1
    try:
        size = _probe(config, cap, base_dir, device)
    except Exception:
        size = 1
    _cache[key] = size
    return size


def _probe(config: RunConfig, cap: int, base_dir: Path | None, device: str) -> int:
    if cap <= 1:
        return 1
    data = load_splits(config.data, base_dir)
    rates: dict[int, float] = {}
    memory_k = cap
    k = 1
    while True:
        try:
            seconds, per_trial_bytes = _time_steps(config, k, data, base_dir, device)
        except Exception as exc:
            if is_out_of_memory(exc):
                break
            raise
        if per_trial_bytes:
            free, _ = torch.cuda.mem_get_info(torch.device(device))
            memory_k = max(1, math.floor(MEMORY_SHARE * free / per_trial_bytes))
        rates[k] = k / seconds
        if k >= min(cap, memory_k):
            break
        k = min(cap, memory_k, k * 4)
    best_k = max(rates, key=lambda k: rates[k])
    return max(1, min(best_k, memory_k, cap))


def _time_steps(config: RunConfig, k: int, data: object, base_dir: Path | None, device: str
                ) -> tuple[float, int]:
    """Seconds per optimisation step of `k` fused copies, and the device bytes per trial."""
    return time_group([config] * k, data, base_dir=base_dir, device=device)


def time_group(configs: list[RunConfig], data: object, *, base_dir: Path | None = None,
               device: str = "cpu", steps: int = PROBE_STEPS, mean: bool = False
               ) -> tuple[float, int]:
    """Median seconds per optimisation step of `configs` (one shape signature; one config: a
    group of one) fused, over `steps` timed steps after two warm-up steps (`mean`: their mean,
    which charges a busy machine's waits to small and large steps alike, as a run's wall time
    does; the median leaves out the waits that a short step escapes and a long one cannot),
    and the device bytes per trial (0 off CUDA). Raises what building the group raises
    (FusionError, out of memory)."""
    from tunestudio.engine.data import Splits

    assert isinstance(data, Splits)
    k = len(configs)
    config = configs[0]
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
    trainer = FusedTrainer(configs, device=device, datasets=data, base_dir=base_dir)
    trainer.setup()
    batch = min(config.training.batch_size, data.n_train)
    idx = torch.arange(batch, device=trainer.device)  # one seed: the batches are shared
    lr = torch.tensor([c.optimizer.lr for c in configs], device=trainer.device)
    for _ in range(2):  # warm-up: first calls allocate
        trainer.setup().train_step(idx, lr, batch)
    times = []
    for _ in range(max(1, steps)):
        if cuda:
            torch.cuda.synchronize(device)
        began = time.perf_counter()
        trainer.setup().train_step(idx, lr, batch)
        if cuda:
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - began)
    # the machine may be busy: the typical step, or (`mean`) the steps' share of the machine
    seconds = statistics.fmean(times) if mean else statistics.median(times)
    per_trial = 0
    if cuda:
        per_trial = max(1, (torch.cuda.max_memory_allocated(device) - before) // k)
    del trainer
    return seconds, int(per_trial)

