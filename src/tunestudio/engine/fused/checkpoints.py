"""Checkpoints of a fused group's trials, paced for groups.

`CheckpointHook` writes (atomically, with an fsync) at every improvement and every few epochs:
right for one long trial, but a group of 30 short trials would write hundreds of files inside
its training loop. Here a trial's checkpoints are captured in memory when they are due (an
improvement of the monitored metric, the resume interval) and written to disk at most every
`min_interval_s` seconds and when the trial ends: the best checkpoint still holds the best
evaluation's weights, and an interrupted trial loses at most `min_interval_s` of training."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tunestudio.engine.checkpoint import CheckpointHook, State, capture, save
from tunestudio.engine.events import FitResult
from tunestudio.engine.trainer import Trainer

MIN_INTERVAL_S = 30.0


class GroupCheckpointHook(CheckpointHook):
    """A CheckpointHook for one member of a fused group (the group syncs the member's model
    and optimiser before calling it). Same files (`latest.pt`, `best.pt`), fewer writes."""

    def __init__(self, folder: Path, *, monitor: str | None, every_epochs: int = 1,
                 before_save: Callable[[], None] | None = None,
                 best_value: float | None = None, min_interval_s: float = MIN_INTERVAL_S):
        super().__init__(folder, monitor=monitor, every_epochs=every_epochs,
                         before_save=before_save, best_value=best_value)
        self.min_interval_s = min_interval_s
        self._latest: State | None = None
        self._best: State | None = None
        self._written_at = time.monotonic()

    def on_epoch_end(self, trainer: Trainer, epoch: int) -> None:
        improved = self._improved(trainer)
        due = (epoch + 1) % self.every_epochs == 0 and \
            time.monotonic() - self._written_at >= self.min_interval_s
        if not (improved or due):
            return
        state = capture(trainer, epoch + 1)
        if state is None:
            return
        if improved:
            self.best_value = trainer.metrics[self.monitor or ""]
            self._best = state
        state["best_value"] = self.best_value
        self._latest = state
        if due:
            self._flush(trainer.step)

    def on_fit_end(self, trainer: Trainer, result: FitResult) -> None:
        ended = result.status in ("completed", "stopped_early", "pruned")
        if ended and trainer._spe and trainer.step % trainer._spe == 0 and \
                (self._latest is None or self._latest["step"] != trainer.step):
            improved = self._improved(trainer)
            state = capture(trainer, trainer.step // trainer._spe)
            if state is not None:
                if improved:
                    self.best_value = trainer.metrics[self.monitor or ""]
                    self._best = state
                state["best_value"] = self.best_value
                self._latest = state
        self._flush(trainer.step)

    def _flush(self, step: int) -> None:
        """Write what is pending: the latest state and, when it changed, the best."""
        if self._latest is None:
            return
        if self._latest["step"] <= self.saved_step and self._best is None:
            return
        try:
            if self.before_save is not None:
                self.before_save()
            if self._latest["step"] > self.saved_step:
                save(self._latest, self.latest)
                self.saved_step = int(self._latest["step"])
            if self._best is not None:
                save(self._best, self.best)
                self.best_step = int(self._best["step"])
                self._best = None
        except OSError as exc:  # a full disk costs the checkpoint, not the trial
            self.error = f"the checkpoint could not be written to {self.folder}: {exc}"
        self._written_at = time.monotonic()
