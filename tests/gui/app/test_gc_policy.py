"""Cyclic garbage is collected on the GUI thread's timer, never by a worker thread."""

from __future__ import annotations

import contextlib
import gc
import threading
import weakref
from collections.abc import Iterator

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.app import make_app
from tunestudio.gui.app.gc_policy import GuiThreadCollector


@contextlib.contextmanager
def collections_seen() -> Iterator[list[int]]:
    """The generation of every collection started inside the block, all objects unfrozen
    first and after."""
    generations: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            generations.append(info["generation"])

    gc.callbacks.append(seen)
    gc.unfreeze()
    try:
        yield generations
    finally:
        gc.callbacks.remove(seen)
        gc.unfreeze()


class Cyclic(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.me = self


def test_the_app_collects_in_the_gui_thread_only(qapp: QApplication, qtbot: QtBot) -> None:
    assert make_app() is qapp
    collector = qapp.findChild(GuiThreadCollector)
    assert collector is not None
    assert not gc.isenabled()
    collector.resume()  # the GUI tests collect between tests (conftest): the app's timer here
    ref = weakref.ref(Cyclic())

    kept: list[list[object]] = []

    def allocate_a_lot() -> None:  # would trigger automatic collections in this thread
        kept.extend([] for _ in range(50_000))

    worker = threading.Thread(target=allocate_a_lot)
    worker.start()
    worker.join()
    assert ref() is not None, "a worker thread collected a Qt object"
    try:
        qtbot.waitUntil(lambda: ref() is None, timeout=5_000)
    finally:
        collector.pause()


def test_the_timer_never_runs_a_full_collection(qapp: QApplication, qtbot: QtBot) -> None:
    """A full collection (every object of the process: a pause of 50-140 ms with torch loaded)
    never runs on the timer, during a run or not: when the oldest generation is due the
    younger two are collected and the survivors frozen. A full collection, frozen objects
    included, runs when the window asks (a run ended, a project closed)."""
    collector = qapp.findChild(GuiThreadCollector)
    assert collector is not None
    with collections_seen() as generations:
        for _ in range(12):  # past the second generation's threshold: the oldest is due
            gc.collect(1)
        assert gc.get_count()[2] > gc.get_threshold()[2]
        generations.clear()
        collector.collect()
        assert generations == [1] and gc.get_freeze_count() > 0
        alive = Cyclic()
        ref = weakref.ref(alive)
        gc.collect(1)
        gc.freeze()
        del alive  # a cycle that became garbage after it was frozen as long-lived ...
        collector.collect()
        gc.collect(1)
        assert ref() is not None  # ... waits for the full collection
        generations.clear()
        collector.full_collection()
        assert generations == [2] and ref() is None


def test_a_hold_keeps_the_timer_from_collecting_until_released(qapp: QApplication) -> None:
    """While a worker allocates a burst of long-lived objects (imports), the timer collects
    nothing; the release freezes what the burst left, so no later collection on the timer
    traverses it (each such collection was 80-100 ms in the GUI thread)."""
    collector = qapp.findChild(GuiThreadCollector)
    assert collector is not None
    with collections_seen() as generations:
        collector.hold()
        assert collector.held
        # past the youngest's threshold
        burst: list[list[object]] = [[] for _ in range(5 * gc.get_threshold()[0])]
        collector.collect()
        assert generations == [] and gc.get_count()[0] > gc.get_threshold()[0]
        frozen = gc.get_freeze_count()
        collector.release()
        assert not collector.held and gc.get_freeze_count() >= frozen + len(burst)
        collector.release()  # without a hold: nothing
        assert gc.get_freeze_count() >= frozen + len(burst)
