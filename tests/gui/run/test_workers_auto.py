"""The toolbar's Workers at its default, Auto (`--workers auto`): shown as such, resolved at
each run's start for the run's device and budget (local_workers.auto_workers), said in the run's
log, and never a reason to refuse a run of an unsaved project (it then trains in one process)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, table_states
from program_helpers import lr_program_project
from tunestudio.config import load_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common.settings import AUTO_WORKERS, Settings
from tunestudio.local_workers import auto_workers

RUN_TIMEOUT_MS = 180_000
QUICK = "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', type=float)\n" \
    "print(f'epoch 1 val_acc={1 - p.parse_args().lr:.4f}')\n"


def test_workers_auto_is_the_default_and_resolves_at_each_run(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    spin = window.workers_spin
    assert spin.workers() == AUTO_WORKERS and spin.text() == "Auto"
    assert Settings().workers == AUTO_WORKERS
    path = lr_program_project(tmp_path, QUICK, trials=16)
    project = load_project(path)
    expected = auto_workers(device=project.baseline.training.device, trials=16,
                            strategy="random").count  # 2 on a CPU of 2 cores or more
    assert window.session.open_project(path) and window.document is not None
    answer_box("Trust and run")
    seen: list[int] = []  # the progress's count of ended trials, as it changes
    labels: list[str] = []  # the status bar's text beside its bar, as it changes
    def on_progress() -> None:
        seen.append(window.controller.progress().done)
        labels.append(window.progress.label.text())

    window.controller.progress_changed.connect(on_progress)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
        assert window.controller.request is not None
        assert window.controller.request.workers == expected
        assert (window.controller.request.workers_note != "") == (expected > 1)
    # the worker process's trials counted as they end, the status bar's bar up to the budget
    assert max(seen) == 16 and sum(n for _, n in window.controller.progress().counts) == 16
    if expected > 1:  # its own count would read as the run's: running trials by number
        running = [t for t in labels if t.startswith("trial")]
        assert running and all(t.startswith(("trial #", "trials #")) for t in running)
    assert window.workspace is not None
    window.workspace.show_page("Trials")
    qtbot.waitUntil(lambda: table_states(window) == ["complete"] * 16, timeout=30_000)
    # an unsaved edit: Auto trains in this window's process alone rather than refuse
    window.document.set_value("notes", "edited")
    spin.setFocus()
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # type: ignore[no-untyped-call]
    qtbot.keyClick(spin, Qt.Key.Key_Down)  # type: ignore[no-untyped-call]
    assert spin.workers() == AUTO_WORKERS
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
        assert window.controller.request is not None
        assert window.controller.request.workers == 1
    window.document.undo_stack.undo()
