"""Work the GUI thread must not do (store queries over many trials, parameter importance,
k-fold, the LR finder, a test evaluation) runs on a `Lane`: one long-lived QThread whose event
loop runs submitted functions one after another. The result comes back as a queued signal to
the GUI thread, so a view only ever touches its widgets there.

A lane keeps the newest job per key: while a row click loads series, a second click makes the
first (if not yet started) be skipped rather than run in vain. `close()` asks running work to
stop through `stop_event`, ends the loop and joins the thread, so no QThread outlives its view."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tunestudio.gui.common.threads import join

_log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Job:
    """A function submitted to a Lane under `key`; a later job with the same key supersedes it.
    Compared by identity."""

    key: str
    fn: Callable[[], Any]


@dataclass(frozen=True)
class JobResult:
    """`value` of the function, or `error` (one line) with `detail` (the traceback)."""

    key: str
    value: Any = None
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        """Whether the function returned (no `error`)."""
        return self.error is None


class _LaneWorker(QObject):
    result = Signal(object)  # JobResult

    def __init__(self, lane: Lane) -> None:
        super().__init__()
        self._latest = lane._latest
        self._lock = lane._lock

    @Slot(object)
    def execute(self, job: Job) -> None:
        with self._lock:
            if self._latest.get(job.key) is not job:
                return  # superseded before it started
        try:
            outcome = JobResult(job.key, job.fn())
        except Exception as exc:  # reported to the view, never lost in the thread
            _log.exception("job %s failed", job.key)
            outcome = JobResult(job.key, None, f"{type(exc).__name__}: {exc}",
                                traceback.format_exc())
        with self._lock:
            if self._latest.get(job.key) is job:
                del self._latest[job.key]
        self.result.emit(outcome)


class Lane(QObject):
    """One worker thread; `result` carries each job's JobResult to the GUI thread."""

    result = Signal(object)
    _submit = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stop_event = threading.Event()
        self._latest: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._thread: QThread | None = QThread(self)
        self._thread.setObjectName(name)
        # deleted in the GUI thread when `close` drops it, never by a deleteLater in its own
        # ending thread: that ~QObject holds Qt's connection lock while it waits for the GIL,
        # and a GUI thread that holds the GIL while it connects or disconnects anything
        # (a label's text set during `join`) then deadlocks with it
        self._worker: _LaneWorker | None = _LaneWorker(self)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.execute)
        self._worker.result.connect(self._on_result)
        self._thread.start()

    def submit(self, key: str, fn: Callable[[], Any]) -> None:
        """Runs `fn()` on the lane's thread after the jobs before it; a later job with the same
        key replaces this one if it has not started yet."""
        if self._thread is None:
            return
        job = Job(key, fn)
        with self._lock:
            self._latest[key] = job
        self._submit.emit(job)

    def busy(self, key: str) -> bool:
        """A job with this key is waiting or running."""
        with self._lock:
            return key in self._latest

    @Slot(object)
    def _on_result(self, outcome: JobResult) -> None:
        self.result.emit(outcome)

    def close(self, timeout_s: float = 60.0) -> None:
        """Asks the running job to stop (if it watches `stop_event`), drops waiting ones, and
        joins the thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self.stop_event.set()
        with self._lock:
            self._latest.clear()
        thread.quit()
        if not join(thread, timeout_s):
            _log.error("lane %s did not stop within %.0f s", thread.objectName(), timeout_s)
        thread.wait()
        self._worker = None  # its thread has ended: deleted here, in the GUI thread
