"""The trials table: one row per trial of the shown experiment, a column per searched dimension,
the best complete trial highlighted. A trial trained on another baseline than the current one
(its config fingerprint differs) is marked and left out of "best" unless asked for. Rows are
updated in place as the poller reports changes.

Built for 100,000 trials. The model keeps the trials by column (a list of raw values per column
key, made once when the rows arrive, off the GUI thread) and shows them through a view order: the
indices of the rows that pass the filter, sorted. Sorting and filtering are done here, a numeric
column by numpy over the whole column, never by a call into Python per row or per comparison
(what a QSortFilterProxyModel would make); display strings are made when a row is first
painted, so `data()` is a lookup. The proxy in front of the model is an identity, kept so that
views map indices as they would through any proxy."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import (
    QAbstractTableModel,
    QIdentityProxyModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QPalette

from tunestudio.gui.common.i18n import render_stored, state_name, translate
from tunestudio.gui.trials.filtering import Filter, FilterError, parse

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
Indices = npt.NDArray[np.int64]
_FEW = 64  # rows judged one by one rather than by masking every column
# the roles data() answers, as plain ints: a paint asks ~8 roles of each cell, and comparing
# Qt's enum members (or building one, as `A | B` does) costs more than the answer
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_SORT = int(SORT_ROLE.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ROLES = frozenset({_DISPLAY, _SORT, _BACKGROUND, _FONT, _FOREGROUND, _ALIGNMENT, _TOOLTIP})
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)


@dataclass(frozen=True)
class Column:
    """One column of the trials table: `key` names its values (`values`, the filter line's names:
    "#", "state", "objective", a dimension's dotted path, ...), `title` is its header, `tip` the
    header's tooltip and `numeric` whether its cells are right-aligned numbers."""

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
    """The table's columns for an experiment: trial number, state, objective (titled by `metric`,
    its tooltip saying `direction`, "minimize" or "maximize"), the spread over repeat seeds, the
    noise verdict, the reason a trial did not complete, one column per searched dimension in
    `dims` (titled by the path's last part), duration in seconds, seed, device, baseline, tags,
    notes and the objective on the test split."""
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
               translate("TrialsTable", "Training time of all repeats in seconds, each "
                         "trial's own: trained on a CPU by one thread, that thread's CPU time; "
                         "in a fused group, its share of the group's time; else wall-clock "
                         "time"), True),
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
    return render_stored(trial.message.strip().partition("\n")[0])


@dataclass(frozen=True)
class BuiltRows:
    """Rows made ready off the GUI thread (100,000 rows take a second): the GUI thread then only
    swaps them in. `values` holds a list per column key, aligned with `trials`."""

    dims: list[str]
    metric: str | None
    direction: str
    columns: list[Column]
    trials: list[TrialRow]
    values: dict[str, list[Any]]
    stale: list[bool]


def build_rows(trials: Sequence[TrialRow], dims: Sequence[str], metric: str | None,
               direction: str, current: CurrentConfig | None = None) -> BuiltRows:
    """Columns for `dims` plus any other sampled parameter the trials have, and their rows;
    `current` tells which trials were trained on the current baseline (None: all count)."""
    names: set[str] = set()
    for t in trials:
        names.update(t.params)
    all_dims = [*dims, *sorted(names - set(dims))]
    columns = make_columns(all_dims, metric, direction)
    trials = list(trials)
    stale = [current is not None and not current.holds(t) for t in trials]
    return BuiltRows(all_dims, metric, direction, columns, trials,
                     column_values(trials, columns, metric, stale), stale)


def column_values(trials: Sequence[TrialRow], columns: Sequence[Column], metric: str | None,
                  stale: Sequence[bool]) -> dict[str, list[Any]]:
    """The raw value of every column for each trial, by column key (tags joined by ', ', the
    noise column empty until the marks are worked out)."""
    test_name = (metric or "val_loss").replace("val_", "test_", 1)
    fields: dict[str, Any] = {
        "#": lambda t: t.number, "state": lambda t: t.state,
        "objective": lambda t: t.objective, "±": lambda t: t.objective_std,
        "duration": lambda t: t.duration_s, "seed": lambda t: t.seed,
        "device": lambda t: t.device, "tags": lambda t: ", ".join(t.tags),
        "notes": lambda t: t.notes, "reason": reason,
        "test": lambda t: (t.test_metrics or {}).get(test_name),
    }
    out: dict[str, list[Any]] = {}
    for c in columns:
        if c.key == "baseline":
            out[c.key] = [OTHER_BASELINE if s else "current" for s in stale]
        elif c.key == "noise":
            out[c.key] = [""] * len(trials)
        elif c.key in fields:
            out[c.key] = list(map(fields[c.key], trials))
        else:
            out[c.key] = [t.params.get(c.key) for t in trials]
    return out


def _display(key: str, value: Any) -> str:
    """A cell's text: the words of states in the window's language (filters match the raw
    values), durations in seconds, numbers to four significant digits."""
    if key == "state":
        return state_name(str(value))
    if key == "baseline":
        return translate("TrialsTable", "other") if value == OTHER_BASELINE \
            else translate("TrialsTable", "current")
    if key == "duration" and value is not None:
        return f"{value:.1f} s"
    return _fmt(value)


def _per_value(values: Sequence[Any], text: Callable[[Any], str]) -> npt.NDArray[np.str_]:
    """`text(v)` of each value as a numpy array of strings, worked out once per distinct value
    (a column of 100,000 trials holds a few states or devices; `1`, `1.0` and `True` apart)."""
    if set(map(type, values)) <= {str, type(None)}:  # text alone: one lookup per value in C
        table = {v: text(v) for v in set(values)}
        return np.array(list(map(table.__getitem__, values)), dtype=np.str_)
    memo: dict[tuple[type, Any], str] = {}

    def one(v: Any) -> str:
        try:
            return memo[type(v), v]
        except KeyError:
            found = memo[type(v), v] = text(v)
            return found
        except TypeError:  # a value that is a list
            return text(v)

    return np.array([one(v) for v in values], dtype=np.str_)


def _sort_group(value: Any) -> int:
    """Where a value sorts: numbers (0), then text (1), then empty cells (2)."""
    return _sort_key(value)[0]


class TrialsTableModel(QAbstractTableModel):
    """The trials of the shown experiment, one row per trial, sorted and filtered by the model
    itself (numpy over whole columns). Keeps the best complete
    trial (highlighted, bold; ties to the lowest number), which trials were trained on another
    baseline than `current` (italic, left out of best unless `set_stale_in_best`) and each
    trial's noise verdict against the best (Welch's t-test over the repeat seeds). Positions are
    trials in the order read; rows are the shown positions, in the sort's order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns: list[Column] = []
        self._keys: list[str] = []
        self._trials: list[TrialRow] = []  # every trial, in the order they were read
        self._values: dict[str, list[Any]] = {}  # column key -> raw value per trial
        self._stale: list[bool] = []
        self._index: dict[int, int] = {}  # trial id -> its position in _trials
        self._cells: dict[int, list[str]] = {}  # position -> display strings, once painted
        self._numbers: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_],
                                       npt.NDArray[np.bool_]]] = {}
        # per column, worked out when first needed and kept until its values change: every
        # row's position in each sort order, the raw values as lower-case text (text filters
        # and sorts) and the display strings (bare-word filters)
        self._orders: dict[tuple[str, bool], Indices] = {}
        self._texts: dict[str, npt.NDArray[np.str_]] = {}
        self._shown: dict[str, npt.NDArray[np.str_]] = {}
        self._view: Indices = np.zeros(0, dtype=np.int64)  # shown positions, in row order
        self._rows_of: Indices | None = None  # position -> shown row (-1: filtered out)
        self._dims: list[str] = []
        self._metric: str | None = None
        self._maximize = True
        self._best: int | None = None
        self._sorted: tuple[int, Qt.SortOrder] | None = None
        self._complete = 0
        self._filter: Filter | None = None
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
        self._set_column_list(make_columns(self._dims, metric, direction))
        self._store([], column_values([], self._columns, metric, []), [])
        self._best, self._sorted = None, None
        self.endResetModel()

    def _set_column_list(self, columns: Sequence[Column]) -> None:
        self._columns = list(columns)
        self._keys = [c.key for c in self._columns]

    def _store(self, trials: list[TrialRow], values: dict[str, list[Any]],
               stale: list[bool]) -> None:
        """The rows themselves (the view then shows them all, in this order)."""
        self._trials, self._values, self._stale = trials, values, stale
        self._index = {t.id: i for i, t in enumerate(trials)}
        self._complete = sum(t.state == "complete" for t in trials)
        self._changed()
        self._view = np.arange(len(trials), dtype=np.int64)
        self._rows_of = None

    def _changed(self) -> None:
        """Forget what was derived from the values (after any change of them)."""
        self._cells.clear()
        self._numbers.clear()
        self._orders.clear()
        self._texts.clear()
        self._shown.clear()

    def _forget(self, key: str) -> None:
        """Forget what was derived from one column's values (after a change of them)."""
        self._numbers.pop(key, None)
        self._orders.pop((key, False), None)
        self._orders.pop((key, True), None)
        self._texts.pop(key, None)
        self._shown.pop(key, None)

    def set_built(self, built: BuiltRows) -> None:
        """Columns and rows made by `build_rows` (keeps the current sort column if any, and
        the filter)."""
        sorted_key = self._keys[self._sorted[0]] if self._sorted else None
        order = self._sorted[1] if self._sorted else Qt.SortOrder.AscendingOrder
        self.beginResetModel()
        self._dims, self._metric = list(built.dims), built.metric
        self._maximize = built.direction == "maximize"
        self._set_column_list(built.columns)
        self._store(list(built.trials), built.values, list(built.stale))
        self._sorted = None
        self._best = self._find_best()
        self._refresh_marks(emit=False)
        self._sorted = (self._keys.index(sorted_key), order) if sorted_key in self._keys \
            else None
        self._view = self._make_view()
        self.endResetModel()

    @property
    def dims(self) -> list[str]:
        """The experiment's searched dimensions (dotted paths), one column each."""
        return list(self._dims)

    @property
    def complete_count(self) -> int:
        """How many trials are complete, shown or filtered out."""
        return self._complete

    @property
    def total_count(self) -> int:
        """Every trial, shown or filtered out."""
        return len(self._trials)

    @property
    def columns(self) -> list[Column]:
        """The table's columns, in order."""
        return list(self._columns)

    @property
    def best_id(self) -> int | None:
        """The best trial's id (see the class), or None when no trial is eligible."""
        return self._best

    @property
    def maximize(self) -> bool:
        """Whether the objective is maximized (else minimized)."""
        return self._maximize

    @property
    def stale_in_best(self) -> bool:
        """Whether trials trained on another baseline may be the best."""
        return self._stale_in_best

    def set_stale_in_best(self, include: bool) -> None:
        """Whether trials trained on another baseline may be the best (off by default)."""
        self._stale_in_best = include
        self._update_best()

    def set_stale_ids(self, stale: set[int]) -> None:
        """Marks the trials trained on another baseline (computed off the GUI thread after a
        full load: a fingerprint per distinct point not judged yet, too slow to hold up the
        rows)."""
        flags = [t.id in stale for t in self._trials]
        if flags == self._stale:
            return
        self._stale = flags
        if "baseline" in self._values:
            self._values["baseline"] = [OTHER_BASELINE if s else "current" for s in flags]
        self._changed()
        if self._filter is not None:  # "baseline=other" may now show other rows
            self.set_filter(self._filter, self._state_filter)
        elif self._sorted is not None and self._keys[self._sorted[0]] == "baseline":
            self._relayout()
        if len(self._view):
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._view) - 1, len(self._columns) - 1))
        self._update_best()

    def is_stale(self, row: int) -> bool:
        """Whether the shown row's trial was trained on another baseline than the current
        one."""
        return self._stale[int(self._view[row])]

    def stale_of(self, trial_id: int) -> bool:
        """Whether this trial (shown or not) was trained on another baseline."""
        return self._stale[self._index[trial_id]]

    def column_of(self, key: str) -> int:
        """The column index of a column key; raises ValueError for a key the table lacks."""
        return self._keys.index(key)

    # -- rows ----------------------------------------------------------------------------------
    def set_trials(self, trials: Iterable[TrialRow]) -> None:
        """Replaces every row by `trials` (a reset): each checked against `current` for its
        baseline, then the best and the noise verdicts worked out again, and the current sort and
        filter applied."""
        trials = list(trials)
        stale = [self.current is not None and not self.current.holds(t) for t in trials]
        self.beginResetModel()
        self._store(trials, column_values(trials, self._columns, self._metric, stale), stale)
        self._best = self._find_best()
        self._refresh_marks(emit=False)
        self._view = self._make_view()
        self.endResetModel()

    def upsert(self, trials: Iterable[TrialRow]) -> None:
        """Changed rows are replaced in place, new ones appended (then re-sorted if sorted);
        a changed row leaves or joins the shown ones as the filter now says."""
        fresh: list[TrialRow] = []
        changed: list[int] = []
        for t in trials:
            i = self._index.get(t.id)
            if i is None:
                fresh.append(t)
            elif self._trials[i] != t:  # (an overlapping poll reads unchanged rows again)
                self._complete += (t.state == "complete") - (self._trials[i].state
                                                              == "complete")
                self._trials[i] = t
                self._stale[i] = self.current is not None and not self.current.holds(t)
                for key, column in column_values([t], self._columns, self._metric,
                                                 [self._stale[i]]).items():
                    self._values[key][i] = column[0]
                changed.append(i)
        if not fresh and not changed:
            return
        self._changed()
        self._refilter_rows(changed)
        if fresh:
            start = len(self._trials)
            stale = [self.current is not None and not self.current.holds(t) for t in fresh]
            values = column_values(fresh, self._columns, self._metric, stale)
            self._trials.extend(fresh)
            self._stale.extend(stale)
            for key, column in values.items():
                self._values[key].extend(column)
            self._index.update({t.id: start + k for k, t in enumerate(fresh)})
            self._complete += sum(t.state == "complete" for t in fresh)
            self._changed()
            self._show(np.arange(start, len(self._trials), dtype=np.int64))
        if self._sorted is not None:
            self.sort(*self._sorted)
        self._update_best(changed + list(range(len(self._trials) - len(fresh),
                                               len(self._trials))))

    def extend(self, built: BuiltRows) -> None:
        """Appends the rows of `built` (made off the GUI thread with this model's columns: the
        rest of a history whose first page is shown) that are not shown yet; then re-sorted if
        sorted, filtered if filtering. Raises ValueError for other columns."""
        if [c.key for c in built.columns] != self._keys:
            raise ValueError("the rows were built for other columns")
        keep = [k for k, t in enumerate(built.trials) if t.id not in self._index]
        if not keep:
            return
        start = len(self._trials)
        every = len(keep) == len(built.trials)
        self._trials.extend(built.trials if every else [built.trials[k] for k in keep])
        self._stale.extend(built.stale if every else [built.stale[k] for k in keep])
        for key, column in built.values.items():
            self._values[key].extend(column if every else [column[k] for k in keep])
        self._index.update({self._trials[i].id: i for i in range(start, len(self._trials))})
        self._complete += sum(self._trials[i].state == "complete"
                              for i in range(start, len(self._trials)))
        self._changed()
        self._show(np.arange(start, len(self._trials), dtype=np.int64))
        if self._sorted is not None:
            self.sort(*self._sorted)
        self._update_best(list(range(start, len(self._trials))))

    def _refilter_rows(self, positions: list[int]) -> None:
        """Changed rows: each repainted, hidden when the filter now rejects it, shown when it
        now passes."""
        if not positions:
            return
        last = len(self._columns) - 1
        if not self.filtering:
            rows = self._row_positions()
            for i in positions:
                self.dataChanged.emit(self.index(int(rows[i]), 0),
                                      self.index(int(rows[i]), last))
            return
        passes = self._accepted(np.array(positions, dtype=np.int64))
        for i, keep in zip(positions, passes, strict=True):
            row = int(self._row_positions()[i])
            if row >= 0 and not keep:
                self.beginRemoveRows(_ROOT, row, row)
                self._view = np.delete(self._view, row)
                self._rows_of = None
                self.endRemoveRows()
            elif row < 0 and keep:
                self._show(np.array([i], dtype=np.int64))
            elif row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))

    def _show(self, positions: Indices) -> None:
        """Appends to the shown rows those of `positions` that pass the filter."""
        positions = positions[self._accepted(positions)] if self.filtering else positions
        if not len(positions):
            return
        start = len(self._view)
        self.beginInsertRows(_ROOT, start, start + len(positions) - 1)
        self._view = np.concatenate([self._view, positions])
        self._rows_of = None
        self.endInsertRows()

    def remove(self, trial_ids: Iterable[int]) -> None:
        """Drops the rows of these trial ids (ids not in the table are ignored), then works out
        the best again."""
        gone = sorted({i for tid in trial_ids if (i := self._index.get(tid)) is not None})
        if not gone:
            return
        for i in gone:
            row = int(self._row_positions()[i])
            if row >= 0:
                self.beginRemoveRows(_ROOT, row, row)
                self._view = np.delete(self._view, row)
                self._rows_of = None
                self.endRemoveRows()
        keep = np.ones(len(self._trials), dtype=bool)
        keep[gone] = False
        moved = np.cumsum(keep) - 1  # old position -> new position of the rows kept
        self._trials = [t for t, k in zip(self._trials, keep, strict=True) if k]
        self._stale = [s for s, k in zip(self._stale, keep, strict=True) if k]
        self._values = {key: [v for v, k in zip(column, keep, strict=True) if k]
                        for key, column in self._values.items()}
        self._index = {t.id: i for i, t in enumerate(self._trials)}
        self._complete = sum(t.state == "complete" for t in self._trials)
        self._view = moved[self._view]
        self._rows_of = None
        self._changed()
        self._update_best()

    def trial(self, row: int) -> TrialRow:
        """The trial of a shown row."""
        return self._trials[int(self._view[row])]

    def trials(self) -> list[TrialRow]:
        """Every trial, shown or filtered out, in the order they were read."""
        return list(self._trials)

    def cells_of(self, row: int) -> list[str]:
        """The display strings of a shown row, by column."""
        return list(self._cells_at(int(self._view[row])))

    def values_of(self, row: int) -> dict[str, Any]:
        """The shown row's raw values by column key (tags joined by ', ')."""
        i = int(self._view[row])
        return {key: column[i] for key, column in self._values.items()}

    def row_of(self, trial_id: int) -> int | None:
        """The shown row of a trial; None when it is not in the table or filtered out."""
        i = self._index.get(trial_id)
        if i is None:
            return None
        row = int(self._row_positions()[i])
        return row if row >= 0 else None

    def _row_positions(self) -> Indices:
        if self._rows_of is None:
            rows = np.full(len(self._trials), -1, dtype=np.int64)
            rows[self._view] = np.arange(len(self._view), dtype=np.int64)
            self._rows_of = rows
        return self._rows_of

    def _cells_at(self, i: int) -> list[str]:
        cells = self._cells.get(i)
        if cells is None:
            cells = [_display(key, self._values[key][i]) for key in self._keys]
            self._cells[i] = cells
        return cells

    # -- best and noise ------------------------------------------------------------------------
    def _eligible(self, i: int) -> bool:
        return self._trials[i].counted and (self._stale_in_best or not self._stale[i])

    def _find_best(self, among: Iterable[int] | None = None) -> int | None:
        """The best trial's id among positions `among` (default: all): the best objective of
        the eligible trials, ties to the lowest number."""
        if among is not None:
            done = [self._trials[i] for i in among if self._eligible(i)]
            if not done:
                return None
            pick = max if self._maximize else min
            return pick(done, key=lambda t: (t.objective, -t.number)
                        if self._maximize else (t.objective, t.number)).id
        if not self._trials:
            return None
        # over every trial by column: complete, not excluded, with an objective, and trained
        # on the current baseline unless other baselines may be best
        objective = self._objectives()
        ok = ~np.isnan(objective) & self._counted_mask()
        if not self._stale_in_best:
            ok &= ~np.array(self._stale, dtype=bool)
        if not ok.any():
            return None
        at = np.flatnonzero(ok)
        value = objective[at]
        best = value.max() if self._maximize else value.min()
        tied = at[value == best]
        return min((self._trials[int(i)] for i in tied), key=lambda t: t.number).id

    def _objectives(self) -> npt.NDArray[np.float64]:
        return np.array([np.nan if t.objective is None else t.objective
                         for t in self._trials], dtype=np.float64)

    def _counted_mask(self) -> npt.NDArray[np.bool_]:
        return np.fromiter((t.state == "complete" and t.excluded_reason is None
                            for t in self._trials), dtype=bool, count=len(self._trials))

    def noise_mark(self, row: int) -> str:
        """'best', 'within noise', 'beyond noise', or '' (not judged)."""
        return self._marks.get(self.trial(row).id, "")

    def _refresh_marks(self, emit: bool = True) -> None:
        """The noise column: each complete trial against the best, given the seed spread
        (store/verdicts.py); trials of another baseline only when they may be best. None
        without a repeated trial (the noise is unknown): then nothing is judged."""
        from tunestudio.store.verdicts import ALPHA, BEST, BEYOND, WITHIN, noise_tests

        if not self._marks and not any(t.repeats > 1 for t in self._trials):
            return
        eligible = [t.id for t, s in zip(self._trials, self._stale, strict=True)
                    if self._stale_in_best or not s]
        best, tests = noise_tests(self._trials, "maximize" if self._maximize else "minimize",
                                  eligible)
        self._noise_p = {tid: test.p for tid, test in tests.items()}
        self._marks = {} if best < 0 else {
            best: BEST, **{tid: WITHIN if p >= ALPHA else BEYOND
                           for tid, p in self._noise_p.items()}}
        column = self._values.get("noise")
        if column is None:
            return
        key = self._keys.index("noise")
        for i, t in enumerate(self._trials):
            mark = self._marks.get(t.id, "")
            if column[i] != mark:
                column[i] = mark
                self._cells.pop(i, None)
                self._forget("noise")
                row = int(self._row_positions()[i]) if emit else -1
                if row >= 0:
                    self.dataChanged.emit(self.index(row, key), self.index(row, key))

    def _update_best(self, changed: Sequence[int] | None = None) -> None:
        """The best trial again: over every trial, or, when only the rows at `changed` moved
        and the best is not among them, the old best against those."""
        self._refresh_marks()
        old = self._best
        best_at = self._index.get(old) if old is not None else None
        if changed is not None and best_at is not None and best_at not in changed \
                and self._eligible(best_at):
            self._best = self._find_best([best_at, *changed])
        else:
            self._best = self._find_best()
        if old != self._best:
            for tid in (old, self._best):
                row = self.row_of(tid) if tid is not None else None
                if row is not None:
                    self.dataChanged.emit(self.index(row, 0),
                                          self.index(row, len(self._columns) - 1))

    # -- sorting -------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        self._sorted = (column, order)
        self._relayout()

    def _relayout(self) -> None:
        """Shows the rows in the current sort and filter, keeping the views' persistent
        indices (selection, current row) on their trials."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        positions = [int(self._view[i.row()]) for i in old]
        self._view = self._make_view()
        self._rows_of = None
        rows = self._row_positions()
        self.changePersistentIndexList(
            old, [self.index(int(rows[p]), i.column()) if rows[p] >= 0 else QModelIndex()
                  for p, i in zip(positions, old, strict=True)])
        self.layoutChanged.emit()

    def _make_view(self) -> Indices:
        """The positions of the rows that pass the filter, in the sort's order (empty cells
        last in both orders; ties keep the order the trials were read in): the sort's order
        of every row, kept per column and direction, less the rows the filter hides."""
        if self._sorted is None:
            order = np.arange(len(self._trials), dtype=np.int64)
        else:
            order = self._order(self._keys[self._sorted[0]],
                                self._sorted[1] == Qt.SortOrder.DescendingOrder)
        if self.filtering:
            keep = self._accepted(np.arange(len(self._trials), dtype=np.int64))
            order = order[keep[order]]
        return order

    def _order(self, key: str, descending: bool) -> Indices:
        """Every row's position sorted by column `key`: numbers, then text (case-insensitive),
        then empty cells, which stay last when descending; ties in the order read. Worked out
        by numpy (text ranked through its distinct values) and kept until the column
        changes."""
        found = self._orders.get((key, descending))
        if found is not None:
            return found
        numbers, numeric, empty = self._arrays(key)
        missing = empty | (numeric & np.isnan(numbers))
        counted = np.flatnonzero(numeric & ~missing)
        x = numbers[counted]
        counted = counted[np.argsort(-x if descending else x, kind="stable")]
        texts = np.flatnonzero(~numeric & ~missing)
        if len(texts):  # text sorts after numbers, case-insensitively
            _, rank = np.unique(self.texts(key)[texts], return_inverse=True)
            texts = texts[np.argsort(-rank if descending else rank, kind="stable")]
            # descending, as one sort of (group, value) reversed: text before numbers
            counted = np.concatenate([texts, counted] if descending else [counted, texts])
        found = np.concatenate([counted, np.flatnonzero(missing)]).astype(np.int64)
        self._orders[(key, descending)] = found
        return found

    # -- the table by column (filtering.Columns) ----------------------------------------------
    def __len__(self) -> int:
        return len(self._trials)

    def values(self, key: str) -> Sequence[Any]:
        """A column's raw values by position (every trial, shown or not); raises KeyError for a
        key the table lacks."""
        return self._values[key]

    def numbers(self, key: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """A column as floats (NaN where not a number) and where it holds numbers (int or
        float, not bool), worked out once per change of the rows."""
        numbers, numeric, _ = self._arrays(key)
        return numbers, numeric

    def _arrays(self, key: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_],
                                         npt.NDArray[np.bool_]]:
        """`numbers` and where the column is empty (None)."""
        found = self._numbers.get(key)
        if found is None:
            column = self._values[key]
            kinds = set(map(type, column))
            # where the column is empty, compared in numpy over an array of the objects (made
            # by fromiter: a value that is itself a list stays one object)
            empty: npt.NDArray[np.bool_] = np.asarray(
                np.fromiter(column, dtype=object, count=len(column)) == None,  # noqa: E711
                dtype=bool) if type(None) in kinds else np.zeros(len(column), dtype=bool)
            if kinds <= {int, float, type(None)}:  # numbers, some missing: numpy reads them
                numbers = np.array(column, dtype=np.float64)  # None -> NaN
                numeric = ~empty
            elif not any(issubclass(k, int | float) for k in kinds):  # no numbers at all
                numeric = np.zeros(len(column), dtype=bool)
                numbers = np.full(len(column), np.nan)
            else:
                numeric = np.fromiter((isinstance(v, int | float) and not isinstance(v, bool)
                                       for v in column), dtype=bool, count=len(column))
                numbers = np.array([float(v) if n else np.nan
                                    for v, n in zip(column, numeric, strict=True)],
                                   dtype=np.float64)
            found = self._numbers[key] = (numbers, numeric, empty)
        return found

    def texts(self, key: str) -> npt.NDArray[np.str_]:
        """A column's values as lower-case text (`str(value).lower()`; "" where empty), worked
        out once per change of the column."""
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = _per_value(self._values[key],
                                                  lambda v: "" if v is None else str(v).lower())
        return found

    def shown(self, key: str) -> npt.NDArray[np.str_]:
        """A column's display strings in lower case (what a bare word is looked for in), worked
        out once per change of the column."""
        found = self._shown.get(key)
        if found is None:
            found = self._shown[key] = _per_value(self._values[key],
                                                  lambda v: _display(key, v).lower())
        return found

    def empty(self, key: str) -> npt.NDArray[np.bool_]:
        """Where a column has no value (None), worked out once per change of the rows."""
        return self._arrays(key)[2]

    # -- Qt model ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._view)

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

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ROLES or not index.isValid():  # (a paint asks ~8 roles a cell)
            return None
        i = int(self._view[index.row()])
        if role == _DISPLAY:
            return self._cells_at(i)[index.column()]
        col = self._columns[index.column()]
        if role == _ALIGNMENT:
            return _RIGHT if col.numeric else None
        trial = self._trials[i]
        stale = self._stale[i]
        if role == _SORT:
            return self._values[col.key][i]
        if role == _BACKGROUND:
            return QBrush(_BEST[is_dark()]) if trial.id == self._best else None
        if role == _FONT:
            if not (trial.id == self._best or stale or trial.excluded):
                return None
            font = QFont()
            font.setBold(trial.id == self._best)
            font.setItalic(stale)
            font.setStrikeOut(trial.excluded)
            return font
        if role == _FOREGROUND:
            if col.key == "state":
                colors = _STATE_COLORS.get(trial.state)
                return QBrush(QColor(colors[is_dark()])) if colors else None
            if stale or trial.excluded:
                return QBrush(QGuiApplication.palette().color(
                    QPalette.ColorRole.PlaceholderText))
            return None
        if role == _TOOLTIP and trial.excluded and col.key != "notes":
            return translate("TrialsTable", "Excluded: {reason}. Kept and shown, but left out of "
                             "best, the Pareto front, importance, noise verdicts, plots, exports "
                             "and what the sampler learns (Include undoes it).").format(
                                 reason=trial.excluded_reason)
        if col.key == "reason":
            return render_stored(trial.message) or None
        if stale and col.key != "notes":
            return self.tr("Trained on another baseline than the current one: shown, but left "
                           "out of best and of comparisons unless asked for.")
        if col.key == "noise" and trial.id in self._noise_p:
            return self.tr("Welch's t-test against the best trial: p = {p:.2g} (beyond noise "
                           "below 0.05)").format(p=self._noise_p[trial.id])
        if col.key in ("state", "notes"):
            return render_stored(trial.message) if col.key == "state" else trial.notes
        return None

    # -- filtering -----------------------------------------------------------------------------
    @property
    def filtering(self) -> bool:
        """Whether a filter line or a state filter hides rows."""
        return self._filter is not None or self._state_filter is not None

    def set_filter(self, parsed: Filter | None, state: str | None) -> None:
        """Shows only the rows that pass `parsed` (the filter line's terms) and are in `state`
        (None: any); a reset of the shown rows (the panel keeps the selection)."""
        self.beginResetModel()
        self._filter, self._state_filter = parsed, state
        self._view = self._make_view()
        self._rows_of = None
        self.endResetModel()

    @property
    def state_filter(self) -> str | None:
        """The state the shown rows are in ("complete", "pruned", ...), or None for any."""
        return self._state_filter

    def _accepted(self, positions: Indices) -> npt.NDArray[np.bool_]:
        """Whether each of these rows passes the filter and the state."""
        keep = np.ones(len(positions), dtype=bool)
        if self._state_filter is not None:
            states = np.array(self._values["state"], dtype=object)[positions]
            keep &= states == self._state_filter
        if self._filter is not None and len(positions) <= _FEW:  # a few changed rows
            keep &= np.array([self._filter({k: c[i] for k, c in self._values.items()},
                                           self._cells_at(i)) for i in positions], dtype=bool)
        elif self._filter is not None:
            keep &= self._filter.mask(self)[positions]
        return keep

    def filter_keys(self) -> list[str]:
        """The column keys, in order (the names the filter line may use)."""
        return list(self._keys)


class TrialsProxy(QIdentityProxyModel):
    """The table's model as views see it: rows map one to one (the model sorts and filters
    itself); `set_filter` and `set_state` choose the shown rows."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state: str | None = None
        self._text = ""

    def source(self) -> TrialsTableModel:
        """The `TrialsTableModel` behind the proxy."""
        model = self.sourceModel()
        assert isinstance(model, TrialsTableModel)
        return model

    def set_filter(self, text: str) -> str | None:
        """Applies the filter line; returns the problem with it, or None (the rows shown
        before stay)."""
        try:
            aliases = {"objective": "objective", "number": "#", "n": "#"}
            parsed = parse(text, self.source().filter_keys(), aliases) if text.strip() \
                else None
        except FilterError as exc:
            return str(exc)
        self._text = text
        self.source().set_filter(parsed, self._state)
        return None

    def set_state(self, state: str | None) -> None:
        """Shows only the trials in `state` (None: any), keeping the filter line's text."""
        self._state = state
        self.set_filter(self._text)

    def trial_ids(self, rows: Iterable[int]) -> list[int]:
        """The trial ids of these shown (proxy) rows, in the same order."""
        model = self.source()
        return [model.trial(self.mapToSource(self.index(r, 0)).row()).id for r in rows]
