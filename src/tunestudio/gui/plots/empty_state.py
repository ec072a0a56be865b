"""A plot, or a centred hint in its place while it has nothing to draw: an empty plot's bare
axes say nothing, the hint says what would fill it (run the experiment, select a trial, press
the button above)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QWidget


class EmptyState(QStackedWidget):
    """Holds `content` (a plot widget) and a word-wrapped hint; shows the hint while empty
    (it starts empty)."""

    def __init__(self, content: QWidget, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        self.hint = QLabel(hint, self)
        self.hint.setObjectName("hint")  # the theme's muted text, as other hints
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setMargin(12)
        self.addWidget(self.hint)
        self.addWidget(content)

    @property
    def is_empty(self) -> bool:
        """Whether the hint is shown in place of the content."""
        return self.currentWidget() is self.hint

    def set_empty(self, empty: bool, hint: str | None = None) -> None:
        """Shows the hint (with new text, if given) or the content."""
        if hint is not None:
            self.hint.setText(hint)
        page = self.hint if empty else self.content
        if self.currentWidget() is not page:
            self.setCurrentWidget(page)
