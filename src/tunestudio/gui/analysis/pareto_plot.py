"""Objective against training time: every complete trial, the Pareto front of the two
highlighted and joined (the trials no other beats on one without losing on the other; with a
second objective in the search, exactly Optuna's best_trials). Hovering a point names the trial
and its values; clicking it makes it the focused trial (diagnosis and detail follow); clicking
the legend's "Pareto front" entry selects the front's trials."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from tunestudio.gui.analysis.data import AnalysisData
from tunestudio.gui.plots.legend import add_trial_legend
from tunestudio.gui.plots.log_axis import tidy
from tunestudio.gui.plots.theme import follow_theme

_FRONT = "#e65100"


class ParetoPlot(pg.PlotWidget):  # type: ignore[misc]
    """The objective against training time (seconds): every complete trial, the Pareto front of
    the two highlighted and joined as a staircase (with a second objective in the search,
    Optuna's best_trials). Clicking a point emits `trial_selected` with its trial id; clicking
    the legend's "Pareto front" entry emits `front_selected` with the front's trial ids, best
    first."""

    trial_selected = Signal(int)  # a trial id, when its point is clicked
    front_selected = Signal(list)  # the front's trial ids (best first), from the legend

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plot = tidy(self.getPlotItem())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", self.tr("training time (s)"))
        self.legend = add_trial_legend(self.plot, offset=(-10, -10))
        self.legend.entry_clicked.connect(self._on_entry)
        self.points = pg.ScatterPlotItem(size=8, brush=pg.mkBrush("#1565c0"), pen=None,
                                         name=self.tr("trials"), hoverable=True, tip=self._tip,
                                         hoverPen=pg.mkPen("#212121", width=2))
        self.front = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(_FRONT), pen=None,
                                        name=self.tr("Pareto front"), hoverable=True,
                                        tip=self._tip,
                                        hoverPen=pg.mkPen("#212121", width=2))
        self.line = pg.PlotDataItem(pen=pg.mkPen(_FRONT, width=1.5, style=Qt.PenStyle.DashLine))
        for item in (self.line, self.points, self.front):
            self.plot.addItem(item)
        self.points.sigClicked.connect(self._clicked)
        self.front.sigClicked.connect(self._clicked)
        self.data: AnalysisData | None = None
        self.front_numbers: list[int] = []

    def _tip(self, x: float, y: float, data: Any) -> str:
        shown = self.data
        if shown is None or data is None:
            return ""
        i = int(data)
        params = ", ".join(f"{p.name}={_fmt(shown.values[p.path][i])}" for p in shown.params)
        where = self.tr("on the Pareto front") if shown.on_front[i] else self.tr("dominated")
        text: str = self.tr("trial #{number} ({where})\n{metric} {value}\ntraining time "
                            "{seconds} s").format(
            number=int(shown.numbers[i]), where=where, metric=shown.metric, value=f"{y:.4g}",
            seconds=f"{x:.3g}")
        return text + (f"\n{params}" if params else "")

    def _clicked(self, item: Any, points: Any, event: Any = None) -> None:
        shown = self.data
        if shown is not None and len(points):
            self.trial_selected.emit(int(shown.ids[int(points[0].data())]))

    def front_ids(self) -> list[int]:
        """The ids of the trials on the shown front, the best objective first."""
        shown = self.data
        if shown is None:
            return []
        front = np.flatnonzero(shown.on_front & np.isfinite(shown.train_time))
        keys = -shown.objective[front] if shown.maximize else shown.objective[front]
        return [int(shown.ids[i]) for i in front[np.argsort(keys, kind="stable")]]

    def _on_entry(self, item: Any) -> None:
        if item is self.front and self.front_ids():
            self.front_selected.emit(self.front_ids())

    def show_data(self, data: AnalysisData) -> None:
        """Draws `data`'s trials at (`train_time`, `objective`), those without a finite training
        time left out, and its front (`on_front`)."""
        self.data = data
        index = np.arange(len(data))
        ok = np.isfinite(data.train_time)
        rest = ok & ~data.on_front
        self.points.setData(data.train_time[rest], data.objective[rest], data=index[rest])
        front = np.flatnonzero(ok & data.on_front)
        order = front[np.argsort(data.train_time[front], kind="stable")]
        self.front.setData(data.train_time[order], data.objective[order], data=order)
        self.front_numbers = sorted(int(n) for n in data.numbers[order])
        if len(order):  # the front as a staircase: what each extra second of training buys
            x, y = data.train_time[order], data.objective[order]
            self.line.setData(np.repeat(x, 2)[1:], np.repeat(y, 2)[:-1])
        else:
            self.line.setData([], [])
        self.plot.setLabel("left", data.metric)
        kind = self.tr("second objective") if data.two_objectives else \
            self.tr("duration of each trial")
        self.plot.setLabel("bottom", self.tr("training time (s, the {kind})").format(kind=kind))
        self.plot.setTitle(self.tr("Pareto front: {metric} against training time ({len} of {len2} "
                                   "trials on the front)").format(
                                       metric=data.metric, len=len(order),
                                       len2=data.sampled_from or len(data)))


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
