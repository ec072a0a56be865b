"""Axis helpers shared by the analysis plots: a log-scale axis that draws log10 positions but
labels them with the values themselves (0.001, 0.0032, ...; pyqtgraph's own log mode labels
few ticks on a range under a decade), and plain numbers instead of SI-prefixed ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg


class LogValueAxis(pg.AxisItem):  # type: ignore[misc]
    """Positions are log10(value); labels are the values."""

    is_log = True

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{10 ** v:.3g}" for v in values]


def tidy(plot: Any) -> Any:
    """No SI prefixes (an accuracy of 0.9 must not read '900 (x0.001)')."""
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)
    return plot


def log_axis_plot(layout: Any, row: int, col: int, title: str) -> Any:
    """A plot in a GraphicsLayout whose x-axis is a LogValueAxis."""
    return tidy(layout.addPlot(row=row, col=col, title=title,
                               axisItems={"bottom": LogValueAxis("bottom")}))


def set_log_axis(plot: Any, side: str, log: bool) -> None:
    """Puts a LogValueAxis (or a plain one) on `side` of `plot`."""
    current = plot.getAxis(side)
    if isinstance(current, LogValueAxis) == log:
        return
    axis = LogValueAxis(side) if log else pg.AxisItem(side)
    axis.enableAutoSIPrefix(False)
    plot.setAxisItems({side: axis})


def integer_ticks(plot: Any, values: np.ndarray, side: str = "bottom") -> None:
    """Whole-number ticks for few values (trial numbers); automatic ones otherwise."""
    axis = plot.getAxis(side)
    if 0 < len(values) <= 20:
        axis.setTicks([[(float(v), str(int(v))) for v in np.unique(values)]])
    else:
        axis.setTicks(None)
