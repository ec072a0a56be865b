"""The lone fit: one validated config trains on one device and reports every step and
evaluation through hooks; whatever happens, `fit` returns a FitResult. It is the one training
loop (engine.loop) with K = 1 and the plain step kernel (engine.plain_kernel)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from tunestudio.config import RunConfig
from tunestudio.engine.data import Splits
from tunestudio.engine.devices import resolve_device
from tunestudio.engine.events import FitResult, TrainerHooks
from tunestudio.engine.loader_data import LoaderSplits, load_data
from tunestudio.engine.loop import Perturbation, TrialLoop
from tunestudio.engine.plain_kernel import PlainKernel
from tunestudio.engine.runtime import apply_step_threads, apply_torch_threads, warm_optimizers
from tunestudio.engine.trial import Trial


class Trainer(Trial):
    """Trains `config` once: a Trial (see engine.trial) that trains itself. `resume` is a
    checkpoint state (engine.checkpoint.load) to continue from at its epoch; one that does not
    fit this config makes the fit fail before its first step. `datasets` may be given to skip
    loading (k-fold). `perturbation` changes the trial between steps (a member of a
    population of lone trials, engine.pbt_lone). The other arguments are `Trial`'s. After
    `setup()` (called by `fit`),
    `model`, `device` and `datasets` are ready for the evaluation helpers."""

    def __init__(self, config: RunConfig, *, hooks: Sequence[TrainerHooks] = (),
                 base_dir: Path | None = None, device: str | None = None,
                 seed: int | None = None, stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None, step_events: bool = True,
                 datasets: Splits | LoaderSplits | None = None,
                 resume: Mapping[str, Any] | None = None,
                 perturbation: Perturbation | None = None):
        super().__init__(config, hooks=hooks, base_dir=base_dir, device=device, seed=seed,
                         stop_event=stop_event, pause_event=pause_event,
                         step_events=step_events, datasets=datasets)
        self.resume = resume
        self.perturbation = perturbation
        self.kernel: PlainKernel | None = None
        self._fitted = False

    def setup(self) -> PlainKernel:
        """Load data, build model, optimiser and schedule on the device (once); the kernel
        that trains them."""
        if self.kernel is None:
            apply_torch_threads()
            self.device = resolve_device(self.device)
            if self.datasets is None:
                self.datasets = load_data(self.config.data, self.base_dir, self.device)
            amp = self.config.training.mixed_precision and self.device.startswith("cuda")
            model = self.build(self.datasets, self.device, half_outputs=amp)
            apply_step_threads([model], [self.config.training.batch_size], self.datasets,
                               self.device)
            self.kernel = PlainKernel(self, amp)
        return self.kernel

    def fit(self) -> FitResult:
        """Train once. Never raises for a training problem: bad data, a failing user file,
        divergence, running out of memory and stop requests all come back as the result's
        status and message. (KeyboardInterrupt and other BaseExceptions do propagate, after
        the on_exception hooks.) A Trainer fits once; make a new one for another run."""
        if self._fitted:
            raise RuntimeError("this Trainer has already run fit(); create a new Trainer")
        self._fitted = True
        warm_optimizers()  # torch.optim's one-off import, before the trial's clock starts
        loop = TrialLoop([self], self.setup, stop_event=self.stop_event,
                         pause_event=self.pause_event, resume=self.resume,
                         perturbation=self.perturbation)
        try:
            return loop.run()[0]
        finally:
            if self.kernel is not None:
                self.kernel.close()

    def epoch_batches(self, n_train: int, sizes: list[int], generator: torch.Generator
                      ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """See `PlainKernel.epoch_batches` (after `setup`)."""
        return self.setup().epoch_batches(n_train, sizes, generator)

    def train_step(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | float]:
        """See `PlainKernel.train_step` (after `setup`); the LR finder calls it."""
        return self.setup().train_step(idx)

    def train_batch(self, xb: torch.Tensor, yb: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor | float]:
        """See `PlainKernel.train_batch` (after `setup`)."""
        return self.setup().train_batch(xb, yb)
