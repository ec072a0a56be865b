"""The trials table: one row per trial of the shown experiment, a column per searched dimension,
the best complete trial highlighted. A trial trained on another baseline than the current one
(its config fingerprint differs) is marked and left out of "best" unless asked for. Rows are
updated in place as the poller reports changes.

Built for 10,000 trials: each row's display strings and raw values are made once when the row
arrives, so `data()` is a list lookup; sorting happens here with Python's sort over those values
(a QSortFilterProxyModel would call back into Python twice per comparison), and the proxy only
filters, through the predicate parsed from the filter line."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from tunestudio.gui.common.i18n import render_stored, state_name, translate
from tunestudio.gui.trials.filtering import FilterError, Predicate, parse

if TYPE_CHECKING:
    from tunestudio.store import TrialRow
    from tunestudio.store.provenance import CurrentConfig

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
# (light theme, dark theme): the best row's background and the state column's text
_BEST = (QColor("#d7f0c8"), QColor("#2f5a2a"))
_STATE_COLORS = {"failed": ("#c62828", "#ef9a9a"), "diverged": ("#c62828", "#ef9a9a"),
                 "invalid": ("#c62828", "#ef9a9a"), "pruned": ("#757575", "#b0b0b0"),
                 "interrupted": ("#ef6c00", "#ffb74d"), "running": ("#1565c0", "#90caf9")}
OTHER_BASELINE = "other"


def is_dark() -> bool:
    """Whether the application's palette is dark (its window colour has low lightness)."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128
SORT_ROLE = Qt.ItemDataRole.UserRole
ACCEPT_ROLE = Qt.ItemDataRole.UserRole + 1  # "1" when the row passes the filter


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    tip: str = ""
    numeric: bool = False


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _sort_key(value: Any) -> tuple[int, float, str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (2, 0.0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value).lower())


def make_columns(dims: Sequence[str], metric: str | None, direction: str) -> list[Column]:
    label = metric or translate("TrialsTable", "objective")
    return [
        Column("#", "#", translate("TrialsTable", "Trial number"), True),
        Column("state", translate("TrialsTable", "State")),
        Column("objective", label, translate(
            "TrialsTable", "Objective: {label} ({direction})").format(
                label=label, direction=_direction(direction)), True),
        Column("±", "±", translate("TrialsTable", "Standard deviation over the repeat seeds"),
               True),
        Column("noise", translate("TrialsTable", "Noise"), translate(
            "TrialsTable", "Against the best trial, given the spread between seeds: Welch's t-test "
            "of the two means (two-sided); within noise when p ≥ 0.05 (the difference may be "
            "seed luck), beyond noise otherwise. Shown when some trials ran with several seeds "
            "(repeats); a trial run once borrows their spread.")),
        Column("reason", translate("TrialsTable", "Reason"), translate(
            "TrialsTable", "Why the trial did not complete (the first line of its message; the "
            "whole message in the cell's tooltip and the trial's detail)")),
        *(Column(d, d.rsplit(".", 1)[-1], d, True) for d in dims),
        Column("duration", translate("TrialsTable", "Duration"),
               translate("TrialsTable", "Training time of all repeats"), True),
        Column("seed", translate("TrialsTable", "Seed"), "", True),
        Column("device", translate("TrialsTable", "Device")),
        Column("baseline", translate("TrialsTable", "Baseline"), translate(
            "TrialsTable", "current: trained on the current baseline; other: trained on another "
            "baseline (left out of best unless asked for)")),
        Column("tags", translate("TrialsTable", "Tags")),
        Column("notes", translate("TrialsTable", "Notes")),
        Column("test", translate("TrialsTable", "Test"), translate(
            "TrialsTable", "{label} on the test split (evaluated once)").format(label=label),
            True),
    ]


def _direction(direction: str) -> str:
    if direction == "maximize":
        return translate("TrialsTable", "maximize")
    if direction == "minimize":
        return translate("TrialsTable", "minimize")
    return direction


def reason(trial: TrialRow) -> str:
    """The first line of a trial's message when it did not complete (a failed trial's
    message goes on with its traceback); "" for a complete or running one. An excluded
    trial's is why it was excluded."""
    if trial.excluded_reason is not None:
        return translate("TrialsTable", "excluded: {reason}").format(
            reason=trial.excluded_reason)
    if trial.state in ("complete", "running") or not trial.message:
        return ""
    return trial.message.strip().partition("\n")[0]


@dataclass(frozen=True)
class BuiltRows:
    """Rows made ready off the GUI thread (10,000 rows take a few tenths of a second): the
    GUI thread then only swaps them in."""

    dims: list[str]
    metric: str | None
    direction: str
    columns: list[Column]
    rows: list[_Row]


def build_rows(trials: Sequence[TrialRow], dims: Sequence[str], metric: str | None,
               direction: str, current: CurrentConfig | None = None) -> BuiltRows:
    """Columns for `dims` plus any other sampled parameter the trials have, and their rows;
    `current` tells which trials were trained on the current baseline (None: all count)."""
    extra = sorted({p for t in trials for p in t.params} - set(dims))
    all_dims = [*dims, *extra]
    columns = make_columns(all_dims, metric, direction)
    return BuiltRows(all_dims, metric, direction, columns,
                     [_Row(t, columns, metric, current) for t in trials])


class _Row:
    """A trial with its raw values by column key; the display strings are made when first
    shown or searched (a view shows a few dozen of 10,000 rows)."""

    __slots__ = ("_cells", "_columns", "stale", "trial", "values")

    def __init__(self, trial: TrialRow, columns: Sequence[Column], metric: str | None,
                 current: CurrentConfig | None = None) -> None:
        self.trial = trial
        self.stale = current is not None and not current.holds(trial)
        self._columns = columns
        self._cells: list[str] | None = None
        test_name = (metric or "val_loss").replace("val_", "test_", 1)
        values = dict(trial.params)
        values.update({
            "#": trial.number, "state": trial.state, "objective": trial.objective,
            "±": trial.objective_std, "duration": trial.duration_s, "seed": trial.seed,
            "device": trial.device, "tags": ", ".join(trial.tags), "notes": trial.notes,
            "test": (trial.test_metrics or {}).get(test_name),
            "baseline": OTHER_BASELINE if self.stale else "current", "noise": "",
            "reason": reason(trial),
        })
        self.values = values

    @property
    def cells(self) -> list[str]:
        if self._cells is None:
            values = self.values
            self._cells = [_fmt(values.get(c.key)) for c in self._columns]
            duration = values["duration"]
            if duration is not None:
                keys = [c.key for c in self._columns]
                self._cells[keys.index("duration")] = f"{duration:.1f} s"
            for i, c in enumerate(self._columns):  # the words of states, in the window's
                if c.key == "state":              # language (filters match the raw values)
                    self._cells[i] = state_name(str(values["state"]))
                elif c.key == "baseline":
                    self._cells[i] = translate("TrialsTable", "other") \
                        if values["baseline"] == OTHER_BASELINE \
                        else translate("TrialsTable", "current")
        return self._cells


class TrialsTableModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = []
        self._rows: list[_Row] = []
        self._pos: dict[int, int] = {}
        self._dims: list[str] = []
        self._metric: str | None = None
        self._maximize = True
        self._best: int | None = None
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._complete = 0
        self._predicate: Predicate | None = None
        self._state_filter: str | None = None
        self.current: CurrentConfig | None = None  # the baseline rows are checked against
        self._stale_in_best = False
        self._marks: dict[int, str] = {}  # trial id -> best / within noise / beyond noise
        self._noise_p: dict[int, float] = {}  # trial id -> Welch's p-value against the best
        self.set_columns([], None, "maximize")

    # -- structure -----------------------------------------------------------------------------
    def set_columns(self, dims: Sequence[str], metric: str | None, direction: str) -> None:
        """Columns for an experiment's dimensions and objective; clears the rows."""
        self.beginResetModel()
        self._dims, self._metric = list(dims), metric
        self._maximize = direction == "maximize"
        self._columns = make_columns(self._dims, metric, direction)
        self._rows, self._pos, self._best, self._sorted = [], {}, None, None
        self._complete = 0
        self.endResetModel()

    def set_built(self, built: BuiltRows) -> None:
        """Columns and rows made by `build_rows` (keeps the current sort column if any)."""
        sorted_key = self._columns[self._sorted[0]].key if self._sorted else None
        order = self._sorted[1] if self._sorted else Qt.SortOrder.AscendingOrder
        self.beginResetModel()
        self._dims, self._metric = list(built.dims), built.metric
        self._maximize = built.direction == "maximize"
        self._columns, self._rows = list(built.columns), list(built.rows)
        self._sorted = None
        self._reindex()
        self._best = self._find_best()
        self._refresh_marks(emit=False)
        keys = [c.key for c in self._columns]
        if sorted_key in keys:
            self._sort_rows(keys.index(sorted_key), order)
        self.endResetModel()

    @property
    def dims(self) -> list[str]:
        return list(self._dims)

    @property
    def complete_count(self) -> int:
        return self._complete

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def best_id(self) -> int | None:
        return self._best

    @property
    def maximize(self) -> bool:
        return self._maximize

    @property
    def stale_in_best(self) -> bool:
        return self._stale_in_best

    def set_stale_in_best(self, include: bool) -> None:
        """Whether trials trained on another baseline may be the best (off by default)."""
        self._stale_in_best = include
        self._update_best()

    def set_stale_ids(self, stale: set[int]) -> None:
        """Marks the trials trained on another baseline (computed off the GUI thread after a
        full load: a fingerprint per distinct point, ~0.2 ms each, too slow to hold up the
        rows of 10,000 trials)."""
        for row in self._rows:
            flag = row.trial.id in stale
            if flag != row.stale:
                row.stale = flag
                row.values["baseline"] = OTHER_BASELINE if flag else "current"
                row._cells = None
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(self._columns) - 1))
        self._update_best()

    def is_stale(self, row: int) -> bool:
        """Whether the row's trial was trained on another baseline than the current one."""
        return self._rows[row].stale

    def column_of(self, key: str) -> int:
        return [c.key for c in self._columns].index(key)

    # -- rows ----------------------------------------------------------------------------------
    def set_trials(self, trials: Iterable[TrialRow]) -> None:
        self.beginResetModel()
        self._rows = [_Row(t, self._columns, self._metric, self.current) for t in trials]
        self._reindex()
        self._best = self._find_best()
        self._refresh_marks(emit=False)
        if self._sorted is not None:
            self._sort_rows(*self._sorted)
        self.endResetModel()

    def upsert(self, trials: Iterable[TrialRow]) -> None:
        """Changed rows are replaced in place, new ones appended (then re-sorted if sorted)."""
        fresh = []
        last = len(self._columns) - 1
        for t in trials:
            i = self._pos.get(t.id)
            if i is None:
                fresh.append(t)
                continue
            if self._rows[i].trial == t:
                continue  # read again by an overlapping poll, unchanged
            self._complete += (t.state == "complete") - (self._rows[i].trial.state
                                                          == "complete")
            self._rows[i] = _Row(t, self._columns, self._metric, self.current)
            self.dataChanged.emit(self.index(i, 0), self.index(i, last))
        if fresh:
            start = len(self._rows)
            self.beginInsertRows(_ROOT, start, start + len(fresh) - 1)
            self._rows.extend(_Row(t, self._columns, self._metric, self.current)
                              for t in fresh)
            self._reindex()
            self.endInsertRows()
            if self._sorted is not None:
                self.sort(*self._sorted)
        self._update_best()

    def remove(self, trial_ids: Iterable[int]) -> None:
        for tid in trial_ids:
            i = self._pos.get(tid)
            if i is None:
                continue
            self.beginRemoveRows(_ROOT, i, i)
            del self._rows[i]
            self._reindex()
            self.endRemoveRows()
        self._update_best()

    def trial(self, row: int) -> TrialRow:
        return self._rows[row].trial

    def trials(self) -> list[TrialRow]:
        return [r.trial for r in self._rows]

    def cells_of(self, row: int) -> list[str]:
        """The display strings of a row, by column."""
        return list(self._rows[row].cells)

    def values_of(self, row: int) -> dict[str, Any]:
        """The row's raw values by column key (tags joined by ', ')."""
        return dict(self._rows[row].values)

    def row_of(self, trial_id: int) -> int | None:
        return self._pos.get(trial_id)

    def _reindex(self) -> None:
        self._pos = {r.trial.id: i for i, r in enumerate(self._rows)}
        self._complete = sum(r.trial.state == "complete" for r in self._rows)

    def _find_best(self) -> int | None:
        done = [r.trial for r in self._rows if r.trial.counted
                and (self._stale_in_best or not r.stale)]
        if not done:
            return None
        pick = max if self._maximize else min
        return pick(done, key=lambda t: (t.objective, -t.number)
                    if self._maximize else (t.objective, t.number)).id

    def noise_mark(self, row: int) -> str:
        """'best', 'within noise', 'beyond noise', or '' (not judged)."""
        return self._marks.get(self._rows[row].trial.id, "")

    def _refresh_marks(self, emit: bool = True) -> None:
        """The noise column: each complete trial against the best, given the seed spread
        (store/verdicts.py); trials of another baseline only when they may be best."""
        from tunestudio.store.verdicts import ALPHA, BEST, BEYOND, WITHIN, noise_tests

        trials = [r.trial for r in self._rows]
        eligible = [r.trial.id for r in self._rows if self._stale_in_best or not r.stale]
        best, tests = noise_tests(trials, "maximize" if self._maximize else "minimize",
                                  eligible)
        self._noise_p = {tid: test.p for tid, test in tests.items()}
        self._marks = {} if best < 0 else {
            best: BEST, **{tid: WITHIN if p >= ALPHA else BEYOND
                           for tid, p in self._noise_p.items()}}
        key = self.column_of("noise") if "noise" in self.filter_keys() else None
        for i, row in enumerate(self._rows):
            mark = self._marks.get(row.trial.id, "")
            if row.values.get("noise") != mark:
                row.values["noise"] = mark
                row._cells = None
                if emit and key is not None:
                    self.dataChanged.emit(self.index(i, key), self.index(i, key))

    def _update_best(self) -> None:
        self._refresh_marks()
        old, self._best = self._best, self._find_best()
        if old != self._best:
            for tid in (old, self._best):
                i = self._pos.get(tid) if tid is not None else None
                if i is not None:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, len(self._columns) - 1))

    # -- sorting -------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self._rows[i.row()].trial.id for i in old]
        self._sort_rows(column, order)
        self.changePersistentIndexList(
            old, [self.index(self._pos[tid], i.column()) for tid, i in zip(ids, old,
                                                                             strict=True)])
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        key = self._columns[column].key
        descending = order == Qt.SortOrder.DescendingOrder
        present = [r for r in self._rows if _sort_key(r.values.get(key))[0] < 2]
        missing = [r for r in self._rows if _sort_key(r.values.get(key))[0] == 2]
        present.sort(key=lambda r: _sort_key(r.values.get(key)), reverse=descending)
        self._rows = present + missing  # empty cells last in both orders
        self._reindex()
        self._sorted = (column, order)

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._columns[section].tip or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells[index.column()]
        if role == ACCEPT_ROLE:
            return "1" if self.accepts(index.row()) else "0"
        if role == SORT_ROLE:
            return row.values.get(col.key)
        if role == Qt.ItemDataRole.BackgroundRole and row.trial.id == self._best:
            return QBrush(_BEST[is_dark()])
        if role == Qt.ItemDataRole.FontRole and (row.trial.id == self._best or row.stale
                                                  or row.trial.excluded):
            font = QFont()
            font.setBold(row.trial.id == self._best)
            font.setItalic(row.stale)
            font.setStrikeOut(row.trial.excluded)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and col.key == "state":
            colors = _STATE_COLORS.get(row.trial.state)
            return QBrush(QColor(colors[is_dark()])) if colors else None
        if role == Qt.ItemDataRole.ForegroundRole and (row.stale or row.trial.excluded):
            return QBrush(QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText))
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and row.trial.excluded and col.key != "notes":
            return translate("TrialsTable", "Excluded: {reason}. Kept and shown, but left out of "
                             "best, the Pareto front, importance, noise verdicts, plots, exports "
                             "and what the sampler learns (Include undoes it).").format(
                                 reason=row.trial.excluded_reason)
        if role == Qt.ItemDataRole.ToolTipRole and col.key == "reason":
            return render_stored(row.trial.message) or None
        if role == Qt.ItemDataRole.ToolTipRole and row.stale and col.key != "notes":
            return self.tr("Trained on another baseline than the current one: shown, but left "
                           "out of best and of comparisons unless asked for.")
        if role == Qt.ItemDataRole.ToolTipRole and col.key == "noise" \
                and row.trial.id in self._noise_p:
            return self.tr("Welch's t-test against the best trial: p = {p:.2g} (beyond noise "
                           "below 0.05)").format(p=self._noise_p[row.trial.id])
        if role == Qt.ItemDataRole.ToolTipRole and col.key in ("state", "notes"):
            return render_stored(row.trial.message) if col.key == "state" \
                else row.trial.notes
        return None

    # -- filtering -----------------------------------------------------------------------------
    @property
    def filtering(self) -> bool:
        return self._predicate is not None or self._state_filter is not None

    def set_predicate(self, predicate: Predicate | None) -> None:
        self._predicate = predicate

    def set_state_filter(self, state: str | None) -> None:
        self._state_filter = state

    def accepts(self, row: int) -> bool:
        r = self._rows[row]
        if self._state_filter is not None and r.trial.state != self._state_filter:
            return False
        return self._predicate is None or self._predicate(r.values, r.cells)

    def filter_keys(self) -> list[str]:
        return [c.key for c in self._columns]


class TrialsProxy(QSortFilterProxyModel):
    """Filters by the parsed filter line and a state; sorting is delegated to the source.

    The filter runs in Qt's C++ code on the source's ACCEPT_ROLE: with no filter set it calls
    nothing per row (a Python filterAcceptsRow would cost 10,000 calls into Python every time
    the rows are reset), and with one it asks the source's precomputed answer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(ACCEPT_ROLE)
        self.setFilterKeyColumn(0)

    def source(self) -> TrialsTableModel:
        model = self.sourceModel()
        assert isinstance(model, TrialsTableModel)
        return model

    def set_filter(self, text: str) -> str | None:
        """Applies the filter line; returns the problem with it, or None."""
        try:
            aliases = {"objective": "objective", "number": "#", "n": "#"}
            predicate = parse(text, self.source().filter_keys(), aliases) if text.strip() \
                else None
        except FilterError as exc:
            return str(exc)
        self.source().set_predicate(predicate)
        self._refilter()
        return None

    def set_state(self, state: str | None) -> None:
        self.source().set_state_filter(state)
        self._refilter()

    def _refilter(self) -> None:
        wanted = "1" if self.source().filtering else ""
        if self.filterRegularExpression().pattern() != wanted:
            self.setFilterFixedString(wanted)  # re-filters
        elif hasattr(self, "beginFilterChange"):  # Qt 6.10+
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.invalidateRowsFilter()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source().sort(column, order)

    def trial_ids(self, rows: Iterable[int]) -> list[int]:
        model = self.source()
        return [model.trial(self.mapToSource(self.index(r, 0)).row()).id for r in rows]
