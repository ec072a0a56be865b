"""Training K configs of one shape signature as one fused model: the one training loop
(engine.loop) over K trials with a stacked step kernel (engine.fused.kernel).

Each trial keeps its identity: it is an ordinary `Trial` (engine/trial.py: the group's
*member*) that owns its config, seed, schedule, hooks, resumable state, metrics and outcome,
and receives exactly the events a lone fit would send, with itself as the trainer. The group
only owns the stacked weights, the fused optimiser and the step kernel that computes them."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from tunestudio.config import RunConfig
from tunestudio.engine.data import Splits
from tunestudio.engine.devices import resolve_device
from tunestudio.engine.events import FitResult, TrainerHooks
from tunestudio.engine.fused.kernel import StackKernel
from tunestudio.engine.fused.signature import fuse_signature, fusion_obstacle
from tunestudio.engine.fused.stacked import FusionError
from tunestudio.engine.loader_data import load_data
from tunestudio.engine.loop import GroupOutOfMemoryError, Perturbation, TrialLoop
from tunestudio.engine.runtime import apply_step_threads, apply_torch_threads
from tunestudio.engine.trial import Trial

__all__ = ["FusedTrainer", "GroupOutOfMemoryError"]


class FusedTrainer:
    """Trains `configs` (same `fuse_signature`) as one model on one device; `fit()` returns one
    FitResult per config, in order. `seeds[k]` overrides trial k's seed (a search's repeats),
    `hooks[k]` are trial k's observers; the other arguments are `Trainer`'s, shared by the group.
    `time_weights[k]`: what a step of trial k costs alone (any unit), which shares the group's
    time out among the members (default: see `TrialLoop._share_time`). `kernel` picks how a
    step is computed: "mlp" (the built-in MLP's stacked batched-matmul
    pass, hand-written where it can be), "vmap" (`torch.func` over any model) or "auto" (the
    MLP pass where it applies, the grouped-convolution pass for a plain CNN, else vmap); "mlp"
    for another model raises FusionError. `perturbation` changes the running members between
    steps (population-based training, engine.pbt.Population); `restore(kernel, members)` puts
    a saved state back once the group is set up and returns the epoch to go on from
    (engine.pbt.restore_population). `refill(n)` keeps the group full (see `TrialLoop`): at
    the end of an epoch where rows are free it returns up to `n` new members as (config,
    hooks, seed or None, time weight or None: given where `time_weights` are) of the group's
    signature, which start at their own epoch 0; their results follow the first configs' in
    `fit()`'s list (`members` grows with them).

    Raises `FusionError` (from `setup`, before any hook runs) when the configs cannot fuse: the
    caller trains them one at a time. `fit` raises `GroupOutOfMemoryError` when the group does
    not fit in memory (the caller splits it); every other problem becomes the trials' results,
    as with `Trainer.fit`. Device: `(K, B, ...)` batches, `(K, ...)` weights; one host transfer
    per step on the CPU, batched every FLUSH_STEPS steps on an accelerator."""

    def __init__(self, configs: Sequence[RunConfig], *,
                 hooks: Sequence[Sequence[TrainerHooks]] | None = None,
                 base_dir: Path | None = None, device: str | None = None,
                 seeds: Sequence[int] | None = None, stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None, step_events: bool = True,
                 datasets: Splits | None = None,
                 kernel: Literal["auto", "mlp", "vmap"] = "auto",
                 time_weights: Sequence[float] | None = None,
                 perturbation: Perturbation | None = None,
                 restore: Callable[[StackKernel, list[Trial]], int] | None = None,
                 refill: Callable[[int], Sequence[tuple[RunConfig, Sequence[TrainerHooks],
                                                         int | None, float | None]]]
                 | None = None):
        if not configs:
            raise ValueError("a fused group needs at least one config")
        if len({fuse_signature(c) for c in configs}) > 1:
            raise FusionError("the configs differ in data, model structure, batch size, epochs, "
                              "loss, optimiser kind, evaluation or device, so they cannot fuse")
        for config in configs:
            reason = fusion_obstacle(config)
            if reason is not None:
                raise FusionError(reason)
        hooks = hooks if hooks is not None else [() for _ in configs]
        seeds = seeds if seeds is not None else [c.training.seed for c in configs]
        self.configs = list(configs)
        self.device = device or configs[0].training.device
        self.base_dir = base_dir
        self.stop_event = stop_event
        self.pause_event = pause_event
        self.datasets = datasets
        self.members = [Trial(c, hooks=h, base_dir=base_dir, device=device, seed=s,
                              stop_event=stop_event, pause_event=pause_event,
                              step_events=step_events, datasets=datasets)
                        for c, h, s in zip(configs, hooks, seeds, strict=True)]
        self.kernel_choice = kernel
        self.time_weights = time_weights  # each member's cost alone: shares the group's time
        self.perturbation = perturbation  # population-based training's (engine.pbt), or None
        self.restore = restore
        self.refill = refill
        self.signature = fuse_signature(configs[0])
        self.step_events = step_events
        self.kernel: StackKernel | None = None
        self.route = ""  # "mlp" (hand-fused), "conv" (grouped convolutions) or "vmap", once set up
        self._fitted = False

    def setup(self) -> StackKernel:
        """Data once, each trial's model from its own seed (as a lone Trainer builds it: the
        same weights; its own torch optimiser, so that a checkpoint of the trial resumes as a
        lone trial), and the kernel (see `StackKernel`). Raises FusionError, or the error a
        lone Trainer would meet (bad data, a failing model file)."""
        if self.kernel is None:
            apply_torch_threads()
            self.device = resolve_device(self.device)
            loaded = self.datasets if self.datasets is not None else \
                load_data(self.configs[0].data, self.base_dir, self.device)
            if not isinstance(loaded, Splits):
                raise FusionError("data streamed through a DataLoader trains one trial at a "
                                  "time")
            self.datasets = loaded
            models = [member.build(loaded, self.device) for member in self.members]
            apply_step_threads(models,
                               [m.config.training.batch_size for m in self.members], loaded,
                               self.device)
            self.kernel = StackKernel(self.members, loaded, self.device, self.kernel_choice)
            self.route = self.kernel.route
        return self.kernel

    def fit(self) -> list[FitResult]:
        """Train the group; one FitResult per config, in order (see the class docstring)."""
        if self._fitted:
            raise RuntimeError("this FusedTrainer has already run fit(); create a new one")
        self._fitted = True
        return TrialLoop(self.members, self.setup, stop_event=self.stop_event,
                         pause_event=self.pause_event, passthrough=(FusionError,),
                         time_weights=self.time_weights,
                         perturbation=self.perturbation,
                         restore=self._restore if self.restore is not None else None,
                         refill=self._refill if self.refill is not None else None,
                         rebuild=self._rebuild).run()

    def _refill(self, free: int) -> list[tuple[Trial, float | None]]:
        """Up to `free` new members from `refill`, built on the group's device and data.
        Raises ValueError for a config of another signature (the caller's to avoid; the
        running members then end as failed with that message)."""
        assert self.refill is not None and isinstance(self.datasets, Splits)
        new = []
        for config, hooks, seed, weight in self.refill(free):
            if fuse_signature(config) != self.signature:
                raise ValueError("a refilled member differs from its group in data, model "
                                  "structure, batch size, epochs, loss, optimiser kind, "
                                  "evaluation or device")
            member = Trial(config, hooks=hooks, base_dir=self.base_dir, device=self.device,
                           seed=seed, stop_event=self.stop_event,
                           pause_event=self.pause_event, step_events=self.step_events,
                           datasets=self.datasets)
            member.build(self.datasets, self.device)
            self.configs.append(config)
            self.members.append(member)
            new.append((member, weight))
        return new

    def _rebuild(self, members: list[Trial]) -> StackKernel:
        """The kernel made again of `members` (running ones synced, new ones built), no dry
        step: the group is no larger than the one that ran."""
        assert isinstance(self.datasets, Splits)
        self.kernel = StackKernel(members, self.datasets, self.device, self.kernel_choice,
                                  dry_run=False)
        return self.kernel

    def _restore(self) -> int:
        assert self.restore is not None and self.kernel is not None
        return self.restore(self.kernel, self.members)
