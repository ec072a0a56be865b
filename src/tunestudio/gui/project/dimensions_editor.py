"""The dimensions of one experiment's search: a table (knob, type, range or choices, log, the
values grid and one-variable-at-a-time try, the condition under which it applies) and, beside
it, the selected dimension's condition (the knob that decides, chosen among the dimensions
before it) and a form generated from its model (FloatDimension, IntDimension or
CategoricalDimension). A dimension no trial of the search varies (its condition cannot hold)
is greyed, with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    get_value,
    resolve,
)
from tunestudio.config.run import RunConfig
from tunestudio.gui.common.i18n import render, translate
from tunestudio.gui.common.numbers import number_list, short
from tunestudio.gui.form.model_form import FormBinding, FormHints, build_fields
from tunestudio.gui.project.dimension_picker import DimensionPicker, default_dimension
from tunestudio.messages import N_

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_MODELS: dict[str, type[BaseModel]] = {
    "float": FloatDimension, "int": IntDimension, "categorical": CategoricalDimension}
_HEADERS = (N_("DimensionsEditor", "Knob"), N_("DimensionsEditor", "Type"),
            N_("DimensionsEditor", "Range or choices"), N_("DimensionsEditor", "Log"),
            N_("DimensionsEditor", "Grid values"), N_("DimensionsEditor", "Applies when"))


def applies_when(dim: dict[str, Any]) -> str:
    """A dimension's condition for reading: 'optimizer.kind ∈ {sgd}', '' when it always
    applies."""
    cond = dim.get("condition")
    if not isinstance(cond, dict) or not cond.get("path"):
        return ""
    values = ", ".join(map(str, cond.get("values") or []))
    return f"{cond['path']} ∈ {{{values}}}"


def describe(dim: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    """One table row; the grid values come from the model when the dimension is valid."""
    kind = str(dim.get("type", ""))
    if kind == "categorical":
        span = ", ".join(map(str, dim.get("choices", [])))
    else:  # rounded for reading (the form beside the table edits the exact values)
        span = f"{short(dim.get('low'), 4)} … {short(dim.get('high'), 4)}"
        if dim.get("values"):
            span += translate("DimensionsEditor", "  (values {values})").format(
            values=number_list(dim["values"])[1:-1])
    try:
        values = _MODELS[kind].model_validate(dim).grid_values()  # type: ignore[attr-defined]
        grid = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in values)
    except (ValidationError, KeyError):
        grid = "—"
    log = translate("DimensionsEditor", "yes") if dim.get("log") else ""
    return (str(dim.get("path", "")), kind, span, log, grid, applies_when(dim))


class DimensionsTableModel(QAbstractTableModel):
    """The experiment's dimensions as a table, one row per dimension: knob, type, range or
    choices, log scale, grid values and the condition it applies under; a row with a problem and
    a row no trial varies are marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, str, str, str, str, str]] = []
        self._errors: dict[int, str] = {}
        self._inactive: dict[int, str] = {}

    def set_inactive(self, inactive: dict[int, str]) -> None:
        """Rows no trial varies, with the reason (shown greyed, the reason as tooltip)."""
        if inactive != self._inactive:
            self._inactive = inactive
            if self._rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(self._rows) - 1, len(_HEADERS) - 1))

    def is_inactive(self, row: int) -> bool:
        """Whether no trial varies the dimension of `row` (see `set_inactive`)."""
        return row in self._inactive

    def set_dimensions(self, dims: list[dict[str, Any]], errors: dict[int, str]) -> None:
        """Shows `dims` (the dimensions as dicts, as in the document's draft) with `errors` (row
        -> message); a reset only when the number of rows changes."""
        rows = [describe(d) for d in dims]
        if len(rows) != len(self._rows):
            self.beginResetModel()
            self._rows, self._errors = rows, errors
            self.endResetModel()
        elif rows != self._rows or errors != self._errors:
            self._rows, self._errors = rows, errors
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(rows) - 1, len(_HEADERS) - 1))

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return render(_HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            text = self._rows[row][col]
            return f"⚠ {text}" if col == 0 and row in self._errors else text
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._errors.get(row) or self._inactive.get(row) or self._rows[row][col]
        if role == Qt.ItemDataRole.ForegroundRole and row in self._inactive:
            return QPalette().brush(QPalette.ColorGroup.Disabled,
                                    QPalette.ColorRole.WindowText)
        return None


class DimensionsEditor(QWidget):
    """Edits `search.dimensions` of the experiment dict it is shown; edits leave as
    `edited(path relative to the experiment, value)` like the other forms."""

    edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._dims: list[dict[str, Any]] = []
        self._problems: dict[int, list[tuple[str, str]]] = {}
        self._baseline: dict[str, Any] = {}
        self.model = DimensionsTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        # each column as wide as its text, the last one taking what is left: in a narrow
        # window the table scrolls sideways rather than cutting knobs and headers short
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.add_button = QPushButton(self.tr("Add dimension…"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        self.detail_title = QLabel(self)
        self.condition_knob = QComboBox(self)
        self.condition_knob.setToolTip(self.tr(
            "The knob that decides whether this dimension applies: a dimension before it (or "
            "a baseline field); the values below say which of its values make it apply."))
        self.condition_text = QLabel(self)
        self.condition_text.setWordWrap(True)
        self._inactive: dict[str, str] = {}
        self.detail_error = QLabel(self)
        self.detail_error.setObjectName("fieldError")
        self.detail_error.setWordWrap(True)
        self.forms = QStackedWidget(self)
        self.forms.addWidget(QLabel(self.tr("Select a dimension to edit its range."), self))
        self.bindings: dict[str, FormBinding] = {}
        for kind, dim_model in _MODELS.items():
            binding = FormBinding(FormHints(exclude=frozenset({"path"})), self)
            binding.edited.connect(self._on_detail_edited)
            self.bindings[kind] = binding
            self.forms.addWidget(build_fields(dim_model, "", binding))
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left.addLayout(buttons)
        right = QVBoxLayout()
        right.addWidget(self.detail_title)
        knob = QHBoxLayout()
        knob.addWidget(QLabel(self.tr("Applies when"), self))
        knob.addWidget(self.condition_knob, 1)
        right.addLayout(knob)
        right.addWidget(self.condition_text)
        right.addWidget(self.forms)
        right.addWidget(self.detail_error)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.add_button.clicked.connect(self._on_add)
        self.remove_button.clicked.connect(self._on_remove)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.condition_knob.activated.connect(self._on_condition_knob)
        self.help_sources = list(self.bindings.values())

    def current(self) -> int:
        """The current row (a dimension's index in `search.dimensions`), or -1 when none."""
        index = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    def select(self, row: int) -> None:
        """Makes `row` the current and only selected dimension."""
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)

    def set_data(self, dims: list[dict[str, Any]], baseline: dict[str, Any],
                 problems: list[tuple[str, str]]) -> None:
        """`problems` are relative to `search.dimensions` (`1.low`, `0`)."""
        self._dims, self._baseline = dims, baseline
        self._problems = {}
        for path, message in problems:
            head, _, rest = path.partition(".")
            if head.isdigit():
                self._problems.setdefault(int(head), []).append((rest, message))
        self.model.set_dimensions(
            dims, {i: "\n".join(m for _, m in p) for i, p in self._problems.items()})
        row = self.current()
        if row >= len(dims):
            row = len(dims) - 1
            if row >= 0:
                self.select(row)
        self._show_detail(row)

    def set_inactive(self, inactive: Mapping[str, str]) -> None:
        """The dimensions no trial of the search varies, by path, with the reason (a message
        from `config.inactive_dimensions`): greyed in the table and said under the
        condition."""
        self._inactive = dict(inactive)
        rows = {i: render(inactive[str(d.get("path"))]) for i, d in enumerate(self._dims)
                if str(d.get("path")) in inactive}
        self.model.set_inactive(rows)
        self._show_condition(self.current())

    def _show_condition(self, row: int) -> None:
        shown = 0 <= row < len(self._dims)
        self.condition_knob.setVisible(shown)
        self.condition_text.setVisible(shown)
        if not shown:
            return
        dim = self._dims[row]
        cond = dim.get("condition")
        decider = str(cond.get("path", "")) if isinstance(cond, dict) else ""
        self.condition_knob.clear()
        self.condition_knob.addItem(self.tr("always (every trial)"), "")
        for earlier in self._dims[:row]:
            self.condition_knob.addItem(str(earlier.get("path")), str(earlier.get("path")))
        if decider and self.condition_knob.findData(decider) < 0:
            self.condition_knob.addItem(decider, decider)  # a baseline field, or a later knob
        self.condition_knob.setCurrentIndex(max(self.condition_knob.findData(decider), 0))
        values = self.bindings.get(str(dim.get("type")))
        for field_row in values.rows.get("condition.values", []) if values is not None else []:
            field_row.setEnabled(bool(decider))
        reason = self._inactive.get(str(dim.get("path")))
        if not decider:
            text = self.tr("Applies to every trial.")
        else:
            text = self.tr("Applies when {condition}.").format(condition=applies_when(dim))
        if reason is not None:
            text += " " + self.tr("Greyed ({reason}): no trial varies it.").format(
                reason=render(reason))
        self.condition_text.setText(text)
        self.condition_text.setEnabled(reason is None)

    def _show_detail(self, row: int) -> None:
        self.remove_button.setEnabled(row >= 0)
        self._show_condition(row)
        if row < 0 or row >= len(self._dims):
            self.forms.setCurrentIndex(0)
            self.detail_title.setText("")
            self.detail_error.hide()
            return
        dim = self._dims[row]
        kind = str(dim.get("type"))
        self.forms.setCurrentIndex(list(_MODELS).index(kind) + 1)
        self.detail_title.setText(f"<b>{dim.get('path')}</b> ({kind})")
        binding = self.bindings[kind]
        binding.set_data(dim)
        # Rules spanning fields (low below high) name none: they go under the form.
        leftover = binding.set_problems(self._problems.get(row, []))
        self.detail_error.setText("\n".join(render(m) for _, m in leftover))
        self.detail_error.setVisible(bool(leftover))

    @Slot(QModelIndex, QModelIndex)
    def _on_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show_detail(current.row() if current.isValid() else -1)

    @Slot(int)
    def _on_condition_knob(self, index: int) -> None:
        """A new deciding knob: its first choice (or the baseline's value) as the value that
        makes the dimension apply, to be edited below; 'always' removes the condition."""
        row = self.current()
        if row < 0:
            return
        decider = str(self.condition_knob.itemData(index) or "")
        cond = self._dims[row].get("condition")
        if not decider:
            if cond is not None:
                self.edited.emit(f"search.dimensions.{row}.condition", None)
            return
        if isinstance(cond, dict) and cond.get("path") == decider:
            return
        parent = next((d for d in self._dims[:row] if d.get("path") == decider), None)
        if parent is not None and parent.get("type") == "categorical" and parent.get("choices"):
            first: Any = parent["choices"][0]
        elif parent is not None:
            first = parent.get("low")
        else:
            try:
                first = get_value(self._baseline, decider)
            except (KeyError, TypeError):
                first = None
        self.edited.emit(f"search.dimensions.{row}.condition",
                         {"path": decider, "values": [first]})

    @Slot(str, object)
    def _on_detail_edited(self, path: str, value: Any) -> None:
        row = self.current()
        if row >= 0:
            self.edited.emit(f"search.dimensions.{row}.{path}", value)

    @Slot()
    def _on_add(self) -> None:
        picker = DimensionPicker({str(d.get("path")) for d in self._dims}, self)
        if picker.exec() != QDialog.DialogCode.Accepted or picker.chosen_path() is None:
            return
        self.add_dimension(str(picker.chosen_path()))

    def add_dimension(self, path: str) -> None:
        """Appends a dimension over the knob at dotted `path` (a first range around the
        baseline's value, `default_dimension`), emits the new `search.dimensions` as an edit and
        selects it. Raises ValueError when `path` names no knob of the run config."""
        leaf = resolve(RunConfig, path)
        dims = [*self._dims, default_dimension(leaf, self._baseline)]
        self.edited.emit("search.dimensions", dims)
        self.select(len(dims) - 1)

    @Slot()
    def _on_remove(self) -> None:
        row = self.current()
        if row >= 0:
            dims = [d for i, d in enumerate(self._dims) if i != row]
            self.edited.emit("search.dimensions", dims)
