"""A one-line status label that never widens its window: a text longer than the room it gets
ends in "…", and its tooltip then holds the whole text.

A plain QLabel asks for its whole text as its minimum width, so one long status line (the
checkpoints' disk use after a stopped trial, the running trial's parameters) pushed the main
window past a 1280- or 960-pixel screen, and the user could not shrink it back."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

# The narrowest the label goes, in average characters: enough to show that text is there.
_MIN_CHARS = 6


class ElidedLabel(QLabel):
    """Plain text only (rich text would be cut inside its tags). `text()` is the whole text;
    the widget shows `shown_text()`. `setToolTip` sets the owner's tooltip, shown below the
    whole text when the text is cut."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self._tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:
        """Sets the whole text and shows as much of it as fits."""
        self._full = text
        self._elide()
        self.updateGeometry()

    def text(self) -> str:
        """The whole text (not what is drawn: see `shown_text`)."""
        return self._full

    def clear(self) -> None:
        """Empties the label."""
        self.setText("")

    def shown_text(self) -> str:
        """The text as drawn now: the whole of it, or its start and "…"."""
        return super().text()

    def is_elided(self) -> bool:
        """Whether the text is cut to fit (then the tooltip holds all of it)."""
        return self.shown_text() != self._full

    def setToolTip(self, tip: str) -> None:
        """Sets the owner's tooltip, shown below the whole text when the text is cut."""
        self._tip = tip
        self._show_tooltip()

    def toolTip(self) -> str:
        """The owner's tooltip (without the whole text added when cut)."""
        return self._tip

    def sizeHint(self) -> QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() \
            + margins.right() + 2 * max(self.indent(), 0) + 2 * self.margin()
        return QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        width = self.fontMetrics().averageCharWidth() * _MIN_CHARS
        return QSize(min(width, self.sizeHint().width()), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width() - 2 * self.margin()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, room) \
            if self.fontMetrics().horizontalAdvance(self._full) > room else self._full
        if shown != super().text():
            super().setText(shown)
        self._show_tooltip()

    def _show_tooltip(self) -> None:
        parts = [self._full] if self.is_elided() else []
        if self._tip:
            parts.append(self._tip)
        super().setToolTip("\n".join(parts))
