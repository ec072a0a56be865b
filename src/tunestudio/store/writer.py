"""SeriesWriter: step and evaluation points buffered in memory and written in batches.

A step takes microseconds and a commit a millisecond or more, so the trainer never writes one
point per transaction. Points wait in memory and go to the database in one transaction when
`flush_points` of them are waiting (in the caller's thread, which slows a producer that outruns
the database instead of letting memory grow), when `flush_seconds` have passed (in a background
thread, so a viewer in another process sees slow trials progress), on `flush()`, on `close()`,
and before the store marks a trial finished. A crash loses at most the points not yet flushed.

Thread-safe: the trainer thread adds while the timer thread flushes. Points are taken out of the
buffer under a short lock and written under a second lock, so adding never waits for the disk
and batches reach the database in the order they were taken. If a flush fails, its points go
back to the front of the buffer and the error is raised to the next caller of add/flush/close,
in the trainer's thread, where it fails the trial instead of vanishing in a timer thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from tunestudio.store.rows import EvalLike
from tunestudio.store.series import (
    EvalRecord,
    StepRecord,
    StepTuple,
    eval_record,
    step_record,
)

if TYPE_CHECKING:
    from tunestudio.store.store import Store


class SeriesWriter:
    """Buffers the series of any number of trials for one Store."""

    def __init__(self, store: Store, *, flush_points: int = 5000, flush_seconds: float = 1.0,
                 background: bool = True) -> None:
        if flush_points < 1 or flush_seconds <= 0:
            raise ValueError("flush_points must be >= 1 and flush_seconds > 0")
        self.store = store
        self.flush_points = flush_points
        self.flush_seconds = flush_seconds
        self._steps: list[StepRecord] = []
        self._evals: list[EvalRecord] = []
        self._lock = threading.Lock()  # guards the buffers and _error
        self._write_lock = threading.Lock()  # one batch at a time, in order
        self._error: BaseException | None = None
        self._closed = False
        self._background = background
        self._timed = False  # registered with the process's flusher thread
        self._due_at = 0.0  # monotonic seconds of the flusher's next look at this writer
        store._register_writer(self)

    # -- adding -------------------------------------------------------------------------------
    def add_step(self, trial_id: int, step: int, epoch: float | None, loss: float | None,
                 lr: float | None, grad_norm: float | None, repeat: int = 0,
                 wall_s: float | None = None) -> None:
        """One step; `wall_s` is seconds of training at the step (None: not known)."""
        # step_record() inlined: this runs once per optimiser step.
        record = (trial_id, repeat, int(step), None if epoch is None else float(epoch),
                  None if loss is None else float(loss), None if lr is None else float(lr),
                  None if grad_norm is None else float(grad_norm),
                  None if wall_s is None else float(wall_s))
        with self._lock:
            self._check_open()
            self._steps.append(record)
            due = len(self._steps) + len(self._evals) >= self.flush_points
        self._after_add(due)

    def add_steps(self, trial_id: int, rows: Iterable[StepTuple], repeat: int = 0) -> None:
        """Rows of (step, epoch, loss, lr, grad_norm[, wall_s])."""
        records = [step_record(trial_id, repeat, *r) for r in rows]
        with self._lock:
            self._check_open()
            self._steps.extend(records)
            due = len(self._steps) + len(self._evals) >= self.flush_points
        self._after_add(due)

    def add_eval(self, trial_id: int, point: EvalLike, repeat: int = 0) -> None:
        """Buffer one evaluation point (flushed as `add_step`'s points are). Raises RuntimeError
        once the writer is closed, and the error of an earlier failed flush."""
        record = eval_record(trial_id, repeat, point)
        with self._lock:
            self._check_open()
            self._evals.append(record)
            due = len(self._steps) + len(self._evals) >= self.flush_points
        self._after_add(due)

    @property
    def pending(self) -> int:
        """Points waiting to be written."""
        with self._lock:
            return len(self._steps) + len(self._evals)

    # -- writing ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every waiting point now, in one transaction."""
        self._raise_pending_error()
        self._write_batch()

    def finish(self, trial_id: int) -> None:
        """The trial's points are written (with any others waiting): call before reporting the
        trial finished. Store.finish_trial does it for every writer of the store."""
        self.flush()

    def close(self) -> None:
        """Flush and stop the timer; adding afterwards is an error. Safe to call twice."""
        _FLUSHER.remove(self)
        try:
            self.flush()
        finally:
            with self._lock:
                self._closed = True
            self.store._unregister_writer(self)

    def __enter__(self) -> SeriesWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this SeriesWriter is closed")

    def _after_add(self, due: bool) -> None:
        if due:
            self.flush()
        else:
            self._raise_pending_error()
            if self._background and not self._timed:
                self._timed = True
                _FLUSHER.add(self)

    def _timed_flush(self) -> None:
        """The flusher thread's flush: a failure is kept in _error by _write_batch and raised
        to the owner."""
        with self._lock:
            idle = not (self._steps or self._evals) or self._error is not None or self._closed
        if not idle:
            with contextlib.suppress(Exception):
                self._write_batch()

    def _raise_pending_error(self) -> None:
        with self._lock:
            error, self._error = self._error, None
        if error is not None:
            raise error

    def _write_batch(self) -> None:
        with self._write_lock:
            with self._lock:
                steps, self._steps = self._steps, []
                evals, self._evals = self._evals, []
            if not steps and not evals:
                return
            try:
                self.store._write_series(steps, evals)
            except BaseException as exc:
                with self._lock:
                    self._steps[:0] = steps
                    self._evals[:0] = evals
                    if threading.current_thread() is _FLUSHER.thread:
                        self._error = exc
                raise


class _Flusher:
    """One daemon thread for the process that writes each timed writer's waiting points every
    `flush_seconds` (a thread per writer cost a thread start per trial, milliseconds on a busy
    CPU). It ends when no writer is left and starts again with the next one."""

    def __init__(self) -> None:
        self._writers: list[SeriesWriter] = []
        self._cond = threading.Condition()
        self.thread: threading.Thread | None = None

    def add(self, writer: SeriesWriter) -> None:
        with self._cond:
            writer._due_at = time.monotonic() + writer.flush_seconds
            self._writers.append(writer)
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, daemon=True,
                                               name="tunestudio-series-writer")
                self.thread.start()
            self._cond.notify()

    def remove(self, writer: SeriesWriter) -> None:
        with self._cond:
            if writer in self._writers:
                self._writers.remove(writer)
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._writers:
                    self.thread = None
                    return
                now = time.monotonic()
                due = [w for w in self._writers if w._due_at <= now]
                for writer in due:
                    writer._due_at = now + writer.flush_seconds
                if not due:
                    self._cond.wait(min(w._due_at for w in self._writers) - now)
                    continue
            for writer in due:
                writer._timed_flush()


_FLUSHER = _Flusher()
