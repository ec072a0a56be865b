"""GUI fixtures: a main window in isolated dirs, a project file, the message-box answerer and
the typist (helpers in gui_helpers.py), and a check that no test leaves a QThread running
(napari does the same)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QThread, QThreadPool
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, TypeText, close_dialogs, fast_project
from tunestudio.config import save_project
from tunestudio.gui.app.gc_policy import collect_in_gui_thread
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common.settings import Settings


@pytest.fixture(scope="session", autouse=True)
def gc_in_gui_thread(qapp: QApplication) -> Iterator[None]:
    """As in the app, cyclic garbage is collected in the GUI thread only (see gc_policy); but
    between tests (`collect_between_tests`), not on the app's timer."""
    collector = collect_in_gui_thread(qapp)
    collector.pause()
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def collect_between_tests(gc_in_gui_thread: None) -> Iterator[None]:
    """After a test, Qt first deletes the widgets scheduled for deletion (pytest-qt's and the
    fixtures' deleteLater), then Python's collector frees their wrappers. On the timer, a
    collection could fall between the two, inside pytest-qt's event processing, where Qt
    defers those deletions: the collector then freed the wrapper of a closed view whose C++
    side was still there and shiboken deleted it in the middle of the tree's teardown (a
    segfault in ~QWidget, one run in a few, CI's exit 139)."""
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    gc.freeze()  # what survives is long-lived: the next test's collection skips it


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


@pytest.fixture
def answer_box() -> AnswerBox:
    return AnswerBox()


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
        # pytest-qt leaves QtBot's key and mouse helpers untyped
        qtbot.keyClicks(line, text)  # type: ignore[no-untyped-call]
        qtbot.keyClick(line, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]

    return type_
