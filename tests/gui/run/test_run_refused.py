"""A run that must fail says so once: missing files refuse it before its first trial with one
message in the window, and trials failing the same way make one notification, not one each."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, fast_project, table_states
from tunestudio.config import CsvData, DataConfig, Project, PythonModel, save_project
from tunestudio.gui.app.main_window import MainWindow

RUN_TIMEOUT_MS = 180_000


def _saved(project: Project, path: Path, **baseline: object) -> Path:
    save_project(project.model_copy(update={
        "baseline": project.baseline.model_copy(update=baseline),
        "experiments": project.experiments[:1]}), path)
    return path


def test_a_missing_data_file_refuses_the_run_with_one_message(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = _saved(fast_project(trials=20), tmp_path / "p.tuneproj",
                  data=DataConfig(source=CsvData(path="missing.csv", target="label")))
    assert window.session.open_project(path) and window.workspace is not None
    window.workspace.show_page("Trials")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
    [toast] = window.notifications.toasts()
    assert toast.message.level == "error" and not toast.message.detail  # no traceback
    assert "'three' was not started" in toast.message.text
    assert "data file 'missing.csv' not found" in toast.message.text
    assert "data.source.path" in toast.message.text
    assert "was not started" in window.run_message.text()
    assert "missing.csv" in window.run_message.text()
    assert window.controller.last_summary is None and not window.progress.isVisible()
    assert table_states(window) == []
    assert window.run_action.isEnabled()


MODEL = """
def build_model(input_shape, n_outputs):
    raise ValueError("this network is not finished")
"""


def test_trials_failing_the_same_way_stop_the_run_with_one_notification(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(MODEL)  # imports: the preflight lets it run
    path = _saved(fast_project(trials=20), tmp_path / "p.tuneproj",
                  model=PythonModel(path="net.py"))
    assert window.session.open_project(path) and window.workspace is not None
    window.workspace.show_page("Trials")
    answer_box("Trust and run")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
    summary = window.controller.last_summary
    assert summary is not None and summary.halted
    ended = sum(summary.counts.values())
    assert summary.counts["failed"] >= 3 and ended <= 6  # the streak and those under way, of 20
    qtbot.waitUntil(lambda: len(table_states(window)) == ended, timeout=10_000)
    toasts = [t.message for t in window.notifications.toasts()]
    [warning] = [m for m in toasts if m.level == "warning"]  # not one per trial
    assert "Trial 0 failed" in warning.text and "not finished" in warning.text
    assert "\n" not in warning.text  # its traceback is the detail, in the log
    [error] = [m for m in toasts if m.level == "error"]
    assert "three stopped: the first 3 trials failed with the same error" in error.text
    # the progress counts failures as failures, not as "done"
    assert window.progress.bar.text() == f"0/{ended} complete"
    assert window.progress.bar.value() == 0
    assert f"{summary.counts['failed']} failed" in window.progress.label.text()
    assert window.progress.label.text().startswith("stopped:")
