"""File menu parts: New from Template (one entry per bundled template, the first on Ctrl+N) and
Open Recent (the recent project files, kept in the settings)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from tunestudio.gui.form.spec import humanize


class TemplateMenu(QMenu):
    """File > New from Template: one entry per bundled template (the first on Ctrl+N);
    `chosen(name)` with the template's name."""

    chosen = Signal(str)  # template name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("&New from Template"))
        from tunestudio.config import TEMPLATES

        for index, name in enumerate(TEMPLATES):
            action = self.addAction(humanize(name))
            action.setData(name)
            if index == 0:
                action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.triggered.connect(self._on_triggered)

    @Slot(QAction)
    def _on_triggered(self, action: QAction) -> None:
        self.chosen.emit(str(action.data()))


class RecentMenu(QMenu):
    """File > Open Recent: one entry per recent project file; `chosen(path)` with the file's path.
    Disabled while empty."""

    chosen = Signal(str)  # path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Open &Recent"))
        self.triggered.connect(self._on_triggered)

    def show_files(self, paths: list[Path]) -> None:
        """Lists `paths` (newest first, as the settings keep them) as its entries."""
        self.clear()
        for path in paths:
            self.addAction(str(path)).setData(str(path))
        self.setEnabled(bool(paths))

    @Slot(QAction)
    def _on_triggered(self, action: QAction) -> None:
        self.chosen.emit(str(action.data()))
