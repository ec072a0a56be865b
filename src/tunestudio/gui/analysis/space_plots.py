"""Plots of the search space: parallel coordinates (each trial a line across its values and
objective, coloured by objective), slices (objective against one parameter, log axes for log
dimensions) and a contour of the objective over two parameters (interpolated between trials,
the trials marked on top)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from tunestudio.gui.analysis.data import AnalysisData, Array, Param
from tunestudio.gui.analysis.picking import on_pick, point_labels, set_pickable
from tunestudio.gui.plots.log_axis import log_axis_plot, set_log_axis, tidy
from tunestudio.gui.plots.theme import follow_theme, plot_colors

_BINS = 8  # parallel lines drawn as this many items, one per colour band
_SHADES = 16  # slices: points coloured by trial number in this many shades
_FIT_MOST = 400  # contour: trials the surface is fitted through (one solve)
_THIN_FROM = 1_000  # parallel lines: more than this many drawn with a hairline (4x faster)
_PICK_PX = 6.0  # a click this close (pixels, vertically) to a trial's line selects it


def _cmap() -> Any:
    return pg.colormap.get("viridis")


def _normalise(v: Array, log: bool) -> Array:
    v = np.log10(v) if log else v
    if not np.isfinite(v).any():  # a knob none of these trials had (another branch's)
        return np.full(len(v), np.nan)
    lo, hi = np.nanmin(v), np.nanmax(v)
    return np.asarray((v - lo) / (hi - lo) if hi > lo else np.full(len(v), 0.5))


# where a trial's line crosses the axis of a knob that did not apply to it (a conditional
# dimension of another branch): below the axis's range, labelled, never at a value it did not have
NOT_APPLIED = -0.1


class ParallelPlot(pg.PlotWidget):  # type: ignore[misc]
    """Each trial a line across its normalised values and objective; a click on a line hands
    that trial's id to `picked` (the lines are drawn as one item per colour band, so the
    click is matched to the nearest trial's polyline, not to an item)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plot = tidy(self.getPlotItem())
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=False, y=False)
        self.lines: list[Any] = []
        self.labels: list[Any] = []
        self.line_count = 0
        self.bar: Any = None
        self.best_line: Any = None
        self.picked: Callable[[int], None] = lambda trial_id: None
        self._ys: Array = np.zeros((0, 0))  # (trials, axes), each column normalised to 0..1
        self._ids: list[int] = []
        self.scene().sigMouseClicked.connect(self._on_click)

    def show_data(self, data: AnalysisData) -> None:
        """Draws each complete trial of `data` as a line across its values, each axis normalised
        to 0..1 (log10 first for a log dimension, a categorical by its choice's index,
        `NOT_APPLIED` where a conditional knob did not apply) with the objective last; coloured
        by objective in `_BINS` bands (better: brighter) and the best trial on the current
        baseline drawn thick over the rest."""
        for item in self.lines + self.labels:
            self.plot.removeItem(item)
        self.lines, self.labels, self.line_count = [], [], 0
        self.best_line = None
        self._ys, self._ids = np.zeros((0, 0)), []
        self.plot.setTitle(self.tr("Parallel coordinates (colour: {metric})").format(
            metric=data.metric))
        if not len(data):
            return
        columns, ticks = [], []
        for i, p in enumerate(data.params):
            x, cat = data.coords(p)
            column = _normalise(x, p.log and p.kind != "categorical")
            missing = np.isnan(column)
            if missing.any():  # a conditional knob: the trials it did not apply to, apart
                column = np.where(missing, NOT_APPLIED, column)
                self._mark(i, NOT_APPLIED, self.tr("n/a"))
            columns.append(column)
            ticks.append((float(i), p.name))
            if not missing.all():
                self._axis_labels(i, x, cat, p)
        columns.append(_normalise(data.objective, False))
        ticks.append((float(len(data.params)), data.metric))
        self._axis_labels(len(data.params), data.objective, None, None)
        self.plot.getAxis("bottom").setTicks([ticks])
        ys = np.column_stack(columns)
        self._ys, self._ids = ys, [int(i) for i in data.ids]
        colour = columns[-1] if data.maximize else 1 - columns[-1]
        band = np.minimum((colour * _BINS).astype(int), _BINS - 1)
        xs = np.arange(ys.shape[1], dtype=np.float64)
        cmap = _cmap()
        for b in range(_BINS):
            rows = ys[band == b]
            if not len(rows):
                continue
            x = np.tile(np.append(xs, np.nan), len(rows))
            y = np.column_stack([rows, np.full(len(rows), np.nan)]).ravel()
            c = cmap.map((b + 0.5) / _BINS, mode="qcolor")
            width = 1.5 if len(ys) <= _THIN_FROM else 1.0
            item = pg.PlotDataItem(x, y, pen=pg.mkPen(c, width=width), connect="finite")
            self.plot.addItem(item)
            self.lines.append(item)
            self.line_count += len(rows)
        best = data.best_index()  # trials of another baseline are never the best
        if best is not None:
            self.best_line = pg.PlotDataItem(xs, ys[best], pen=pg.mkPen("#e65100", width=4),
                                             name=self.tr("best: trial #{number}").format(
                                                 number=int(data.numbers[best])))
            self.best_line.setZValue(10)  # over every other trial's line
            self.plot.addItem(self.best_line)
            self.lines.append(self.best_line)
        for i in range(ys.shape[1]):
            axis = pg.InfiniteLine(pos=i, angle=90, pen=pg.mkPen("#9e9e9e"))
            self.plot.addItem(axis)
            self.labels.append(axis)
        low, high = float(np.min(data.objective)), float(np.max(data.objective))
        if self.bar is None:  # the colour scale of the objective, beside the plot
            self.bar = pg.ColorBarItem(colorMap=_cmap(), interactive=False, width=14)
            self.getPlotItem().layout.addItem(self.bar, 2, 5)
        scale = _cmap()
        if not data.maximize:  # the best end of the scale is the bright one either way
            scale.reverse()
        self.bar.setColorMap(scale)
        self.bar.setLevels((low, high))
        self.bar.axis.enableAutoSIPrefix(False)
        self.bar.axis.setLabel(data.metric)
        self.plot.setXRange(-0.3, ys.shape[1] - 0.7)
        self.plot.setYRange(-0.16, 1.12)

    def trial_at(self, x: float, y: float, tolerance: float) -> int | None:
        """The id of the trial whose line passes nearest to (x, y) in plot coordinates (x: the
        axis index, y: 0..1), if within `tolerance` (y units) of it; else None."""
        n_trials, n_axes = self._ys.shape
        if not n_trials or not -0.5 <= x <= n_axes - 0.5:
            return None
        if n_axes == 1:
            line = self._ys[:, 0]
        else:
            i = int(np.clip(np.floor(x), 0, n_axes - 2))
            t = float(np.clip(x - i, 0.0, 1.0))
            line = self._ys[:, i] * (1.0 - t) + self._ys[:, i + 1] * t
        distance = np.abs(line - y)
        if np.all(np.isnan(distance)):
            return None
        k = int(np.nanargmin(distance))
        return self._ids[k] if distance[k] <= tolerance else None

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.isAccepted():
            return
        box = self.plot.getViewBox()
        if not box.sceneBoundingRect().contains(event.scenePos()):
            return
        point = box.mapSceneToView(event.scenePos())
        trial_id = self.trial_at(point.x(), point.y(), _PICK_PX * box.viewPixelSize()[1])
        if trial_id is not None:
            event.accept()
            self.picked(trial_id)

    def _mark(self, i: int, y: float, text: str) -> None:
        label = pg.TextItem(text, color=plot_colors()[1], anchor=(0.5, 0.0))
        label.setPos(i, y - 0.01)
        self.plot.addItem(label)
        self.labels.append(label)

    def _axis_labels(self, i: int, x: Array, cat: list[tuple[float, str]] | None,
                     p: Param | None) -> None:
        if cat is not None:
            n = max(len(cat) - 1, 1)
            marks = [(t / n, text) for t, text in cat]
        elif np.isfinite(x).any():
            lo, hi = float(np.nanmin(x)), float(np.nanmax(x))
            marks = [(0.0, f"{lo:.3g}"), (1.0, f"{hi:.3g}")]
        else:  # no trial shown had this knob: no range to mark
            marks = []
        for y, text in marks:
            below = y < 0.5  # the low end's label hangs under the axis, the high end's over it
            label = pg.TextItem(text, color=plot_colors()[1],  # the theme's text colour
                                anchor=(0.5, 0.0 if below else 1.0))
            label.setPos(i, y - 0.01 if below else y + 0.01)
            self.plot.addItem(label)
            self.labels.append(label)


class ShadedScatter(pg.ScatterPlotItem):  # type: ignore[misc]
    """A scatter given its brush per point as a numpy array of objects (a few shared
    QBrush objects): kept as it is. pyqtgraph's own `setBrush` copies a list into its point
    table one object at a time, numpy probing each QBrush as a possible sequence, a third of
    a second for 30,000 points; any other brush goes to it."""

    def setBrush(self, *args: Any, **kargs: Any) -> None:
        """pyqtgraph's `ScatterPlotItem.setBrush`, with a numpy object array of one brush per
        point (and no mask) stored as it is (see the class). Raises ValueError when that array's
        length differs from the points'."""
        if len(args) == 1 and isinstance(args[0], np.ndarray) and args[0].dtype == object \
                and kargs.get("mask") is None:
            points: Any = kargs.get("dataSet", self.data)
            if len(args[0]) != len(points):
                raise ValueError(f"{len(args[0])} brushes for {len(points)} points")
            points["brush"] = args[0]
            points["sourceRect"] = 0  # the symbols are looked up again
            if kargs.get("update", True):
                self.updateSpots(points)
            return
        super().setBrush(*args, **kargs)


class SlicePlots(pg.GraphicsLayoutWidget):  # type: ignore[misc]
    """One small plot per parameter; log x for log dimensions, choices as ticks. The plots are
    made once per set of parameters and kept: a refresh (every few seconds while a search
    runs) only hands each its points, where making six plots again took most of a second."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        follow_theme(self)
        self.plots: dict[str, Any] = {}
        self.points: dict[str, Any] = {}
        self.picked: Callable[[int], None] = lambda trial_id: None
        self._layout_of: tuple[Any, ...] | None = None  # what the kept plots were made for
        # a few shared brushes, one per band of trial numbers: pyqtgraph draws a symbol once
        # per brush and pen object, so a brush per point would draw thousands; made once, as
        # the pen, so that a refresh finds its symbols drawn (new ones drew them all again)
        self._no_pen = pg.mkPen(None)
        cmap = _cmap()
        self._bands = np.empty(_SHADES, dtype=object)
        for b in range(_SHADES):
            self._bands[b] = pg.mkBrush(cmap.map((b + 0.5) / _SHADES * 0.85, mode="qcolor"))

    def _make_plots(self, params: list[Param]) -> None:
        self.clear()
        self.plots, self.points = {}, {}
        cols = 2 if len(params) <= 4 else 3
        for i, p in enumerate(params):
            log = p.log and p.kind != "categorical"
            plot = log_axis_plot(self, i // cols, i % cols, p.path) if log else \
                tidy(self.addPlot(row=i // cols, col=i % cols, title=p.path))
            plot.showGrid(x=True, y=True, alpha=0.2)
            item = ShadedScatter()
            on_pick(item, lambda trial_id: self.picked(trial_id))
            plot.addItem(item)
            self.plots[p.path], self.points[p.path] = plot, item

    def show_data(self, data: AnalysisData) -> None:
        """Draws the objective against each parameter of `data`, one plot each (log10 x for a log
        dimension; a categorical's choices as ticks, its points jittered apart), points shaded by
        trial number (later: brighter); the plots are made again only when the parameters change."""
        layout = tuple((p.path, p.kind, p.log) for p in data.params)
        if layout != self._layout_of:
            self._make_plots(data.params)
            self._layout_of = layout
        shade = (data.numbers - data.numbers.min()) / max(1, np.ptp(data.numbers)) \
            if len(data) else np.zeros(0)
        brushes = self._bands[np.minimum((shade * _SHADES).astype(int), _SHADES - 1)]
        labels = point_labels(data)
        for p in data.params:
            plot, item = self.plots[p.path], self.points[p.path]
            plot.setLabel("left", data.metric)
            x, cat = data.coords(p)
            if p.log and p.kind != "categorical":
                x = np.log10(x)
            plot.getAxis("bottom").setTicks([cat] if cat is not None else None)
            if cat is not None:
                x = x + np.random.default_rng(0).uniform(-0.08, 0.08, len(x))  # jitter
            item.clear()
            set_pickable(item, x, data.objective, labels, size=8, brush=brushes,
                         pen=self._no_pen)


class ContourPlot(QWidget):
    """The objective over two chosen parameters, interpolated by a thin-plate spline through the
    trials (`_interpolate`; the nearest trial's value where the spline cannot be fitted) on a
    60x60 grid, in log space for log dimensions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.x_combo, self.y_combo = QComboBox(self), QComboBox(self)
        for combo in (self.x_combo, self.y_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.message = QLabel(self)
        self.view = follow_theme(pg.PlotWidget(self))
        self.plot = tidy(self.view.getPlotItem())
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=9, brush=pg.mkBrush("w"), pen=pg.mkPen("k"))
        self.plot.addItem(self.points)
        self.picked: Callable[[int], None] = lambda trial_id: None
        on_pick(self.points, lambda trial_id: self.picked(trial_id))
        self.bar: Any = None
        bar = QHBoxLayout()
        bar.addWidget(QLabel("x:", self))
        bar.addWidget(self.x_combo)
        bar.addWidget(QLabel("y:", self))
        bar.addWidget(self.y_combo)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.data: AnalysisData | None = None
        self.x_combo.currentIndexChanged.connect(self.redraw)
        self.y_combo.currentIndexChanged.connect(self.redraw)

    def show_data(self, data: AnalysisData) -> None:
        """Takes `data` and offers its parameters as the axes (keeping the chosen ones where they
        still exist, else the first two), then draws (`redraw`)."""
        self.data = data
        names = [p.path for p in data.params]
        for combo, pick in ((self.x_combo, 0), (self.y_combo, 1)):
            combo.blockSignals(True)
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            combo.setCurrentIndex(names.index(current) if current in names
                                  else min(pick, len(names) - 1))
            combo.blockSignals(False)
        self.redraw()

    def redraw(self) -> None:
        """Draws the objective over the two chosen parameters: a thin-plate spline (scipy's
        RBFInterpolator) through the trials, or through `_FIT_MOST` of them spread evenly, on a
        60x60 grid, log10 axes for log dimensions, clipped to the objective's observed range; the
        trials as points over it. Says why instead when there are fewer than two parameters or
        fewer than three distinct trials."""
        data = self.data
        self.image.clear()
        self.points.clear()
        if data is None or len(data.params) < 2:
            self.message.setText(self.tr("A contour needs an experiment with two or more "
                                         "parameters."))
            return
        px, py = (data.params[c.currentIndex()] for c in (self.x_combo, self.y_combo))
        x, xcat = data.coords(px)
        y, ycat = data.coords(py)
        x = np.log10(x) if px.log and xcat is None else x
        y = np.log10(y) if py.log and ycat is None else y
        ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(data.objective)
        set_pickable(self.points, x[ok], y[ok], point_labels(data), mask=ok)
        for side, p, cat in (("bottom", px, xcat), ("left", py, ycat)):
            set_log_axis(self.plot, side, p.log and cat is None)
            self.plot.setLabel(side, p.path)
            self.plot.getAxis(side).setTicks([cat] if cat else None)
        if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
            self.message.setText(self.tr("Too few distinct trials to interpolate yet."))
            return
        grid, extent = _interpolate(x[ok], y[ok], data.objective[ok])
        self.image.setImage(grid, levels=(np.nanmin(grid), np.nanmax(grid)))
        self.image.setColorMap(_cmap())
        self.image.setRect(*extent)
        fitted = min(int(ok.sum()), _FIT_MOST)
        self.message.setText(self.tr("{metric} over {name} and {name2}, {int} trials").format(
            metric=data.metric, name=px.name, name2=py.name, int=int(ok.sum()))
            + (self.tr(" (the surface fitted through {n} of them, evenly spread)").format(
                n=fitted) if fitted < ok.sum() else ""))
        if self.bar is None:
            self.bar = pg.ColorBarItem(colorMap=_cmap(), interactive=False)
            self.bar.setImageItem(self.image, insert_in=self.plot)
        self.bar.setLevels((float(np.nanmin(grid)), float(np.nanmax(grid))))


def _interpolate(x: Array, y: Array, z: Array, n: int = 60
                 ) -> tuple[Array, tuple[float, float, float, float]]:
    """The grid indexed [x, y] (pyqtgraph's image order) and its rectangle. A thin-plate
    spline (on axes scaled to [0, 1]) through the trials, or through _FIT_MOST of them spread
    evenly when there are more: one solve, where fitting each grid point to its nearest trials
    took seconds for thousands of trials. Clipped to the objective's observed range."""
    from scipy.interpolate import RBFInterpolator

    gx = np.linspace(x.min(), x.max(), n)
    gy = np.linspace(y.min(), y.max(), n)
    sx, sy = np.ptp(x) or 1.0, np.ptp(y) or 1.0
    points = np.column_stack([(x - x.min()) / sx, (y - y.min()) / sy])
    mx, my = np.meshgrid((gx - x.min()) / sx, (gy - y.min()) / sy, indexing="ij")
    unique = np.sort(np.unique(points, axis=0, return_index=True)[1])
    if len(unique) > _FIT_MOST:
        unique = unique[np.unique(np.linspace(0, len(unique) - 1, _FIT_MOST).astype(int))]
    targets = np.column_stack([mx.ravel(), my.ravel()])
    try:
        rbf = RBFInterpolator(points[unique], z[unique], kernel="thin_plate_spline",
                              smoothing=1e-3)
        grid = rbf(targets).reshape(n, n)
    except (np.linalg.LinAlgError, ValueError):  # collinear trials: nearest trial's value
        from scipy.interpolate import griddata

        grid = griddata(points, z, targets, method="nearest").reshape(n, n)
    grid = np.clip(grid, z.min(), z.max())
    return grid, (float(gx[0]), float(gy[0]), float(np.ptp(gx)), float(np.ptp(gy)))
