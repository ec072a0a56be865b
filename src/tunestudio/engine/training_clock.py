"""The clock of a trial's training time (`FitResult.duration_s`, the second objective
`train_time`): what the trial costs, not what else ran beside it.

A loop that computes everything on its own thread (the CPU device, one intra-op thread, no
DataLoader worker processes) is timed by that thread's CPU time (Linux's per-thread CPU clock,
`time.pthread_getcpuclockid`): the search's bookkeeping thread sampling the next trial and
telling Optuna the last one, the window drawing its live plots, or another process on the same
cores then take nothing from the trial's time. On a 2-core CPU a lone digits MLP trial of
0.04-0.06 s read 15-20 ms longer by wall time whenever the next TPE ask ran beside it (every
trial but a search's last), which reordered trials whose widths differ 16-fold (case 37).
Time spent blocked (a pause, a population member waiting for its turn) uses no CPU, so it is
left out by construction.

Everywhere else — a GPU (the host thread mostly waits for the device), several intra-op threads
or DataLoader workers (the work runs on other threads or processes), a platform without
per-thread CPU clocks — the clock is wall time (`time.perf_counter`) with pauses subtracted."""

from __future__ import annotations

import threading
import time


def thread_cpu_clock() -> int | None:
    """The calling thread's CPU-time clock id for `time.clock_gettime`, readable from any
    thread while this one lives; None where the platform has none (Windows, macOS)."""
    getter = getattr(time, "pthread_getcpuclockid", None)
    if getter is None:
        return None
    try:
        clock = getter(threading.get_ident())
        time.clock_gettime(clock)
    except (OSError, AttributeError):
        return None
    return int(clock)


class TrainingClock:
    """Seconds of training since `start()`: the training thread's CPU time once `use_cpu_time`
    chose it (see the module docstring), else wall time less `add_paused` pauses.

    `start` must be called on the thread that trains; `elapsed` may be read from any thread
    (the search's bookkeeping reads a member's time as it records it). After that thread ends
    the clock reads the last value it gave."""

    def __init__(self) -> None:
        self._cpu_clock: int | None = None
        self._cpu_started = 0.0
        self._wall_started = time.perf_counter()
        self._paused_s = 0.0
        self._cpu = False
        self._last = 0.0

    def start(self) -> None:
        """Start both clocks now, on the training thread."""
        self._cpu_clock = thread_cpu_clock()
        self._cpu_started = time.clock_gettime(self._cpu_clock) \
            if self._cpu_clock is not None else 0.0
        self._wall_started = time.perf_counter()
        self._paused_s = 0.0
        self._last = 0.0

    def use_cpu_time(self, device: str, intra_op_threads: int, loader_workers: int) -> bool:
        """Time by the training thread's CPU time when that thread does all the work: `device`
        is "cpu", torch runs `intra_op_threads` == 1 and no DataLoader worker processes
        (`loader_workers` == 0); returns whether it does (False also without a per-thread
        CPU clock)."""
        self._cpu = (self._cpu_clock is not None and device == "cpu"
                     and intra_op_threads == 1 and loader_workers == 0)
        return self._cpu

    @property
    def kind(self) -> str:
        """"cpu" (the training thread's CPU time) or "wall"."""
        return "cpu" if self._cpu else "wall"

    def add_paused(self, seconds: float) -> None:
        """Leave `seconds` of a pause (a blocking wait) out of the wall clock; the CPU clock
        did not advance during it."""
        self._paused_s += seconds

    def elapsed(self) -> float:
        """Seconds of training since `start()` (never decreasing)."""
        if self._cpu and self._cpu_clock is not None:
            try:
                now = time.clock_gettime(self._cpu_clock) - self._cpu_started
            except OSError:  # the training thread has ended
                return self._last
        else:
            now = time.perf_counter() - self._wall_started - self._paused_s
        self._last = max(self._last, now)
        return self._last
