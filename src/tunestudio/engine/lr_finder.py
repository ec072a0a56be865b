"""The learning-rate range test (LR finder): train a fresh model for a number of steps while the
LR grows exponentially from tiny to huge, smooth the loss, and read off the LR where the loss
falls fastest before it blows up. Run it before a long run or to bound an LR search.

Suggestion (Leslie Smith's rule of thumb): one tenth of the LR at which the smoothed loss is
lowest; suggested search range: one hundredth of that LR up to that LR."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from tunestudio.config import RunConfig
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.data import Splits
from tunestudio.engine.loader_data import LoaderSplits
from tunestudio.engine.trainer import Trainer
from tunestudio.errors import TuneStudioError


@dataclass(frozen=True)
class LRRangeResult:
    """An LR range test's sweep (L. N. Smith, "Cyclical Learning Rates for Training Neural
    Networks", 2017): the learning rate of each step, its training loss and the smoothed loss, one
    value per step taken, with the suggested learning rate and range."""
    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray  # bias-corrected exponential moving average of `losses`
    suggested_lr: float
    suggested_range: tuple[float, float]


def lr_range_test(config: RunConfig, base_dir: Path | None = None, *, steps: int = 100,
                  min_lr: float = 1e-7, max_lr: float = 10.0, smoothing: float = 0.98,
                  diverge_factor: float = 4.0, device: str | None = None,
                  seed: int | None = None, datasets: Splits | LoaderSplits | None = None,
                  stop_event: threading.Event | None = None) -> LRRangeResult:
    """Sweep `steps` steps from `min_lr` to `max_lr` with the config's model, optimiser,
    batch size, clipping and L1 (no schedule); end early once the smoothed loss exceeds
    `diverge_factor` times its minimum or becomes NaN."""
    if steps < 10:
        raise ValueError("an LR range test needs at least 10 steps")
    if not 0 < min_lr < max_lr:
        raise ValueError("need 0 < min_lr < max_lr")
    trainer = Trainer(config, base_dir=base_dir, device=device, seed=seed, datasets=datasets)
    trainer.setup()
    assert trainer.optimizer is not None and trainer.datasets is not None
    schedule = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    n_train = trainer.datasets.n_train
    sizes = [end - start for start, end in batch_bounds(n_train, config.training.batch_size)]
    generator = torch.Generator().manual_seed(trainer.seed)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf

    def batches() -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Epoch after epoch of the trainer's own batches (device tensors or its loader)."""
        while True:
            yield from trainer.epoch_batches(n_train, sizes, generator)

    for i, (lr, (xb, yb)) in enumerate(zip(schedule, batches(), strict=False)):
        if stop_event is not None and stop_event.is_set():
            break
        for group in trainer.optimizer.param_groups:
            group["lr"] = float(lr)
        loss = trainer.train_batch(xb, yb)[0].item()
        if not math.isfinite(loss):
            break
        average = smoothing * average + (1 - smoothing) * loss
        value = average / (1 - smoothing ** (i + 1))
        lrs.append(float(lr))
        losses.append(loss)
        smoothed.append(value)
        best = min(best, value)
        if i > 10 and value > diverge_factor * best:
            break
    if len(smoothed) < 5:
        raise TuneStudioError("the LR range test diverged at once; lower min_lr or check "
                              "the data and model")
    at_min = lrs[int(np.argmin(smoothed))]
    return LRRangeResult(np.asarray(lrs), np.asarray(losses), np.asarray(smoothed),
                         suggested_lr=at_min / 10, suggested_range=(at_min / 100, at_min))
