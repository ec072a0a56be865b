"""Plots of an experiment over time: the optimisation history (each trial's objective and the
best so far, failed and pruned trials marked on the axis) and the batch-size view (validation
metric against wall-clock seconds, one curve per batch size: pick the size that improves
fastest in time, not in epochs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg

from tunestudio.gui.analysis.data import AnalysisData
from tunestudio.gui.analysis.picking import on_pick, point_labels, set_pickable
from tunestudio.gui.plots.legend import add_trial_legend
from tunestudio.gui.plots.log_axis import integer_ticks, tidy
from tunestudio.gui.plots.panel import OVERLAY_COLORS
from tunestudio.gui.plots.theme import follow_theme

_STATE_MARKS = {"pruned": ("#9e9e9e", "t"), "failed": ("#c62828", "x"),
                "diverged": ("#c62828", "x"), "invalid": ("#c62828", "x"),
                "interrupted": ("#ef6c00", "t")}


class HistoryPlot(pg.PlotWidget):  # type: ignore[misc]
    """The optimisation history: each complete trial's objective against its trial number, the
    best-so-far staircase, and the pruned, failed, diverged, invalid and interrupted trials
    marked along the bottom. A click on a point hands its trial id to `picked`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plot = tidy(self.getPlotItem())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", self.tr("trial number"))
        self.legend = self.plot.addLegend(offset=(-10, -10))  # bottom right: the best is on top
        self.points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush("#1565c0"), pen=None,
                                         name=self.tr("objective"))
        self.best = pg.PlotDataItem(pen=pg.mkPen("#e65100", width=2), stepMode=None,
                                    name=self.tr("best so far"))
        self.plot.addItem(self.points)
        self.plot.addItem(self.best)
        self.marks: list[Any] = []
        self.picked: Callable[[int], None] = lambda trial_id: None
        on_pick(self.points, lambda trial_id: self.picked(trial_id))

    def show_data(self, data: AnalysisData) -> None:
        """Draws `data`'s complete trials, the best-so-far line (over every complete trial, also
        when `data` is a sample) and the other states' trials at the lowest objective drawn."""
        for item in self.marks:
            self.plot.removeItem(item)
        self.marks = []
        x = data.numbers.astype(np.float64)
        set_pickable(self.points, x, data.objective, point_labels(data))
        self.best.setData(*data.best_staircase())  # over every trial, also in a sample
        integer_ticks(self.plot, np.concatenate([x, *(v.astype(np.float64)
                                                     for v in data.other.values())]))
        self.plot.setLabel("left", data.metric)
        title = (self.tr("Optimisation history: {experiment} (maximise {metric})")
                 if data.maximize else
                 self.tr("Optimisation history: {experiment} (minimise {metric})"))
        self.plot.setTitle(title.format(experiment=data.experiment, metric=data.metric))
        low = float(np.min(data.objective)) if len(data) else 0.0
        for state, numbers in data.other.items():
            color, symbol = _STATE_MARKS[state]
            item = pg.ScatterPlotItem(numbers.astype(np.float64), np.full(len(numbers), low),
                                      symbol=symbol, size=9, brush=pg.mkBrush(color),
                                      pen=pg.mkPen(color), name=state)
            self.plot.addItem(item)
            self.marks.append(item)


class BatchSizePlot(pg.PlotWidget):  # type: ignore[misc]
    """One curve per batch size, its best trial's; a click on a curve's legend entry hands
    that trial's id to `picked`."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plot = tidy(self.getPlotItem())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", self.tr("wall-clock time of training (s)"))
        # bottom right: curves rise; an entry names a trial and selects it on click
        self.legend = add_trial_legend(self.plot, offset=(-10, -10))
        self.legend.entry_clicked.connect(self._on_entry)
        self.curves: list[Any] = []
        self.trial_of: dict[int, int] = {}  # id() of a curve -> its trial's id
        self.picked: Callable[[int], None] = lambda trial_id: None

    def _on_entry(self, item: Any) -> None:
        trial_id = self.trial_of.get(id(item))
        if trial_id is not None:
            self.picked(trial_id)

    def show_data(self, data: AnalysisData) -> None:
        """Draws one curve per entry of `data.batch_curves`: validation metric against wall-clock
        seconds of training, each named by its batch size and trial number."""
        for item in self.curves:
            self.plot.removeItem(item)
            self.legend.removeItem(item)
        self.curves, self.trial_of = [], {}
        self.plot.setLabel("left", data.metric)
        self.plot.setTitle(self.tr("Batch size: validation metric against wall-clock time (best "
                                   "trial of each size)"))
        for i, curve in enumerate(data.batch_curves):
            color = OVERLAY_COLORS[i % len(OVERLAY_COLORS)]
            item = pg.PlotDataItem(curve.wall, curve.metric, pen=pg.mkPen(color, width=2),
                                   symbol="o", symbolSize=5, symbolBrush=color, symbolPen=None,
                                   name=self.tr("batch {size} (#{number})").format(
                                       size=curve.batch_size, number=curve.number))
            self.plot.addItem(item)
            self.curves.append(item)
            self.trial_of[id(item)] = curve.trial_id
