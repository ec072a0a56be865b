"""Checkpoints for a search's trials (lone or fused), written for less.

`CheckpointHook` writes (atomically, with an fsync) at every improvement and every few epochs.
For the short trials of a search that was a third of a trial's time on a busy 2-core machine
(profiled: a digits MLP trial of 20 short epochs wrote 20 resume files and about as many best
copies, each fsync'd), and a fused group of 30 trials would write hundreds of files inside its
training loop. Here:
- the best state is captured in memory at each improvement and written with the next resume
  file and at the end of the fit, not at every improvement;
- resume files are written every `every_epochs` epochs but at most every `min_interval_s`
  seconds (the project's `checkpoints.min_interval_s` for a lone trial, 1 s by default;
  GROUP_MIN_INTERVAL_S for a fused group's members) and at most every WRITE_COST_FACTOR times
  the last write's own seconds, so that writing them costs at most about 1 % of the training
  whatever the model's size (a 30-trial digits search written every epoch wrote about 600
  files, 0.9 s of its 6 s on a busy 2-core machine; at one a second, a digits trial's file of
  ~2 ms costs 0.2 %). The interval was 10 s (30 s for a group): a process killed every 10 s,
  whose start-up takes 6 of them, then never finished a trial longer than the 4 s left (each
  restart began it again); now each restart goes on from at most a second or two back. Files
  are written on a thread of their own
  while training goes on (the state is captured first, on the training thread), atomically
  (temporary file and rename) but without an fsync: a killed process leaves them intact in
  the page cache, and a file cut short by a power loss is a corrupt checkpoint, from which the
  trial starts over with a note (see search.trial_run);
- with `hold_latest` (a lone trial) the state of every `every_epochs`-th epoch is captured in
  memory even when its file waits for `min_interval_s` (about 0.1 ms for a small model), so a
  fit that stops cleanly writes its last such epoch and resumes from there: only a killed
  process loses the time since the last file;
- at the end of the fit (completed, stopped early, pruned or stopped) the latest and best
  states are written with an fsync, as `CheckpointHook` writes them; with `final_best_only`
  (a lone trial) a completed fit writes its best state only, without an fsync, since the
  search copies it into the artifact store and removes the working files at once (a resume
  file of a finished trial is never read), and a pruned, diverged or failed fit writes
  nothing: the search keeps checkpoints of complete trials only."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import torch

from tunestudio.engine.checkpoint import CheckpointHook, State, capture, save
from tunestudio.engine.checkpoint import snapshot as _snapshot
from tunestudio.engine.events import FitResult
from tunestudio.engine.trial import Trial

GROUP_MIN_INTERVAL_S = 2.0  # a fused group's members write resume files at most this often
WRITE_COST_FACTOR = 100.0  # and at most every this many times a write's own seconds


class PacedCheckpointHook(CheckpointHook):
    """A CheckpointHook that writes at most every `min_interval_s` seconds (and at the end of
    the fit): the same files (`latest.pt`, `best.pt`), fewer writes. With `hold_latest` the
    state of each `every_epochs`-th epoch is kept in memory while its file waits, so that a
    fit that stops cleanly writes it (see the module docstring). A fused group syncs each
    member's model and optimiser before calling it."""

    def __init__(self, folder: Path, *, monitor: str | None, every_epochs: int = 1,
                 before_save: Callable[[], None] | None = None,
                 best_value: float | None = None, min_interval_s: float = 0.0,
                 final_in_background: bool = False, hold_latest: bool = False,
                 final_best_only: bool = False):
        super().__init__(folder, monitor=monitor, every_epochs=every_epochs,
                         before_save=before_save, best_value=best_value)
        self.min_interval_s = min_interval_s
        self.hold_latest = hold_latest
        # A fit that ended needs no resume file: with this, a completed one (or stopped early)
        # writes only its best state (its latest when it has none), quickly, and a pruned,
        # diverged or failed one nothing; a search copies the best state of a complete trial
        # into the artifact store at once, keeps none of the others', and removes the
        # working folder.
        self.final_best_only = final_best_only
        # The fit's last (durable) write on the checkpoint thread: the caller waits for it
        # with `wait()` before it relies on the files (a fused group's members end together,
        # and their writes and fsyncs would hold up the group's next trials).
        self.final_in_background = final_in_background
        self._final: Future[None] | None = None
        self._latest: State | None = None
        self._best: State | None = None
        # The best state of a trainer that offers `capture_later` (a fused group's member):
        # kept as the function that makes it, called when the state is written.
        self._best_later: Callable[[], State | None] | None = None
        self._written_at = time.monotonic()
        self._write_s = 0.0  # seconds the last resume write took (the state's capture aside)
        self._pending: Future[None] | None = None

    def needs_state(self, trainer: Trial, epoch: int) -> bool:
        """Whether `on_epoch_end` will capture the trainer's state (a fused group syncs the
        member's model and optimiser only then; an improvement alone is kept by the member's
        `capture_later`, without a sync)."""
        if (self.hold_latest and self._epoch_due(epoch)) or self._due(epoch):
            return True
        return self._improved(trainer) and _capture_later(trainer) is None

    def _epoch_due(self, epoch: int) -> bool:
        return (epoch + 1) % self.every_epochs == 0

    def _due(self, epoch: int) -> bool:
        return self._epoch_due(epoch) and \
            time.monotonic() - self._written_at >= self.interval_s()

    def interval_s(self) -> float:
        """Seconds a resume file waits after the last: `min_interval_s`, or WRITE_COST_FACTOR
        times the last write's seconds when that is longer (a big model's file); 0 with
        `min_interval_s` 0 (a file every `every_epochs` epochs, as asked)."""
        if self.min_interval_s <= 0:
            return 0.0
        return max(self.min_interval_s, WRITE_COST_FACTOR * self._write_s)

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        """Capture the trial's state (`epoch` counts from 0) when the monitored metric improved,
        when a resume file is due (every `every_epochs` epochs, `interval_s()` after the last write)
        or, with `hold_latest`, at every `every_epochs`-th epoch; write the resume file when due. A
        fused member's new best that waits is kept as its rows, not as a full state."""
        improved = self._improved(trainer)
        due = self._due(epoch)
        held = self.hold_latest and self._epoch_due(epoch)
        if not (improved or due or held):
            return
        later = _capture_later(trainer)
        if improved and not (due or held) and later is not None:
            # a new best that waits for the next write: the member keeps its rows, not a
            # full state (most improvements are overtaken before anything is written)
            self._best_later = later(epoch + 1)
            self._best = None
            self.best_value = trainer.metrics[self.monitor or ""]
            return
        state = _snapshot(capture(trainer, epoch + 1))
        if state is None:
            return
        if improved:
            self.best_value = trainer.metrics[self.monitor or ""]
            self._best, self._best_later = state, None
        state["best_value"] = self.best_value
        self._latest = state
        if due:
            self._flush(trainer.step)

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        """Write what the fit leaves (durably): its final state where it ended at an epoch's end,
        or, with `final_best_only`, its best state alone; nothing for a pruned, diverged or failed
        fit with `final_best_only`."""
        if self.final_best_only and result.status not in ("completed", "stopped_early",
                                                          "stopped"):
            return  # pruned, diverged or failed: a search keeps no checkpoint of it
        ended = result.status in ("completed", "stopped_early", "pruned")
        best_only = ended and self.final_best_only
        # The final evaluation of sparse evaluations comes after the last epoch's hook, which
        # may hold this step's state already, taken before the evaluation.
        spe = trainer.steps_per_epoch
        if ended and spe and trainer.step % spe == 0 and \
                (self._latest is None or self._latest["step"] != trainer.step or
                 self._improved(trainer)):
            improved = self._improved(trainer)
            if improved or not (best_only and self._has_best()):
                state = _snapshot(capture(trainer, trainer.step // spe))
                if state is not None:
                    if improved:
                        self.best_value = trainer.metrics[self.monitor or ""]
                        self._best, self._best_later = state, None
                    state["best_value"] = self.best_value
                    self._latest = state
        if best_only and self._has_best():
            self._flush_best()
            return
        self._flush(trainer.step, durable=True)

    def _has_best(self) -> bool:
        return self._best is not None or self._best_later is not None or self.best_step >= 0

    def _take_best_later(self) -> None:
        """The best state kept by `capture_later`, made now (on the training thread, before
        it is written)."""
        later, self._best_later = self._best_later, None
        if later is not None:
            best = later()
            if best is not None:
                best["best_value"] = self.best_value
                self._best = best

    def _flush_best(self) -> None:
        """An ended fit's last write with `final_best_only`: the best state if it is not on
        disk yet, without an fsync (its reader copies it at once and removes the folder)."""
        self._take_best_later()
        best, self._best = self._best, None
        if best is None:
            return
        if self.final_in_background:
            self._final = _checkpoint_thread().submit(self._write_files, None, best,
                                                      _save_quick)
            return
        if self._pending is not None:
            self._pending.result()
        self._write_files(None, best, _save_quick)

    def _flush(self, step: int, durable: bool = False) -> None:
        """Write what is pending: the latest state and, when it changed, the best. During the
        fit on the checkpoint thread (training goes on; a write still in progress makes this
        one wait for the next due epoch); `durable`, the fit's last write, here and with the
        fsync, after the write in progress."""
        self._take_best_later()
        latest, best = self._latest, self._best
        if latest is None or (latest["step"] <= self.saved_step and best is None):
            return
        if not durable:
            if self._pending is not None and not self._pending.done():
                return
            self._best = None
            self._pending = _checkpoint_thread().submit(self._write_files, latest, best,
                                                        _save_quick)
            self._written_at = time.monotonic()
            return
        self._best = None
        if self.final_in_background:  # after the write in progress: the thread keeps order
            self._final = _checkpoint_thread().submit(self._write_files, latest, best, save)
            return
        if self._pending is not None:
            self._pending.result()
        self._write_files(latest, best, save)
        self._written_at = time.monotonic()

    def wait(self) -> None:
        """The fit's writes done (the last one runs in the background with
        `final_in_background`); a failure is in `error`, as for a write in the fit's thread."""
        for write in (self._pending, self._final):
            if write is not None:
                write.result()

    def _write_files(self, latest: State | None, best: State | None,
                     write: Callable[[Mapping[str, Any], Path], None]) -> None:
        try:
            if latest is not None and self.before_save is not None:
                self.before_save()  # a resume file is never ahead of the stored series
            if latest is not None and latest["step"] > self.saved_step:
                start = time.perf_counter()
                write(latest, self.latest)
                self._write_s = time.perf_counter() - start
                self.saved_step = int(latest["step"])
            if best is not None:
                write(best, self.best)
                self.best_step = int(best["step"])
        except Exception as exc:  # a full disk (or any failure) costs the checkpoint, not the trial
            self.error = f"the checkpoint could not be written to {self.folder}: {exc}"


_thread: ThreadPoolExecutor | None = None
_thread_lock = threading.Lock()


def _checkpoint_thread() -> ThreadPoolExecutor:
    """The process's checkpoint writer: one thread, so writes keep their order."""
    global _thread
    with _thread_lock:
        if _thread is None:
            _thread = ThreadPoolExecutor(max_workers=1,
                                         thread_name_prefix="tunestudio-checkpoints")
        return _thread


def _capture_later(trainer: Trial) -> Callable[[int], Callable[[], State | None]] | None:
    """A trainer's `capture_later(epochs_done)`, if it offers one: it keeps what the state at
    this epoch's end needs and returns the function that makes that state (a snapshot)."""
    return trainer.capture_later


def _save_quick(state: Mapping[str, Any], path: Path) -> None:
    """Atomic (temporary file, rename) but not durable: no fsync (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(dict(state), tmp)
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
