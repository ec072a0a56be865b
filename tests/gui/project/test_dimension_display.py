"""Numbers in the experiment's dimensions table read rounded (four significant digits) while the
project keeps them exact."""

from __future__ import annotations

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
