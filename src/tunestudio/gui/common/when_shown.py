"""Work a view does only while it is seen: `WhenShown(widget, reload)` runs `reload` at once when
the widget is visible, else the next time it is shown (so opening a project reads no history for
tabs nobody looks at, and a hidden view catches up in one read when shown)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class WhenShown(QObject):
    """Runs `reload` for `widget` only while it is seen: at once on `request` when visible, else at
    the widget's next show (an event filter on it). `stale`: a reload is due."""

    def __init__(self, widget: QWidget, reload: Callable[[], None]) -> None:
        super().__init__(widget)
        self.widget = widget
        self.reload = reload
        self.stale = True
        widget.installEventFilter(self)

    def request(self) -> None:
        """Reload now if the widget is visible, else when it is next shown."""
        self.stale = True
        if self.widget.isVisible():
            self.run()

    def run(self) -> None:
        """Runs `reload` now, visible or not, and marks the widget up to date."""
        self.stale = False
        self.reload()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.stale:
            self.run()
        return False
