"""Cyclic garbage is collected on the GUI thread's timer, never by a worker thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.app import make_app
from tunestudio.gui.app.gc_policy import GuiThreadCollector


class Cyclic(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.me = self


def test_the_app_collects_in_the_gui_thread_only(qapp: QApplication, qtbot: QtBot) -> None:
    assert make_app() is qapp
    assert qapp.findChild(GuiThreadCollector) is not None
    assert not gc.isenabled()
    ref = weakref.ref(Cyclic())

    kept: list[list[object]] = []

    def allocate_a_lot() -> None:  # would trigger automatic collections in this thread
        kept.extend([] for _ in range(50_000))

    worker = threading.Thread(target=allocate_a_lot)
    worker.start()
    worker.join()
    assert ref() is not None, "a worker thread collected a Qt object"
    qtbot.waitUntil(lambda: ref() is None, timeout=5_000)
