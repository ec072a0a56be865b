"""The LR range test as the first step: from the Baseline tab's button and the Run menu, on the
baseline before any trial exists; its range goes into the chosen experiment's LR dimension as
one undoable edit."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tunestudio.config import FloatDimension
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.project.lr_range_dialog import LRRangeDialog


def open_dialogs() -> list[LRRangeDialog]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, LRRangeDialog) and w.isVisible()]


def test_lr_range_test_from_the_baseline_tab_into_an_experiment_undoably(
        window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    assert window.session.open_project(project_file)
    view, document = window.project_view, window.document
    assert view is not None and document is not None and document.project is not None
    name = document.project.experiments[1].name
    before = document.project.experiment(name).search.dimensions
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(view.baseline.lr_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    [dialog] = open_dialogs()
    qtbot.waitUntil(lambda: dialog.use_button.isEnabled(), timeout=120_000)
    assert "suggested LR" in dialog.status.text()
    low, high = dialog.outcome.suggested_range
    dialog.experiments.setCurrentText(name)
    qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert document.project is not None
    lr = {d.path: d for d in document.project.experiment(name).search.dimensions}[
        "optimizer.lr"]
    assert isinstance(lr, FloatDimension) and lr.log
    assert (lr.low, lr.high) == (float(low), float(high))  # whole, not the digits shown
    window.undo_action.trigger()
    assert document.project.experiment(name).search.dimensions == before
    dialog.close()
    qtbot.waitUntil(lambda: not open_dialogs(), timeout=10_000)


def test_the_run_menu_opens_it_on_the_baseline(
        window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    assert not window.lr_find_action.isEnabled()  # no project yet
    assert window.session.open_project(project_file)
    assert window.lr_find_action in window.run_menu.actions()
    assert window.lr_find_action.isEnabled()
    window.lr_find_action.trigger()
    assert window.project_view is not None
    assert window.project_view.tabs.currentWidget() is window.project_view.baseline
    [dialog] = open_dialogs()
    dialog.close()
    qtbot.waitUntil(lambda: not open_dialogs(), timeout=30_000)
