"""The experiments list and the experiment editor: plan fields, search settings generated from
the models, dimensions picked from the config tree, and the trial counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from gui_helpers import TypeText
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.form.editors import (
    BoolEditor,
    ChoiceEditor,
    NotesEditor,
    NumberEditor,
    OptionalEditor,
)
from tunestudio.gui.project.dimension_picker import (
    DimensionPicker,
    default_dimension,
    searchable_leaves,
)


def test_add_experiment_state_its_goal_and_pick_a_dimension(
        window: MainWindow, qtbot: QtBot, type_text: TypeText,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    view = window.project_view
    view.tabs.setCurrentWidget(view.baseline)
    asked: list[str] = []

    def ask(*args: object, **kwargs: object) -> tuple[str, bool]:
        asked.append(str(kwargs.get("text", "")))
        return "lr-sweep", True

    monkeypatch.setattr(QInputDialog, "getText", ask)
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(view.experiments.add_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert asked == ["experiment"]  # Add asks for the name
    assert view.current_experiment() == "lr-sweep"
    assert view.tabs.currentWidget() is view.experiment  # and opens the new experiment
    editor = view.experiment
    goal = editor.editor("goal")
    assert isinstance(goal, NotesEditor)
    goal.text.setFocus()
    qtbot.keyClicks(goal.text, "Faster convergence")  # type: ignore[no-untyped-call]
    assert window.document.value("experiments.2.goal") == "Faster convergence"
    assert window.document.undo_stack.count() == 2  # add + one merged typing step

    def pick() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, DimensionPicker):
            QTimer.singleShot(20, pick)
            return
        qtbot.keyClicks(dialog.filter, "width")  # type: ignore[no-untyped-call]
        dialog.choose("model.width")
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]

    QTimer.singleShot(0, pick)
    qtbot.mouseClick(editor.dimensions.add_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    dims = window.document.value("experiments.2.search.dimensions")
    assert [d["path"] for d in dims] == ["model.width"]
    assert dims[0]["type"] == "int" and dims[0]["low"] == 64 and dims[0]["high"] == 256
    assert window.document.is_valid
    assert editor.dimensions.model.rowCount() == 1
    # grid over 3 points (64, 160, 256); OVAT: the baseline (128), then each of them
    assert "Grid would run 3 trials" in editor.counts.text()
    assert "one variable at a time 4 trials" in editor.counts.text()
    strategy = editor.editor("search.strategy")
    assert isinstance(strategy, ChoiceEditor)
    assert strategy.combo.currentText() == "Bayesian: TPE"
    grid_points = editor.dimensions.bindings["int"].editor("grid_points")
    assert isinstance(grid_points, NumberEditor)
    type_text(grid_points.spin, "5")
    assert "Grid would run 5 trials" in editor.counts.text()


def test_dimension_range_problem_is_shown_with_the_dimension(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None
    editor = window.project_view.experiment
    editor.dimensions.select(0)  # optimizer.lr, 1e-4 .. 3e-2
    high = editor.dimensions.bindings["float"].editor("high")
    assert isinstance(high, NumberEditor)
    type_text(high.spin, "1e-5")
    assert not window.run_action.isEnabled()
    assert "must be below high" in editor.dimensions.detail_error.text()
    assert "⚠" in str(editor.dimensions.model.index(0, 0).data())
    assert "Trial counts appear once the project is valid" in editor.counts.text()
    type_text(high.spin, "0.03")
    assert window.run_action.isEnabled() and editor.dimensions.detail_error.isHidden()


def test_conclusion_and_strategy_labels(window: MainWindow, qtbot: QtBot) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    view = window.project_view
    view.experiments.select(1)
    editor = view.experiment
    assert "one variable at a time" in editor.counts.text()
    strategy = editor.editor("search.strategy")
    assert isinstance(strategy, ChoiceEditor)
    index = strategy.combo.findData("grid")
    strategy.combo.setCurrentIndex(index)
    strategy.combo.activated.emit(index)
    assert window.document.value("experiments.1.search.strategy") == "grid"
    assert "this search (Grid (every combination)): 27 trials" in editor.counts.text()
    conclusion = editor.editor("conclusion")
    assert isinstance(conclusion, NotesEditor)
    conclusion.text.setPlainText("LR moved it most.")
    assert window.document.value("experiments.1.conclusion") == "LR moved it most."
    qtbot.mouseClick(view.experiments.remove_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert window.document.experiment_names() == ["bayes-lr-wd-width-batch"]
    assert view.current_experiment() == "bayes-lr-wd-width-batch"


def test_picker_lists_searchable_knobs_with_their_kinds() -> None:
    paths = {leaf.path for leaf in searchable_leaves()}
    assert {"optimizer.lr", "model.kind", "training.batch_size", "model.batch_norm"} <= paths
    assert "model.hidden_sizes" not in paths and "training.device" not in paths
    from tunestudio.config import RunConfig, from_template, resolve

    baseline = from_template("digits").baseline.model_dump(mode="json")
    lr = default_dimension(resolve(RunConfig, "optimizer.lr"), baseline)
    assert lr["log"] and abs(lr["low"] - 3e-4) < 1e-12 and abs(lr["high"] - 3e-2) < 1e-12
    kind = default_dimension(resolve(RunConfig, "optimizer.kind"), baseline)
    assert kind["choices"] == ["sgd", "adam", "adamw", "rmsprop"]
    flag = default_dimension(resolve(RunConfig, "model.batch_norm"), baseline)
    assert flag["choices"] == [True, False]


def test_fused_trials_setting_is_edited_per_experiment(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    editor = window.project_view.experiment
    fuse = editor.editor("search.fuse")
    assert isinstance(fuse, ChoiceEditor)
    assert fuse.combo.currentData() == "auto"
    index = fuse.combo.findData("off")
    fuse.combo.setCurrentIndex(index)
    fuse.combo.activated.emit(index)
    assert window.document.value("experiments.0.search.fuse") == "off"
    cap = editor.editor("search.fuse_trials")
    assert isinstance(cap, NumberEditor)
    type_text(cap.spin, "8")
    assert window.document.value("experiments.0.search.fuse_trials") == 8


def test_stop_rules_are_edited_per_experiment(
        window: MainWindow, type_text: TypeText) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    editor = window.project_view.experiment
    patience = editor.editor("search.stop.patience")
    assert isinstance(patience, OptionalEditor) and patience.value() is None
    patience.enabled_box.click()  # off by default: checked, it counts trials
    assert isinstance(patience.inner, NumberEditor)
    type_text(patience.inner.spin, "20")
    assert window.document.value("experiments.0.search.stop.patience") == 20
    assert editor.editor("search.stop.deadline") is not None
    assert editor.editor("search.stop.trial_hours") is not None


def test_removing_an_experiment_with_trials_asks(
        window: MainWindow, qtbot: QtBot, project_file: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.session.open_project(project_file)
    view, document = window.project_view, window.document
    assert view is not None and document is not None
    with qtbot.waitSignal(window.controller.run_finished, timeout=180_000):
        assert window.runs.start()
    asked: list[str] = []

    def question(parent: object, title: str, text: str, *a: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    view.experiments.select(0)
    qtbot.mouseClick(view.experiments.remove_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert asked and "3 trial(s)" in asked[0]
    assert "three" in document.experiment_names()  # kept: the user said no
    view.experiments.select(1)  # never ran: removed without asking
    other = view.current_experiment()
    qtbot.mouseClick(view.experiments.remove_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    assert len(asked) == 1 and other not in document.experiment_names()


def test_population_based_training_is_set_up_in_the_editor(
        window: MainWindow, type_text: TypeText) -> None:
    """Strategy PBT with its settings: the population, and per-dimension explore rules as a
    JSON list of objects (text that is not one is refused at the field, the document kept)."""
    from tunestudio.gui.form.editors import ListEditor

    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    editor = window.project_view.experiment
    strategy = editor.editor("search.strategy")
    assert isinstance(strategy, ChoiceEditor)
    assert strategy.combo.findData("pbt") >= 0
    population = editor.editor("search.pbt.population")
    assert isinstance(population, NumberEditor)
    type_text(population.spin, "24")
    assert window.document.value("experiments.0.search.pbt.population") == 24
    rules = editor.editor("search.pbt.explore")
    assert isinstance(rules, ListEditor)
    errors: list[str] = []
    rules.parse_failed.connect(errors.append)
    type_text(rules.line, "optimizer.lr")
    assert errors and "not JSON" in errors[-1]
    type_text(rules.line, '[{"path": "optimizer.lr", "factors": [0.5, 2.0]}]')
    [rule] = window.document.value("experiments.0.search.pbt.explore")
    assert rule == {"path": "optimizer.lr", "factors": [0.5, 2.0]}
    rules.set_value([{**rule, "resample_probability": None}])  # as the document holds it
    assert rules.line.text() == '[{"path": "optimizer.lr", "factors": [0.5, 2.0]}]'
    from tunestudio.config.pbt import ExploreRule

    rules.set_value([ExploreRule(path="optimizer.momentum", resample_probability=0.5)])
    assert rules.line.text() == '[{"path": "optimizer.momentum", "resample_probability": 0.5}]'


def test_pruning_of_hopeless_lineages_is_set_up_in_the_editor(
        window: MainWindow, type_text: TypeText) -> None:
    """PBT's pruning (pbt.prune): off by default, switched on with its patience, margin and
    floor; a floor not below the population is marked at its field, with the fix."""
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    editor = window.project_view.experiment
    enabled = editor.editor("search.pbt.prune.enabled")
    assert isinstance(enabled, BoolEditor) and not enabled.value()
    enabled.box.click()
    assert window.document.value("experiments.0.search.pbt.prune.enabled") is True
    patience = editor.editor("search.pbt.prune.patience")
    assert isinstance(patience, NumberEditor) and patience.value() == 2
    type_text(patience.spin, "3")
    assert window.document.value("experiments.0.search.pbt.prune.patience") == 3
    margin = editor.editor("search.pbt.prune.margin")
    assert isinstance(margin, NumberEditor)
    type_text(margin.spin, "0.01")
    assert window.document.value("experiments.0.search.pbt.prune.margin") == 0.01
    floor = editor.editor("search.pbt.prune.min_population")
    assert isinstance(floor, OptionalEditor) and floor.value() is None  # half the population
    floor.enabled_box.click()
    assert isinstance(floor.inner, NumberEditor)
    type_text(floor.inner.spin, "16")  # the population's default: nothing could be pruned
    error = editor.binding.row("search.pbt.prune.min_population").error  # type: ignore[union-attr]
    assert error is not None and "must be below population (16)" in error
    type_text(floor.inner.spin, "6")
    assert editor.binding.row("search.pbt.prune.min_population").error is None  # type: ignore[union-attr]
    assert window.document.project is not None
    assert window.document.project.experiments[0].search.pbt.prune.min_population == 6
