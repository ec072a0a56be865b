"""A 960-pixel-wide window fits every page of an open project (a laptop's half screen); the
device picker says which device setting wins."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tunestudio.gui.app.main_window import MainWindow


def test_every_page_fits_a_960_px_window(window: MainWindow, qtbot: QtBot,
                                          project_file: Path) -> None:
    assert window.session.open_project(project_file) and window.project_view is not None
    tabs = window.project_view.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.wait(20)
        assert window.minimumSizeHint().width() <= 960, tabs.tabText(index)
    window.resize(960, 700)
    qtbot.waitUntil(lambda: window.width() <= 960, timeout=2_000)


def test_the_device_picker_says_it_wins_over_the_baseline(window: MainWindow) -> None:
    tip = window.device_combo.toolTip()
    assert "wins over the baseline's training.device" in tip
