"""A legend whose entries are trials: clicking an entry (its swatch or its name) reports the
curve it names, so the view can select that trial. pyqtgraph's own legend hides a curve when
its swatch is clicked; here a click selects and never hides data.

A legend drawn inside a view box covers the curves it names (a loss curve runs into the very
corner a legend is anchored to, and a search's ten trials make a legend taller than a 600 px
window's plot). `LegendDock` gives the legend a row of its own in the plots' grid layout, above or
below the view boxes (as W&B's charts; TensorBoard keeps its runs' names off the chart too);
its entries are laid out to fit the row, long names shortened (the whole name in the entry's
tooltip)."""

from __future__ import annotations

import html
from typing import Any

import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF

from tunestudio.gui.common.i18n import translate
from tunestudio.gui.plots.theme import plot_colors

PAD = 4.0  # pixels between a docked legend and its cell's edges


class _Swatch(ItemSample):  # type: ignore[misc]
    """A legend swatch that leaves its clicks to the legend (no visibility toggle)."""

    def mouseClickEvent(self, event: Any) -> None:
        event.ignore()


class TrialLegend(pg.LegendItem):  # type: ignore[misc]
    """`entry_clicked(item)` with the plot item (a PlotDataItem) whose entry was left-clicked;
    dragging an anchored legend still moves it (a docked one stays in its cell).

    Each entry keeps the name it was given (`names()`, `name_of`); the name drawn is shortened
    to `max_label_width` pixels, without a leading `hidden_prefix` (the experiment every entry
    shares), the whole name in the entry's tooltip. With `max_entries` set and more entries
    than that, the last ones added are drawn (a run's running trials), the others counted in a
    last "+N more" entry whose tooltip names them."""

    columnCount: int  # set by pg.LegendItem  # noqa: N815 (pyqtgraph's name)
    rowCount: int  # noqa: N815
    entry_clicked = Signal(object)
    resized = Signal()  # its size changed (entries added, removed, renamed or re-flowed)

    def __init__(self, **kwargs: Any) -> None:
        self.docked = False
        self.max_label_width: float | None = None
        self.hidden_prefix = ""
        self._names: dict[int, str] = {}  # id() of the plot item -> the name it was given
        self.max_entries: int | None = None
        self.drawn: list[tuple[Any, Any]] = []  # the (swatch, label) pairs laid out
        self.more: Any = None  # the "+N more" label, once made
        super().__init__(sampleType=_Swatch, **kwargs)
        self.more = pg.LabelItem("", justify="left", parent=self)
        self.more.hide()

    # -- names ---------------------------------------------------------------------------------
    def names(self) -> list[str]:
        """The entries' whole names, in order."""
        return [self._names.get(id(sample.item), label.text) for sample, label in self.items]

    def name_of(self, item: Any) -> str | None:
        """The whole name `item`'s entry was given, or None if it has no entry."""
        return self._names.get(id(item))

    def shown_text(self, name: str) -> str:
        """The text drawn for `name` (plain text): without the hidden prefix, shortened with
        '…' to the maximum width."""
        text = name[len(self.hidden_prefix):] if self.hidden_prefix and \
            name.startswith(self.hidden_prefix) and len(name) > len(self.hidden_prefix) \
            else name
        if self.max_label_width is None:
            return text
        # QFont(): the application's font, which every entry's label draws with
        return QFontMetricsF(QFont()).elidedText(text, Qt.TextElideMode.ElideRight,
                                              self.max_label_width)

    def addItem(self, item: Any, name: str) -> None:
        """An entry for `item` (a plot item) named `name`: drawn shortened (`shown_text`), the whole
        name in its tooltip, in the theme's text colour."""
        self._names[id(item)] = name
        super().addItem(item, html.escape(self.shown_text(name), quote=False))
        label = self.getLabel(item)
        if label is not None:
            label.setToolTip(name)
            label.setText(label.text, color=plot_colors()[1])  # the theme colour, as axes

    def removeItem(self, item: Any) -> None:
        """Takes `item`'s entry away and lays the rest out again."""
        super().removeItem(item)
        self._names.pop(id(item), None)
        self._relayout()
        self.updateSize()

    def set_max_entries(self, count: int | None) -> None:
        """At most `count` entries drawn (the last of them "+N more"); None: all."""
        if count != self.max_entries:
            self.max_entries = count
            self._relayout()
            self.updateSize()

    def _addItemToLayout(self, sample: Any, label: Any) -> None:  # pyqtgraph's hook
        self._relayout()

    def setColumnCount(self, columnCount: int) -> None:  # noqa: N803 (pyqtgraph's name)
        """Lays the entries out `columnCount` to a row (nothing if that is the current count)."""
        if columnCount != self.columnCount:
            self.columnCount = columnCount
            self._relayout()
            self.updateSize()

    def _relayout(self) -> None:
        """Places the drawn entries row by row, `columnCount` to a row, and the "+N more"
        entry after them; the entries left out are hidden."""
        if self.more is None:  # pyqtgraph's constructor, before ours ran
            return
        for index in reversed(range(self.layout.count())):
            self.layout.removeAt(index)
        entries, left_out = list(self.items), []
        if self.max_entries is not None and len(entries) > self.max_entries:
            keep = max(0, self.max_entries - 1)
            left_out, entries = entries[:len(entries) - keep], entries[len(entries) - keep:]
        for sample, label in left_out:
            sample.hide()
            label.hide()
        columns = max(1, self.columnCount)
        for index, (sample, label) in enumerate(entries):
            sample.show()
            label.show()
            row, col = divmod(index, columns)
            self.layout.addItem(sample, row, 2 * col, Qt.AlignmentFlag.AlignVCenter)
            self.layout.addItem(label, row, 2 * col + 1)
        self.drawn = entries
        if left_out:
            row, col = divmod(len(entries), columns)
            hidden = len(left_out)  # a name, not a call: lupdate reads no call as the count
            self.more.setText(translate("TrialLegend", "+%n more", None, hidden),
                              color=plot_colors()[1])
            self.more.setToolTip("\n".join(self._names.get(id(s.item), lab.text)
                                           for s, lab in left_out))
            self.more.show()
            self.layout.addItem(self.more, row, 2 * col, 1, 2)
        else:
            self.more.hide()
        self.rowCount = max(1, -(-(len(entries) + bool(left_out)) // columns))

    def clear(self) -> None:
        """Takes every entry away, with the names they were given."""
        super().clear()
        self._names.clear()
        self._relayout()

    def rename(self, item: Any, name: str) -> None:
        """A new name for `item`'s entry (nothing if it has none)."""
        label = self.getLabel(item)
        if label is None:
            return
        self._names[id(item)] = name
        self._set_label(label, name)
        self.updateSize()

    def _set_label(self, label: Any, name: str) -> None:
        label.setText(html.escape(self.shown_text(name), quote=False))
        label.setToolTip(name)

    def set_hidden_prefix(self, prefix: str) -> None:
        """Drawn names leave out `prefix` (e.g. 'bayes ' when every entry is that experiment's
        trial); '' draws them whole."""
        if prefix != self.hidden_prefix:
            self.hidden_prefix = prefix
            self._redraw_names()

    def set_max_label_width(self, width: float | None) -> None:
        """Names drawn shortened to at most `width` pixels (None: whole); redraws them if it
        changed."""
        if width != self.max_label_width:
            self.max_label_width = width
            self._redraw_names()

    def _redraw_names(self) -> None:
        for sample, label in self.items:
            self._set_label(label, self._names.get(id(sample.item), label.text))
        self.updateSize()

    # -- size and clicks -----------------------------------------------------------------------
    def natural_size(self) -> QSizeF:
        """The size its entries take in its current number of columns."""
        self.layout.invalidate()
        self.layout.activate()
        size: QSizeF = self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        return size

    def updateSize(self) -> None:
        """Fits the legend to its entries: as pyqtgraph's when anchored in a view box, resized in
        place when docked; emits `resized` either way."""
        if not self.docked:
            super().updateSize()
        else:  # in its dock's cell: resized in place, never moved to the parent's corner
            size = self.natural_size() if self.items else QSizeF(0, 0)
            self.setGeometry(QRectF(self.pos(), size))
        self.resized.emit()

    def mouseDragEvent(self, event: Any) -> None:
        """Moves an anchored legend (pyqtgraph's); a docked one stays put."""
        if self.docked:
            event.ignore()
            return
        super().mouseDragEvent(event)

    def item_at(self, scene_pos: Any) -> Any | None:
        """The plot item whose drawn entry (swatch or name) is at `scene_pos`, or None."""
        for sample, label in self.drawn:
            if sample.sceneBoundingRect().contains(scene_pos) or \
                    label.sceneBoundingRect().contains(scene_pos):
                return sample.item
        return None

    def mouseClickEvent(self, event: Any) -> None:
        """A left click on a drawn entry emits `entry_clicked` with its plot item; other clicks are
        left to the items below."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        item = self.item_at(event.scenePos())
        if item is not None:
            event.accept()
            self.entry_clicked.emit(item)


def add_trial_legend(plot: pg.PlotItem, offset: tuple[float, float]) -> TrialLegend:
    """A TrialLegend as `plot`'s legend, anchored inside its view box (curves added with a name
    get an entry)."""
    legend = TrialLegend(offset=offset)
    legend.setParentItem(plot.vb)
    plot.legend = legend
    return legend


class LegendDock(pg.GraphicsWidget):  # type: ignore[misc]
    """A row of a grid layout (above or below plots, spanning their columns) that holds a
    TrialLegend outside every view box: the entries side by side, as many to a row as its
    width holds, its height their rows'. Hidden (`set_shown(False)`), it takes no room."""

    def __init__(self, legend: TrialLegend) -> None:
        super().__init__()
        self.legend = legend
        self.shown = True
        self._fitting = False
        legend.docked = True
        legend.layout.setContentsMargins(0, 0, 0, 0)
        legend.setParentItem(self)
        legend.setPos(PAD, PAD)
        legend.resized.connect(self.fit)
        policy = self.sizePolicy()
        policy.setVerticalPolicy(policy.Policy.Fixed)
        self.setSizePolicy(policy)
        self.fit()

    def set_shown(self, shown: bool) -> None:
        """Shows the row, or hides it with no height left to it."""
        self.shown = shown
        self.setVisible(shown)
        self.fit()

    def _columns(self) -> int:
        """How many entries a row of the current width holds (at least one)."""
        drawn = self.legend.drawn
        count = len(drawn) + (len(drawn) < len(self.legend.items))  # and "+N more"
        room = self.size().width() - 2 * PAD
        if count <= 1 or room <= 0 or not drawn:
            return 1
        widest = max(sample.effectiveSizeHint(Qt.SizeHint.PreferredSize).width()
                     + label.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() + 16
                     for sample, label in drawn)
        return max(1, min(count, int(room // widest)))

    def fit(self) -> None:
        """Lays the entries out for the row's width and sets its height to theirs."""
        if self._fitting:
            return
        self._fitting = True
        try:
            columns = self._columns()
            if columns != self.legend.columnCount:
                self.legend.setColumnCount(columns)  # emits resized; _fitting stops the loop
            size = self.legend.natural_size() if self.legend.items else QSizeF(0, 0)
            self.legend.setGeometry(QRectF(self.legend.pos(), size))
            height = size.height() + 2 * PAD if self.shown and self.legend.items else 0.0
            self.setMinimumHeight(height)
            self.setMaximumHeight(height)
            self.setPreferredHeight(height)
        finally:
            self._fitting = False

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit()


def dock_legend(layout: Any, legend: TrialLegend, row: int, col: int,
                colspan: int = 1) -> LegendDock:
    """Puts `legend` in a LegendDock at (row, col) of `layout` (a pg.GraphicsLayout or a
    QGraphicsGridLayout, e.g. a PlotItem's), spanning `colspan` columns; returns the dock."""
    dock = LegendDock(legend)
    if isinstance(layout, pg.GraphicsLayout):
        layout.addItem(dock, row=row, col=col, colspan=colspan)
    else:
        layout.addItem(dock, row, col, 1, colspan)
    return dock
