"""The baseline editor, clicked and typed into as a user does."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QWidget
from pytestqt.qtbot import QtBot

from gui_helpers import TypeText
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.form.editors import ChoiceEditor, NumberEditor


def _lr(window: MainWindow) -> NumberEditor:
    assert window.project_view is not None
    editor = window.project_view.baseline.editor("optimizer.lr")
    assert isinstance(editor, NumberEditor)
    return editor


def test_negative_lr_is_marked_at_the_field_and_disables_run(
        window: MainWindow, qtbot: QtBot, type_text: TypeText) -> None:
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(window.welcome.template_buttons["digits"], Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert window.project_view is not None and window.run_action.isEnabled()
    type_text(_lr(window).spin, "-0.001")
    baseline = window.project_view.baseline
    assert baseline.error_at("optimizer.lr") == "Input should be greater than 0"
    assert baseline.binding.row("optimizer.lr").error_label.isVisible()  # type: ignore[union-attr]
    assert not window.run_action.isEnabled()
    assert "optimizer.lr" in baseline.banner.text()
    _lr(window).spin.clearFocus()
    baseline.banner.linkActivated.emit("optimizer.lr")  # the problem list links to the field
    qtbot.waitUntil(lambda: _lr(window).spin.hasFocus())
    type_text(_lr(window).spin, "3e-3")
    assert baseline.error_at("optimizer.lr") is None
    assert window.document is not None and window.document.value(
        "baseline.optimizer.lr") == pytest.approx(0.003)
    assert window.run_action.isEnabled()


def test_cross_field_rule_is_shown_at_the_blamed_field(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None
    baseline = window.project_view.baseline
    epochs = baseline.editor("training.epochs")
    assert isinstance(epochs, NumberEditor)
    type_text(epochs.spin, "1")  # warm-up (2 epochs) must be shorter than training
    assert "must be shorter than training.epochs" in (
        baseline.error_at("schedule.warmup_epochs") or "")
    assert not window.run_action.isEnabled()


def test_kind_choice_shows_that_kinds_fields(window: MainWindow, qtbot: QtBot) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    kind = baseline.editor("optimizer.kind")
    assert isinstance(kind, ChoiceEditor)
    assert baseline.editor("optimizer.beta1").isVisibleTo(baseline)
    kind.combo.setCurrentIndex(kind.combo.findData("sgd"))
    kind.combo.activated.emit(kind.combo.currentIndex())
    assert window.document.value("baseline.optimizer.kind") == "sgd"
    assert window.document.value("baseline.optimizer.lr") == 0.003  # shared field kept
    assert baseline.editor("optimizer.momentum").isVisibleTo(baseline)
    row = baseline.binding.rows["optimizer.beta1"][0]
    assert not row.isVisibleTo(baseline)
    window.undo_action.trigger()
    assert window.document.value("baseline.optimizer.kind") == "adam"
    assert baseline.editor("optimizer.beta1").isVisibleTo(baseline)


def test_lr_spin_box_steps_on_a_log_scale(window: MainWindow, qtbot: QtBot) -> None:
    window.session.new_project("digits")
    spin = _lr(window).spin
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Up)  # type: ignore[no-untyped-call]
    assert window.document is not None
    assert window.document.value("baseline.optimizer.lr") == pytest.approx(0.005)
    qtbot.keyClick(spin, Qt.Key.Key_Down)  # type: ignore[no-untyped-call]
    qtbot.keyClick(spin, Qt.Key.Key_Down)  # type: ignore[no-untyped-call]
    assert window.document.value("baseline.optimizer.lr") == pytest.approx(0.001)


def test_help_shows_description_and_advice(window: MainWindow, qtbot: QtBot) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None
    baseline = window.project_view.baseline
    window.project_view.tabs.setCurrentWidget(baseline)
    _lr(window).spin.setFocus()
    qtbot.waitUntil(lambda: baseline.help.title.text() == "LR")
    assert "Initial learning rate" in baseline.help.body.text()
    assert "lower it to 1e-4" in baseline.help.body.text()
    # the corrected advice: a loss that falls very slowly means the LR is usually too low
    body = baseline.help.body.text()
    assert "Loss falls very slowly: usually too low, raise it" in body
    assert "falls very slowly or swings" not in body
    assert "lower it to 1e-4" in _lr(window).toolTip()


def test_undo_redo_shortcuts_and_dirty_marker(window: MainWindow, qtbot: QtBot,
                                              type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert not window.isWindowModified()
    type_text(_lr(window).spin, "0.02")
    assert window.isWindowModified() and "[*]" in window.windowTitle()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # type: ignore[no-untyped-call]
    assert window.document is not None
    assert window.document.value("baseline.optimizer.lr") == pytest.approx(0.003)
    assert not window.isWindowModified()
    assert _lr(window).spin.value() == pytest.approx(0.003)
    qtbot.keyClick(window, Qt.Key.Key_Z,  # type: ignore[no-untyped-call]
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.value("baseline.optimizer.lr") == pytest.approx(0.02)


def test_image_sources_and_augmentation_render_and_validate(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    kind = baseline.editor("data.source.kind")
    assert isinstance(kind, ChoiceEditor)
    kind.combo.setCurrentIndex(kind.combo.findData("image_folder"))
    kind.combo.activated.emit(kind.combo.currentIndex())
    assert window.document.value("baseline.data.source.kind") == "image_folder"
    for path in ("data.source.image_size", "data.source.channels", "data.source.loading",
                 "data.augment.crop_padding", "data.augment.horizontal_flip",
                 "data.augment.rotation", "training.num_workers"):
        assert baseline.editor(path).isVisibleTo(baseline), path
    crop = baseline.editor("data.augment.crop_padding")
    assert isinstance(crop, NumberEditor)
    type_text(crop.spin, "300")
    assert "less than or equal to 256" in (baseline.error_at("data.augment.crop_padding") or "")
    type_text(crop.spin, "2")
    assert baseline.error_at("data.augment.crop_padding") is None
    assert window.document.value("baseline.data.augment.crop_padding") == 2
    kind.combo.setCurrentIndex(kind.combo.findData("python_dataset"))
    kind.combo.activated.emit(kind.combo.currentIndex())
    assert baseline.editor("data.source.function").isVisibleTo(baseline)


def test_torchvision_model_fields_render(window: MainWindow) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    kind = baseline.editor("model.kind")
    assert isinstance(kind, ChoiceEditor)
    kind.combo.setCurrentIndex(kind.combo.findData("torchvision"))
    kind.combo.activated.emit(kind.combo.currentIndex())
    assert window.document.value("baseline.model.kind") == "torchvision"
    for path in ("model.name", "model.weights_path", "model.freeze", "model.trainable_blocks"):
        assert baseline.editor(path).isVisibleTo(baseline), path
    name = baseline.editor("model.name")
    assert isinstance(name, ChoiceEditor) and name.combo.findData("efficientnet_b0") >= 0


def test_early_stopping_fields_are_off_while_it_is_off(window: MainWindow) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    patience = baseline.binding.row("early_stopping.patience")
    enabled = baseline.binding.row("early_stopping.enabled")
    assert patience is not None and enabled is not None
    on = bool(window.document.value("baseline.early_stopping.enabled"))
    assert patience.isEnabled() == on
    window.document.set_value("baseline.early_stopping.enabled", not on)
    assert patience.isEnabled() == (not on) and enabled.isEnabled()
    window.document.undo_stack.undo()
    assert patience.isEnabled() == on


def test_generated_only_fields_are_hidden_for_the_bundled_sets(window: MainWindow) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    rows = [baseline.binding.row(p) for p in ("data.source.n_samples", "data.source.noise")]
    assert all(r is not None and r.isHidden() for r in rows)  # digits: bundled
    labels = [_form_label(r) for r in rows]
    assert all(label is not None and label.isHidden() for label in labels)  # no bare label
    window.document.set_value("baseline.data.source.name", "moons")
    assert all(r is not None and not r.isHidden() for r in rows)
    assert all(label is not None and not label.isHidden() for label in labels)


def _form_label(row: QWidget | None) -> QWidget | None:
    """The label beside a field row in its QFormLayout."""
    assert row is not None
    parent = row.parentWidget()
    assert parent is not None
    form = parent.layout()
    assert isinstance(form, QFormLayout)
    return form.labelForField(row)


def test_display_precision_never_becomes_the_stored_value(window: MainWindow,
                                                          qtbot: QtBot) -> None:
    """A stored LR shows as 0.0037562; Enter and Tab through the field keep it whole, and
    typing a new value stores exactly what was typed."""
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    document = window.document
    exact = 0.00375619614449984
    document.set_value("baseline.optimizer.lr", exact)
    lr = _lr(window)
    assert lr.spin.text() == "0.0037562"  # shown short
    lr.spin.setFocus()
    qtbot.keyClick(lr.spin, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    qtbot.keyClick(lr.spin, Qt.Key.Key_Tab)  # type: ignore[no-untyped-call]
    assert document.value("baseline.optimizer.lr") == exact  # kept whole underneath
    line = lr.spin.lineEdit()
    assert line is not None
    lr.spin.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "0.00030000000000000003")  # type: ignore[no-untyped-call]
    qtbot.keyClick(line, Qt.Key.Key_Return)  # type: ignore[no-untyped-call]
    assert document.value("baseline.optimizer.lr") == 0.00030000000000000003
    assert lr.spin.text() == "0.0003"


def _wheel_over(window: MainWindow, widget: QWidget, qtbot: QtBot, notches: int = -1) -> None:
    """A real (spontaneous) wheel turn with the pointer over `widget`, as the window system
    delivers it: Qt picks the widget under the pointer and offers the event to its parents
    when it is not accepted."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    handle = window.windowHandle()
    assert handle is not None
    QTest.wheelEvent(handle, widget.mapTo(window, widget.rect().center()),
                     QPoint(0, 120 * notches))
    qtbot.wait(10)


@pytest.mark.parametrize(("path", "value"), [("training.batch_size", 64),
                                              ("training.loss", "auto")])
def test_wheel_over_an_unfocused_field_scrolls_the_form(
        window: MainWindow, qtbot: QtBot, path: str, value: object) -> None:
    window.resize(1280, 800)
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    baseline = window.project_view.baseline
    window.project_view.tabs.setCurrentWidget(baseline)
    editor = baseline.editor(path)
    field = editor.focus_widget
    scroll_bar = baseline.scroll_area.verticalScrollBar()
    baseline.scroll_area.ensureWidgetVisible(field, 0, 200)
    qtbot.waitUntil(lambda: field.isVisible())
    before = scroll_bar.value()
    assert scroll_bar.maximum() > before, "the form must be scrollable for this test"
    _wheel_over(window, field, qtbot)
    assert scroll_bar.value() > before  # the form scrolled
    assert window.document.value(f"baseline.{path}") == value  # and the field kept its value
    assert not field.hasFocus()
    # Focused (a click or Tab), the field takes the wheel: the user means to change it.
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    baseline.scroll_area.ensureWidgetVisible(field, 0, 200)
    scrolled = scroll_bar.value()
    _wheel_over(window, field, qtbot)
    assert window.document.value(f"baseline.{path}") != value
    assert scroll_bar.value() == scrolled


def _choose_kind(window: MainWindow, path: str, kind: str) -> None:
    assert window.project_view is not None
    combo = window.project_view.baseline.editor(path)
    assert isinstance(combo, ChoiceEditor)
    combo.combo.setCurrentIndex(combo.combo.findData(kind))
    combo.combo.activated.emit(combo.combo.currentIndex())


def test_data_and_model_paths_have_browse_and_say_when_missing(
        window: MainWindow, qtbot: QtBot, type_text: TypeText, project_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.gui.common import file_dialogs
    from tunestudio.gui.form.editors import OptionalEditor, PathEditor

    folder = project_file.parent
    assert window.session.open_project(project_file) and window.project_view is not None
    assert window.document is not None
    baseline = window.project_view.baseline
    _choose_kind(window, "data.source.kind", "csv")
    data = baseline.editor("data.source.path")
    assert isinstance(data, PathEditor) and data.warning.isVisibleTo(baseline)
    assert data.warning.text() == f"⚠ No such file: {folder / 'data.csv'} (relative to {folder})"
    (folder / "tables").mkdir()
    (folder / "tables" / "d.csv").write_text("x,label\n1,0\n2,1\n")
    picked: list[tuple[Path, bool]] = []

    def pick(parent: object, caption: str, start: Path, want_folder: bool) -> Path:
        picked.append((start, want_folder))
        return folder / "tables" / "d.csv"

    monkeypatch.setattr(file_dialogs, "ask_open_path", pick)
    qtbot.mouseClick(data.browse, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert picked == [(folder, False)]  # a file, from the project's folder
    assert window.document.value("baseline.data.source.path") == "tables/d.csv"  # relative
    assert not data.warning.isVisibleTo(baseline)
    type_text(data.line, "tables/gone.csv")
    assert data.warning.isVisibleTo(baseline) and "gone.csv" in data.warning.text()
    _choose_kind(window, "data.source.kind", "image_folder")
    images = baseline.editor("data.source.path")
    assert isinstance(images, PathEditor) and images.folder  # a folder of class folders
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *a: folder / "tables")
    qtbot.mouseClick(images.browse, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert window.document.value("baseline.data.source.path") == "tables"
    assert not images.warning.isVisibleTo(baseline)
    _choose_kind(window, "model.kind", "python")
    model = baseline.editor("model.path")
    assert isinstance(model, PathEditor) and model.warning.isVisibleTo(baseline)
    (folder / "model.py").write_text("")  # made outside the app: seen when it is back
    QGuiApplication.instance().applicationStateChanged.emit(  # type: ignore[union-attr]
        Qt.ApplicationState.ApplicationActive)
    assert not model.warning.isVisibleTo(baseline)
    weights = baseline.editor("model.weights_path")
    assert isinstance(weights, OptionalEditor) and isinstance(weights.inner, PathEditor)
