"""What the window shows with no project open: a new project from a template, Open, and the
recent projects. It only asks; the main window does the opening."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import TEMPLATES
from tunestudio.gui.common.i18n import translate
from tunestudio.gui.form.spec import humanize

_PATH_ROLE = Qt.ItemDataRole.UserRole
_RECOVERY_ROLE = Qt.ItemDataRole.UserRole + 1


def template_summary(name: str) -> str:
    """The first paragraph of the template's docstring, its lines joined: what the project
    trains (a sentence cut at its first line break read as a truncated one)."""
    return translate("Template", english_template_summary(name))


def english_template_summary(name: str) -> str:
    """The first paragraph of template `name`'s docstring, its lines joined, untranslated
    (`template_summary` translates it)."""
    doc = (TEMPLATES[name].__doc__ or "").strip()
    return " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())


class WelcomePage(QWidget):
    """The page shown with no project open: a button per template, Open, and the recent projects. It
    only emits what the user asked for: `new_requested(template)`, `open_requested()`,
    `recent_requested(path)`, `recovery_requested(recovery file)`."""

    new_requested = Signal(str)  # template name
    open_requested = Signal()
    recent_requested = Signal(str)  # path
    recovery_requested = Signal(str)  # recovery file of a project never saved

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel(self.tr("TuneStudio"), self)
        title.setObjectName("welcomeTitle")
        subtitle = QLabel(self.tr("Tune deep-learning training runs by controlled experiments: a "
                                  "baseline, one change at a time, every trial kept."), self)
        subtitle.setWordWrap(True)
        new_box = QFrame(self)
        new_box.setFrameShape(QFrame.Shape.StyledPanel)
        new_layout = QGridLayout(new_box)
        new_layout.addWidget(QLabel(self.tr("<b>New project from a template</b>")), 0, 0, 1, 2)
        self.template_buttons: dict[str, QPushButton] = {}
        for row, name in enumerate(TEMPLATES, start=1):
            button = QPushButton(humanize(name), new_box)
            button.setObjectName(f"template_{name}")
            button.setProperty("template", name)
            button.setMinimumWidth(120)
            button.clicked.connect(self._on_template)
            hint = QLabel(template_summary(name), new_box)
            hint.setWordWrap(True)
            new_layout.addWidget(button, row, 0)
            new_layout.addWidget(hint, row, 1)
            self.template_buttons[name] = button
        new_layout.setColumnStretch(1, 1)
        self.open_button = QPushButton(self.tr("Open project…"), self)
        self.open_button.clicked.connect(self.open_requested)
        self.recent = QListWidget(self)
        self.recent.setObjectName("recentProjects")
        self.recent.itemActivated.connect(self._on_recent)
        self.recent_empty = QLabel(self.tr("No recent projects yet."), self)
        self.recent_empty.setObjectName("hint")
        open_row = QHBoxLayout()
        open_row.addWidget(self.open_button)
        open_row.addStretch(1)
        self.recent.setMaximumHeight(220)
        column = QVBoxLayout()
        column.addStretch(1)
        column.addWidget(title)
        column.addWidget(subtitle)
        column.addSpacing(16)
        column.addWidget(new_box)
        column.addSpacing(8)
        column.addLayout(open_row)
        column.addSpacing(8)
        column.addWidget(QLabel(self.tr("<b>Recent projects</b>"), self))
        column.addWidget(self.recent)
        column.addWidget(self.recent_empty)
        column.addStretch(2)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)

    def set_recent(self, recent: list[Path],
                   recovered: list[tuple[Path, str, float]] | None = None) -> None:
        """Recent project files, and first any project that was never saved but has a
        recovery copy (TuneStudio closed before it was saved)."""
        self.recent.clear()
        for file, name, when in recovered or []:
            stamp = datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M")
            item = QListWidgetItem(self.tr("{name}    —    unsaved, recovered from {stamp}").format(
                name=name, stamp=stamp),
                                   self.recent)
            item.setData(_RECOVERY_ROLE, str(file))
            item.setToolTip(self.tr("Never saved: open it and save it to keep it"))
        for path in recent:
            item = QListWidgetItem(f"{path.stem}    —    {path.parent}", self.recent)
            item.setData(_PATH_ROLE, str(path))
            item.setToolTip(str(path))
            if not path.exists():
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setText(self.tr("{stem}    —    {parent}  (missing)").format(
                    stem=path.stem, parent=path.parent))
        shown = bool(recent or recovered)
        self.recent.setVisible(shown)
        self.recent_empty.setVisible(not shown)

    @Slot()
    def _on_template(self) -> None:
        button = self.sender()
        if isinstance(button, QPushButton):
            self.new_requested.emit(str(button.property("template")))

    @Slot(QListWidgetItem)
    def _on_recent(self, item: QListWidgetItem) -> None:
        recovery = item.data(_RECOVERY_ROLE)
        if recovery:
            self.recovery_requested.emit(str(recovery))
        else:
            self.recent_requested.emit(str(item.data(_PATH_ROLE)))
