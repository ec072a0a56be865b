"""The "Ensembles" tab under the trials table: the ensembles built of the shown experiment's
trials (the dialog, `tunestudio ensemble`, the API) as the history keeps them, one row each:
the method and K, the members by trial number, the ensemble's objective on the validation
split, the gain over its best member, the test split's result (evaluated once) and its
exports. Selecting a row compares its members in the plots, as selecting them in the table
does."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, Slot
from PySide6.QtGui import QHideEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.when_shown import WhenShown

if TYPE_CHECKING:
    from tunestudio.gui.common.insights import Insights
    from tunestudio.store import EnsembleRow

LOAD = "ensembles:load"


class EnsemblesView(QWidget):
    """`rows` holds the ensembles shown (`store.EnsembleRow`), in the table's order."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ensemblesView")
        self.insights = insights
        self.rows: list[EnsembleRow] = []
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)  # as the trials table's rows
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setText(self.tr("No ensemble of this experiment's trials is kept yet. Build "
                                   "one with \"Ensemble of the best…\" in the trials menu (or "
                                   "`tunestudio ensemble`): it is kept here with its members, "
                                   "its gain over the best member, its test split result and "
                                   "its exports."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.when_shown = WhenShown(self, self._load)
        insights.reads.result.connect(self._on_result)
        insights.experiment_changed.connect(self.reload)
        insights.ensembles_changed.connect(self.reload)
        self.reload()

    @Slot()
    def reload(self) -> None:
        """Reads the shown experiment's ensembles (at once when shown, else when next shown)."""
        self.when_shown.request()

    def hideEvent(self, event: QHideEvent) -> None:
        # another process (the CLI, the API) may keep an ensemble meanwhile: read again when
        # shown again
        self.when_shown.stale = True
        super().hideEvent(event)

    def _load(self) -> None:
        name, url, history = self.insights.experiment_name, self.insights.url, self.insights.history
        if name is None:
            self._show(None, [])
            return

        def read() -> tuple[str, list[EnsembleRow]]:
            exp_id = history.experiment_id(url, name)
            return name, [] if exp_id is None else history.store(url).ensembles(exp_id)

        self.insights.reads.submit(LOAD, read)

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key != LOAD:
            return
        if not result.ok:
            notifications.error(self.tr("Could not read the ensembles: {error}").format(
                error=result.error), result.detail)
            return
        name, rows = result.value
        if name == self.insights.experiment_name:
            self._show(name, rows)

    def _show(self, name: str | None, rows: list[EnsembleRow]) -> None:
        self.rows = list(rows)
        self.empty.setVisible(not rows)
        self.table.setVisible(bool(rows))
        metric = rows[0].metric if rows else ""
        headers = [self.tr("#"), self.tr("Method"), self.tr("K"), self.tr("Members"),
                   metric or self.tr("Objective"), self.tr("Best member"), self.tr("Gain"),
                   self.tr("Test split"), self.tr("Exports"), self.tr("Built")]
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (text, tip) in enumerate(self._cells(row)):
                item = QTableWidgetItem(text)
                if tip:
                    item.setToolTip(tip)
                if c in (0, 2, 4, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.horizontalHeader().resizeSections(QHeaderView.ResizeMode.ResizeToContents)

    def _cells(self, row: EnsembleRow) -> list[tuple[str, str]]:
        method = self.tr("greedy (Caruana)") if row.method == "greedy" else self.tr("top K")
        members = row.members_text("×")
        member_tip = "\n".join(
            self.tr("trial #{number} (counted {count}×): {metric} {value}").format(
                number=m.number, count=m.count, metric=row.metric,
                value=_number(m.metrics.get(row.metric))) for m in row.members)
        if row.skipped:
            member_tip += "\n" + self.tr("Skipped: {list}").format(list="; ".join(
                f"#{n}: {why}" for n, why in sorted(row.skipped.items())))
        best = "" if row.best_member is None else f"#{row.best_member}"
        gain = "" if row.gain is None else f"{row.gain:+.4g}"
        gain_tip = "" if row.gain is None else (
            self.tr("The ensemble beats its best member") if row.gain > 0
            else self.tr("The ensemble does not beat its best member") if row.gain < 0
            else self.tr("The ensemble ties its best member"))
        test = "" if row.test_metrics is None else ", ".join(
            f"{k.removeprefix('test_')} {_number(v)}" for k, v in sorted(row.test_metrics.items()))
        test_tip = self.tr("Not evaluated on the test split") if row.test_metrics is None \
            else self.tr("Evaluated once, on {when}").format(when=_when(row.tested_at))
        exports = "\n".join(
            f"{e.get('format')}: {', '.join(e.get('files') or [])}" for e in row.exports)
        return [(str(row.number), ""), (method, ""), (str(row.k), ""), (members, member_tip),
                (_number(row.value), ""), (best, ""), (gain, gain_tip), (test, test_tip),
                (str(len(row.exports)) if row.exports else "", exports),
                (_when(row.created_at), "")]

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, selected: Any, deselected: Any) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if rows and rows[0] < len(self.rows):
            self.insights.compare([m.trial_id for m in self.rows[rows[0]].members])


def _number(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _when(epoch_s: float | None) -> str:
    return "" if epoch_s is None else time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch_s))
