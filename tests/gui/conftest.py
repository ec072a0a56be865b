"""GUI fixtures: a main window in isolated dirs, small fast projects, a helper that answers
modal message boxes by clicking their buttons, and a check that no test leaves a QThread
running (napari does the same)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tunestudio.config import (
    Budget,
    Experiment,
    FloatDimension,
    Project,
    PrunerConfig,
    SearchDefinition,
    from_template,
    save_project,
)
from tunestudio.gui.gc_policy import collect_in_gui_thread
from tunestudio.gui.main_window import MainWindow
from tunestudio.gui.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def gc_in_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the app: cyclic garbage is collected in the GUI thread only (see gc_policy)."""
    collector = collect_in_gui_thread(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def no_qthread_left_running(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    started: weakref.WeakSet[QThread] = weakref.WeakSet()
    original = QThread.start

    def start(self: QThread, *args: object) -> None:
        started.add(self)
        original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(QThread, "start", start)
    yield
    running = [t.objectName() or repr(t) for t in started if t.isRunning()]
    for thread in started:
        if thread.isRunning():
            thread.requestInterruption()
            thread.quit()
            thread.wait(30_000)
    assert not running, f"the test left QThreads running: {running}"
    assert QThreadPool.globalInstance().waitForDone(5_000), "the test left pooled work running"


def fast_project(trials: int = 3, epochs: int = 2) -> Project:
    """Digits on a fifth of the data for two epochs: a trial takes about a second on a CPU.
    Early stopping is off, so a long `epochs` makes a trial that runs until stopped."""
    project = from_template("digits")
    base = project.baseline
    baseline = base.model_copy(update={
        "early_stopping": base.early_stopping.model_copy(update={"enabled": False}),
        "data": base.data.model_copy(update={"fraction": 0.2}),
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 0.0}),
        "training": base.training.model_copy(update={"epochs": epochs, "device": "cpu"}),
    })
    experiment = Experiment(
        name="three", goal="Check runs.", hypothesis="The LR matters.",
        search=SearchDefinition(
            strategy="random", sampler_seed=1,
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-3, high=1e-2, log=True)],
            budget=Budget(trials=trials), pruner=PrunerConfig(kind="none")),
    )
    return project.model_copy(update={"name": "Fast", "baseline": baseline,
                                      "experiments": [experiment, *project.experiments]})


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "fast.tuneproj"
    save_project(fast_project(), path)
    return path


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[MainWindow]:
    # Not qtbot.addWidget: pytest-qt would close it before this teardown, with a save prompt.
    win = MainWindow(Settings())
    win.show()
    qtbot.waitExposed(win)
    yield win
    close_dialogs()
    win.shutdown()
    if win.document is not None:
        win.document.undo_stack.setClean()  # no save prompt at teardown
    win.close()
    win.deleteLater()


class AnswerBox:
    """`answer_box("Don't run")` clicks that button of the next modal message box (the box
    runs its own event loop, so the click is scheduled before the box opens). `seen` keeps
    each answered box's object name and text."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, button_text: str) -> None:
        def click() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(20, click)
                return
            self.seen.append((box.objectName(), f"{box.text()}\n{box.informativeText()}"))
            for button in box.findChildren(QAbstractButton):
                if button.text().replace("&", "") == button_text:
                    button.click()
                    return
            box.reject()
            raise AssertionError(f"no button '{button_text}' in {box.objectName()}")

        QTimer.singleShot(0, click)


@pytest.fixture
def answer_box() -> AnswerBox:
    return AnswerBox()


def close_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()


TypeText = Callable[..., None]


@pytest.fixture
def type_text(qtbot: QtBot) -> TypeText:
    """Types into a widget as a user does: select all, type, press Enter (committing a spin
    box or line edit)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit

    def type_(widget: QAbstractSpinBox | QLineEdit, text: str) -> None:
        widget.setFocus()
        line = widget.lineEdit() if isinstance(widget, QAbstractSpinBox) else widget
        assert line is not None
        line.selectAll()
        qtbot.keyClicks(line, text)
        qtbot.keyClick(line, Qt.Key.Key_Return)

    return type_
