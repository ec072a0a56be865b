"""A crosshair over a stack of linked plots: a vertical line at the mouse's x in every plot and
a label reading each trial's value there from the plot under the mouse. Mouse moves are rate
limited (pyqtgraph's SignalProxy), so reading a million-point curve never lags the pointer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF
from PySide6.QtWidgets import QLabel

from tunestudio.gui.plots.axes import Array

Reader = Callable[[str, float], list[tuple[str, float]]]  # plot key, x -> (trial, value)


def value_at(x: Array, y: Array, at: float) -> float | None:
    """y of the point nearest to `at` along sorted x; None for an empty curve and where the
    curve has no data (more than one mean point spacing before its first or after its last
    point: a trial that ended earlier is not read at a later step)."""
    if not len(x):
        return None
    spacing = float(x[-1] - x[0]) / (len(x) - 1) if len(x) > 1 else 0.5
    if not (x[0] - spacing <= at <= x[-1] + spacing):
        return None
    i = int(np.clip(np.searchsorted(x, at), 1, len(x) - 1)) if len(x) > 1 else 0
    if len(x) > 1 and abs(x[i - 1] - at) <= abs(x[i] - at):
        i -= 1
    return float(y[i])


class Crosshair(QObject):
    """A crosshair over `plots` (plot key -> PlotItem) of the GraphicsLayoutWidget `widget`: a
    vertical line in each plot at the mouse's x, and on `label` the x (named by `x_name()`, the
    shown x mode) with each trial's value that `reader(key, x)` gives for the plot under the mouse.
    Mouse moves are read at most 30 times a second."""

    def __init__(self, widget: Any, plots: dict[str, Any], label: QLabel, reader: Reader,
                 x_name: Callable[[], str]) -> None:
        super().__init__(widget)
        self.plots = plots
        self.label = label
        self.reader = reader
        self.x_name = x_name
        self.lines = {}
        for key, plot in plots.items():
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((128, 128, 128, 160)))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.lines[key] = line
        self._proxy = pg.SignalProxy(widget.scene().sigMouseMoved, rateLimit=30,
                                     slot=self._moved)

    def _moved(self, args: tuple[QPointF]) -> None:
        pos = args[0]
        for key, plot in self.plots.items():
            if plot.sceneBoundingRect().contains(pos):
                x = float(plot.vb.mapSceneToView(pos).x())
                self.show_at(key, x)
                return

    def show_at(self, key: str, x: float) -> str:
        """Moves the lines to `x` and reads the values of plot `key`; returns the label text."""
        for line in self.lines.values():
            line.setPos(x)
            line.setVisible(True)
        values = self.reader(key, x)
        parts = [f"{self.x_name()} {x:.4g}"] + [f"{name}: {v:.4g}" for name, v in values]
        text = "   ".join(parts)
        self.label.setText(f"<b>{key}</b>  {text}")
        return text
