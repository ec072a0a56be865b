"""The project's experiments as a list: add, duplicate, remove, and pick the one the editor,
the trials view and Run work on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import STRATEGY_LABELS
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.document_edits import experiment_trial_count
from tunestudio.gui.common.i18n import render, translate

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class ExperimentListModel(QAbstractListModel):
    """The project's experiment names, one row each, following the document; an experiment's
    tooltip gives its strategy and goal."""

    def __init__(self, document: ProjectDocument) -> None:
        super().__init__(document)
        self.document = document
        self._names = document.experiment_names()
        document.changed.connect(self._on_changed)

    @Slot()
    def _on_changed(self) -> None:
        names = self.document.experiment_names()
        if names == self._names:
            return
        if len(names) == len(self._names):
            self._names = names
            self.dataChanged.emit(self.index(0), self.index(len(names) - 1))
            return
        self.beginResetModel()
        self._names = names
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._names):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._names[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole:
            exp = self.document.draft["experiments"][index.row()]
            strategy = render(STRATEGY_LABELS.get(str(exp.get("search", {}).get("strategy")), ""))
            goal = exp.get("goal") or "no goal stated yet"
            return translate("ExperimentList", "{strategy}\nGoal: {goal}").format(
                strategy=strategy, goal=goal)
        return None


class ExperimentList(QWidget):
    """`current_changed(index)` is -1 when no experiment is selected."""

    current_changed = Signal(int)
    added = Signal(int)  # a new experiment, to open in the editor

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.model = ExperimentListModel(document)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setToolTip(self.tr("A new experiment: state its goal and hypothesis first"))
        self.duplicate_button = QPushButton(self.tr("Duplicate"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel(self.tr("<b>Experiments</b>"), self)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self._on_add)
        self.duplicate_button.clicked.connect(self._on_duplicate)
        self.remove_button.clicked.connect(self._on_remove)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        self.model.modelReset.connect(self._keep_selection)
        self._last = -1
        if self.model.rowCount() > 0:
            self.select(0)
        self._update_buttons()

    def current(self) -> int:
        """The selected experiment's index, or -1 when none is selected."""
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def current_name(self) -> str | None:
        """The selected experiment's name, or None when none is selected."""
        row = self.current()
        names = self.document.experiment_names()
        return names[row] if 0 <= row < len(names) else None

    def select(self, row: int) -> None:
        """Selects the experiment at `row` and makes it the current one."""
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        row = current.row() if current.isValid() else -1
        self._last = row
        self._update_buttons()
        self.current_changed.emit(row)

    @Slot()
    def _keep_selection(self) -> None:
        count = self.model.rowCount()
        if count:
            self.select(min(max(self._last, 0), count - 1))
        else:
            self._last = -1
            self.current_changed.emit(-1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current() >= 0
        self.duplicate_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    @Slot()
    def _on_add(self) -> None:
        """Asks for the new experiment's name, adds it and opens it in the editor."""
        name, ok = QInputDialog.getText(self, self.tr("New experiment"),
                                        self.tr("Name of the experiment:"),
                                        text=self.tr("experiment"))
        if not ok or not name.strip():
            return
        self._last = self.document.add_experiment(name=name)
        self.select(self._last)
        self.added.emit(self._last)

    @Slot()
    def _on_duplicate(self) -> None:
        if self.current() >= 0:
            self._last = self.document.add_experiment(self.current())
            self.select(self._last)

    @Slot()
    def _on_remove(self) -> None:
        name = self.current_name()
        count = experiment_trial_count(self.document, name) if name else 0
        if count and QMessageBox.question(
                self, self.tr("Remove experiment"),
                self.tr("Remove {name}? Its %n trial(s) stay in the history, but no "
                        "experiment of the project shows them (Edit > Undo brings the experiment "
                        "back).", "", count).format(name=name)) \
                != QMessageBox.StandardButton.Yes:
            return
        if self.current() >= 0:
            self._last = max(0, self.current() - 1)
            self.document.remove_experiment(self.current())
