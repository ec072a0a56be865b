"""The GUI-thread side of a run: starts the worker thread, forwards its signals to the views,
keeps the progress (trial i of N, elapsed, ETA), pauses and stops it cooperatively, and joins
the thread when the run ends so no QThread outlives it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tunestudio.gui.common import notifications
from tunestudio.gui.common.i18n import render
from tunestudio.gui.common.threads import join, start_worker
from tunestudio.gui.run.worker import RunRequest, RunWorker

if TYPE_CHECKING:
    from tunestudio.search import RunSummary, TrialFinished, TrialStarted

_BAD_STATES = {"failed": "failed", "diverged": "diverged", "invalid": "was invalid"}


@dataclass(frozen=True)
class Progress:
    """Where a run stands: the running trial's 1-based index in the run and the trials ended (its
    worker processes' included), of `total` (None: unknown), seconds elapsed and the estimated
    seconds left (time paused counts for neither; None until something is done), the running
    trials (`running` the latest started), whether paused, the ended trials by state and the
    number of processes training the run."""

    index: int  # the running trial, 1-based (0 before the first)
    done: int  # trials of the run ended, its worker processes' included
    total: int | None
    elapsed_s: float
    eta_s: float | None
    running: TrialStarted | None  # the latest started of the running trials
    paused: bool
    running_trials: tuple[TrialStarted, ...] = ()  # every running trial (a fused group: several)
    counts: tuple[tuple[str, int], ...] = ()  # ended trials of the run (its workers' too) by state
    workers: int = 1  # processes training the run's trials (RunRequest.workers)


class RunController(QObject):
    """The run model every view subscribes to: its state, its progress and its events. Several
    trials may run at once (a fused group); `running_trials` holds each."""

    state_changed = Signal()  # started, paused, resumed, stopping, ended
    progress_changed = Signal()
    trial_started = Signal(object)  # TrialStarted
    trial_finished = Signal(object)  # TrialFinished
    batch = Signal(object)  # RunBatch: live step and evaluation events, ~30 per second at most
    run_finished = Signal(object)  # RunSummary or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: RunWorker | None = None
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._request: RunRequest | None = None
        self._started_at = 0.0
        self._total: int | None = None
        self._done = 0  # trials this process ended
        self._others = 0  # trials the run's worker processes ended
        self._index = 0
        self._running: dict[int, TrialStarted] = {}  # trial id -> start event, in start order
        self._counts: dict[str, int] = {}  # trials of this run ended, per state
        self._summary: RunSummary | None = None
        self._refusal: str | None = None
        self._last_failure: str | None = None  # the message of the latest bad trial
        self._trial_fraction: dict[int, float] = {}  # of each running trial's planned steps
        self._planned_steps: dict[int, int] = {}
        self._paused_since: float | None = None
        self._paused_s = 0.0
        self._stop_progress: list[str] = []  # where the stop rules stand, one line per rule

    # -- state ---------------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        """Whether a run's thread is going (from `start` until the thread ended)."""
        return self._thread is not None

    @property
    def is_paused(self) -> bool:
        """Whether the running run is paused."""
        return self.is_running and self._pause.is_set()

    @property
    def is_stopping(self) -> bool:
        """Whether the running run was asked to stop and has not ended yet."""
        return self.is_running and self._stop.is_set()

    @property
    def request(self) -> RunRequest | None:
        """The request of the latest run started (kept after it ended), or None before the first."""
        return self._request

    @property
    def last_summary(self) -> RunSummary | None:
        """The summary of the latest run that ended, or None (none ended yet, the current one
        runs, or it failed)."""
        return self._summary

    @property
    def refusal(self) -> str | None:
        """Why the last run started no trial (its files missing or unreadable), else None."""
        return self._refusal

    def stop_progress(self) -> list[str]:
        """Where the experiment's stop rules stand (e.g. '12 trials without improvement of
        20'), as the run last said; [] without rules."""
        return list(self._stop_progress)

    def progress(self) -> Progress:
        """The ETA counts the running trials' finished steps as fractions of a trial, so it
        is known before the first trial ends; time spent paused counts for neither."""
        now = time.monotonic()
        paused = self._paused_s + (now - self._paused_since if self._paused_since else 0.0)
        elapsed = now - self._started_at - paused if self.is_running else 0.0
        eta: float | None = None
        ended = self._done + self._others  # the whole run's, its workers' included
        done = ended + sum(self._trial_fraction.get(t, 0.0) for t in self._running)
        if self._total and done > 0:
            eta = elapsed / done * max(0.0, self._total - done)
        running = tuple(self._running.values())
        return Progress(self._index, ended, self._total, elapsed, eta,
                        running[-1] if running else None, self.is_paused, running,
                        tuple(self._counts.items()),
                        self._request.workers if self._request is not None else 1)

    # -- commands ------------------------------------------------------------------------------
    def start(self, request: RunRequest) -> None:
        """Starts a run of `request` in its own thread, clearing the previous run's progress, and
        forwards its events as this controller's signals. Raises RuntimeError when a run is
        already going on."""
        if self.is_running:
            raise RuntimeError("a run is already going on")
        self._stop.clear()
        self._pause.clear()
        self._request = request
        self._started_at = time.monotonic()
        self._total = request.trials
        self._done = self._index = self._others = 0
        self._running, self._trial_fraction, self._planned_steps = {}, {}, {}
        self._counts = {}
        self._paused_since, self._paused_s = None, 0.0
        self._summary = None
        self._refusal = self._last_failure = None
        self._stop_progress = []
        worker = RunWorker(request, self._stop, self._pause)
        worker.stop_progress.connect(self._on_stop_progress)
        worker.run_started.connect(self._on_run_started)
        worker.trial_started.connect(self._on_trial_started)
        worker.trial_finished.connect(self._on_trial_finished)
        worker.other_trial_finished.connect(self._on_other_trial_finished)
        worker.batch.connect(self._on_batch)
        worker.run_failed.connect(self._on_run_failed)
        worker.run_refused.connect(self._on_run_refused)
        worker.done.connect(self._on_done)
        self._worker = worker  # Python must keep it alive: Qt's connections do not
        self._thread = start_worker(worker, "tunestudio-run", self, self._on_thread_finished)
        self.state_changed.emit()
        self.progress_changed.emit()

    def set_paused(self, paused: bool) -> None:
        """Takes effect at the next step of the running trial."""
        if not self.is_running:
            return
        if paused and not self._pause.is_set():
            self._pause.set()
            self._paused_since = time.monotonic()
        elif not paused and self._pause.is_set():
            self._pause.clear()
            self._resume_clock()
        self.state_changed.emit()
        self.progress_changed.emit()

    def stop(self) -> None:
        """Asks the run to stop; the running trial ends as interrupted. Returns at once;
        `run_finished` follows."""
        if self.is_running:
            self._stop.set()
            self._pause.clear()
            self._resume_clock()
            self.state_changed.emit()

    def _resume_clock(self) -> None:
        if self._paused_since is not None:
            self._paused_s += time.monotonic() - self._paused_since
            self._paused_since = None

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Blocks (delivering signals) until the thread ended; True when it did."""
        ended = join(self._thread, timeout_s)
        if ended and self._thread is not None:
            self._on_thread_finished()
        return ended

    # -- worker signals (queued to the GUI thread) ---------------------------------------------
    @Slot(object)
    def _on_run_started(self, total: int | None) -> None:
        self._total = total
        self.progress_changed.emit()

    @Slot(object)
    def _on_trial_started(self, ev: TrialStarted) -> None:
        self._running[ev.trial_id] = ev
        self._trial_fraction[ev.trial_id] = 0.0
        self._index = ev.index
        if ev.total is not None:
            self._total = ev.total
        self.trial_started.emit(ev)
        self.progress_changed.emit()

    @Slot(str)
    def _on_other_trial_finished(self, state: str) -> None:
        """A trial of one of the run's worker processes ended: the progress counts it."""
        self._others += 1
        if state:
            self._counts[state] = self._counts.get(state, 0) + 1
        self.progress_changed.emit()

    @Slot(object)
    def _on_trial_finished(self, ev: TrialFinished) -> None:
        self._running.pop(ev.trial_id, None)
        self._trial_fraction.pop(ev.trial_id, None)
        self._planned_steps.pop(ev.trial_id, None)
        self._done = ev.done
        self._counts[ev.state] = self._counts.get(ev.state, 0) + 1
        if ev.total is not None:
            self._total = ev.total
        # One notification per cause: trials that fail the same way as the one before are in
        # the table, not a pop-up each.
        if ev.state in _BAD_STATES:
            if ev.message != self._last_failure:
                summary, _, trace = (ev.message or "").partition("\n")
                notifications.warning(
                    self.tr("Trial {number} {STATES}: {summary}").format(
                        number=ev.number, STATES=_BAD_STATES[ev.state], summary=summary), trace)
            self._last_failure = ev.message
        self.trial_finished.emit(ev)
        self.progress_changed.emit()

    @Slot(object)
    def _on_stop_progress(self, lines: list[str]) -> None:
        self._stop_progress = list(lines)
        self.progress_changed.emit()

    @Slot(object)
    def _on_batch(self, batch: Any) -> None:
        for trial_id, fit in batch.fit_starts:
            if trial_id in self._running:
                self._planned_steps[trial_id] = fit.total_steps
        last: dict[int, int] = {tid: s.step for tid, s in batch.steps}
        for trial_id, step in last.items():
            planned = self._planned_steps.get(trial_id)
            if trial_id in self._running and planned:
                self._trial_fraction[trial_id] = min(1.0, step / planned)
        self.batch.emit(batch)

    @Slot(str, str)
    def _on_run_failed(self, message: str, detail: str) -> None:
        notifications.error(self.tr("The run failed: {message}").format(message=message), detail)

    @Slot(object)
    def _on_run_refused(self, lines: list[str]) -> None:
        headline, *problems = [render(line) for line in lines]
        message = "\n".join([headline, *(f"  - {p}" for p in problems)])
        self._refusal = message
        notifications.error(message)

    @Slot(object)
    def _on_done(self, summary: RunSummary | None) -> None:
        self._summary = summary
        if summary is not None and summary.halted:
            notifications.error(f"{summary.experiment} {render(summary.message)}")

    @Slot()
    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.wait()
        self._worker = None  # deleted here, in the GUI thread, after its thread ended
        thread.deleteLater()
        self._running = {}
        self._resume_clock()
        self.state_changed.emit()
        self.progress_changed.emit()
        self.run_finished.emit(self._summary)
