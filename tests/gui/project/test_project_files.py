"""New / Open / Save / Save As / Close, recent files, the save prompt, load errors, autosave."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox, TypeText
from tunestudio.config import load_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.project import dialogs


def test_new_project_from_a_template(window: MainWindow, qtbot: QtBot) -> None:
    assert window.stack.currentWidget() is window.welcome
    assert not window.save_action.isEnabled()
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(window.welcome.template_buttons["regression"], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert window.document is not None and window.project_view is not None
    assert window.stack.currentWidget() is window.project_view
    assert window.document.value("name") == "Regression"
    assert window.document.path is None and "unsaved" in window.windowTitle()
    assert window.project_view.experiments.current_name() == "random-lr-width"
    assert window.run_action.isEnabled() and window.save_action.isEnabled()


def test_save_as_then_reopen_from_recent(window: MainWindow, qtbot: QtBot, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         type_text: TypeText) -> None:
    target = tmp_path / "mine"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda parent, suggested: target)
    window.session.new_project("digits")
    assert window.project_view is not None
    type_text(window.project_view.baseline.editor("training.epochs").spin, "12")  # type: ignore[attr-defined]
    assert window.isWindowModified()
    # no path yet: Ctrl+S saves as
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    saved = target.with_suffix(".tuneproj")
    assert load_project(saved).baseline.training.epochs == 12
    assert not window.isWindowModified() and window.windowTitle().startswith("mine.tuneproj")
    assert window.session.close_project()
    assert window.stack.currentWidget() is window.welcome
    item = window.welcome.recent.item(0)
    assert item is not None and Path(item.toolTip()) == saved.resolve()
    window.welcome.recent.itemActivated.emit(item)
    assert window.document is not None and window.document.path == saved.resolve()
    assert [a.text() for a in window.recent_menu.actions()] == [str(saved.resolve())]


def test_close_asks_to_save_changes(window: MainWindow, answer_box: AnswerBox,
                                    type_text: TypeText, project_file: Path) -> None:
    assert window.session.open_project(project_file)
    assert window.project_view is not None
    type_text(window.project_view.baseline.editor("training.epochs").spin, "3")  # type: ignore[attr-defined]
    answer_box("Cancel")
    assert not window.session.close_project()
    assert window.document is not None
    answer_box("Discard")
    assert window.session.close_project()
    assert window.document is None
    assert load_project(project_file).baseline.training.epochs == 2  # discarded
    assert window.session.open_project(project_file) and window.project_view is not None
    type_text(window.project_view.baseline.editor("training.epochs").spin, "4")
    answer_box("Save")
    assert window.session.close_project()
    assert load_project(project_file).baseline.training.epochs == 4


def test_an_invalid_project_opens_into_the_editor_with_its_fields_marked(
        window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    text = project_file.read_text().replace('"lr": 0.003', '"lr": -5')
    project_file.write_text(text)
    before = project_file.read_bytes()
    assert window.session.open_project(project_file)
    assert window.document is not None and not window.document.is_valid
    assert window.project_view is not None
    error = window.project_view.baseline.error_at("optimizer.lr")
    assert error is not None and "greater than 0" in error
    assert not window.run_action.isEnabled()
    assert window.findChild(QMessageBox, "loadErrorDialog") is None
    assert any("invalid field" in toast.message.text
               for toast in window.notifications.toasts())
    assert project_file.read_bytes() == before  # unchanged until saved
    assert window.session.close_project()
    # a value of the wrong type is marked too, and the editors stay up
    project_file.write_text(text.replace('"lr": -5', '"lr": "fast"'))
    assert window.session.open_project(project_file) and window.document is not None
    assert any(p.endswith("optimizer.lr") for p, _ in window.document.problems)
    assert window.session.close_project()


def test_a_file_that_is_not_a_project_names_the_problem_and_is_left(
        window: MainWindow, project_file: Path) -> None:
    project_file.write_text("{ not json")
    before = project_file.read_bytes()
    assert not window.session.open_project(project_file)
    box = window.findChild(QMessageBox, "loadErrorDialog")
    assert box is not None and box.isVisible()
    assert "invalid JSON" in box.informativeText()
    assert window.document is None
    box.close()
    assert project_file.read_bytes() == before


def test_autosave_writes_a_recovery_copy_offered_on_reopen(
        window: MainWindow, answer_box: AnswerBox, type_text: TypeText,
        project_file: Path) -> None:
    assert window.session.open_project(project_file) and window.document is not None
    assert window.project_view is not None
    type_text(window.project_view.baseline.editor("training.epochs").spin, "9")  # type: ignore[attr-defined]
    window.session.autosave()
    recovery = window.document.recovery_path()
    assert recovery.exists()
    window.session._set(None)  # as if the app died: no prompt, the recovery copy stays
    answer_box("Yes")
    assert window.session.open_project(project_file) and window.document is not None
    assert window.document.value("baseline.training.epochs") == 9
    assert window.isWindowModified()
    assert load_project(project_file).baseline.training.epochs == 2


def test_open_dialog_and_shortcuts(window: MainWindow, monkeypatch: pytest.MonkeyPatch,
                                   project_file: Path) -> None:
    monkeypatch.setattr(dialogs, "ask_open_path", lambda parent, start: project_file)
    window.open_action.trigger()
    assert window.document is not None and window.document.path == project_file.resolve()
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.save_action.shortcut().toString() == "Ctrl+S"
    assert "Ctrl+W" in [k.toString() for k in window.close_action.shortcuts()]
    assert QApplication.activeModalWidget() is None


def test_a_never_saved_project_comes_back_from_its_recovery_copy(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("regression")
    assert window.project_view is not None and window.document is not None
    type_text(window.project_view.baseline.editor("training.epochs").spin, "17")  # type: ignore[attr-defined]
    window.session.autosave()
    window.session._set(None)  # the app died before the project was ever saved
    item = window.welcome.recent.item(0)
    assert item is not None and "Regression" in item.text() and "unsaved" in item.text()
    window.welcome.recent.itemActivated.emit(item)
    assert window.document is not None and window.document.path is None
    assert window.document.value("baseline.training.epochs") == 17
    assert window.isWindowModified()  # dirty until saved: closing asks


def test_a_missing_recent_project_leaves_the_list(window: MainWindow, tmp_path: Path) -> None:
    from tunestudio.config import from_template, save_project

    path = tmp_path / "gone.tuneproj"
    save_project(from_template("digits"), path)
    assert window.session.open_project(path) and window.session.close_project()
    path.unlink()
    assert not window.session.open_project(path)
    assert window.settings.recent_files() == []
    box = window.findChild(QMessageBox, "loadErrorDialog")
    assert box is not None and "no such file" in box.informativeText()


def test_template_summaries_are_whole_sentences() -> None:
    """The welcome page shows each template's whole first paragraph, not a line cut short."""
    from tunestudio.config import TEMPLATES
    from tunestudio.gui.app.welcome import template_summary

    for name in TEMPLATES:
        summary = template_summary(name)
        assert summary.endswith("."), (name, summary)
        assert "\n" not in summary and "  " not in summary


def test_save_as_writes_a_file_anyone_may_read_as_the_umask_says(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    target = tmp_path / "shared.tuneproj"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda parent, suggested: target)
    window.session.new_project("digits")
    previous = os.umask(0o022)
    try:
        assert window.session.save_as()
        assert stat.S_IMODE(target.stat().st_mode) == 0o644  # as any new file: not 0600
        target.chmod(0o664)  # the team's group may write it: a later save keeps that
        assert window.document is not None
        window.document.undo_stack.setClean()
        assert window.session.save_as()
        assert stat.S_IMODE(target.stat().st_mode) == 0o664
    finally:
        os.umask(previous)
