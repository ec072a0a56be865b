"""The search loop in a worker thread. The runner reports through plain hooks in that thread;
`SignalHooks` turns them into Qt signals, batching the per-step and per-evaluation events in a
lock-protected buffer that is flushed at most ~30 times a second, so the GUI thread stays
responsive whatever the step rate. Trial starts and ends are rare and go out at once (after a
flush, so the order of events is kept). A flusher thread sends what waits in the buffer: a
program that prints an evaluation and then computes for a minute shows it at once, not with
its next line.

Stop and pause are `threading.Event`s the runner checks every step: the worker's own event loop
is busy running the search, so a queued stop slot would never run."""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from tunestudio.config import Project

if TYPE_CHECKING:
    from tunestudio.engine import EvalEvent, FitStartEvent, StepEvent
    from tunestudio.search import RunnerHooks, RunSummary, TrialFinished, TrialStarted

_log = logging.getLogger(__name__)
FLUSH_INTERVAL_S = 1 / 30


@dataclass(frozen=True)
class RunRequest:
    """What a run starts: the validated project, the experiment's name, the folder its relative
    paths start from, the device (None: the baseline's `training.device`), a number of trials
    that overrides the budget (None: the experiment's), the saved project file (worker processes
    read it), whether the user trusted the project's program, and how many trials train at once
    on this machine, with what chose that number."""

    project: Project
    experiment: str
    base_dir: Path
    device: str | None = None
    trials: int | None = None  # overrides the experiment's budget
    project_path: Path | None = None
    run_programs: bool = False  # the user trusted the project's program (trust.py)
    workers: int = 1  # trials at once on this machine (RunOptions.workers)
    workers_note: str = ""  # what chose `workers` (the toolbar's Auto), said at the run's start


@dataclass
class RunBatch:
    """Engine events since the last flush, oldest first, each with its trial id."""

    fit_starts: list[tuple[int, FitStartEvent]] = field(default_factory=list)
    steps: list[tuple[int, StepEvent]] = field(default_factory=list)
    evaluations: list[tuple[int, EvalEvent]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fit_starts or self.steps or self.evaluations)


class EventBuffer:
    """Collects events from the runner's thread; `take` hands them over in one batch."""

    def __init__(self, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self._lock = threading.Lock()
        self._batch = RunBatch()
        self.interval_s = interval_s
        self._last_flush = 0.0

    def add(self, kind: str, trial_id: int, event: Any) -> None:
        """Appends `event` of trial `trial_id` to the batch's list `kind` ("fit_starts", "steps"
        or "evaluations"); thread-safe."""
        with self._lock:
            getattr(self._batch, kind).append((trial_id, event))

    def due(self) -> bool:
        """Whether `interval_s` seconds have passed since the last `take`."""
        return time.monotonic() - self._last_flush >= self.interval_s

    def take(self) -> RunBatch | None:
        """The events collected since the last take, as one `RunBatch` (None when there are
        none); starts a new batch."""
        with self._lock:
            batch, self._batch = self._batch, RunBatch()
            self._last_flush = time.monotonic()
        return batch or None


class RunWorker(QObject):
    """Lives in the run's QThread; every signal is queued to the GUI thread's receivers."""

    run_started = Signal(object)  # total trials or None
    trial_started = Signal(object)  # TrialStarted
    trial_finished = Signal(object)  # TrialFinished
    other_trial_finished = Signal(str)  # the state of a trial a worker process of the run ended
    batch = Signal(object)  # RunBatch
    run_failed = Signal(str, str)  # message, traceback
    # why no trial was started (search.preflight): its headline and one line per problem,
    # each naming the fix (messages the window renders in its language)
    run_refused = Signal(object)
    stop_progress = Signal(object)  # list[str]: where the experiment's stop rules stand
    done = Signal(object)  # RunSummary, or None when the run failed
    finished = Signal()

    def __init__(self, request: RunRequest, stop_event: threading.Event,
                 pause_event: threading.Event) -> None:
        super().__init__()
        self.request = request
        self.stop_event = stop_event
        self.pause_event = pause_event

    @Slot()
    def run(self) -> None:
        """Runs the experiment (`search.ExperimentRunner`) in this thread, its events sent as
        signals. A run refused by the preflight checks emits `run_refused` (headline and
        problems); any other exception emits `run_failed` (message, traceback). Always emits
        `done` (the `RunSummary`, or None when the run failed) and `finished`."""
        summary: RunSummary | None = None
        try:
            from tunestudio.search import ExperimentRunner, RunOptions

            req = self.request
            hooks = make_signal_hooks(self)
            try:
                runner = ExperimentRunner(
                    req.project, req.experiment, base_dir=req.base_dir,
                    options=RunOptions(trials=req.trials, device=req.device,
                                       run_programs=req.run_programs, workers=req.workers,
                                       workers_note=req.workers_note),
                    hooks=[hooks], stop_event=self.stop_event,
                    pause_event=self.pause_event, project_path=req.project_path,
                )
                summary = runner.run()
            finally:
                hooks.close()  # type: ignore[attr-defined]
        except Exception as exc:  # a failed run is reported, never lost in the thread
            from tunestudio.search.preflight import PreflightError

            if isinstance(exc, PreflightError):  # the user's to fix: no traceback to show
                _log.warning("%s", exc)
                self.run_refused.emit([exc.headline, *exc.problems])
            else:
                _log.exception("the run failed")
                self.run_failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        finally:
            self.done.emit(summary)
            self.finished.emit()


def warm_search() -> None:
    """The search layer's one-off costs paid ahead, before the first Run (search.warmup)."""
    from tunestudio.search.warmup import warm_up

    warm_up()


class SignalHooksMixin:
    """The runner's hooks as signals of `worker`. Called in the runner's thread."""

    def __init__(self, worker: RunWorker, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.worker = worker
        self.buffer = EventBuffer(interval_s)
        # Hooks run in two threads (training, and the bookkeeping that ends trials): taking a
        # batch and emitting it is one step under this lock, else a batch taken by the trainer
        # could be queued after the trial_finished the bookkeeping emitted meanwhile, and the
        # live view would drop the trial's last points.
        self._emitting = threading.RLock()
        self._closed = threading.Event()
        self._flusher = threading.Thread(target=self._flush_while_open, daemon=True,
                                         name="tunestudio-run-flush")
        self._flusher.start()

    def _flush_while_open(self) -> None:
        while not self._closed.wait(max(self.buffer.interval_s, 0.01)):
            self._flush()

    def close(self) -> None:
        """Stops the flusher thread and sends what is left (the run's end)."""
        self._closed.set()
        self._flusher.join()
        self._flush()

    def _flush(self) -> None:
        with self._emitting:
            batch = self.buffer.take()
            if batch is not None:
                self.worker.batch.emit(batch)

    def _add(self, kind: str, trial_id: int, event: Any) -> None:
        self.buffer.add(kind, trial_id, event)
        if self.buffer.due():
            self._flush()

    def on_run_start(self, total_trials: int | None) -> None:
        """Emits `run_started` with the run's number of trials (None: not known ahead)."""
        self.worker.run_started.emit(total_trials)

    def on_trial_start(self, ev: TrialStarted) -> None:
        """Sends the buffered events, then `trial_started`."""
        with self._emitting:
            self._flush()
            self.worker.trial_started.emit(ev)

    def on_fit_start(self, trial_id: int, ev: FitStartEvent) -> None:
        """Buffers a trial's fit start (its device, training and validation samples and steps per
        epoch)."""
        self._add("fit_starts", trial_id, ev)

    def on_step(self, trial_id: int, ev: StepEvent) -> None:
        """Buffers a trial's optimisation step; the buffer goes out when due."""
        self._add("steps", trial_id, ev)

    def on_evaluate(self, trial_id: int, ev: EvalEvent) -> None:
        """Buffers a trial's evaluation; the buffer goes out when due."""
        self._add("evaluations", trial_id, ev)

    def on_trial_end(self, ev: TrialFinished) -> None:
        """Sends the buffered events, then `trial_finished`, so a trial's last points arrive
        before its end."""
        with self._emitting:
            self._flush()
            self.worker.trial_finished.emit(ev)

    def on_other_trial_end(self, ended: Mapping[str, Any]) -> None:
        """Emits `other_trial_finished` with the state of a trial a worker process of the run
        ended."""
        self.worker.other_trial_finished.emit(str(ended.get("state", "")))

    def on_stop_progress(self, lines: list[str]) -> None:
        """Emits `stop_progress`: where the experiment's stop rules stand, one line per rule."""
        self.worker.stop_progress.emit(list(lines))

    def on_run_end(self, summary: RunSummary) -> None:
        """Sends the buffered events."""
        self._flush()


def make_signal_hooks(worker: RunWorker, interval_s: float = FLUSH_INTERVAL_S) -> RunnerHooks:
    """Combines the mixin with search's RunnerHooks (so hooks added there later default to
    no-ops). Importing search imports torch, so this runs in the worker thread only."""
    from tunestudio.search import RunnerHooks

    class SignalHooks(SignalHooksMixin, RunnerHooks):
        pass

    return SignalHooks(worker, interval_s)
