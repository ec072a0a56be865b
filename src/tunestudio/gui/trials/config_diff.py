"""Two trials' configs side by side, the differences marked (what `tunestudio diff` prints), and
the check every comparison makes: do the compared trials differ in more than the searched knobs
(another baseline, an edited epoch count)? Then their curves do not compare what they seem to."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config.diff import ConfigLine, config_diff, show_value

if TYPE_CHECKING:
    from tunestudio.store import TrialRow

_MARK = QColor(255, 193, 7, 90)  # amber, translucent: readable in both themes


class ConfigDiffDialog(QDialog):
    """Path | trial A | trial B, one row per config leaf; differing rows marked (bold, shaded,
    '≠'), values shown in full (floats as stored)."""

    def __init__(self, left: TrialRow, right: TrialRow, searched: Iterable[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("configDiff")
        self.setWindowTitle(self.tr("Configs of trials #{number} and #{number2}").format(
            number=left.number, number2=right.number))
        self.resize(760, 560)
        self.lines: list[ConfigLine] = config_diff(json.loads(left.config_json or "{}"),
                                                   json.loads(right.config_json or "{}"))
        searched = set(searched)
        extra = [x.path for x in self.lines if x.differs and x.path not in searched
                 and x.path != "training.seed"]
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        count = sum(x.differs for x in self.lines)
        self.summary.setText(
            self.tr("{count} difference(s), marked ≠.").format(count=count)
            + (self.tr(" Beyond the searched knobs: {knobs}.").format(knobs=", ".join(extra))
               if extra else self.tr(" Only the searched knobs (and the seed) differ.")))
        self.only_changes = QCheckBox(self.tr("Only differences"), self)
        self.only_changes.toggled.connect(self._filter)
        self.table = QTableWidget(len(self.lines), 4, self)
        self.table.setHorizontalHeaderLabels(["", "path", f"#{left.number}", f"#{right.number}"])
        self.table.verticalHeader().hide()
        bold = QFont()
        bold.setBold(True)
        for row, line in enumerate(self.lines):
            cells = ["≠" if line.differs else "", line.path, show_value(line.left),
                     show_value(line.right)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if line.differs:
                    item.setFont(bold)
                    item.setBackground(QBrush(_MARK))
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.only_changes)
        layout.addWidget(self.table, 1)

    def _filter(self, only: bool) -> None:
        for row, line in enumerate(self.lines):
            self.table.setRowHidden(row, only and not line.differs)
