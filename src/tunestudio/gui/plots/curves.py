"""pyqtgraph's fast idioms in one place (STYLE.md): one curve item per series, fed from numpy
buffers that double when full (appending never copies the whole series), drawn with peak
downsampling and clipped to the view, redrawn by `refresh` from the view's timer rather than on
every incoming point. Non-finite points are dropped on the way in, so pyqtgraph's own finite
check can be skipped."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from tunestudio.gui.plots.axes import X_MODES, Array, XMode

_START = 1024
# Points kept per pixel column by peak downsampling (pyqtgraph's default: 5). Peak mode keeps
# each bucket's min and max, so 1.5 already draws every spike a pixel can show; the fewer
# vertices make a pan of a million-point curve about three times cheaper to rasterise.
DOWNSAMPLE_FACTOR = 1.5


def configure(item: Any) -> Any:
    """Peak downsampling and clip-to-view on a PlotDataItem: a million points draw as fast as
    the few thousand that fit on the screen."""
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


# Rounded ends of a growing x range: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten
# (each at most a third above the one before).
_NICE = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceil(value: float) -> float:
    """The smallest rounded end (see _NICE) at or above `value` (> 0); `value` otherwise."""
    if not np.isfinite(value) or value <= 0:
        return value
    decade = 10.0 ** np.floor(np.log10(value))
    return float(next(m * decade for m in _NICE if m * decade >= value * (1 - 1e-12)))


def _snap(low: float, high: float) -> tuple[float, float]:
    """[low, high] widened to multiples of a 1-2-5 step of about a fifth of its span."""
    span = high - low
    if not (np.isfinite(low) and np.isfinite(high)) or span <= 0:
        return low, high
    decade = 10.0 ** np.floor(np.log10(span / 5))
    step = next(m * decade for m in (1.0, 2.0, 5.0, 10.0) if m * decade >= span / 5 * (1 - 1e-9))
    return float(np.floor(low / step) * step), float(np.ceil(high / step) * step)


class XBoundedItem(pg.PlotDataItem):  # type: ignore[misc]
    """A curve whose extents, as the view's auto-range reads them, move in steps: its x extent
    is `x_bound` when set (None: its data's, as any curve), its y extent widened to round
    values (`_snap`). Each change of a view's range makes pyqtgraph re-clip every curve and
    redraw the axes, the biggest part of a live frame; a growing curve's exact extents would
    change it at every refresh. The planned LR schedule spans every epoch before one has
    trained, and would otherwise squeeze the real curves into the left few percent; its y
    extent counts over `x_bound` only."""

    x_bound: tuple[float, float] | None = None

    def set_x_bound(self, bound: tuple[float, float] | None) -> None:
        """The x interval (in the shown x mode's units) the view may auto-range to for this
        curve; the view re-ranges when it changes."""
        if bound != self.x_bound:
            self.x_bound = bound
            self.informViewBoundsChanged()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange: Any = None  # noqa: N803
                   ) -> Any:
        """pyqtgraph's extent of the curve along axis `ax` (0: x, 1: y): x is `x_bound` when set; y
        is the data's over `x_bound` (or `orthoRange`), widened to round values (`_snap`)."""
        if ax == 0:
            return self.x_bound if self.x_bound is not None else \
                super().dataBounds(ax, frac, orthoRange)
        # y over that interval only: a schedule that decays to nothing by its last epoch
        # must not stretch a log axis down by decades the trained steps never reached
        low, high = super().dataBounds(ax, frac, orthoRange if orthoRange is not None
                                       else self.x_bound)
        return (low, high) if low is None or high is None else _snap(low, high)


def make_curve(plot: Any, color: str | tuple[int, ...], name: str | None = None,
               width: float = 1.5, alpha: int = 255, dashed: bool = False,
               item_type: type[Any] = pg.PlotDataItem) -> Any:
    """A line on `plot` (a PlotItem): pen of `width` pixels in `color` with
    `alpha` (0-255), dashed if asked, a legend entry if `name` is given; an `item_type` (a
    PlotDataItem subclass, e.g. XBoundedItem) with peak downsampling and clipping (`configure`).
    Returns the item, already added to `plot`."""
    c = pg.mkColor(color)
    c.setAlpha(alpha)
    pen = pg.mkPen(c, width=width)
    if dashed:
        from PySide6.QtCore import Qt

        pen.setStyle(Qt.PenStyle.DashLine)
    item = item_type(pen=pen, name=name, skipFiniteCheck=True,
                     autoDownsampleFactor=DOWNSAMPLE_FACTOR)
    plot.addItem(item)
    return configure(item)


def make_points(plot: Any, color: str | tuple[int, ...], name: str | None = None,
                size: float = 6, line: bool = True,
                item_type: type[Any] = pg.PlotDataItem) -> Any:
    """Per-evaluation curves: few points, each one a measurement, so each is marked."""
    c = pg.mkColor(color)
    item = item_type(pen=pg.mkPen(c, width=1.5) if line else None, symbol="o",
                           symbolSize=size, symbolBrush=c, symbolPen=None, name=name,
                           skipFiniteCheck=True)
    plot.addItem(item)
    return item


class GrowingCurve:
    """One series on its curve item, on the x-axis `mode` chosen at refresh. A `log` curve
    keeps log10 of its values and draws them on a linear axis labelled in values (a
    LogValueAxis): pyqtgraph's own log mode would take the log of the whole series again on
    every refresh."""

    def __init__(self, item: Any, log: bool = False) -> None:
        self.item = item
        self.log = log  # zeros and negatives are dropped too
        self._x = {m: np.empty(_START) for m in X_MODES}
        self._x_finite = dict.fromkeys(X_MODES, True)
        self._y = np.empty(_START)
        self._n = 0
        self._shown: XMode | None = None
        self._dirty = False

    def __len__(self) -> int:
        return self._n

    def append(self, xs: dict[XMode, Array], ys: Array) -> None:
        """Adds points at the end: `ys` with their x on every axis (`xs`, one array per x mode, the
        length of `ys`). Non-finite values are dropped, and for a log curve zeros and negatives too;
        drawn at the next `refresh`."""
        ys = np.asarray(ys, dtype=np.float64)
        keep = np.isfinite(ys) & (ys > 0 if self.log else True)
        count = int(keep.sum())
        if not count:
            return
        kept = ys[keep]
        self._extend({m: xs[m][keep] for m in X_MODES}, np.log10(kept) if self.log else kept)

    def _extend(self, xs: dict[XMode, Array], stored: Array) -> None:
        """Appends points already filtered (and, for a log curve, already log10)."""
        need = self._n + len(stored)
        if need > len(self._y):
            size = max(need, 2 * len(self._y))
            self._y = np.resize(self._y, size)
            self._x = {m: np.resize(a, size) for m, a in self._x.items()}
        self._y[self._n:need] = stored
        for m in X_MODES:
            part = xs[m]
            self._x[m][self._n:need] = part
            self._x_finite[m] = self._x_finite[m] and bool(np.isfinite(part).all())
        self._n = need
        self._dirty = True

    def prepend(self, xs: dict[XMode, Array], ys: Array) -> None:
        """Puts points before those held (a resumed trial's stored history, read after its
        new points began to arrive)."""
        held_x = {m: self._x[m][:self._n].copy() for m in X_MODES}
        held_y = self._y[:self._n].copy()
        self.replace(xs, ys)
        if len(held_y):
            self._extend(held_x, held_y)

    def replace(self, xs: dict[XMode, Array], ys: Array) -> None:
        """Drops the points held and holds these (as `append`) instead."""
        self.clear()
        self.append(xs, ys)

    def clear(self) -> None:
        """Drops every point (the buffers are kept for reuse); the item is emptied at the next
        `refresh`."""
        self._n = 0
        self._x_finite = dict.fromkeys(X_MODES, True)
        self._dirty = True

    def data(self, mode: XMode) -> tuple[Array, Array]:
        """The points as values (views of the buffers, except for a log curve); x non-finite
        where unknown (wall-clock time of a stored trial before any evaluation)."""
        y = self._y[:self._n]
        return self._x[mode][:self._n], (10 ** y if self.log else y)

    def refresh(self, mode: XMode) -> bool:
        """Hands the points to pyqtgraph if they changed (or the axis did); True if it did."""
        if not self._dirty and mode == self._shown:
            return False
        x, y = self._x[mode][:self._n], self._y[:self._n]
        if not self._x_finite[mode]:
            ok = np.isfinite(x)
            x, y = x[ok], y[ok]
        self.item.setData(x, y)
        self._shown, self._dirty = mode, False
        return True
