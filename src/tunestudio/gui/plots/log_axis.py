"""Axis helpers shared by the analysis plots: a log-scale axis that draws log10 positions but
labels them with the values themselves (0.001, 0.0032, ...; pyqtgraph's own log mode labels
few ticks on a range under a decade), and plain numbers instead of SI-prefixed ones."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

# Room a tick label needs along its axis, in pixels: the width of `0.0003` (with a gap) on a
# horizontal axis, a line of text on a vertical one. Labels closer than this run together.
LABEL_PX = {"horizontal": 56.0, "vertical": 22.0}
_MINOR = 1e-9  # the spacing that marks the unlabelled level (see `tickStrings`)
_ALL = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)


class LogValueAxis(pg.AxisItem):  # type: ignore[misc]
    """Positions are log10(value); labels are the values."""

    is_log = True

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:  # noqa: N803
        """Ticks at round values: decades (1e-4, 1e-3, ...) and, over a narrower range, the
        1-2-5 (or every whole) multiples between them; labelled only as densely as the axis's
        `size` pixels leave room for (the rest are unlabelled ticks)."""
        side = "horizontal" if self.orientation in ("top", "bottom") else "vertical"
        return log_ticks(minVal, maxVal, size, LABEL_PX[side]) or \
            super().tickValues(minVal, maxVal, size)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """The labels of ticks at log10 positions `values`: the values themselves (3 significant
        digits); empty for the unlabelled level (`log_ticks`)."""
        if spacing == _MINOR:
            return [""] * len(values)
        return [f"{10 ** v:.3g}" for v in values]


def log_ticks(low: float, high: float, length_px: float | None = None,
              label_px: float = 0.0) -> list[tuple[float, list[float]]]:
    """pyqtgraph tick levels for a log10 range [low, high] drawn over `length_px` pixels
    (None: room for any labels): (spacing, positions) pairs. The first level is labelled,
    at round values no closer than `label_px` pixels (at most ~8 decades); the second holds
    the other round ticks, unlabelled. Empty when the range is not finite, spans more than 40
    decades, or leaves room for fewer than two round labels (pyqtgraph's own ticks then)."""
    lo, hi = min(low, high), max(low, high)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo > 40 or hi <= lo:
        return []
    span = hi - lo
    px_per_decade = length_px / span if length_px else float("inf")

    def fits(positions: list[float]) -> bool:
        return len(positions) < 2 or \
            float(np.min(np.diff(positions))) * px_per_decade >= label_px

    def multiples(mults: tuple[float, ...]) -> list[float]:
        return sorted(d + float(np.log10(m)) for d in decades for m in mults
                      if lo <= d + np.log10(m) <= hi)

    decades = [float(d) for d in range(int(np.floor(lo)), int(np.ceil(hi)) + 1)]
    step = max(1, int(np.ceil(span / 8)))  # at most ~8 decades labelled
    while step * px_per_decade < label_px:
        step += 1
    majors = [d for d in decades if lo <= d <= hi and int(d) % step == 0]
    if len(majors) >= 2:  # decades labelled, the 1-2-5 multiples between them ticked
        return [(float(step), majors),
                (_MINOR, multiples((2.0, 5.0) if span > 1.5 else _ALL) if span <= 4 else [])]
    # under a decade or two: the multiples are the labelled ticks, as densely as they fit
    every = multiples(_ALL)
    candidates = (every, multiples((1.0, 2.0, 5.0)), multiples((1.0, 5.0)),
                  multiples((1.0, 3.0)))
    labelled = next((m for m in candidates if len(m) >= 2 and fits(m)), [])
    if not labelled:  # a narrow range between round multiples: round steps of the value
        labelled = next((v for v in (_value_steps(lo, hi, n) for n in (3, 2)) if len(v) >= 2
                         and fits(v)), [])
        every = sorted(set(every) | set(labelled))
    if not labelled:  # at least one round value in sight
        labelled = next((m for m in (*candidates, _value_steps(lo, hi, 2),
                                     _value_steps(lo, hi, 4)) if len(m) == 1), [])
    if not labelled:
        return []
    rest = [v for v in every if not any(abs(v - w) < 1e-9 for w in labelled)]
    return [(float(step), labelled), (_MINOR, rest)]


def _value_steps(lo: float, hi: float, count: int) -> list[float]:
    """log10 of the multiples of a 1-2-5 step of about (10**hi - 10**lo) / count in range."""
    v_lo, v_hi = 10.0 ** lo, 10.0 ** hi
    raw = (v_hi - v_lo) / count
    if not raw > 0:
        return []
    decade = 10.0 ** np.floor(np.log10(raw))
    step = next(m * decade for m in (1.0, 2.0, 5.0, 10.0) if m * decade >= raw * (1 - 1e-9))
    values = np.arange(np.ceil(v_lo / step), np.floor(v_hi / step) + 1) * step
    return [float(np.log10(v)) for v in values if v > 0]


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
