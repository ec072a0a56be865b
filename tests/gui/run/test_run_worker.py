"""Engine events reach the GUI thread batched: whatever the step rate, at most ~30 batches a
second, none lost, in order; trial starts and ends go out at once, after the pending batch."""

from __future__ import annotations

import threading
import time
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui_helpers import fast_project
from tunestudio.engine import EvalEvent, StepEvent
from tunestudio.gui.run.worker import EventBuffer, RunRequest, RunWorker, make_signal_hooks
from tunestudio.search import TrialFinished, TrialStarted


def test_event_buffer_hands_over_everything_once() -> None:
    buffer = EventBuffer(interval_s=10.0)
    assert buffer.take() is None
    buffer.add("steps", 1, "a")
    buffer.add("evaluations", 1, "b")
    batch = buffer.take()
    # the buffer carries any event: strings stand in for the engine's
    assert batch is not None and batch.steps == [(1, "a")] and batch.evaluations == [(1, "b")]  # type: ignore[comparison-overlap]
    assert buffer.take() is None and not buffer.due()


def test_steps_from_another_thread_arrive_batched(qtbot: QtBot, tmp_path: Any) -> None:
    request = RunRequest(project=fast_project(), experiment="three", base_dir=tmp_path)
    worker = RunWorker(request, threading.Event(), threading.Event())
    hooks = make_signal_hooks(worker)
    received: list[Any] = []
    order: list[str] = []
    def on_batch(b: Any) -> None:
        received.append(b)
        order.append("batch")

    worker.batch.connect(on_batch)
    worker.trial_started.connect(lambda ev: order.append("start"))
    worker.trial_finished.connect(lambda ev: order.append("end"))
    n = 20_000

    def run() -> None:  # the runner's thread, stepping flat out
        hooks.on_trial_start(TrialStarted(7, 0, {}, 0, "cpu", 1, 1))
        for i in range(1, n + 1):
            hooks.on_step(7, StepEvent(i, 0, 0.5, 1e-3, 1.0, 1e4, i * 1e-4))
            if i % 5000 == 0:
                hooks.on_evaluate(7, EvalEvent(i, i / 5000, 0.1, 0.5, 0.4, {"val_accuracy": 0.9}))
        hooks.on_trial_end(TrialFinished(7, 0, "complete", "", 0.9, 0.9, 1, 1, 1.0))

    started = time.monotonic()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(order) and order[-1] == "end", timeout=5000)
    hooks.close()  # type: ignore[attr-defined]
    elapsed = time.monotonic() - started  # every batch counted below went out by now
    steps = [ev.step for batch in received for _, ev in batch.steps]
    assert steps == list(range(1, n + 1))  # none lost, in order
    assert sum(len(b.evaluations) for b in received) == 4
    # at most ~30 a second, plus the flushes: each evaluation's, the trial's start and end
    assert len(received) <= elapsed * 30 + 4 + 3
    assert order[0] == "start" and order[-2:] == ["batch", "end"]


def test_a_trials_end_from_the_bookkeeping_thread_follows_the_batch_the_trainer_took(
        qtbot: QtBot, tmp_path: Any, monkeypatch: Any) -> None:
    """The trainer's thread takes a batch holding the trial's last steps; the bookkeeping
    thread ends the trial meanwhile. The batch must still go out before the trial's end (else
    the live view drops the last points: seen as 35 of 36 steps drawn)."""
    request = RunRequest(project=fast_project(), experiment="three", base_dir=tmp_path)
    worker = RunWorker(request, threading.Event(), threading.Event())
    hooks = make_signal_hooks(worker, interval_s=0.0)  # every step flushes
    order: list[str] = []
    # direct: recorded in the emitting thread, in the order the signals were emitted
    direct = Qt.ConnectionType.DirectConnection
    worker.batch.connect(lambda b: order.append(f"batch {b.steps[-1][1].step}"), direct)
    worker.trial_finished.connect(lambda ev: order.append("end"), direct)
    taken, ended = threading.Event(), threading.Event()
    original_take = EventBuffer.take

    def slow_take(self: EventBuffer) -> Any:
        batch = original_take(self)
        if batch is not None and batch.steps:
            taken.set()
            ended.wait(0.5)  # the bookkeeping thread gets its chance to emit first
        return batch

    monkeypatch.setattr(EventBuffer, "take", slow_take)

    def books() -> None:
        taken.wait(5)
        hooks.on_trial_end(TrialFinished(7, 0, "complete", "", 0.9, 0.9, 1, 1, 1.0))
        ended.set()

    other = threading.Thread(target=books)
    other.start()
    hooks.on_step(7, StepEvent(36, 0, 0.5, 1e-3, 1.0, 1e4, 1.0))
    other.join()
    qtbot.waitUntil(lambda: "end" in order, timeout=5000)
    hooks.close()  # type: ignore[attr-defined]
    assert order == ["batch 36", "end"]


def test_a_lone_evaluation_goes_out_without_waiting_for_the_next_event(
        qtbot: QtBot, tmp_path: Any) -> None:
    """A program prints an evaluation right after another, then computes for a minute: the
    second must reach the window now, not with the program's next line."""
    request = RunRequest(project=fast_project(), experiment="three", base_dir=tmp_path)
    worker = RunWorker(request, threading.Event(), threading.Event())
    hooks = make_signal_hooks(worker, interval_s=0.2)
    received: list[Any] = []
    worker.batch.connect(lambda b: received.extend(e.step for _, e in b.evaluations))
    hooks.on_trial_start(TrialStarted(7, 0, {}, 0, "cpu", 1, 1))
    for step in (1, 2):  # the second inside the interval: buffered
        hooks.on_evaluate(7, EvalEvent(step, step, 0.1, 0.5, 0.4, {"val_acc": 0.9}))
    qtbot.waitUntil(lambda: received == [1, 2], timeout=5000)
    hooks.close()  # type: ignore[attr-defined]
