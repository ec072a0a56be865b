"""A program baseline in the window, through the real widgets: the Baseline tab edits the
command, folder, environment and parameters (read from an argparse script's --help), names
what keeps the program from starting before anything runs; Run asks to trust the program; the
Log tab shows what the running trial prints as it prints it, and the whole log afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, TypeText, table_states
from program_helpers import lr_program_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.project.baseline_editor import BUILT_IN, PROGRAM

ARGPARSE = """\
import argparse
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--hidden-size", type=int, default=32)
p.add_argument("--amp", action="store_true")
p.parse_args()
"""
# Prints two epochs, then waits for the test's go-ahead (a file) before its last one, so the
# test sees its log while it runs.
WAITING = """\
import argparse, pathlib, time
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
a = p.parse_args()
for epoch in (1, 2):
    print(f"epoch {epoch} train_loss={1 / epoch:.3f} val_acc={0.5 + epoch / 10:.3f}")
go, end = pathlib.Path("go"), time.monotonic() + 120
while not go.exists() and time.monotonic() < end:
    time.sleep(0.05)
print(f"epoch 3 train_loss=0.2 val_acc={0.9 - abs(a.lr - 0.01):.4f}")
print("done, bye")
"""


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


def banner_text(window: MainWindow) -> str:
    assert window.project_view is not None
    banner = window.project_view.baseline.banner
    return banner.text() if banner.isVisible() else ""


def test_the_baseline_tab_edits_a_program_and_names_its_problems(
        window: MainWindow, qtbot: QtBot, type_text: TypeText, tmp_path: Path) -> None:
    path = lr_program_project(tmp_path, None, command="python missing.py")
    (tmp_path / "train.py").write_text(ARGPARSE)
    assert window.session.open_project(path) and window.project_view is not None
    editor = window.project_view.baseline
    program = editor.program_editor
    assert editor.trains_with.currentIndex() == PROGRAM
    assert program.isVisible() and not editor.scroll_area.isVisible()
    assert not editor.lr_button.isVisible()
    # the missing script is named before anything runs
    assert "program.command" in banner_text(window) and "no such file" in banner_text(window)
    command = program.binding.editor("program.command").focus_widget
    assert isinstance(command, QLineEdit)
    type_text(command, "python train.py")
    assert window.document is not None
    assert window.document.project is not None
    assert window.document.project.baseline.program is not None
    assert window.document.project.baseline.program.command == "python train.py"
    assert banner_text(window) == ""
    # its parameters, read from the script's --help
    with qtbot.waitSignal(program.help_read, timeout=30_000):
        # pytest-qt leaves QtBot's key and mouse helpers untyped
        qtbot.mouseClick(program.read_help_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    table = program.parameters
    rows = {_item(table, r, 0).text(): (cast(QComboBox, table.cellWidget(r, 1)).currentText(),
                                        _item(table, r, 2).text())
            for r in range(table.rowCount())}
    assert rows == {"lr": ("float", "0.01"), "hidden_size": ("int", "32"),
                    "amp": ("bool", "false")}
    assert [p.name for p in window.document.project.baseline.program.parameters] == [
        "lr", "hidden_size", "amp"]
    assert "Parameters read from --help: 3" in program.help_status.text()
    # a default that is no number is named at once, and nothing is lost
    row = next(r for r in range(table.rowCount()) if _item(table, r, 0).text() == "hidden_size")
    _item(table, row, 2).setText("wide")
    assert "program.parameters" in banner_text(window)
    assert "is not an int" in banner_text(window)
    _item(table, row, 2).setText("64")
    assert banner_text(window) == ""
    assert window.document.project.baseline.program.parameter("hidden_size").default == 64
    type_combo = table.cellWidget(row, 1)
    assert isinstance(type_combo, QComboBox)
    type_combo.setCurrentText("float")
    assert window.document.project.baseline.program.parameter("hidden_size").type == "float"
    # an environment variable
    qtbot.mouseClick(program.add_env_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    _item(program.env, 0, 1).setText("1")
    assert window.document.project.baseline.program.env == {"VARIABLE_1": "1"}
    # a working folder that does not exist
    folder = program.binding.editor("program.working_dir").focus_widget
    assert isinstance(folder, QLineEdit)
    type_text(folder, "nowhere")
    assert "program.working_dir</a>: no such folder" in banner_text(window)
    window.document.undo_stack.undo()
    assert banner_text(window) == ""
    # back to the built-in training, and undone
    editor.trains_with.setCurrentIndex(BUILT_IN)
    editor.trains_with.activated.emit(BUILT_IN)
    assert window.document.draft["baseline"]["program"] is None
    assert editor.scroll_area.isVisible() and not program.isVisible()
    # the experiment made for the program no longer fits: said, not lost
    assert any("experiment 'e'" in m for _, m in window.document.problems)
    window.document.undo_stack.undo()
    assert editor.trains_with.currentIndex() == PROGRAM and program.isVisible()


def test_run_asks_to_trust_the_program_and_the_log_follows_the_running_trial(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    path = lr_program_project(tmp_path, WAITING)
    assert window.session.open_project(path) and window.workspace is not None
    workspace = window.workspace
    workspace.show_page("Trials")
    workspace.below.setCurrentWidget(workspace.log)
    answer_box("Don't run")
    assert not window.runs.start()
    name, text = answer_box.seen[0]
    assert name == "trustDialog" and "python train.py" in text
    assert str((tmp_path / "train.py").resolve()) in text
    assert not window.controller.is_running and table_states(window) == []
    assert any("program is not trusted" in t.message.text
               for t in window.notifications.toasts())
    answer_box("Trust and run")
    with qtbot.waitSignal(window.controller.run_finished, timeout=120_000):
        assert window.runs.start()
        log = workspace.log
        # printed while the trial runs (it waits for the go-ahead before its last epoch)
        qtbot.waitUntil(lambda: "epoch 2 train_loss=0.500" in log.shown_text(),
                        timeout=60_000)
        assert window.controller.is_running and "done, bye" not in log.shown_text()
        assert "(running)" in log.title.text()
        (tmp_path / "go").write_text("")
    qtbot.waitUntil(lambda: "done, bye" in workspace.log.shown_text(), timeout=10_000)
    qtbot.waitUntil(lambda: table_states(window) == ["complete"], timeout=10_000)
    # a finished trial's log, read from its file when it is selected
    workspace.log.text.clear()
    workspace.log.path = None
    workspace.log.trial_id = None
    [row] = workspace.table.model.trials()
    window.workspace.insights.set_focus(row.id)
    qtbot.waitUntil(lambda: "epoch 1 train_loss=1.000" in workspace.log.shown_text()
                    and "done, bye" in workspace.log.shown_text(), timeout=10_000)
    assert "(complete)" in workspace.log.title.text()
