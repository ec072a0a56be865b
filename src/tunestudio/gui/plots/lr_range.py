"""The LR range test's plot: raw and smoothed loss against the learning rate on a log axis, the
suggested range shaded and the suggested LR marked. Shared by the baseline's LR range test and
a trial's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg

from tunestudio.gui.common.i18n import translate
from tunestudio.gui.plots.log_axis import LogValueAxis
from tunestudio.gui.plots.theme import follow_theme


def lr_range_widget(parent: Any = None) -> Any:
    """A plot widget with the learning rate on a log x-axis, following the theme."""
    view = follow_theme(pg.PlotWidget(parent, axisItems={"bottom": LogValueAxis("bottom")}))
    view.getPlotItem().setLabel("bottom", translate("lr_range", "learning rate"))
    view.getPlotItem().setLabel("left", translate("lr_range", "training loss"))
    return view


def draw_lr_range(plot: Any, result: Any) -> str:
    """Draws an LRRangeResult (lrs, losses, smoothed, suggested_lr, suggested_range) on a
    PlotItem with a LogValueAxis at the bottom; returns the one-line summary it titles it with
    (few digits shown; the values underneath stay whole)."""
    low, high = result.suggested_range
    plot.clear()
    x = np.log10(result.lrs)
    plot.addItem(pg.PlotDataItem(x, result.losses, pen=pg.mkPen((144, 164, 174, 150)),
                                 name=translate("lr_range", "loss")))
    plot.addItem(pg.PlotDataItem(x, result.smoothed, pen=pg.mkPen("#1565c0", width=2),
                                 name=translate("lr_range", "smoothed")))
    plot.addItem(pg.LinearRegionItem((math.log10(low), math.log10(high)), movable=False,
                                     brush=pg.mkBrush(76, 175, 80, 50)))
    plot.addItem(pg.InfiniteLine(pos=math.log10(result.suggested_lr), angle=90,
                                 pen=pg.mkPen("#e65100", width=2),
                                 label=translate("lr_range", "suggested"),
                                 labelOpts={"position": 0.9, "color": "#e65100"}))
    finite = result.smoothed[np.isfinite(result.smoothed)]
    raw = result.losses[np.isfinite(result.losses)]
    if len(finite):  # the blow-up at the end would flatten the useful part
        bottom = min(float(finite.min()), float(np.percentile(raw, 2)) if len(raw) else 0.0)
        plot.setYRange(bottom * 0.9, float(np.percentile(finite, 95)) * 1.3)
    summary = translate("lr_range", "LR range test: suggested LR {lr}, range {low}..{high}"
                        ).format(lr=f"{result.suggested_lr:.3g}", low=f"{low:.3g}",
                                 high=f"{high:.3g}")
    plot.setTitle(summary)
    return summary
