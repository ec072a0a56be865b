"""A legend whose entries are trials: clicking an entry (its swatch or its name) reports the
curve it names, so the view can select that trial. pyqtgraph's own legend hides a curve when
its swatch is clicked; here a click selects and never hides data."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import Qt, Signal


class _Swatch(ItemSample):  # type: ignore[misc]
    """A legend swatch that leaves its clicks to the legend (no visibility toggle)."""

    def mouseClickEvent(self, event: Any) -> None:
        event.ignore()


class TrialLegend(pg.LegendItem):  # type: ignore[misc]
    """`entry_clicked(item)` with the plot item (a PlotDataItem) whose entry was left-clicked;
    dragging the legend still moves it."""

    entry_clicked = Signal(object)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.setSampleType(_Swatch)

    def item_at(self, scene_pos: Any) -> Any | None:
        """The plot item whose entry (swatch or name) is at `scene_pos`, or None."""
        for sample, label in self.items:
            if sample.sceneBoundingRect().contains(scene_pos) or \
                    label.sceneBoundingRect().contains(scene_pos):
                return sample.item
        return None

    def mouseClickEvent(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        item = self.item_at(event.scenePos())
        if item is not None:
            event.accept()
            self.entry_clicked.emit(item)


def add_trial_legend(plot: pg.PlotItem, offset: tuple[float, float]) -> TrialLegend:
    """A TrialLegend as `plot`'s legend (curves added with a name get an entry)."""
    legend = TrialLegend(offset=offset)
    legend.setParentItem(plot.vb)
    plot.legend = legend
    return legend
