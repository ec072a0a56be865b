"""Parallel trials in the window, through the real widgets: the toolbar's Workers is the run's
`--workers N` (kept in the settings, fixed while a run goes on, refused for an unsaved project
since the worker processes read the file), and with two workers both running trials' curves
are drawn live in the Curves view, each labelled as running, until they end."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, table_states
from program_helpers import lr_program_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common.settings import Settings
from tunestudio.gui.plots.panel import TrialCurves

RUN_TIMEOUT_MS = 180_000
# Prints two epochs, then waits for the test's go-ahead (a file in its folder) before its last
# one: both trials are seen running at once, however slowly the worker process starts.
WAITING = """\
import argparse, pathlib, time
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
a = p.parse_args()
for epoch in (1, 2):
    print(f"epoch {epoch} train_loss={a.lr / epoch:.5f} val_acc={0.5 + epoch / 10:.3f}",
          flush=True)
go, end = pathlib.Path("go"), time.monotonic() + 150
while not go.exists() and time.monotonic() < end:
    time.sleep(0.05)
print(f"epoch 3 train_loss=0.2 val_acc={0.9 - a.lr:.5f}")
"""


def _running(curves: dict[str, TrialCurves]) -> dict[str, int]:
    """Evaluations drawn of each trial labelled as running."""
    return {name: len(c.metric.data("step")[0]) for name, c in curves.items()
            if name.endswith("(running)")}


def test_two_workers_draw_both_running_trials_live_each_labelled(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    path = lr_program_project(tmp_path, WAITING, trials=2)
    assert window.session.open_project(path) and window.workspace is not None
    spin = window.workers_spin
    spin.lineEdit().selectAll()
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.keyClicks(spin, "2")  # type: ignore[no-untyped-call]
    qtbot.keyClick(spin, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert spin.workers() == 2 and Settings().workers == 2  # kept for the next session
    # unsaved edits: the worker processes would train the saved file, so nothing starts
    assert window.document is not None
    window.document.set_value("notes", "edited")
    assert not window.runs.start() and not window.controller.is_running
    assert any("save the project to train 2 trials at once" in t.message.text
               for t in window.notifications.toasts())
    window.document.undo_stack.undo()
    window.workspace.show_page("Curves")
    live = window.workspace.live
    answer_box("Trust and run")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
        assert window.controller.request is not None
        assert window.controller.request.workers == 2
        assert not spin.isEnabled()  # the run's worker processes started with it
        # this window's trial from its events, the worker process's trial from the store:
        # both drawn while they run, each with its number and value, each with its points
        qtbot.waitUntil(lambda: len(_running(live.all_curves())) == 2
                        and min(_running(live.all_curves()).values()) == 2,
                        timeout=RUN_TIMEOUT_MS)
        names = sorted(_running(live.all_curves()))
        assert [n.split(" ")[1] for n in names] == ["#0", "#1"]
        assert all("lr=" in n for n in names)
        assert live.status.text() == "Trials #0–#1 training"  # the header names both
        (tmp_path / "go").write_text("")
    window.workspace.show_page("Trials")
    qtbot.waitUntil(lambda: table_states(window) == ["complete", "complete"], timeout=20_000)
    # ended: both kept as the run's finished trials with every evaluation, no longer "running"
    shown = live.all_curves()
    assert _running(shown) == {}
    ended = {name: len(c.metric.data("step")[0]) for name, c in shown.items()}
    assert sorted(ended.values()) == [3, 3] and sorted(n.split(" ")[1] for n in ended) == \
        ["#0", "#1"]
    assert spin.isEnabled()
