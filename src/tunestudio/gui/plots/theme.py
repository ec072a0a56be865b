"""Plots follow the application's theme: background from the palette's Base colour, axes, tick
labels and titles from its Text colour, applied when a plot is shown and again whenever the
palette changes (Preferences > Theme), so a dark window never shows white plots."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QPalette

_EVENTS = (QEvent.Type.Show, QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange,
           QEvent.Type.StyleChange)


def plot_colors() -> tuple[QColor, QColor]:
    """(background, foreground) of plots in the current palette."""
    palette = QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def apply_plot_colors(widget: Any) -> None:
    """Colours a pg.PlotWidget or pg.GraphicsLayoutWidget (and every plot in it) now."""
    background, foreground = plot_colors()
    widget.setBackground(background)
    scene = widget.scene()
    if scene is None:
        return
    for item in scene.items():
        if isinstance(item, pg.AxisItem):
            item.setPen(foreground)
            item.setTextPen(foreground)
        elif isinstance(item, pg.LabelItem) and item.text:
            item.setText(item.text, color=foreground)


class _Follower(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _EVENTS:
            apply_plot_colors(watched)
        return False


def follow_theme(widget: Any) -> Any:
    """Colours the plot widget now and whenever it is shown or the palette changes; returns
    the widget."""
    apply_plot_colors(widget)
    follower = _Follower(widget)
    widget.installEventFilter(follower)
    return widget
