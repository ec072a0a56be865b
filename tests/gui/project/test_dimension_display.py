"""Numbers in the experiment's dimensions table read rounded (four significant digits) while the
project keeps them exact."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tunestudio.gui.app.main_window import MainWindow

RAW = 0.011712588580608897


def test_the_dimensions_table_rounds_its_floats_and_the_project_keeps_them(
        window: MainWindow) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    document = window.document
    document.set_value("experiments.0.search.dimensions.0.low", RAW / 10)
    document.set_value("experiments.0.search.dimensions.0.values", [RAW, 0.02])
    table = window.project_view.experiment.dimensions.model
    span = str(table.index(0, 2).data())
    assert span == "0.001171 … 0.03  (values 0.01171, 0.02)"
    assert document.value("experiments.0.search.dimensions.0.values") == [RAW, 0.02]
    assert document.value("experiments.0.search.dimensions.0.low") == RAW / 10


def test_the_dimensions_table_shows_each_dimensions_condition(window: MainWindow) -> None:
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    document = window.document
    dims = document.value("experiments.0.search.dimensions")
    document.set_value("experiments.0.search.dimensions", [
        {"type": "categorical", "path": "optimizer.kind", "choices": ["sgd", "adam"]},
        {"type": "float", "path": "optimizer.momentum", "low": 0.0, "high": 0.99,
         "condition": {"path": "optimizer.kind", "values": ["sgd"]}}, *dims])
    table = window.project_view.experiment.dimensions.model
    applies = [str(table.index(r, 5).data()) for r in range(table.rowCount())]
    assert applies[:3] == ["", "optimizer.kind ∈ {sgd}", ""]
    assert document.project is not None  # the conditional search is a valid project
    assert document.project.experiments[0].search.dimensions[1].condition is not None


def _greyed(window: MainWindow) -> dict[str, str]:
    """The rows the dimensions table shows greyed, by knob, with their tooltip."""
    assert window.project_view is not None
    table = window.project_view.experiment.dimensions.model
    return {str(table.index(r, 0).data()): str(table.index(r, 0).data(
        Qt.ItemDataRole.ToolTipRole)) for r in range(table.rowCount())
        if table.index(r, 0).data(Qt.ItemDataRole.ForegroundRole) is not None}


def test_the_editor_greys_the_dimensions_no_trial_varies(window: MainWindow) -> None:
    """A condition on a baseline field the baseline does not meet, one on a dimension that is
    inactive itself, and (one variable at a time) the other branch of the baseline's optimizer
    are greyed with the reason; choosing 'always' as the deciding knob brings one back."""
    window.session.new_project("digits")
    assert window.project_view is not None and window.document is not None
    document = window.document
    document.set_value("experiments.0.search.dimensions", [
        {"type": "categorical", "path": "optimizer.kind", "choices": ["sgd", "adam"]},
        {"type": "float", "path": "optimizer.momentum", "low": 0.0, "high": 0.99,
         "condition": {"path": "optimizer.kind", "values": ["sgd"]}},
        {"type": "float", "path": "optimizer.beta1", "low": 0.5, "high": 0.99,
         "condition": {"path": "optimizer.kind", "values": ["adam"]}},
        {"type": "float", "path": "optimizer.weight_decay", "low": 1e-6, "high": 1e-2,
         "log": True, "condition": {"path": "schedule.kind", "values": ["step"]}},
        {"type": "int", "path": "model.width", "low": 32, "high": 512,
         "condition": {"path": "optimizer.weight_decay", "values": [4e-4]}}])
    document.set_value("experiments.0.search.strategy", "tpe")
    assert document.project is not None, document.problems
    greyed = _greyed(window)
    assert set(greyed) == {"optimizer.weight_decay", "model.width"}
    assert "the baseline's schedule.kind is cosine" in greyed["optimizer.weight_decay"]
    assert "optimizer.weight_decay does not apply itself" in greyed["model.width"]

    editor = window.project_view.experiment.dimensions
    editor.select(1)  # momentum: its condition shown, its deciding knob among the earlier ones
    assert editor.condition_knob.currentData() == "optimizer.kind"
    assert [editor.condition_knob.itemData(i) for i in range(editor.condition_knob.count())] \
        == ["", "optimizer.kind"]
    assert editor.condition_text.text() == "Applies when optimizer.kind ∈ {sgd}."
    editor.select(3)
    assert "Greyed (inactive: the baseline's schedule.kind is cosine" in \
        editor.condition_text.text()

    # one variable at a time varies only the baseline's branch (Adam): momentum is greyed
    document.set_value("experiments.0.search.strategy", "ovat")
    assert set(_greyed(window)) == {"optimizer.momentum", "optimizer.weight_decay",
                                    "model.width"}

    # weight decay made unconditional through the knob's menu: it and the width apply again
    editor.select(3)
    editor.condition_knob.setCurrentIndex(0)
    editor.condition_knob.activated.emit(0)
    assert document.value("experiments.0.search.dimensions.3.condition") is None
    assert set(_greyed(window)) == {"optimizer.momentum"}
    assert editor.condition_text.text() == "Applies to every trial."
