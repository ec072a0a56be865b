"""A minimal list of an experiment's trials from the project's store, with the running trial
shown live. (The full trials table and the live plots plug into the main window beside it.)"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Slot,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from tunestudio.gui import notifications

if TYPE_CHECKING:
    from tunestudio.search import TrialFinished, TrialStarted
    from tunestudio.store import Store, TrialRow

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_log = logging.getLogger(__name__)
_HEADERS = ("#", "State", "Objective", "Duration", "Device", "Parameters")


def _params(params: Any) -> str:
    return ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in dict(params).items()) or "baseline"


class TrialsSource(QObject):
    """Reads trials from the project's store (opened on first use, in the GUI thread: a few
    rows of SQLite, milliseconds)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store: Store | None = None
        self._url: str | None = None

    def trials(self, url: str, experiment: str) -> list[TrialRow]:
        if url != self._url:
            self.close()
            from tunestudio.store import Store

            self._store, self._url = Store.open(url), url
        assert self._store is not None
        for row in self._store.experiments():
            if row.name == experiment:
                return list(self._store.trials(row.id))
        return []

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store, self._url = None, None


class TrialsTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[Any, ...]] = []
        self._live: dict[int, tuple[Any, ...]] = {}  # trial id -> row of a running trial
        self._stored: list[tuple[Any, ...]] = []

    def set_trials(self, trials: list[TrialRow]) -> None:
        self.beginResetModel()
        stored_ids = {t.id for t in trials}
        self._live = {k: v for k, v in self._live.items() if k not in stored_ids}
        self._stored = [(t.id, t.number, t.state, t.objective, t.duration_s, t.device,
                         _params(t.params)) for t in trials]
        self._rebuild()
        self.endResetModel()

    def trial_started(self, ev: TrialStarted) -> None:
        self.beginResetModel()
        self._live[ev.trial_id] = (ev.trial_id, ev.number, "running", None, None, ev.device,
                                   _params(ev.params))
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        stored = {row[0]: row for row in self._stored}
        stored.update(self._live)
        self._rows = sorted(stored.values(), key=lambda r: r[1])

    def states(self) -> list[str]:
        return [str(r[2]) for r in self._rows]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        _, number, state, objective, duration, device, params = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(number), state, "" if objective is None else f"{objective:.4f}",
                    "" if duration is None else f"{duration:.1f} s", device,
                    params)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (0, 2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class TrialsView(QWidget):
    """The selected experiment's trials, read from the store when the view is shown and when
    a trial ends while it is (so opening a project reads no database before the window is
    up)."""

    def __init__(self, model: TrialsTableModel, source: TrialsSource,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.source = source
        self.title = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        self._url: str | None = None
        self._experiment: str | None = None
        self._stale = True

    @property
    def experiment(self) -> str | None:
        return self._experiment

    def show_experiment(self, storage_url: str | None, experiment: str | None) -> None:
        self._url, self._experiment = storage_url, experiment
        self.model.set_trials([])
        self.title.setText(f"<b>{experiment}</b>" if experiment else "No experiment selected.")
        self._reload_if_visible()

    def _reload_if_visible(self) -> None:
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    @Slot()
    def reload(self) -> None:
        self._stale = False
        if self._url is None or self._experiment is None:
            self.title.setText("No experiment selected.")
            self.model.set_trials([])
            return
        try:
            trials = self.source.trials(self._url, self._experiment)
        except Exception as exc:
            _log.exception("reading trials failed")
            notifications.error(f"Could not read the trial history: {exc}")
            trials = []
        self.model.set_trials(trials)
        self._show_counts()

    def _show_counts(self) -> None:
        states = self.model.states()
        counts = ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(states))
        self.title.setText(f"<b>{self._experiment}</b>: {len(states)} trial(s)"
                           + (f" ({counts})" if counts else ""))

    @Slot(object)
    def on_trial_started(self, ev: TrialStarted) -> None:
        self.model.trial_started(ev)
        self._show_counts()

    @Slot(object)
    def on_trial_finished(self, ev: TrialFinished) -> None:
        self._reload_if_visible()
