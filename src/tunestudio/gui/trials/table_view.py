"""The trials table of the shown experiment, kept current by polling the store: every second the
rows changed since the last poll are read on a worker lane (`changed_since`), so trials that
workers on other machines run into the same database appear too, and the GUI thread only
applies the few changed rows. Selecting rows compares those trials in the plots; the current
row is the trial the diagnosis and the detail show."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.elided_label import ElidedLabel
from tunestudio.gui.common.i18n import state_name
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.when_shown import WhenShown
from tunestudio.gui.trials.actions import TrialActions
from tunestudio.gui.trials.checkpoint_use import CheckpointUseLabel
from tunestudio.gui.trials.table_model import (
    BuiltRows,
    TrialsProxy,
    TrialsTableModel,
    build_rows,
)

if TYPE_CHECKING:
    from tunestudio.gui.common.insights import Insights
    from tunestudio.store import TrialRow
    from tunestudio.store.provenance import CurrentConfig

POLL_MS = 1000
FIRST_PAGE = 2000  # a long history shows its first trials at once, the rest when read
POLL_OVERLAP_S = 3.0  # a change becomes visible when its transaction commits (Store.trials)
MAX_COMPARED = 12
STATES = ("complete", "running", "pruned", "failed", "diverged", "interrupted", "invalid")


class TrialsPanel(QWidget):
    """The trials table of the shown experiment with its filter line, state filter, "Other
    baselines in best" box, actions and status line (trial count, checkpoints' disk use). Polls
    the store every `POLL_MS` milliseconds for the rows changed since the last poll; the selected
    rows (at most `MAX_COMPARED`) are the trials compared in the plots, the current row the
    focused trial. `show_curves_requested` asks the window to show the curves."""

    show_curves_requested = Signal()

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.model = TrialsTableModel(self)
        self.proxy = TrialsProxy(self)
        self.proxy.setSourceModel(self.model)
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter, e.g.  state=complete  lr<0.01  "
                                               "objective>0.95"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._on_filter)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("All states"))
        for state in STATES:
            self.state.addItem(state_name(state), state)
        self.state.currentIndexChanged.connect(self._on_state)
        self.count = ElidedLabel("", self)
        self.stale_in_best = QCheckBox(self.tr("Other baselines in best"), self)
        self.stale_in_best.setToolTip(
            self.tr("Let trials trained on another baseline than the current one (marked in "
                    "italics, Baseline: other) be the best trial"))
        self.stale_in_best.toggled.connect(self._on_stale_in_best)
        self.problem = QLabel(self)
        self.problem.setStyleSheet("color: #c62828")
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(200)
        header.setStretchLastSection(True)
        self._reason_delegate = MiddleElided(self.table)
        self.trial_actions = TrialActions(self)
        bar = QHBoxLayout()
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.state)
        bar.addWidget(self.stale_in_best)
        for action in self.trial_actions.toolbar_actions():
            button = self.trial_actions.button(action, self)
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.problem)
        layout.addWidget(self.table, 1)
        self.checkpoints = CheckpointUseLabel(insights, self)
        # The count keeps its room; the disk use, right-aligned, takes what is left and is the
        # first to be cut short.
        self.checkpoints.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.checkpoints.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        status = QHBoxLayout()
        status.addWidget(self.count)
        status.addWidget(self.checkpoints, 1)
        layout.addLayout(status)
        self.problem.hide()
        self._experiment: str | None = None
        self._since: float | None = None
        self.when_shown = WhenShown(self, self._load)
        self._sized = False
        self.table.customContextMenuRequested.connect(self._on_context_menu)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._sort_column = -1
        header.sortIndicatorChanged.connect(self._on_sort_indicator)
        # the count is refreshed once per burst of changes (a filter may remove thousands of
        # row ranges one signal each)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(0)
        self._count_timer.timeout.connect(self._show_count)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._count_timer.start)
        insights.reads.result.connect(self._on_result)
        insights.experiment_changed.connect(self.reload)
        insights.compared_changed.connect(self._follow_selection)
        insights.focus_changed.connect(self._follow_focus)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self.reload()

    # -- loading -------------------------------------------------------------------------------
    @Slot()
    def reload(self) -> None:
        """Reads the shown experiment's trials afresh (columns follow its dimensions). While
        hidden it only marks itself stale: opening a project reads no history until the table
        is shown."""
        self.when_shown.request()

    def _load(self) -> None:
        name = self.insights.experiment_name
        self._experiment, self._since = name, None
        objective = self.insights.objective()
        self.model.set_columns(self.insights.dimension_paths(),
                               objective.metric if objective else None,
                               objective.resolved_direction if objective else "maximize")
        self._sized = False
        if name is None:
            self._show_count()
            return
        self._submit("trials:load", None)

    @Slot()
    def poll(self) -> None:
        """Reads what changed since the last read (only while shown: once shown again, the
        first poll catches up on everything that changed meanwhile)."""
        if self._experiment is None or self._since is None or not self.isVisible():
            return
        if any(self.insights.reads.busy(key)
               for key in ("trials:poll", "trials:load", "trials:rest")):
            return
        self._submit("trials:poll", self._since - POLL_OVERLAP_S)

    def _submit(self, key: str, since: float | None) -> None:
        url, name, history = self.insights.url, self._experiment, self.insights.history
        assert name is not None
        objective = self.insights.objective()
        dims = self.insights.dimension_paths()
        metric = objective.metric if objective else None
        direction = objective.resolved_direction if objective else "maximize"
        current = self._current_config()
        self.model.current = current

        def read() -> tuple[str, list[TrialRow] | BuiltRows, float]:
            if since is None:  # a full load: its first page, rows built here, off the GUI
                rows, now = history.trials(url, name, limit=FIRST_PAGE)  # thread
                return name, build_rows(rows, dims, metric, direction), now
            rows, now = history.trials(url, name, since)
            return name, rows, now

        self.insights.reads.submit(key, read)

    def _read_rest(self) -> None:
        """The trials after the first page, built with the shown columns on the lane."""
        url, name, history = self.insights.url, self._experiment, self.insights.history
        columns = self.model.columns
        keys = [c.key for c in columns]
        dims, metric = self.model.dims, self._metric_of()
        direction = "maximize" if self.model.maximize else "minimize"

        def read() -> tuple[str, BuiltRows]:
            rows, _ = history.trials(url, name or "", offset=FIRST_PAGE)
            built = build_rows(rows, dims, metric, direction)
            if [c.key for c in built.columns] != keys:  # a parameter the page lacked
                return name or "", built
            return name or "", BuiltRows(dims, metric, built.direction, columns,
                                         built.trials, built.values, built.stale)

        self.insights.reads.submit("trials:rest", read)

    def _metric_of(self) -> str | None:
        objective = self.insights.objective()
        return objective.metric if objective else None

    def _mark_stale(self, trials: list[TrialRow]) -> None:
        """Which of the loaded trials were trained on another baseline, worked out on the
        lane after the rows are shown."""
        current, name = self.model.current, self._experiment
        if current is None or not trials:
            return
        url, history = self.insights.url, self.insights.history
        self.insights.reads.submit("trials:stale",
                                   lambda: (name, history.stale(url, current, trials)))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key == "trials:stale" and result.ok:
            name, stale = result.value
            if name == self._experiment:
                self.model.set_stale_ids(stale)
                self._count_timer.start()
            return
        if result.key == "trials:rest":
            if not result.ok:
                notifications.error(self.tr("Could not read the trial history: {error}").format(
                    error=result.error), result.detail)
            elif result.value[0] == self._experiment:
                self._add_rest(result.value[1])
            return
        if result.key not in ("trials:load", "trials:poll"):
            return
        if not result.ok:
            if result.key == "trials:load":
                notifications.error(self.tr("Could not read the trial history: {error}").format(
                    error=result.error),
                                    result.detail)
            return
        name, rows, now = result.value
        if name != self._experiment:
            return  # the user switched experiments meanwhile
        if isinstance(rows, BuiltRows):
            self.model.set_built(rows)
            self._after_change(bool(rows.trials))
            if len(rows.trials) >= FIRST_PAGE:  # a long history: the rest follows
                self._read_rest()
            else:
                self._mark_stale(rows.trials)
        elif rows:
            self.apply(rows)
        self._since = now

    def _add_rest(self, built: BuiltRows) -> None:
        """The rest of a long history after its first page: appended (rebuilt with the new
        columns when it has a parameter the first page lacked)."""
        if [c.key for c in built.columns] == [c.key for c in self.model.columns]:
            self.model.extend(built)
            self._after_change(True)
        else:
            self.apply(built.trials)
        self._mark_stale(self.model.trials())

    def apply(self, rows: list[TrialRow]) -> None:
        """Shows changed rows. A parameter the columns lack (the experiment's search changed
        between runs) rebuilds the columns."""
        if {p for r in rows for p in r.params} - set(self.model.dims):
            objective = self.insights.objective()
            trials = {t.id: t for t in self.model.trials()}
            trials.update({t.id: t for t in rows})
            self.model.set_built(build_rows(
                sorted(trials.values(), key=lambda t: t.number),
                self.insights.dimension_paths(), objective.metric if objective else None,
                objective.resolved_direction if objective else "maximize"))
            self._mark_stale(self.model.trials())
        else:
            self.model.upsert(rows)
        self._after_change(True)

    def _current_config(self) -> CurrentConfig | None:
        """What the rows are checked against: the project's baseline as it stands (None while
        the project is invalid: then no row is marked)."""
        baseline = self.insights.baseline()
        if baseline is None:
            return None
        from tunestudio.store.provenance import CurrentConfig

        return CurrentConfig(baseline)

    def _after_change(self, any_rows: bool) -> None:
        # widths follow the values while the rows are few (a running trial's row has no
        # objective yet); later rows reuse them
        if any_rows and (not self._sized or self.model.rowCount() <= 50):
            self._place_reason_delegate()
            self._fit_columns()
            self._sized = True
        self._count_timer.start()
        self.insights.trials_changed.emit()

    def _place_reason_delegate(self) -> None:
        """The Reason column elides its middle: a message starts with where it failed and
        ends with the exception, both worth seeing."""
        keys = [c.key for c in self.model.columns]
        for col in range(len(keys)):
            self.table.setItemDelegateForColumn(
                col, self._reason_delegate if keys[col] == "reason" else None)  # type: ignore[arg-type]

    def _fit_columns(self, sample: int = 50) -> None:
        """Column widths from the titles and the first rows' text, measured directly: Qt's
        resizeColumnsToContents asks the model for several roles of every sampled cell, a
        third of a second on 10,000 trials."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        rows = [self.model.cells_of(r) for r in range(min(sample, self.model.rowCount()))]
        for col, column in enumerate(self.model.columns):
            texts = [column.title, *(cells[col] for cells in rows)]
            if column.key == "#":  # the first rows have the shortest numbers: room for six
                texts.append("999999")  # digits, as a search of 100,000 trials has
            width = max(metrics.horizontalAdvance(t) for t in texts) + 24
            header.resizeSection(col, min(width, 320))

    @Slot()
    def _show_count(self) -> None:
        total, shown = self.model.total_count, self.proxy.rowCount()
        done = self.model.complete_count
        name = self._experiment or self.tr("no experiment")
        self.count.setText(self.tr("{name}: {shown} of %n trial(s) shown, {done} complete", "",
                                   total).format(name=name, shown=shown, done=done)
                           + (self.tr("; best highlighted") if self.model.best_id is not None
                              else ""))

    # -- filtering -----------------------------------------------------------------------------
    @Slot(str)
    def _on_filter(self, text: str) -> None:
        selected, current = self._selection()
        problem = self.proxy.set_filter(text)
        self._restore_selection(selected, current)
        self.problem.setVisible(problem is not None)
        self.problem.setText(problem or "")
        self._count_timer.start()

    def _selection(self) -> tuple[list[int], int | None]:
        """The selected trials and the current one, by id (kept across a change of filter,
        which shows other rows)."""
        current = self.table.selectionModel().currentIndex()
        focus = self.model.trial(self.proxy.mapToSource(current).row()).id \
            if current.isValid() else None
        return [t.id for t in self.selected_trials()], focus

    def _restore_selection(self, selected: list[int], current: int | None) -> None:
        """Selects again those of `selected` still shown (the others leave the comparison, as
        rows a filter hides do) and makes `current` the current row if shown."""
        if selected:
            shown = [tid for tid in selected if self.model.row_of(tid) is not None]
            self.select_trials(shown)
            self.insights.compare(shown[:MAX_COMPARED])  # (a reset of the rows said nothing)
        row = self.model.row_of(current) if current is not None else None
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.proxy.mapFromSource(self.model.index(row, 0)),
                self.table.selectionModel().SelectionFlag.NoUpdate)

    @Slot(bool)
    def _on_stale_in_best(self, include: bool) -> None:
        self.model.set_stale_in_best(include)
        self._count_timer.start()

    @Slot(int, Qt.SortOrder)
    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        """The first click on the objective column puts the best first (descending for a
        maximised objective); further clicks toggle as usual."""
        first_click, self._sort_column = column != self._sort_column, column
        keys = [c.key for c in self.model.columns]
        if not first_click or not 0 <= column < len(keys) or keys[column] != "objective":
            return
        best_first = Qt.SortOrder.DescendingOrder if self.model.maximize \
            else Qt.SortOrder.AscendingOrder
        if order != best_first:
            self.table.horizontalHeader().setSortIndicator(column, best_first)

    @Slot(int)
    def _on_state(self, index: int) -> None:
        selected, current = self._selection()
        self.proxy.set_state(STATES[index - 1] if index > 0 else None)
        self._restore_selection(selected, current)
        self._count_timer.start()

    # -- selection -----------------------------------------------------------------------------
    def selected_trials(self) -> list[TrialRow]:
        """The selected rows' trials, in the shown order."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        model = self.model
        return [model.trial(self.proxy.mapToSource(self.proxy.index(r, 0)).row()) for r in rows]

    def select_trials(self, trial_ids: list[int]) -> None:
        """Selects these trials' rows (as a user's clicks do)."""
        selection = QItemSelection()
        for tid in trial_ids:
            row = self.model.row_of(tid)
            if row is None:
                continue
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                selection.select(index, index.siblingAtColumn(self.proxy.columnCount() - 1))
        flags = self.table.selectionModel().SelectionFlag
        self.table.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)
        if trial_ids and (row := self.model.row_of(trial_ids[-1])) is not None:
            self.table.selectionModel().setCurrentIndex(
                self.proxy.mapFromSource(self.model.index(row, 0)), flags.NoUpdate)

    @Slot()
    def _follow_selection(self) -> None:
        """The selection set elsewhere (a point clicked in the analysis): the rows follow."""
        wanted = self.insights.compared
        if wanted and [t.id for t in self.selected_trials()][:MAX_COMPARED] != wanted:
            self.select_trials(wanted)

    @Slot()
    def _follow_focus(self) -> None:
        """The focus set elsewhere (a legend entry clicked): the current row follows, the
        selected rows stay."""
        tid = self.insights.focus
        row = self.model.row_of(tid) if tid is not None else None
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        current = self.table.selectionModel().currentIndex()
        if index.isValid() and index.row() != current.row():
            self.table.selectionModel().setCurrentIndex(
                index, self.table.selectionModel().SelectionFlag.NoUpdate)

    @Slot(QItemSelection, QItemSelection)
    def _on_selection(self, selected: Any, deselected: Any) -> None:
        ids = [t.id for t in self.selected_trials()]
        self.insights.compare(ids[:MAX_COMPARED])

    @Slot(QModelIndex, QModelIndex)
    def _on_current(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            self.insights.set_focus(None)
            return
        self.insights.set_focus(self.model.trial(self.proxy.mapToSource(current).row()).id)

    @Slot(QPoint)
    def _on_context_menu(self, pos: QPoint) -> None:
        self.trial_actions.menu(self).exec(self.table.viewport().mapToGlobal(pos))

    def close_view(self) -> None:
        """Stops polling the store and the checkpoints' disk use (the window is closing)."""
        self.timer.stop()
        self.checkpoints.timer.stop()


class MiddleElided(QStyledItemDelegate):
    """Draws a cell's text cut in its middle ("build_model(…) raised: ValueError: …"). The
    style's own ElideMiddle also cut the end of such a text, so the cut is made here."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        room = item.rect.width() - 2 * margin
        item.text = self.elide(item.fontMetrics, item.text, room)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)

    @staticmethod
    def elide(metrics: QFontMetrics, text: str, width: int) -> str:
        """`text` as it fits `width` pixels, cut in the middle."""
        return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, max(width, 0))
