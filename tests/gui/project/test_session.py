"""The project's lifecycle as a user meets it: a never-saved project with trials asks before it
closes, reopening shows the experiment and tab left, file dialogs start in the last folder, the
status line is cleared on close."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, fast_project
from tunestudio.config import save_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.project import dialogs

RUN_TIMEOUT_MS = 180_000


def test_closing_a_never_saved_project_with_trials_asks_to_save(
        window: MainWindow, qtbot: QtBot, answer_box: AnswerBox) -> None:
    session = window.session
    session._set(ProjectDocument.from_project(fast_project(trials=1), None, session))
    assert window.document is not None and not window.document.is_dirty
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
    assert window.run_message.text()  # the run's summary
    answer_box("Cancel")
    window.close_action.trigger()
    assert window.document is not None  # kept: its trials are reachable only through it
    name, text = answer_box.seen[0]
    assert name == "savePrompt" and "never saved" in text
    answer_box("Discard")
    window.close_action.trigger()
    assert window.document is None
    assert window.run_message.text() == "" and not window.progress.isVisible()


def test_a_clean_saved_project_closes_without_asking(
        window: MainWindow, answer_box: AnswerBox, project_file: Path) -> None:
    assert window.session.open_project(project_file)
    window.close_action.trigger()
    assert window.document is None and answer_box.seen == []


def test_reopening_shows_the_experiment_and_tab_last_shown(
        window: MainWindow, project_file: Path) -> None:
    assert window.session.open_project(project_file)
    view, workspace = window.project_view, window.workspace
    assert view is not None and workspace is not None
    view.experiments.select(1)
    second = view.current_experiment()
    workspace.show_page("Analysis")
    assert window.session.close_project()
    assert window.session.open_project(project_file)
    assert window.project_view is not None and window.workspace is not None
    assert window.project_view.current_experiment() == second
    assert window.workspace.current_page() == "Analysis"


def test_file_dialogs_start_in_the_folder_last_used(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "projects"
    folder.mkdir()
    path = folder / "p.tuneproj"
    save_project(fast_project(), path)
    starts: list[Path] = []

    def ask_open(parent: object, start: Path) -> Path:
        starts.append(start)
        return path

    monkeypatch.setattr(dialogs, "ask_open_path", ask_open)
    window.open_action.trigger()
    assert window.document is not None
    assert window.session.close_project()
    window.open_action.trigger()
    assert starts[-1] == folder.resolve()
    from tunestudio.gui.common.file_dialogs import last_folder

    assert last_folder() == folder.resolve()  # the export dialogs start there too
