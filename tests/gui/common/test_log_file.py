"""Errors also go to a rotating log file in the log folder, and their notification offers to
open it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from tunestudio import paths
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common import log_file, notifications


@pytest.fixture
def logged() -> Iterator[Path]:
    path = log_file.install_log_file()
    yield path
    log_file.remove_log_file()


def test_an_error_is_written_to_the_log_file_and_the_toast_opens_it(
        window: MainWindow, qtbot: QtBot, logged: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert logged.parent == paths.log_dir() and logged.name == "tunestudio.log"
    opened: list[QUrl] = []
    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    notifications.error("The run failed: disk full", "Traceback: ...\nOSError: disk full")
    qtbot.waitUntil(lambda: bool(window.notifications.toasts()), timeout=2_000)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = logged.read_text(encoding="utf-8")
    assert "The run failed: disk full" in text and "OSError: disk full" in text
    toast = window.notifications.toasts()[-1]
    assert toast.open_log is not None
    toast.open_log.click()
    assert opened and Path(opened[0].toLocalFile()) == logged


def test_the_log_file_rotates(logged: Path) -> None:
    handler = log_file._handler
    assert handler is not None and handler.maxBytes == log_file.MAX_BYTES
    assert handler.backupCount == log_file.BACKUPS
    big = "x" * 10_000
    for _ in range(log_file.MAX_BYTES // 10_000 + 20):
        logging.getLogger("tunestudio.test").warning(big)
    handler.flush()
    assert logged.with_name("tunestudio.log.1").exists()
    assert logged.stat().st_size <= log_file.MAX_BYTES
