"""Choosing what an experiment varies: every scalar knob of the run config (config.iter_leaves),
grouped by section, with the kinds that have it; and a first range for the chosen knob around
the baseline's value."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    Leaf,
    RunConfig,
    get_value,
    iter_leaves,
)
from tunestudio.gui.form.spec import field_text, humanize, spec_for

_PATH_ROLE = Qt.ItemDataRole.UserRole


def searchable_leaves() -> list[Leaf]:
    """Knobs a dimension can vary: numbers, choices and flags (lists and free text cannot)."""
    return [leaf for leaf in iter_leaves(RunConfig)
            if list not in leaf.types and (leaf.is_numeric or leaf.choices is not None
                                           or bool in leaf.types)]


def default_dimension(leaf: Leaf, baseline: dict[str, Any]) -> dict[str, Any]:
    """A first dimension for `leaf`: a decade either side of the baseline's value for log-scale
    knobs, half to double for other numbers, every choice for the rest."""
    spec = spec_for(leaf.path.rsplit(".", 1)[-1], leaf.info)
    try:
        base = get_value(baseline, leaf.path)
    except (KeyError, TypeError):
        base = spec.default
    if not leaf.is_numeric:
        choices = list(leaf.choices) if leaf.choices is not None else [True, False]
        return CategoricalDimension(path=leaf.path, choices=choices).model_dump(mode="json")
    value = float(base) if isinstance(base, int | float) and not isinstance(base, bool) else 1.0
    log = spec.log_scale and value > 0
    if log:
        low, high = value / 10, value * 10
    elif value > 0:
        low, high = value / 2, value * 2
    else:
        low, high = 0.0, 1.0
    low = max(low, spec.low) if spec.low is not None else low
    high = min(high, spec.high) if spec.high is not None else high
    if spec.high_open and spec.high is not None and high >= spec.high:
        high = spec.high * 0.99 if spec.high > 0 else spec.high - 0.01
    body: dict[str, Any]
    if leaf.is_int:
        ilow, ihigh = math.floor(low), math.ceil(high)
        if ihigh <= ilow:
            ihigh = ilow + 1
        body = {"path": leaf.path, "low": ilow, "high": ihigh, "log": bool(ilow > 0 and log)}
        model: type[IntDimension] | type[FloatDimension] = IntDimension
    else:
        if spec.low_open and spec.low is not None and low <= spec.low:
            low = spec.low + (high - spec.low) / 100
        body = {"path": leaf.path, "low": low, "high": high, "log": log}
        model = FloatDimension
    try:
        return model.model_validate(body).model_dump(mode="json")
    except ValidationError:
        return model.model_construct(**body).model_dump(mode="json")  # shown with its message


class DimensionPicker(QDialog):
    """The dialog that adds a dimension to an experiment: every searchable knob of the run config
    by section, with the kinds it applies to and what it does, filtered as typed; the knobs in
    `taken` (already dimensions of the experiment) are shown disabled."""

    def __init__(self, taken: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a dimension"))
        self.resize(720, 560)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter, e.g. lr, width, batch"))
        self.filter.setClearButtonEnabled(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("Knob"), self.tr("Kinds"), self.tr("What it does")])
        self.tree.setColumnWidth(0, 220)
        self.tree.setColumnWidth(1, 130)
        sections: dict[str, QTreeWidgetItem] = {}
        for leaf in searchable_leaves():
            section_path, name = leaf.path.rsplit(".", 1)
            section = sections.get(section_path)
            if section is None:
                section = QTreeWidgetItem(self.tree, [humanize(section_path.replace(".", " "))])
                section.setFlags(Qt.ItemFlag.ItemIsEnabled)
                section.setExpanded(True)
                sections[section_path] = section
            kinds = ", ".join(leaf.variants) if 0 < len(leaf.variants) < 4 else \
                self.tr("all") if leaf.variants else ""
            description = field_text(leaf.info.description or "")
            item = QTreeWidgetItem(section, [humanize(name), kinds, description])
            item.setData(0, _PATH_ROLE, leaf.path)
            item.setToolTip(0, leaf.path)
            item.setToolTip(2, description)
            if leaf.path in taken:
                item.setDisabled(True)
                item.setToolTip(0,
                                self.tr("{path} is already a dimension of this experiment").format(
                    path=leaf.path))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        hint = QLabel(self.tr("Vary one knob at a time where you can: each experiment records what "
                              "changed from the baseline."), self)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tree.currentItemChanged.connect(self._on_current)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.filter.textChanged.connect(self._on_filter)

    def chosen_path(self) -> str | None:
        """The dotted path of the chosen knob, or None when no enabled knob is chosen."""
        item = self.tree.currentItem()
        value = item.data(0, _PATH_ROLE) if item is not None and not item.isDisabled() else None
        return str(value) if value else None

    def choose(self, path: str) -> None:
        """Makes the knob at dotted `path` the chosen one. Raises KeyError when the picker lists
        no such knob."""
        for item in self.tree.findItems("*", Qt.MatchFlag.MatchWildcard
                                        | Qt.MatchFlag.MatchRecursive):
            if item.data(0, _PATH_ROLE) == path:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(path)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_current(self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
                    ) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(self.chosen_path() is not None)

    @Slot(QTreeWidgetItem, int)
    def _on_double_click(self, item: QTreeWidgetItem, column: int) -> None:
        if self.chosen_path() is not None:
            self.accept()

    @Slot(str)
    def _on_filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            if section is None:
                continue
            visible = 0
            for j in range(section.childCount()):
                item = section.child(j)
                if item is None:
                    continue
                hay = f"{item.data(0, _PATH_ROLE)} {item.text(0)} {item.text(2)}".lower()
                item.setHidden(bool(needle) and needle not in hay)
                visible += not item.isHidden()
            section.setHidden(visible == 0)
