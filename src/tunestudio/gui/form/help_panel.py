"""The help of the focused field: its description and the tuning practice for that knob."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


class HelpPanel(QFrame):
    """The help of the focused field under the form: its title and its text (the field's
    description and the tuning advice for that knob); shows `placeholder`, in a muted style,
    until a field is focused."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        self.title.setStyleSheet("font-weight: 600;")
        self.body = QLabel(placeholder, self)
        self.body.setObjectName("hint")
        self.body.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.body)

    @Slot(str, str)
    def show_help(self, title: str, text: str) -> None:
        """Shows `title` and `text`, the placeholder's muted style dropped."""
        self.title.setText(title)
        if self.body.objectName():  # the placeholder's muted style goes with it
            self.body.setObjectName("")
            self.body.style().unpolish(self.body)
            self.body.style().polish(self.body)
        self.body.setText(text)
