"""One route for messages: any thread posts, the GUI thread shows non-modal toasts; uncaught
exceptions take the same route."""

from __future__ import annotations

import sys
import threading

import pytest
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common import notifications


def test_message_from_a_worker_thread_becomes_a_toast(window: MainWindow, qtbot: QtBot) -> None:
    def work() -> None:
        notifications.error("disk full while writing the trial")

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(window.notifications.toasts()))
    toast = window.notifications.toasts()[-1]
    assert toast.message.level == "error" and "disk full" in toast.message.text
    assert window.notifications.isVisible()
    assert window.isEnabled()  # non-modal: the window keeps working
    from PySide6.QtWidgets import QApplication

    assert QApplication.activeModalWidget() is None


def test_only_the_latest_toasts_stay(window: MainWindow, qtbot: QtBot) -> None:
    for i in range(8):
        notifications.info(f"message {i}")
    qtbot.wait(50)
    texts = [t.message.text for t in window.notifications.toasts()]
    assert len(texts) <= 4 and texts[-1] == "message 7"
    assert len(window.notifications.history) >= 8


def test_excepthook_routes_uncaught_errors(window: MainWindow, qtbot: QtBot,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    notifications.install_excepthook()
    try:
        raise ValueError("bad thing")
    except ValueError:
        sys.excepthook(*sys.exc_info())

    def crash() -> None:
        raise RuntimeError("thread broke")

    thread = threading.Thread(target=crash)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(window.notifications.toasts()) >= 2)
    texts = [t.message.text for t in window.notifications.toasts()]
    assert "Unexpected error: bad thing" in texts and "Unexpected error: thread broke" in texts
    assert "ValueError" in window.notifications.toasts()[0].message.detail
