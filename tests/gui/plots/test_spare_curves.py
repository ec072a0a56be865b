"""A trial's curves taken off the plots wait hidden for the next trial: a new trial's curves
reuse them (no item added to the scene while training runs, the cost of the GUI-thread stall
at each trial start), restyled, renamed and empty, and hidden curves count for no range."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pytestqt.qtbot import QtBot

from tunestudio.gui.plots.axes import X_MODES
from tunestudio.gui.plots.panel import PlotPanel


def scene_items(panel: PlotPanel) -> int:
    return sum(len(plot.vb.addedItems) for plot in panel.plots.values())


def legend_names(panel: PlotPanel) -> list[str]:
    return panel.legend.names()


def test_a_new_trial_reuses_the_curves_of_one_taken_off(qtbot: QtBot) -> None:
    panel = PlotPanel()
    qtbot.addWidget(panel)
    first = panel.trial_curves("trial 1 (running)", "#1565c0", bold=True)
    xs = {m: np.arange(1.0, 51.0) for m in X_MODES}
    first.add_steps(xs, np.linspace(2, 1, 50), np.linspace(2, 1, 50), np.full(50, 0.1),
                    np.full(50, 3.0))
    first.refresh("step")
    items = scene_items(panel)
    assert legend_names(panel) == ["trial 1 (running)"]

    first.remove()
    assert not first.shown and legend_names(panel) == []
    assert not any(c.item.isVisible() for c in first.all().values())
    assert all(len(c) == 0 for c in first.all().values())
    # hidden, it widens no range: the loss plot's auto-range ignores its 50 steps
    assert panel.plots["loss"].vb.childrenBounds()[0] is None

    second = panel.trial_curves("trial 2 (running)", "#e65100", bold=True)
    assert second is first and scene_items(panel) == items  # nothing added to the scene
    assert legend_names(panel) == ["trial 2 (running)"]
    assert all(c.item.isVisible() for c in second.all().values())
    assert all(len(c) == 0 for c in second.all().values())
    assert second.smooth.item.opts["pen"].color() == pg.mkColor("#e65100")
    assert second.smooth.item.opts["pen"].widthF() == 2.0
    # the raw loss stays pale in the new colour, as a new trial's
    assert second.loss.item.opts["pen"].color() != pg.mkColor("#e65100")
    assert second.loss.item.opts["pen"].color().red() > 0xe6 - 1

    third = panel.trial_curves("trial 3 (running)", "#2e7d32")  # no spare left: a new set
    assert third is not second and scene_items(panel) == 2 * items


def test_keep_spare_prepares_curves_before_a_run(qtbot: QtBot) -> None:
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.keep_spare()
    panel.keep_spare()  # idempotent: one spare kept
    assert len(panel.spare) == 1 and legend_names(panel) == []
    items = scene_items(panel)
    live = panel.trial_curves("trial 1 (running)", "#1565c0", bold=True)
    assert scene_items(panel) == items and panel.spare == []
    assert legend_names(panel) == ["trial 1 (running)"] and live.shown
