"""Log-axis tick labels never run together: on the live view's log axes (the learning rate's
and the gradient norm's, vertical) and on an analysis plot's log x-axis (horizontal), at the
window's small and large sizes and over narrow and wide ranges, the labels pyqtgraph draws do
not overlap and at least two are drawn."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot

from tunestudio.gui.plots.log_axis import LogValueAxis, log_axis_plot
from tunestudio.gui.plots.panel import PlotPanel


def drawn_labels(axis: LogValueAxis) -> list[tuple[Any, str]]:
    """The labels as pyqtgraph would paint them now: (rect, text)."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _, text in texts if text]


def assert_apart(labels: list[tuple[Any, str]]) -> None:
    assert len(labels) >= 2, labels
    for i, (a, ta) in enumerate(labels):
        for b, tb in labels[i + 1:]:
            assert not a.intersects(b), f"'{ta}' and '{tb}' run together"


@pytest.mark.parametrize("size", [(960, 600), (1280, 800), (700, 420)])
@pytest.mark.parametrize("decades", [(-3.2, -1.9), (-3.0, -2.4), (-4.3, -1.8), (-7.0, 1.0)])
def test_the_live_views_log_axes_label_apart(qtbot: QtBot, size: tuple[int, int],
                                             decades: tuple[float, float]) -> None:
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    for key in ("lr", "grad"):
        plot = panel.plots[key]
        plot.setYRange(*decades, padding=0)
        axis = plot.getAxis("left")
        assert isinstance(axis, LogValueAxis)

        def ranged(a: LogValueAxis = axis) -> bool:
            span: float = a.range[1] - a.range[0]  # pyqtgraph's range is untyped
            return span > 0.3

        qtbot.waitUntil(ranged, timeout=5_000)
        assert_apart(drawn_labels(axis))


@pytest.mark.parametrize("width", [260, 400, 900])
@pytest.mark.parametrize("decades", [(-3.2, -1.9), (-2.0, -1.05), (-5.0, -1.0)])
def test_an_analysis_plots_log_x_axis_labels_apart(qtbot: QtBot, width: int,
                                                   decades: tuple[float, float]) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = log_axis_plot(widget, 0, 0, "objective by learning rate")
    widget.resize(width, 260)
    widget.show()
    qtbot.waitExposed(widget)
    plot.setXRange(*decades, padding=0)
    axis = plot.getAxis("bottom")
    qtbot.waitUntil(lambda: axis.range[1] - axis.range[0] > 0.3, timeout=5_000)
    assert_apart(drawn_labels(axis))


@pytest.mark.parametrize("low, span", [(-3.0, 0.1), (-2.95, 0.15), (-2.9, 0.2), (-2.8, 0.1),
                                       (-2.65, 0.05), (-2.85, 0.05)])
def test_a_narrow_lr_range_is_still_labelled(qtbot: QtBot, low: float, span: float) -> None:
    """An LR that barely changes over the steps shown (a tenth to a fifth of a decade) on a
    small window: the axis names at least one round value in sight (pyqtgraph's own log
    ticks, the fallback before, drew no label at all on all these ranges)."""
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(680, 420)
    panel.show()
    qtbot.waitExposed(panel)
    plot = panel.plots["lr"]
    plot.setYRange(low, low + span, padding=0)
    axis = plot.getAxis("left")
    qtbot.waitUntil(lambda: len(drawn_labels(axis)) >= 1, timeout=5_000)
    labels = drawn_labels(axis)
    for _, text in labels:
        assert 10 ** low <= float(text) * (1 + 1e-9) and float(text) <= 10 ** (low + span) * 1.001
        assert len(text.rstrip("0").split(".")[-1].lstrip("0")) <= 2, text  # a round value
    if len(labels) > 1:
        assert_apart(labels)
