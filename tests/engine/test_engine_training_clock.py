"""A trial's training time is what it costs, not what ran beside it (engine/training_clock.py,
case 37): on the CPU with one thread, the training thread's CPU time."""

from __future__ import annotations

import statistics
import threading
import time

import pytest
from engine_helpers import tiny

from tunestudio.engine.runtime import THREADS_ENV
from tunestudio.engine.trainer import Trainer
from tunestudio.engine.training_clock import TrainingClock, thread_cpu_clock

needs_thread_clock = pytest.mark.skipif(thread_cpu_clock() is None,
                                        reason="no per-thread CPU clock on this platform")


def _spin(seconds: float) -> None:
    until = time.thread_time() + seconds
    while time.thread_time() < until:
        pass


@needs_thread_clock
def test_the_cpu_clock_counts_this_threads_work_only() -> None:
    clock = TrainingClock()
    clock.start()
    assert clock.use_cpu_time("cpu", 1, 0) and clock.kind == "cpu"
    time.sleep(0.2)  # blocked (a pause, a turn waited for): no CPU
    assert clock.elapsed() < 0.05
    _spin(0.1)
    assert 0.1 <= clock.elapsed() < 0.2
    readings: list[float] = []
    other = threading.Thread(target=lambda: readings.append(clock.elapsed()))
    other.start()
    other.join()  # read from another thread (the search's bookkeeping): the trainer's clock
    assert 0.1 <= readings[0] < 0.2


def test_the_wall_clock_where_other_threads_or_a_device_do_the_work() -> None:
    clock = TrainingClock()
    clock.start()
    for device, threads, workers in (("cuda:0", 1, 0), ("cpu", 4, 0), ("cpu", 1, 2)):
        assert not clock.use_cpu_time(device, threads, workers) and clock.kind == "wall"
    time.sleep(0.3)
    clock.add_paused(0.25)  # a pause is left out of the wall clock
    # the upper bound is the sleep alone: a loaded machine's late wake-up has 0.25 s
    assert 0.05 <= clock.elapsed() < 0.3


@needs_thread_clock
def test_a_lone_trial_is_not_charged_the_work_of_another_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread running Python beside the fit in bursts (the search sampling the next trial
    and telling the last, the window drawing) takes the interpreter from it: the fit's wall
    time doubles (0.035 -> 0.07-0.1 s on 2 cores), its training time stays its own (0.04 s).
    Timed by the wall clock, the two were equal."""
    monkeypatch.setenv(THREADS_ENV, "1")
    config = tiny({"training.epochs": 4})
    Trainer(config, device="cpu").fit()  # the first fit's one-off costs

    def fit() -> tuple[float, float]:
        began = time.perf_counter()
        result = Trainer(config, device="cpu").fit()
        return result.duration_s, time.perf_counter() - began

    quiet = statistics.median(fit()[0] for _ in range(3))
    done = threading.Event()

    def bookkeeping() -> None:  # ~2 ms of bytecode, then 1 ms blocked, again and again
        while not done.is_set():
            total = 0
            for i in range(40_000):
                total += i
            time.sleep(0.001)

    beside = threading.Thread(target=bookkeeping)
    beside.start()
    try:
        loaded = [fit() for _ in range(5)]
    finally:
        done.set()
        beside.join()
    duration = statistics.median(d for d, _ in loaded)
    wall = statistics.median(w for _, w in loaded)
    assert duration < 0.75 * wall, (quiet, duration, wall)
    assert duration < 2.0 * quiet, (quiet, duration, wall)
