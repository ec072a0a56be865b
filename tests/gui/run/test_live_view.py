"""The live view during and after a real 3-trial run: the curves hold exactly the points the
store holds, the planned LR of a warm-up + cosine config is the engine's schedule step by step,
compared trials are overlaid from the store, the x-axis switches, the crosshair reads values,
and the plots export to PNG, SVG and CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import Setup, make_setup
from tunestudio.config import merge_values
from tunestudio.engine import load_splits, planned_lr
from tunestudio.gui.common.numbers import trial_label
from tunestudio.gui.plots.panel import TrialCurves
from tunestudio.gui.run.live_view import LiveView


@pytest.fixture
def setup(qtbot: QtBot, tmp_path: Path) -> Iterator[Setup]:
    yield from make_setup(None, tmp_path)


@pytest.fixture
def ran(setup: Setup, qtbot: QtBot) -> tuple[Setup, LiveView]:
    view = LiveView(setup.insights)
    qtbot.addWidget(view)
    view.attach(setup.controller)
    view.resize(1000, 700)
    view.show()
    setup.run(qtbot)
    view.refresh()
    return setup, view


def counts(curves: TrialCurves) -> dict[str, int]:
    return {k: len(c) for k, c in curves.all().items()}


def expected_counts(steps: int, evals: int) -> dict[str, int]:
    return {"loss": steps, "smooth": steps, "lr": steps, "grad": steps, "val": evals,
            "train": evals, "metric": evals}


def test_after_a_three_trial_run_each_plot_holds_the_stored_points(
        ran: tuple[Setup, LiveView]) -> None:
    setup, view = ran
    rows, steps, evals = setup.stored()
    assert [r.state for r in rows] == ["complete"] * 3
    last_started = max(r.id for r in rows)  # ids follow start order, fused groups included
    assert view.live_id == last_started and view.live is not None
    shown = {last_started: view.live, **view.finished}
    assert set(shown) == {r.id for r in rows}
    for row in rows:
        curves = shown[row.id]
        assert counts(curves) == expected_counts(len(steps[row.id]), len(evals[row.id]))
        x, y = curves.loss.data("step")
        assert np.array_equal(x, steps[row.id].step) and np.allclose(y, steps[row.id].loss)
        _, val = curves.val.data("epoch")
        assert np.allclose(val, evals[row.id].val_loss)
        # what pyqtgraph was handed is the whole series
        assert len(curves.loss.item.getOriginalDataset()[0]) == len(steps[row.id])
    assert "#" in view.status.text() and "complete" in view.status.text()


def test_the_planned_lr_of_warmup_and_cosine_is_the_engines_schedule(
        ran: tuple[Setup, LiveView]) -> None:
    setup, view = ran
    rows, steps, _ = setup.stored()
    # the trial the view follows: the last started (trials of a fused group start together,
    # so not necessarily the highest number)
    live = next(r for r in rows if r.id == view.live_id)
    config = merge_values(setup.project.baseline, live.params)
    assert config.schedule.kind == "cosine" and config.schedule.warmup_epochs == 1.0
    n_train = load_splits(config.data).n_train
    x, planned = view.planned.data("step")
    expected = planned_lr(config, n_train)
    assert len(planned) == len(expected) == config.training.epochs * len(
        set(steps[live.id].step[steps[live.id].epoch == 0]))
    assert np.array_equal(x, np.arange(1, len(expected) + 1))
    assert np.allclose(planned, expected, rtol=1e-12, atol=0)
    assert planned[0] < planned.max()  # the warm-up rises first
    assert view.live is not None
    _, actual = view.live.lr.data("step")
    assert np.allclose(actual, expected[:len(actual)], rtol=1e-6)


def test_selecting_two_trials_overlays_both_from_the_store(
        setup: Setup, qtbot: QtBot, ran: tuple[Setup, LiveView]) -> None:
    rows, steps, evals = setup.stored()
    fresh = LiveView(setup.insights)  # a view that saw no run reads everything from the store
    qtbot.addWidget(fresh)
    pick = [rows[0].id, rows[2].id]
    setup.insights.compare(pick)
    qtbot.waitUntil(lambda: set(fresh.overlays) == set(pick), timeout=10_000)
    for tid in pick:
        assert counts(fresh.overlays[tid]) == expected_counts(len(steps[tid]), len(evals[tid]))
        # steps at the wall-clock times stored with them
        assert np.array_equal(fresh.overlays[tid].loss.data("wall")[0], steps[tid].wall_s)
    legend = fresh.panel.legend.names()
    name = setup.insights.experiment_name
    assert legend == [trial_label(name, r.number, r.params) for r in (rows[0], rows[2])]
    assert legend[0].startswith(f"{name} #{rows[0].number} · lr=")
    # drawn without the experiment's name, which every entry shares; whole in the tooltip
    assert [label.item.toPlainText().split(" ")[0] for _, label in fresh.panel.legend.items] \
        == [f"#{r.number}" for r in (rows[0], rows[2])]
    assert [label.toolTip() for _, label in fresh.panel.legend.items] == legend
    setup.insights.compare([rows[2].id])
    assert set(fresh.overlays) == {rows[2].id}
    assert fresh.panel.legend.names() == [
        trial_label(name, rows[2].number, rows[2].params)]


def test_x_axis_switches_and_the_crosshair_reads_values(ran: tuple[Setup, LiveView]) -> None:
    setup, view = ran
    assert view.live is not None
    for mode in ("epoch", "wall"):
        view.set_x_mode(mode)
        x, _ = view.live.loss.item.getOriginalDataset()
        assert np.all(np.diff(x) > 0) and np.isfinite(x).all()
    epochs = setup.project.baseline.training.epochs
    assert view.live.loss.data("epoch")[0][-1] == pytest.approx(epochs)
    wall = view.live.loss.data("wall")[0]
    assert 0 < wall[-1] < 60
    # the trainer's own time of each step, as evented and stored, not an estimate
    _, steps, evals = setup.stored()
    assert view.live_id is not None and np.isfinite(steps[view.live_id].wall_s).all()
    assert np.array_equal(wall, steps[view.live_id].wall_s)
    # and on the evaluations' clock: an evaluation comes after the step it follows
    e = evals[view.live_id]
    at = np.searchsorted(steps[view.live_id].step, e.step)
    assert np.all(steps[view.live_id].wall_s[at] <= e.wall_s)
    view.set_x_mode("step")
    x, y = view.live.smooth.data("step")
    mid = len(x) // 2
    text = view.crosshair.show_at("loss", float(x[mid]))
    assert f"{y[mid]:.4g}" in text and view.reading.text().startswith("<b>loss</b>")


def test_plots_export_to_png_svg_and_csv(ran: tuple[Setup, LiveView], tmp_path: Path) -> None:
    setup, view = ran
    png = view.export(tmp_path / "curves.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = view.export(tmp_path / "curves.svg")
    assert "<svg" in svg.read_text()
    table = view.export(tmp_path / "curves.csv")
    with table.open() as fh:
        records = list(csv.DictReader(fh))
    rows, steps, _ = setup.stored()
    row = next(r for r in rows if r.id == view.live_id)  # the trial the view follows
    live = trial_label(setup.insights.experiment_name, row.number, row.params)
    live_loss = [r for r in records if r["trial"] == live and r["series"] == "loss"]
    assert len(live_loss) == len(steps[row.id])
    assert float(live_loss[0]["value"]) == pytest.approx(steps[row.id].loss[0])


def test_the_lr_plot_is_log_by_default_with_a_toggle(qtbot: QtBot, tmp_path: Path) -> None:
    from gui_helpers import fast_project
    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.gui.common.insights import Insights

    insights = Insights(ProjectDocument.from_project(fast_project()))
    view = LiveView(insights)
    qtbot.addWidget(view)
    try:
        check_lr_toggle(view)
    finally:
        view.close_view()
        insights.close()


def check_lr_toggle(view: LiveView) -> None:
    from tunestudio.gui.plots.log_axis import LogValueAxis, log_ticks

    lr = view.panel.plots["lr"]
    assert view.lr_log.isChecked() and lr.ctrl.logYCheck.isChecked()
    assert isinstance(lr.getAxis("left"), LogValueAxis)
    view.lr_log.click()
    assert not lr.ctrl.logYCheck.isChecked()
    assert not isinstance(lr.getAxis("left"), LogValueAxis)
    view.lr_log.click()
    assert lr.ctrl.logYCheck.isChecked()
    # ticks at round values: decades, then 1-2-5 within them
    levels = log_ticks(-4.3, -1.8)
    assert [round(10 ** v, 12) for v in levels[0][1]] == [0.0001, 0.001, 0.01]
    assert {round(10 ** v / 10 ** np.floor(v), 6) for v in levels[1][1]} == {2.0, 5.0}
    assert [round(10 ** v, 12) for v in log_ticks(-3.0, -2.5)[0][1]] == [
        0.001, 0.002, 0.003]  # under a decade: the whole multiples are labelled


def test_the_top_loss_plot_fills_its_width_with_the_lr_plots_range(qtbot: QtBot) -> None:
    """The loss plot spans both columns: it shows the LR plot's x range over its whole width
    (an x-link would align pixels and leave its right half empty), and gives its pans back."""
    from tunestudio.gui.plots.panel import PlotPanel

    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitExposed(panel)
    panel.plots["lr"].setXRange(0.0, 240.0, padding=0)
    assert panel.plots["loss"].viewRange()[0] == pytest.approx([0.0, 240.0])
    assert panel.plots["loss"].width() > 1.5 * panel.plots["lr"].width()
    panel.plots["loss"].setXRange(50.0, 100.0, padding=0)
    assert panel.plots["lr"].viewRange()[0] == pytest.approx([50.0, 100.0])
    assert panel.plots["grad"].viewRange()[0] == pytest.approx([50.0, 100.0], rel=0.05)
    # titles follow the x axis
    panel.set_x_label("epoch")
    assert "epoch" in panel.plots["loss"].titleLabel.text


def test_steps_stored_without_a_time_fall_back_to_the_evaluations_clock() -> None:
    """Steps stored before steps kept their time (NaN) are placed from the evaluation times;
    stored times are used as they are."""
    from tunestudio.gui.plots.axes import step_walls

    step = np.array([1.0, 2.0, 3.0, 4.0])
    stored = np.array([0.5, np.nan, np.nan, 3.25])
    got = step_walls(stored, step, eval_step=np.array([2.0]), eval_wall=np.array([1.0]))
    assert got.tolist() == [0.5, 1.0, 1.5, 3.25]
    assert step_walls(np.array([0.1, 0.2]), step[:2], np.zeros(0), np.zeros(0)).tolist() == \
        [0.1, 0.2]
