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


def test_trials_failing_the_same_way_make_one_notification(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(MODEL)
    path = _saved(fast_project(trials=3), tmp_path / "p.tuneproj",
                  model=PythonModel(path="net.py"))
    assert window.session.open_project(path) and window.workspace is not None
    window.workspace.show_page("Trials")
    answer_box("Trust and run")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
    qtbot.waitUntil(lambda: table_states(window) == ["failed"] * 3, timeout=10_000)
    warnings = [t.message for t in window.notifications.toasts() if t.message.level == "warning"]
    assert len(warnings) == 1
    assert "Trial 0 failed" in warnings[0].text and "not finished" in warnings[0].text
    assert "\n" not in warnings[0].text  # its traceback is the detail, in the log
