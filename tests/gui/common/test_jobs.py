"""The GUI's work lane (gui/common/jobs.py): results come back to the GUI thread, and closing
it leaves no Qt object to be deleted in the ending thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tunestudio.gui.common.jobs import JobResult, Lane


def test_a_job_runs_off_the_gui_thread_and_its_result_comes_back_on_it(qtbot: QtBot) -> None:
    lane = Lane("test-lane")
    seen: list[JobResult] = []
    lane.result.connect(seen.append)
    gui = threading.current_thread()
    lane.submit("where", lambda: threading.current_thread() is gui)
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    lane.close()
    assert seen[0].ok and seen[0].value is False


def test_closing_deletes_its_worker_in_the_gui_thread_not_in_the_ending_one(
        qtbot: QtBot) -> None:
    # A worker deleted by a deleteLater in its own ending thread runs ~QObject there, holding
    # Qt's connection lock while it waits for the GIL; a GUI thread holding the GIL in a
    # connect or disconnect (a label's text set while `close` joins) then deadlocked with it.
    lane = Lane("test-lane")
    worker = lane._worker  # the QObject moved to its thread
    assert worker is not None
    deleted_in: list[threading.Thread] = []

    def record() -> None:
        deleted_in.append(threading.current_thread())

    worker.destroyed.connect(record, Qt.ConnectionType.DirectConnection)
    del worker
    lane.close()
    qtbot.wait(50)  # a deferred delete in the GUI thread would run here
    assert deleted_in == [threading.main_thread()]
