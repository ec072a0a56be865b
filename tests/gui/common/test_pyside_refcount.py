"""PySide6 6.12.0 under CPython < 3.12 drops a reference to None on every void Qt call and
aborts the process after a few thousand calls; pyproject keeps that release out. This guards
the installed binding: thousands of void calls in one process leave None's count alone."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

CALLS = 20_000


def test_void_qt_calls_keep_none_alive(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    obj = QObject()
    before = sys.getrefcount(None)
    for i in range(CALLS):
        widget.setEnabled(i % 2 == 0)  # returns void (None)
        obj.setObjectName("x")
    after = sys.getrefcount(None)
    # Immortal on 3.12+; on 3.11 it must not have fallen by ~CALLS.
    assert after >= before - 100, f"None lost {before - after} references"
