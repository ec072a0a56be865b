"""The stack of training plots: loss per step (raw and smoothed), validation loss and the
objective's metric per evaluation, the learning rate, and the global gradient norm on a log
axis; x-axes linked. `TrialCurves` puts one trial on all of them in one colour."""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg

from tunestudio.gui.common import i18n
from tunestudio.gui.common.i18n import render
from tunestudio.gui.plots.axes import X_LABELS, Array, Curves, XMode
from tunestudio.gui.plots.curves import GrowingCurve, XBoundedItem, make_curve, make_points
from tunestudio.gui.plots.legend import TrialLegend, dock_legend
from tunestudio.gui.plots.log_axis import set_log_axis
from tunestudio.gui.plots.theme import follow_theme
from tunestudio.messages import N_

PLOT_TITLES = {
    "loss": N_("PlotPanel", "Training loss per {x}"),
    "val": N_("PlotPanel", "Validation loss per evaluation (dashed: training loss)"),
    "metric": N_("PlotPanel", "Validation metric"),
    "lr": N_("PlotPanel", "Learning rate (dashed: planned)"),
    "grad": N_("PlotPanel", "Gradient norm (log scale)"),
}
Y_LABELS = {"loss": N_("PlotPanel", "loss"), "val": N_("PlotPanel", "loss"),
            "lr": N_("PlotPanel", "learning rate"), "grad": N_("PlotPanel", "L2 norm")}
_LOSS_TITLE_X = {"step": N_("PlotPanel", "step"), "epoch": N_("PlotPanel", "step, by epoch"),
                 "wall": N_("PlotPanel", "step, by wall-clock time")}
LIVE_COLOR = "#1565c0"
# The legend's entries take at most this fraction of the panel's height (rows of about
# LEGEND_ROW_PX), their names shortened to fit more to a row, down to LEGEND_MIN_LABEL_PX.
LEGEND_HEIGHT_FRACTION = 0.2
LEGEND_ROW_PX = 22
LEGEND_MIN_LABEL_PX = 110
LEGEND_SWATCH_PX = 60  # an entry's swatch, the spacings and its label's margins
OVERLAY_COLORS = ("#e65100", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#9e9d24",
                  "#4e342e", "#ad1457", "#283593")


def _pale(color: str) -> str:
    """The colour mixed 70% with white: as light as a translucent pen, without the cost of
    blending a million-point zigzag."""
    c = pg.mkColor(color)
    mix = [int(v + (255 - v) * 0.7) for v in (c.red(), c.green(), c.blue())]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def _shrinkable_min(label: Any) -> None:
    """pg.LabelItem.updateMin without a minimum width: the text's width is only preferred."""
    pg.LabelItem.updateMin(label)
    label.setMinimumWidth(0)


def overlay_color(index: int) -> str:
    """The `index`-th overlay colour (a '#rrggbb' string), cycling through OVERLAY_COLORS."""
    return OVERLAY_COLORS[index % len(OVERLAY_COLORS)]


class PlotPanel(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """The training plots of one or more trials, in a grid: the legend's row on top (`legend`, a
    docked TrialLegend), the loss per step across both columns, validation loss and the validation
    metric per evaluation, then the learning rate and the gradient norm (log10 y); `plots` maps
    'loss', 'val', 'metric', 'lr' and 'grad' to their PlotItems. The x-axes share one range, led by
    the learning-rate plot. A trial's curves come from `trial_curves`; those removed are kept as
    spare sets (`spare`) for the next trial."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plots: dict[str, Any] = {}
        # row 0: the legend (below)
        layout = [("loss", 1, 0, 2), ("val", 2, 0, 1), ("metric", 2, 1, 1), ("lr", 3, 0, 1),
                  ("grad", 3, 1, 1)]
        for key, row, col, span in layout:
            plot = self.addPlot(row=row, col=col, colspan=span)
            plot.setMenuEnabled(True)
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
            self.plots[key] = plot
        # Speed (benchmarks/plot_render.py): no grid (pyqtgraph's axes draw it over the whole
        # view and replay it on every repaint, several times the cost of a million-point
        # curve; the crosshair reads values instead), and x-axes only on the bottom row (the
        # x-axes are linked: the upper ones would repeat them, each recomputed on every pan).
        for key in ("loss", "val", "metric"):
            self.plots[key].hideAxis("bottom")
        # A title's width is no minimum of its plot's (pyqtgraph makes it one on every
        # setText, the theme's included): at 960 px the two columns' long titles pushed the
        # right-hand plots out of the panel. The left column's titles are the longer ones.
        for plot in self.plots.values():
            plot.titleLabel.updateMin = partial(_shrinkable_min, plot.titleLabel)
        self.ci.layout.setColumnStretchFactor(0, 4)
        self.ci.layout.setColumnStretchFactor(1, 3)
        set_log_axis(self.plots["grad"], "left", True)  # the curves hold log10 values
        for key, label in Y_LABELS.items():
            self.plots[key].setLabel("left", render(label))
        self.lr_log = False
        self.set_lr_log(True)  # LR schedules span decades: log by default, as the LR finder
        # One x-range for all: the LR plot leads, since its planned schedule spans the whole
        # run before it has trained (the others would each auto-range to their own extent
        # and fight over the shared range).
        for key in ("val", "metric", "grad"):
            self.plots[key].setXLink(self.plots["lr"])
            self.plots[key].enableAutoRange(x=False)
        # The loss plot spans both columns: pyqtgraph's x-link aligns linked views in screen
        # pixels, which would leave its right half empty; it takes the LR plot's range instead
        # (and gives its own pans and zooms back).
        self.plots["loss"].enableAutoRange(x=False)
        self._syncing = False
        self.plots["lr"].vb.sigXRangeChanged.connect(self._follow_lr_range)
        self.plots["loss"].vb.sigXRangeChanged.connect(self._lead_from_loss)
        # The legend in a row of its own above the plots (as W&B's charts), never over a
        # curve: a search's trials run into every corner of the loss plot, and ten entries
        # were taller than its view box in a 600 px window; a column beside the plots would
        # not fit a 960 px window beside their titles. Clicking a trial's entry selects that
        # trial (the view connects `entry_clicked`).
        self.legend = TrialLegend()
        self.plots["loss"].legend = self.legend  # curves added with a name get an entry
        self.legend_dock = dock_legend(self.ci, self.legend, row=0, col=0, colspan=2)
        self.legend.resized.connect(self._fit_legend)
        self.set_x_label("step")
        # Curves taken off the plots, kept hidden for the next trial: adding seven items to
        # the scene costs the GUI thread 10-40 ms (pyqtgraph re-parents and re-links each),
        # a stall that a live run would pay at every trial start (benchmarks/ui_latency.py).
        self.spare: list[TrialCurves] = []

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if hasattr(self, "legend"):  # pyqtgraph's constructor resizes before ours ran
            self._fit_legend()

    def _fit_legend(self) -> None:
        """Keeps the legend to at most a fifth of the panel's height: names shortened to fit
        more to a row (at least two), down to LEGEND_MIN_LABEL_PX; past what that holds, the
        last trials added (a run's running ones) are drawn and the others counted ("+N more").
        The plots keep their room with a search's many trials."""
        count = max(1, len(self.legend.items))
        rows = max(1, int(LEGEND_HEIGHT_FRACTION * self.height() // LEGEND_ROW_PX))
        room = self.width() - 30
        fit = max(1, int(room // (LEGEND_MIN_LABEL_PX + LEGEND_SWATCH_PX)))  # entries to a row
        columns = min(fit, max(2, math.ceil(count / rows)))
        self.legend.set_max_entries(rows * fit if count > rows * fit else None)
        self.legend.set_max_label_width(max(LEGEND_MIN_LABEL_PX,
                                            room / columns - LEGEND_SWATCH_PX))

    def set_legend_shown(self, shown: bool) -> None:
        """Shows the legend's row or hides it (the plots take its height)."""
        self.legend_dock.set_shown(shown)

    def trial_curves(self, name: str, color: str, bold: bool = False) -> TrialCurves:
        """One trial's curves on every plot: a spare set taken off the plots before, restyled
        and emptied, or a new one."""
        if self.spare:
            curves = self.spare.pop()
            curves.restyle(color, name, bold=bold)
            curves.set_shown(True)
            return curves
        return TrialCurves(self, name, color, bold=bold)

    def keep_spare(self, count: int = 1) -> None:
        """Makes sure `count` hidden sets of curves wait for the next trials, so that a trial
        that starts while training runs costs no scene changes (call it before training)."""
        while len(self.spare) < count:
            TrialCurves(self, "", LIVE_COLOR).remove()

    def _follow_lr_range(self, _vb: Any, x_range: Any) -> None:
        self._sync(self.plots["loss"], x_range)

    def _lead_from_loss(self, _vb: Any, x_range: Any) -> None:
        self._sync(self.plots["lr"], x_range)

    def _sync(self, plot: Any, x_range: Any) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            plot.setXRange(float(x_range[0]), float(x_range[1]), padding=0)
        finally:
            self._syncing = False

    def set_x_label(self, mode: XMode) -> None:
        """Axis labels and titles for the x mode (step, epoch, wall-clock seconds)."""
        for key in ("lr", "grad"):
            self.plots[key].setLabel("bottom", render(X_LABELS[mode]))
        for key, title in PLOT_TITLES.items():
            self.plots[key].setTitle(render(title.format(x=_LOSS_TITLE_X[mode])))

    def set_lr_log(self, log: bool) -> None:
        """The learning-rate plot on a log10 y-axis (ticks at round values) or a linear one."""
        plot = self.plots["lr"]
        set_log_axis(plot, "left", log)
        plot.setLogMode(y=log)
        plot.setLabel("left", render(Y_LABELS["lr"]))
        plot.getAxis("left").enableAutoSIPrefix(False)
        self.lr_log = log

    def auto_range(self) -> None:
        """Back to following the data: x from the LR plot, y per plot."""
        self.plots["lr"].enableAutoRange()
        for key in ("loss", "val", "metric", "grad"):
            self.plots[key].enableAutoRange(y=True)

    def set_metric_name(self, name: str) -> None:
        """Titles the metric plot with the metric's name: in English read as words ('val
        accuracy'), in another language as the code name it is (`val_accuracy`)."""
        self.plots["metric"].setTitle(name.replace("_", " ") if i18n.current() == "en"
                                      else name)


class TrialCurves:
    """One trial's curves on every plot. Only the smoothed loss carries the legend entry."""

    def __init__(self, panel: PlotPanel, name: str, color: str, bold: bool = False) -> None:
        self.panel, self.name, self.color = panel, name, color
        p = panel.plots
        width = 2.0 if bold else 1.5
        # round extents: a growing trial moves the views' ranges in steps (XBoundedItem);
        # the LR plot leads the shared x range, the live view rounds a running trial's end
        line, points = partial(make_curve, item_type=XBoundedItem), \
            partial(make_points, item_type=XBoundedItem)
        self.loss = GrowingCurve(line(p["loss"], _pale(color), None, 1.0))
        self.smooth = GrowingCurve(line(p["loss"], color, name, width))
        self.val = GrowingCurve(points(p["val"], color, name))
        self.train = GrowingCurve(line(p["val"], color, None, 1.2, alpha=150, dashed=True))
        self.metric = GrowingCurve(points(p["metric"], color, name))
        self.lr = GrowingCurve(line(p["lr"], color, name, width))
        self.grad = GrowingCurve(line(p["grad"], color, name, 1.0), log=True)
        self.shown = True  # on the plots (False: taken off by `set_shown` or `remove`)

    def all(self) -> dict[str, GrowingCurve]:
        """The trial's curves by key: 'loss' (raw), 'smooth', 'val', 'train' (training loss per
        evaluation), 'metric', 'lr' and 'grad'."""
        return {"loss": self.loss, "smooth": self.smooth, "val": self.val, "train": self.train,
                "metric": self.metric, "lr": self.lr, "grad": self.grad}

    def load(self, curves: Curves, metric: str) -> None:
        """Everything at once (a stored trial)."""
        sx, ex = curves.steps_x, curves.evals_x
        self.loss.replace(sx, curves.loss)
        self.smooth.replace(sx, curves.smooth)
        self.lr.replace(sx, curves.lr)
        self.grad.replace(sx, curves.grad_norm)
        self.val.replace(ex, curves.val_loss)
        self.train.replace(ex, curves.train_loss)
        self.metric.replace(ex, curves.metrics.get(metric, np.full(len(curves.val_loss),
                                                                     np.nan)))

    def prepend(self, curves: Curves, metric: str) -> None:
        """Stored points before the ones held (a resumed trial's history up to its resume
        step). The smoothed loss is left to the caller, who smooths the whole series again."""
        sx, ex = curves.steps_x, curves.evals_x
        self.loss.prepend(sx, curves.loss)
        self.lr.prepend(sx, curves.lr)
        self.grad.prepend(sx, curves.grad_norm)
        self.val.prepend(ex, curves.val_loss)
        self.train.prepend(ex, curves.train_loss)
        self.metric.prepend(ex, curves.metrics.get(metric, np.full(len(curves.val_loss),
                                                                     np.nan)))

    def add_steps(self, xs: dict[XMode, Array], loss: Array, smooth: Array, lr: Array,
                  grad: Array) -> None:
        """Appends optimisation steps (a live trial): their x on every axis, raw and smoothed loss,
        learning rate and global gradient norm, one value per step each."""
        self.loss.append(xs, loss)
        self.smooth.append(xs, smooth)
        self.lr.append(xs, lr)
        self.grad.append(xs, grad)

    def add_evals(self, xs: dict[XMode, Array], val: Array, train: Array, metric: Array
                  ) -> None:
        """Appends evaluations (a live trial): their x on every axis, validation loss, training loss
        and the objective's metric, one value per evaluation each."""
        self.val.append(xs, val)
        self.train.append(xs, train)
        self.metric.append(xs, metric)

    def refresh(self, mode: XMode) -> None:
        """Hands each changed curve's points to pyqtgraph on x-axis `mode`."""
        for curve in self.all().values():
            curve.refresh(mode)

    def remove(self) -> None:
        """Takes the trial off the plots (and its legend entry): its points are dropped and its
        items hidden and kept as the panel's spare set for a later trial (`trial_curves`)."""
        if self in self.panel.spare:
            return
        self.set_shown(False)
        for curve in self.all().values():
            curve.clear()
            curve.item.setData([], [])
        self.panel.spare.append(self)

    def set_shown(self, shown: bool) -> None:
        """Hides the trial's curves and takes its legend entry away (its points kept, still
        fed), or shows them again: the run's trials while another experiment is shown.
        Hidden curves count for no auto-range."""
        if shown == self.shown:
            return
        for curve in self.all().values():
            curve.item.setVisible(shown)
        if shown:
            self.panel.legend.addItem(self.smooth.item, self.name)
        else:
            self.panel.legend.removeItem(self.smooth.item)
        self.shown = shown

    def restyle(self, color: str, name: str, bold: bool | None = None) -> None:
        """Another colour and name: a live trial that ended becomes a thinner overlay in its
        own colour (`bold` None), or a spare set becomes a new trial's (`bold` as created)."""
        self.color, self.name = color, name
        c = pg.mkColor(color)
        for key, curve in self.all().items():
            pen = curve.item.opts["pen"]
            new = pg.mkPen(pen)
            if key == "loss":  # the raw loss is drawn pale (see _pale)
                new.setColor(pg.mkColor(_pale(color)))
            else:
                shade = pg.mkColor(color)
                shade.setAlpha(pg.mkPen(pen).color().alpha())
                new.setColor(shade)
            if key in ("smooth", "lr"):
                new.setWidthF(1.6 if bold is None else 2.0 if bold else 1.5)
            curve.item.setPen(new)
            if key in ("val", "metric"):
                curve.item.setSymbolBrush(c)
        self.panel.legend.rename(self.smooth.item, name)
