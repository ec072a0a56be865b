"""The analysis views after a real 3-trial experiment: every plot holds the trials' data as the
store has it, importance comes from Optuna's evaluators on the study in the project's storage,
each view exports, and the report carries the journal, the best config and the plots."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import add_trial_of_other_baseline, run_headless
from tunestudio.config import Project
from tunestudio.gui.analysis.report import write_report
from tunestudio.gui.analysis.view import TABS, AnalysisView
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.plots.log_axis import LogValueAxis
from tunestudio.store import Store


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("analysis"))


@pytest.fixture
def view(project: Project, qtbot: QtBot) -> Iterator[AnalysisView]:
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    analysis = AnalysisView(insights)
    qtbot.addWidget(analysis)
    analysis.resize(1100, 700)
    analysis.show()
    qtbot.waitUntil(lambda: analysis.data is not None, timeout=10_000)
    yield analysis
    insights.close()


def stored(project: Project) -> tuple[list, dict]:  # type: ignore[type-arg]
    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        rows = [r for r in store.trials(exp.id) if r.state == "complete"]
        return rows, store.eval_series([r.id for r in rows])
    finally:
        store.close()


def test_history_parallel_slices_and_contour_hold_every_trial(
        view: AnalysisView, project: Project) -> None:
    rows, _ = stored(project)
    assert len(rows) == 3
    by_number = sorted(rows, key=lambda r: r.number)
    objective = np.array([r.objective for r in by_number])
    x, y = view.history.points.getData()
    assert list(x) == [r.number for r in by_number] and np.allclose(y, objective)
    bx, best = view.history.best.getData()  # a staircase through the best so far
    assert np.allclose(best[::2], np.maximum.accumulate(objective))
    assert list(bx[::2]) == [r.number for r in by_number]
    assert view.parallel.line_count == 3
    # the best trial's line drawn over the others, and a colour bar of the objective
    best = by_number[int(np.argmax(objective))]
    assert view.parallel.best_line is not None
    assert f"#{best.number}" in view.parallel.best_line.name()
    assert view.parallel.best_line.zValue() > 0
    assert view.parallel.bar is not None
    assert view.parallel.bar.levels() == pytest.approx((objective.min(), objective.max()))
    dims = project.experiments[0].search.dimensions
    assert set(view.slices.points) == {d.path for d in dims}
    for dim in dims:
        plot = view.slices.plots[dim.path]
        assert len(view.slices.points[dim.path].data) == 3
        log = dim.type != "categorical" and bool(getattr(dim, "log", False))
        assert isinstance(plot.getAxis("bottom"), LogValueAxis) == log
        sx, sy = view.slices.points[dim.path].getData()
        if dim.type != "categorical":
            expected = np.array([r.params[dim.path] for r in by_number], dtype=float)
            assert np.allclose(np.sort(sx), np.sort(np.log10(expected) if log else expected))
        assert np.allclose(np.sort(sy), np.sort(objective))
    assert len(view.contour.points.data) == 3
    assert view.contour.x_combo.currentText() == "optimizer.lr"
    assert view.contour.image.image is not None and view.contour.image.image.shape == (60, 60)


def test_importance_from_the_study_in_the_project_storage(view: AnalysisView,
                                                          qtbot: QtBot) -> None:
    # before the first result: a hint in the plot's place, not bare axes
    assert view.importance.page.is_empty and "once computed" in \
        view.importance.page.hint.text()
    view.tabs.setCurrentWidget(view.importance)
    qtbot.waitUntil(lambda: bool(view.importance.importances), timeout=30_000)
    assert not view.importance.page.is_empty and view.importance.view.isVisible()
    dims = {"optimizer.lr", "optimizer.weight_decay", "model.width", "training.batch_size"}
    assert set(view.importance.importances) <= dims
    assert sum(view.importance.importances.values()) == pytest.approx(1.0, abs=1e-6)
    assert "matters most" in view.importance.message.text()


def test_batch_size_view_has_a_curve_per_batch_size_against_wall_clock(
        view: AnalysisView, project: Project) -> None:
    rows, evals = stored(project)
    sizes = {r.params["training.batch_size"] for r in rows}
    curves = view.batch.curves
    assert len(curves) == len(sizes) == len(view.data.batch_curves)  # type: ignore[union-attr]
    for item, curve in zip(curves, view.data.batch_curves, strict=True):  # type: ignore[union-attr]
        best = max((r for r in rows if r.params["training.batch_size"] == curve.batch_size),
                   key=lambda r: r.objective)
        assert curve.number == best.number
        wall, metric = item.getData()
        assert np.allclose(wall, evals[best.id].wall_s)
        assert np.allclose(metric, evals[best.id].metrics["val_accuracy"])
        assert np.all(np.diff(wall) > 0)


def test_every_view_exports_png_svg_and_csv(view: AnalysisView, tmp_path: Path,
                                            qtbot: QtBot) -> None:
    view.tabs.setCurrentWidget(view.importance)
    qtbot.waitUntil(lambda: bool(view.importance.importances), timeout=30_000)
    for index, name in enumerate(TABS):
        stem = tmp_path / name.replace(" ", "-")
        png = view.export(index, stem.with_suffix(".png"))
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert "<svg" in view.export(index, stem.with_suffix(".svg")).read_text()
        with view.export(index, stem.with_suffix(".csv")).open() as fh:
            records = list(csv.reader(fh))
        assert len(records) > 1
    with (tmp_path / "History.csv").open() as fh:
        history = list(csv.DictReader(fh))
    assert len(history) == 3 and "optimizer.lr" in history[0]


@pytest.mark.parametrize("suffix", [".md", ".html"])
def test_the_report_carries_journal_best_config_and_plots(
        view: AnalysisView, project: Project, tmp_path: Path, suffix: str) -> None:
    path = write_report(view, tmp_path / f"report{suffix}")
    text = path.read_text()
    exp = project.experiments[0]
    assert exp.goal in text and exp.hypothesis in text
    rows, _ = stored(project)
    best = max(rows, key=lambda r: r.objective)
    assert f"Trial #{best.number}" in text
    config_text = text.split("```json\n")[1].split("\n```")[0] if suffix == ".md" else None
    if config_text is not None:
        assert json.loads(config_text)["optimizer"]["lr"] == best.params["optimizer.lr"]
    images = sorted((tmp_path / "report_files").glob("*.png"))
    assert len(images) == len(TABS)
    for image in images:
        assert image.stat().st_size > 1000
        assert f"report_files/{image.name}" in text


def test_points_name_their_trial_on_hover_and_select_it_on_click(
        view: AnalysisView, project: Project, qtbot: QtBot) -> None:
    """History, slices and contour: each point's tooltip names the trial, its values and its
    objective; a click makes it the one selection the table and the panels follow."""
    from PySide6.QtCore import QPointF

    from tunestudio.gui.trials.table_view import TrialsPanel

    table = TrialsPanel(view.insights)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitUntil(lambda: table.model.rowCount() == 3, timeout=10_000)
    rows, _ = stored(project)
    by_id = {r.id: r for r in rows}
    name = project.experiments[0].name
    for item in (view.history.points, view.contour.points,
                 *view.slices.points.values()):
        points = item.points()
        assert len(points) == 3
        for point in points:
            trial_id, tip = point.data()
            row = by_id[trial_id]
            assert tip.startswith(f"{name} #{row.number} · lr=")
            assert "val_accuracy = " in tip
            assert item.opts["tip"](x=0.0, y=0.0, data=point.data()) == tip
    # a click on the history's point of the last trial selects it everywhere
    last = max(rows, key=lambda r: r.number)
    point = next(p for p in view.history.points.points() if p.data()[0] == last.id)
    view.history.points.sigClicked.emit(view.history.points, [point], None)
    assert view.insights.compared == [last.id] and view.insights.focus == last.id
    assert [t.id for t in table.selected_trials()] == [last.id]
    # and a slice's point of another trial moves the selection there
    first = min(rows, key=lambda r: r.number)
    item = next(iter(view.slices.points.values()))
    point = next(p for p in item.points() if p.data()[0] == first.id)
    item.sigClicked.emit(item, [point], None)
    assert [t.id for t in table.selected_trials()] == [first.id]
    assert isinstance(QPointF(point.pos()), QPointF)
    table.close_view()


def _viewport_pos(plot: object, x: float, y: float) -> object:
    """Plot coordinates of a pg.PlotWidget to its viewport's pixel, for a real mouse click."""
    from PySide6.QtCore import QPointF

    box = plot.getPlotItem().getViewBox()  # type: ignore[attr-defined]
    return plot.mapFromScene(box.mapViewToScene(QPointF(x, y)))  # type: ignore[attr-defined]


def test_a_click_on_a_parallel_line_selects_its_trial(
        view: AnalysisView, project: Project, qtbot: QtBot) -> None:
    """A real mouse click on a trial's line in parallel coordinates makes that trial the one
    selection (table and panels follow); a click away from every line changes nothing."""
    from PySide6.QtCore import Qt

    from tunestudio.gui.trials.table_view import TrialsPanel

    table = TrialsPanel(view.insights)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitUntil(lambda: table.model.rowCount() == 3, timeout=10_000)
    view.tabs.setCurrentWidget(view.parallel)
    qtbot.waitExposed(view.parallel)
    plot = view.parallel
    ys, ids = plot._ys, plot._ids
    assert ys.shape[0] == 3
    for k in (0, 1, 2):  # every trial, each where its line stands farthest from the others
        best_x, best_gap = 0.0, -1.0
        for x in np.linspace(0.0, ys.shape[1] - 1, 4 * ys.shape[1] - 3):
            i = min(int(x), ys.shape[1] - 2)
            line = ys[:, i] * (1 - (x - i)) + ys[:, i + 1] * (x - i)
            gap = float(np.min(np.abs(np.delete(line, k) - line[k])))
            if gap > best_gap:
                best_x, best_gap, best_y = float(x), gap, float(line[k])
        assert best_gap > 0.05  # the three lines part somewhere
        # pytest-qt leaves QtBot's key and mouse helpers untyped
        qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                         pos=_viewport_pos(plot, best_x, best_y))
        assert view.insights.compared == [ids[k]] and view.insights.focus == ids[k]
        assert [t.id for t in table.selected_trials()] == [ids[k]]
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                     pos=_viewport_pos(plot, 0.5, 1.1))  # above every line
    assert view.insights.compared == [ids[2]]
    table.close_view()


def test_a_click_on_a_batch_size_legend_entry_selects_its_trial(
        view: AnalysisView, project: Project, qtbot: QtBot) -> None:
    """Each entry of the batch-size view's legend names the best trial of a size; a real
    click on it makes that trial the one selection (the table follows) and hides nothing."""
    from gui_helpers import click_legend_entry
    from tunestudio.gui.trials.table_view import TrialsPanel

    table = TrialsPanel(view.insights)
    qtbot.addWidget(table)
    table.show()
    qtbot.waitUntil(lambda: table.model.rowCount() == 3, timeout=10_000)
    view.tabs.setCurrentWidget(view.batch)
    qtbot.waitExposed(view.batch)
    assert view.data is not None and view.batch.curves
    for item, curve in zip(view.batch.curves, view.data.batch_curves, strict=True):
        click_legend_entry(qtbot, view.batch, view.batch.legend, item)
        assert view.insights.compared == [curve.trial_id]
        assert view.insights.focus == curve.trial_id
        assert [t.id for t in table.selected_trials()] == [curve.trial_id]
        assert item.isVisible()  # a click selects, never hides
    rows, _ = stored(project)
    assert {c.trial_id for c in view.data.batch_curves} <= {r.id for r in rows}
    table.close_view()


def test_a_trial_of_another_baseline_is_shown_but_never_the_best(
        view: AnalysisView, project: Project, qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    exp = store.experiment(project.experiments[0].name)
    assert exp is not None
    try:
        tid = add_trial_of_other_baseline(store, exp.id, project, number=99, lr=0.002,
                                          objective=1.0, extra_epochs=3)
        view.reload()
        qtbot.waitUntil(lambda: view.data is not None and len(view.data) == 4, timeout=10_000)
        data = view.data
        assert data is not None and int(data.stale.sum()) == 1
        best = data.best_index()
        assert best is not None and int(data.ids[best]) != tid
        assert 1.0 not in data.best_so_far()
        assert "1 trained on another baseline, not counted as best" in view.status.text()
        assert view.parallel.best_line is not None
        assert "#99" not in view.parallel.best_line.name()
    finally:
        store.delete_trial(tid)
        store.close()


def test_an_excluded_trial_is_hidden_unless_shown_and_never_the_best(
        view: AnalysisView, project: Project, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Excluded: out of the plots by default (said in the status line) and out of importance;
    the toggle draws it, marked, never the best nor on the Pareto front."""
    from tunestudio.search import importance

    asked: list[frozenset[int]] = []
    real = importance.param_importance

    def spy(url: str, name: str, evaluator: str = "ped_anova",
            excluded: frozenset[int] = frozenset(), params: list[str] | None = None,
            notes: list[str] | None = None) -> dict[str, float]:
        asked.append(frozenset(excluded))
        return real(url, name, evaluator, excluded, params, notes)

    monkeypatch.setattr(importance, "param_importance", spy)
    store = Store.open(project.storage_url)
    exp = store.experiment(project.experiments[0].name)
    assert exp is not None
    best = store.best_trial(exp.id, "maximize")
    assert best is not None
    try:
        store.exclude_trials(exp.id, [best.number], "broken data")
        view.reload()
        qtbot.waitUntil(lambda: view.data is not None and len(view.data) == 2, timeout=10_000)
        assert best.id not in view.data.ids.tolist()  # type: ignore[union-attr]
        assert "1 excluded trial(s) hidden" in view.status.text()
        view.compute_importance()
        qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
        assert asked[-1] == {best.optuna_trial_id}

        view.show_excluded.setChecked(True)
        qtbot.waitUntil(lambda: view.data is not None and len(view.data) == 3, timeout=10_000)
        data = view.data
        assert data is not None and data.excluded.tolist().count(True) == 1
        shown = data.ids.tolist().index(best.id)
        assert data.excluded[shown] and not data.on_front[shown]
        index = data.best_index()
        assert index is not None and int(data.ids[index]) != best.id
        assert "1 excluded trial(s) shown, not counted" in view.status.text()
    finally:
        store.include_trials(exp.id, [best.number])
        store.close()


def test_a_long_search_is_drawn_from_a_sample_and_says_so(
        view: AnalysisView, project: Project, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond MAX_DRAWN complete trials (2 here, for 3 trials) the plots draw a sample with the
    best trial in it, the best-so-far line still runs over every trial, and the status line
    says what is drawn."""
    from tunestudio.gui.analysis import data as analysis_data

    qtbot.waitUntil(lambda: view.data is not None, timeout=10_000)
    monkeypatch.setattr(analysis_data, "MAX_DRAWN", 2)
    monkeypatch.setattr(analysis_data, "TOP_DRAWN", 1)
    # read here as the view's load does on its lane (the lane's timing is not under test)
    insights = view.insights
    experiment = insights.experiment()
    assert experiment is not None
    view.show_data(analysis_data.load_analysis(
        insights.history, insights.url, experiment, insights.baseline(),
        view.show_excluded.isChecked()))
    rows, _ = stored(project)
    by_number = sorted(rows, key=lambda r: r.number)
    objective = np.array([r.objective for r in by_number])
    x, _ = view.history.points.getData()
    best = by_number[int(np.argmax(objective))].number
    data = view.data
    assert data is not None and data.sample is not None
    # the best, the Pareto front (the trials' times are the second objective: measured, so
    # the front holds one to three of the three trials), and an even spread up to 2
    shown = max(2, int(data.on_front.sum()) if len(data.on_front) == len(data) else 0)
    assert len(data.sample) == len(x) == shown and best in x
    assert list(x) == list(data.sample.numbers)
    assert view.parallel.line_count == shown
    bx, line = view.history.best.getData()
    assert np.allclose(line[::2][-1], objective.max()) and bx[-1] == by_number[-1].number
    assert f"plots draw {shown} of them: the best 1" in view.status.text()
