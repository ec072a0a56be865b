"""The lines under the trials table and in the status bar elide a long text instead of
widening the window: after a stopped trial (a resume checkpoint to report) the window still
fits a 960-pixel screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from gui_helpers import UNTIL_STOPPED, fast_project, table_states
from tunestudio.config import save_project
from tunestudio.gui.app.main_window import MainWindow


def _widest_labels(root: QWidget) -> list[tuple[int, str]]:
    return sorted(((lab.minimumSizeHint().width(), lab.text()) for lab in
                   root.findChildren(QLabel) if lab.isVisible()), reverse=True)[:5]


def test_a_stopped_trials_checkpoint_line_elides_instead_of_widening_the_window(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "stop.tuneproj"
    save_project(fast_project(trials=3, epochs=UNTIL_STOPPED), path)
    assert window.session.open_project(path) and window.project_view is not None
    view = window.project_view
    view.tabs.setCurrentIndex(next(i for i in range(view.tabs.count())
                                   if view.tabs.tabText(i) == "Trials"))
    workspace = window.workspace
    assert workspace is not None
    checkpoints = workspace.table.checkpoints
    qtbot.waitUntil(lambda: checkpoints.text() == "Checkpoints: none kept", timeout=20_000)
    qtbot.wait(200)  # the posted layout requests run: the window's size hints are current
    narrowest = window.minimumSizeHint().width()
    steps: list[int] = []
    window.controller.batch.connect(lambda batch: steps.extend(s.step for _, s in batch.steps))
    window.run_action.trigger()
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=180_000)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.stop_action.trigger()
    qtbot.waitUntil(lambda: table_states(window) == ["interrupted"], timeout=10_000)
    qtbot.waitUntil(lambda: "resume file" in checkpoints.text(), timeout=20_000)
    qtbot.wait(200)  # the posted layout requests run: the window's size hints are current
    # The long status texts do not make the window wider than it was before the run.
    assert window.minimumSizeHint().width() <= narrowest, _widest_labels(window)
    window.resize(narrowest, 600)
    qtbot.waitUntil(lambda: window.width() <= narrowest, timeout=2_000)
    qtbot.waitUntil(checkpoints.is_elided, timeout=2_000)
    # What is cut off stays readable in the tooltip, above the folder it names.
    whole = checkpoints.text()
    assert checkpoints.shown_text().endswith("…") and len(checkpoints.shown_text()) < len(whole)
    assert checkpoints.toolTip().startswith("In ")
    assert QLabel.toolTip(checkpoints).startswith(whole + "\n")
    # The count beside it is shown whole; the disk use is what gets cut.
    assert not workspace.table.count.is_elided()
