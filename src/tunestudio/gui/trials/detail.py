"""One trial in depth: its confusion matrix (which classes are weak), k-fold cross-validation of
its config (a less split-dependent estimate), and the LR range test with its suggestion and a
button that writes the suggested LR range into the experiment's search space; and the
environment it ran in (versions, device, user file hashes, git), compared with the trials
selected for comparison, saying when they ran in another one. The confusion
matrix uses the trial's stored model (its best checkpoint); k-fold and the LR range test train,
so each runs on the training lane when asked, and can be stopped by closing."""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.document_edits import set_dimension_range
from tunestudio.gui.common.i18n import render, render_stored, state_name
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.plots.empty_state import EmptyState
from tunestudio.gui.plots.log_axis import tidy
from tunestudio.gui.plots.lr_range import draw_lr_range, lr_range_widget
from tunestudio.gui.plots.theme import follow_theme
from tunestudio.gui.trials.table_model import reason
from tunestudio.messages import N_
from tunestudio.store import values_at

if TYPE_CHECKING:
    from tunestudio.config import Project, RunConfig
    from tunestudio.gui.common.insights import Insights
    from tunestudio.store import TrialRow
    from tunestudio.store.lineage import Lineage


_SELECT = N_("TrialDetail", "Select a trial in the table above.")
_NOT_RUN = {
    "confusion": N_("TrialDetail", "Not computed for this trial yet: “Compute confusion "
                                   "matrix” above draws it from the trial's stored best model."),
    "kfold": N_("TrialDetail", "Not run for this trial yet: “Run k-fold cross-validation” "
                               "above trains its config once per fold."),
    "lr": N_("TrialDetail", "Not run for this trial yet: “Run LR range test” above sweeps "
                            "the learning rate on its config."),
}


def _page(parent: QWidget, button: QPushButton, plot: Any, *extra: QWidget) -> QWidget:
    page = QWidget(parent)
    layout = QVBoxLayout(page)
    bar = QHBoxLayout()
    bar.addWidget(button)
    for widget in extra:
        bar.addWidget(widget)
    bar.addStretch(1)
    layout.addLayout(bar)
    layout.addWidget(plot, 1)
    return page


class TrialDetail(QWidget):
    """The focused trial in depth, one tab each: its confusion matrix (classification only, from
    its stored best checkpoint), k-fold cross-validation and the LR range test of its config
    (both train, on the insights' training lane), its environment compared with the trials
    selected for comparison, and its lineage in a population-based training run. Each result is
    kept by (kind, trial id) and shown again when its trial is focused again."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.title = QLabel(self.tr("Select a trial in the table."), self)
        # why a trial failed, diverged, was pruned or invalid: in sight, not in a tooltip
        self.reason = QLabel(self)
        self.reason.setObjectName("trialReason")
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason.hide()
        self.export_button = QPushButton(self.tr("Export plot…"), self)
        self.export_button.clicked.connect(self._on_export)
        self.tabs = QTabWidget(self)
        self.cm_button = QPushButton(self.tr("Compute confusion matrix"), self)
        self.cv_button = QPushButton(self.tr("Run k-fold cross-validation"), self)
        self.lr_button = QPushButton(self.tr("Run LR range test"), self)
        self.write_button = QPushButton(self.tr("Write suggested range into the search space"),
                                        self)
        self.cm_label, self.cv_label, self.lr_label = QLabel(self), QLabel(self), QLabel(self)
        for label in (self.cm_label, self.cv_label, self.lr_label):
            label.setWordWrap(True)
        self.cm_view = follow_theme(pg.PlotWidget())
        self.cv_view = follow_theme(pg.PlotWidget())
        self.lr_view = lr_range_widget()
        for view in (self.cm_view, self.cv_view, self.lr_view):
            tidy(view.getPlotItem())
        # each plot a hint until it has a result to draw (bare axes say nothing)
        self.plot_pages = {what: EmptyState(view, render(_SELECT), self) for what, view in (
            ("confusion", self.cm_view), ("kfold", self.cv_view), ("lr", self.lr_view))}
        self.tabs.addTab(_page(self, self.cm_button, self.plot_pages["confusion"],
                               self.cm_label), self.tr("Confusion matrix"))
        self.tabs.addTab(_page(self, self.cv_button, self.plot_pages["kfold"], self.cv_label),
                         self.tr("Cross-validation"))
        self.tabs.addTab(_page(self, self.lr_button, self.plot_pages["lr"], self.write_button,
                               self.lr_label), self.tr("LR range test"))
        self.env_label = QLabel(self)
        self.env_label.setWordWrap(True)
        self.env_text = QPlainTextEdit(self)
        self.env_text.setReadOnly(True)
        env_page = QWidget(self)
        env_layout = QVBoxLayout(env_page)
        env_layout.addWidget(self.env_label)
        env_layout.addWidget(self.env_text, 1)
        self.tabs.addTab(env_page, self.tr("Environment"))
        # population-based training: the population's exploits, this trial's schedule
        self.lineage_label = QLabel(self)
        self.lineage_label.setWordWrap(True)
        self.lineage_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lineage_table = QTableWidget(0, 5, self)
        self.lineage_table.setHorizontalHeaderLabels([
            self.tr("Step"), self.tr("Trial"), self.tr("Copied from"),
            self.tr("Values before"), self.tr("Values after")])
        self.lineage_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lineage_table.verticalHeader().hide()
        self.lineage_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.lineage_table.horizontalHeader().setStretchLastSection(True)
        lineage_page = QWidget(self)
        lineage_layout = QVBoxLayout(lineage_page)
        lineage_layout.addWidget(self.lineage_label)
        lineage_layout.addWidget(self.lineage_table, 1)
        self.tabs.addTab(lineage_page, self.tr("Lineage"))
        self.tabs.currentChanged.connect(self._on_tab)
        self.env_differences: dict[int, list[str]] = {}  # compared trial number -> lines
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.reason)
        layout.addWidget(self.tabs, 1)
        self.trial: TrialRow | None = None
        self.config: RunConfig | None = None
        self.suggested_range: tuple[float, float] | None = None
        self.matrix: np.ndarray | None = None
        self.fold_scores: list[float] = []
        # each result belongs to the trial it was computed for: (kind, trial id) -> result
        self.results: dict[tuple[str, int], Any] = {}
        self.cm_button.clicked.connect(self.compute_confusion)
        self.cv_button.clicked.connect(self.run_kfold)
        self.lr_button.clicked.connect(self.run_lr_test)
        self.write_button.clicked.connect(self.write_range)
        insights.focus_changed.connect(self.reload)
        insights.compared_changed.connect(self._compare_environments)
        insights.reads.result.connect(self._on_result)
        insights.training.result.connect(self._on_result)
        self._enable()

    def _enable(self) -> None:
        ready = self.config is not None
        classification = ready and self.config is not None and self.config.task == \
            "classification"
        self.cm_button.setEnabled(bool(classification))
        self.cv_button.setEnabled(ready)
        self.lr_button.setEnabled(ready)
        self.write_button.setEnabled(self.suggested_range is not None
                                     and self.insights.experiment() is not None)

    @Slot()
    def reload(self) -> None:
        """Follows the insights' focus: clears the shown trial and reads the focused one from the
        store on the read lane (its tabs are filled when it comes back), or asks for a trial to
        be selected when none is focused."""
        self.trial, self.config = None, None
        self._enable()
        self.reason.hide()
        tid = self.insights.focus
        if tid is None:
            self.title.setText(self.tr("Select a trial in the table."))
            for page in self.plot_pages.values():
                page.set_empty(True, render(_SELECT))
            return
        url, history = self.insights.url, self.insights.history
        self.insights.reads.submit("detail:trial", lambda: history.store(url).trial(tid))

    # -- jobs ----------------------------------------------------------------------------------
    def _submit(self, key: str, work: Any, what: str) -> None:
        config, trial = self.config, self.trial
        if config is None or trial is None:
            return
        base_dir, stop = self.insights.document.base_dir, self.insights.training.stop_event
        tid = trial.id
        self.insights.training.submit(f"{key}:{tid}",
                                      lambda: (tid, work(config, trial, base_dir, stop)))
        self.title.setText(self.tr("Trial #{number}: {what}…").format(
            number=trial.number, what=what))

    @Slot()
    def compute_confusion(self) -> None:
        """Computes the trial's confusion matrix on the validation split from its stored model
        (its best checkpoint), on the training lane."""
        project, url = self.insights.document.project, self.insights.url
        if project is not None:
            self._submit("detail:confusion", functools.partial(_confusion, project, url),
                         "confusion matrix of its stored model")

    @Slot()
    def run_kfold(self) -> None:
        """Cross-validates the trial's config on the training lane: `evaluation.kfold` folds, each
        the validation split once, with the trial's seed; closing stops it."""
        self._submit("detail:kfold", _kfold, "cross-validating")

    @Slot()
    def run_lr_test(self) -> None:
        """Runs the LR range test on the trial's config on the training lane (the learning rate
        grows exponentially over the steps; `engine/lr_finder.py`); closing stops it."""
        self._submit("detail:lr", _lr_test, "running the LR range test")

    @Slot(int)
    def _on_tab(self, index: int) -> None:
        self.export_button.setEnabled(index < 3)  # the environment tab has no plot

    @Slot()
    def _compare_environments(self) -> None:
        """Reads the environments of the trials selected for comparison (off the GUI thread);
        the result says how each differs from this trial's."""
        trial = self.trial
        if trial is None:
            return
        others = [t for t in self.insights.compared if t != trial.id]
        url, history = self.insights.url, self.insights.history

        def read() -> tuple[int, list[tuple[int, dict[str, Any]]]]:
            store = history.store(url)
            found = []
            for tid in others:
                row = store.trial(tid)
                found.append((row.number, row.environment or {}))
            return trial.id, found

        self.insights.reads.submit("detail:environment", read)

    def show_environment_comparison(self, value: tuple[int, list[tuple[int, dict[str, Any]]]]
                                    ) -> None:
        """Shows how the environments of the compared trials differ from this trial's
        (`store.environment.environment_differences`), in red when some do. `value` is (trial id,
        [(compared trial's number, its environment record)]); ignored when it is about a trial no
        longer shown."""
        from tunestudio.store.environment import environment_differences

        trial_id, others = value
        if self.trial is None or trial_id != self.trial.id:
            return
        mine = self.trial.environment or {}
        self.env_differences = {}
        same = []
        for number, env in others:
            lines = [d.describe() for d in environment_differences(mine, env)]
            if lines:
                self.env_differences[number] = lines
            elif mine and env:
                same.append(number)
        text = [self.tr("Ran in a different environment than trial #{number}: {lines}.").format(
                    number=n, lines="; ".join(render(line) for line in lines))
                for n, lines in self.env_differences.items()]
        if same:
            text.append(self.tr("Same environment as trial(s) {numbers} (compared).").format(
                numbers=", ".join(f"#{n}" for n in same)))
        if not others:
            text.append(self.tr("Select other trials to compare (Compare): their environments "
                                "are checked against this one."))
        self.env_label.setText("\n".join(text))
        self.env_label.setStyleSheet("color: #c62828;" if self.env_differences else "")

    def _read_lineage(self, row: TrialRow) -> None:
        """Reads the population the trial belongs to (off the GUI thread)."""
        from tunestudio.store.lineage import lineage

        experiment = self.insights.experiment()
        direction = experiment.search.objective.resolved_direction if experiment else \
            "maximize"
        url, history = self.insights.url, self.insights.history
        tid, eid = row.id, row.experiment_id
        self.insights.reads.submit(
            "detail:lineage", lambda: (tid, lineage(history.store(url), eid, direction)))

    def show_lineage(self, value: tuple[int, Lineage]) -> None:
        """The population's exploits in step order, this trial's in bold, and its schedule."""
        trial_id, found = value
        if self.trial is None or trial_id != self.trial.id:
            return
        table = self.lineage_table
        member = found.members.get(trial_id)
        if member is None:
            table.setRowCount(0)
            self.lineage_label.setText(self.tr(
                "This trial's hyperparameters did not change while it trained: only "
                "population-based training (strategy PBT) changes them, copying the weights of "
                "the best members into the worst and exploring their values."))
            return
        number = {tid: m.trial.number for tid, m in found.members.items()}
        steps = [self.tr("from step {step}: {values}").format(
            step=c.step, values=_values(c.values)) + (
            self.tr(" (copied from #{number})").format(number=number.get(
                c.source_trial_id, "?")) if c.source_trial_id is not None else "")
            for c in member.changes]
        best = found.best
        # the schedule as one wrapped paragraph: a long one must not push the table away
        lines = [
            self.tr("Population of {members} members, {exploits} exploits; the best is "
                    "#{best}.").format(members=len(found.members),
                                       exploits=len(found.exploits),
                                       best=best.trial.number if best else "–"),
            self.tr("This trial's schedule:") + " " + "; ".join(steps)]
        line = found.ancestry(trial_id)
        if len({c.trial_id for c in line}) > 1:  # its weights trained under others' values too
            lines.append(self.tr("The schedule that trained its weights (through the trials "
                                 "it copied; what a replay trains):") + " " + "; ".join(
                self.tr("from step {step}: {values} (as #{number})").format(
                    step=c.step, values=_values(c.values),
                    number=number.get(c.trial_id, "?")) for c in line))
        pruned = found.pruned
        if pruned:  # on the first line: a small window shows only the label's top
            lines[0] += " " + self.tr("%n member(s) pruned as hopeless (pbt.prune): "
                                      "{members}.", None, len(pruned)).format(
                members=", ".join(f"#{m.trial.number}" for m in pruned))
        self.lineage_label.setText("\n".join(lines))
        # the exploits and the prunes in step order (at one step, the prunes first: they
        # were decided together, and the pruned members left before the exploits trained)
        rows: list[tuple[int, int, list[str], bool]] = [
            (c.step, 1, [str(c.step), f"#{number.get(c.trial_id, '?')}",
                         f"#{number.get(c.source_trial_id or -1, '?')}", _values(c.before),
                         _values(c.values)], trial_id in (c.trial_id, c.source_trial_id))
            for c in found.exploits]
        rows += [(m.pruned_at or 0, 0, [
            str(m.pruned_at), f"#{m.trial.number}", self.tr("pruned"),
            _values(values_at(m.changes, m.pruned_at or 0)), "–"], m.trial.id == trial_id)
            for m in pruned]
        rows.sort(key=lambda row: (row[0], row[1]))
        table.setRowCount(len(rows))
        bold = QFont()
        bold.setBold(True)
        for r, (_, _, cells, mine) in enumerate(rows):
            for k, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if mine:
                    item.setFont(bold)
                table.setItem(r, k, item)

    def current_plot(self) -> Any:
        """The pyqtgraph PlotItem of the shown plot tab (confusion matrix, cross-validation or LR
        range test)."""
        return (self.cm_view, self.cv_view, self.lr_view)[self.tabs.currentIndex()].getPlotItem()

    @Slot()
    def _on_export(self) -> None:
        from tunestudio.gui.plots.export import ask_and_export

        stem = ("confusion-matrix", "cross-validation", "lr-range-test")[self.tabs.currentIndex()]
        ask_and_export(self, self.current_plot(), stem)

    @Slot()
    def write_range(self) -> None:
        """Writes the LR range test's suggested range into the shown experiment's search space as
        `optimizer.lr` (log scale; an undoable edit)."""
        name = self.insights.experiment_name
        if self.suggested_range is None or name is None:
            return
        low, high = self.suggested_range
        set_dimension_range(self.insights.document, name, "optimizer.lr", low, high)
        notifications.info(self.tr("{name} now searches optimizer.lr over {low:.3g}..{high:.3g} "
                                   "(log scale; Edit > Undo takes it back).").format(
                                       name=name, low=low, high=high))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if not result.key.startswith("detail:"):
            return
        if not result.ok:
            notifications.error(f"{result.error}", result.detail)
            self.title.setText(self.tr("Failed: {error}").format(error=result.error))
            return
        what = result.key.split(":")[1]
        if what == "trial":
            self._show_trial(result.value)
            return
        if what == "environment":  # about the trials compared now, never kept
            self.show_environment_comparison(result.value)
            return
        if what == "lineage":
            self.show_lineage(result.value)
            return
        tid, value = result.value
        self.results[(what, tid)] = value
        if self.trial is not None and self.trial.id == tid:  # else kept for when it is back
            self.title.setText(self.tr("Trial #{number} of {name}").format(
                number=self.trial.number, name=self.insights.experiment_name))
            self._shows[what](value)

    @property
    def _shows(self) -> dict[str, Any]:
        return {"confusion": self.show_confusion, "kfold": self.show_kfold,
                "lr": self.show_lr_test}

    def _show_results_of(self, trial_id: int) -> None:
        """Each tab shows this trial's own result, or says it was not run for it."""
        self.suggested_range, self.matrix, self.fold_scores = None, None, []
        views = {"confusion": (self.cm_view, self.cm_label), "kfold": (self.cv_view,
                 self.cv_label), "lr": (self.lr_view, self.lr_label)}
        for what, (view, label) in views.items():
            value = self.results.get((what, trial_id))
            if value is not None:
                self._shows[what](value)
                continue
            view.getPlotItem().clear()
            view.getPlotItem().setTitle("")
            label.setText(self.tr("Not run for this trial yet."))
            self.plot_pages[what].set_empty(True, render(_NOT_RUN[what]))

    def _show_trial(self, row: TrialRow) -> None:
        from tunestudio.config import RunConfig

        if row.id != self.insights.focus:
            return
        self.trial = row
        self.config = RunConfig.model_validate_json(row.config_json) if row.config_json \
            else None
        self.title.setText(self.tr("Trial #{number} ({state})").format(
            number=row.number, state=state_name(row.state)) + (
            "" if self.config else self.tr(": it never trained (invalid config)")))
        why = reason(row)
        self.reason.setText(self.tr("Why it ended {state}: {why}").format(
            state=state_name(row.state), why=why))
        self.reason.setToolTip(render_stored(row.message) if row.message != why else "")
        self.reason.setVisible(bool(why))
        self.env_text.setPlainText(environment_text(row.environment or {}))
        self._read_lineage(row)
        self._compare_environments()
        self._show_results_of(row.id)
        self._enable()

    # -- drawing -------------------------------------------------------------------------------
    def show_confusion(self, value: Any) -> None:
        """Draws a `ConfusionMatrix` as a heat map, predicted class across and true class down,
        each cell with its count, and names the three classes of lowest recall."""
        cm = value
        self.matrix = np.asarray(cm.matrix)
        self.plot_pages["confusion"].set_empty(False)
        plot = self.cm_view.getPlotItem()
        plot.clear()
        k = len(cm.class_names)
        image = pg.ImageItem(self.matrix.T.astype(np.float64))  # [x=predicted, y=true]
        image.setColorMap(pg.colormap.get("viridis"))
        plot.addItem(image)
        top = float(self.matrix.max()) or 1.0
        for t in range(k):
            for p in range(k):
                n = int(self.matrix[t, p])
                label = pg.TextItem(str(n), color="w" if n < top / 2 else "k",
                                    anchor=(0.5, 0.5))
                label.setPos(p + 0.5, t + 0.5)
                plot.addItem(label)
        ticks = [[(i + 0.5, str(name)) for i, name in enumerate(cm.class_names)]]
        plot.getAxis("bottom").setTicks(ticks)
        plot.getAxis("left").setTicks(ticks)
        plot.setLabel("bottom", self.tr("predicted class"))
        plot.setLabel("left", self.tr("true class"))
        plot.invertY(True)
        plot.setAspectLocked(True)
        recall = cm.per_class_recall
        weak = [f"{cm.class_names[i]} ({recall[i]:.0%})" for i in np.argsort(recall)[:3]]
        self.cm_label.setText(self.tr("Validation split, {int} samples. Weakest classes: {join}. "
                                      "Remedies: more data for them, class weights.").format(
                                          int=int(self.matrix.sum()), join=', '.join(weak)))

    def show_kfold(self, value: Any) -> None:
        """Draws a `CrossValidationResult`: one bar per fold's score (a score that is not finite
        drawn as 0), a line at the mean, the mean ± standard deviation in the title."""
        cv = value
        self.fold_scores = list(cv.scores)
        self.plot_pages["kfold"].set_empty(False)
        plot = self.cv_view.getPlotItem()
        plot.clear()
        x = np.arange(1, len(cv.scores) + 1, dtype=np.float64)
        y = np.array([s if math.isfinite(s) else 0.0 for s in cv.scores])
        plot.addItem(pg.BarGraphItem(x=x, height=y, width=0.6, brush=pg.mkBrush("#1565c0")))
        if math.isfinite(cv.mean):
            plot.addItem(pg.InfiniteLine(pos=cv.mean, angle=0,
                                         pen=pg.mkPen("#e65100", width=2)))
        plot.getAxis("bottom").setTicks([[(float(i), f"fold {int(i)}") for i in x]])
        plot.setLabel("left", cv.metric)
        plot.setTitle(self.tr("{k}-fold: {metric} {mean:.4g} ± {std:.2g}").format(
            k=cv.k, metric=cv.metric, mean=cv.mean, std=cv.std))
        self.cv_label.setText(self.tr("Mean {mean:.4g} ± {std:.2g} over {k} folds (line: the "
                                      "mean). Each fold is the validation split once.").format(
                                          mean=cv.mean, std=cv.std, k=cv.k))

    def show_lr_test(self, value: Any) -> None:
        """Draws an `LRRangeResult` (loss against learning rate) and keeps its suggested range
        for `write_range`: the suggestion is a tenth of the LR where the smoothed loss is lowest
        (Leslie Smith's rule of thumb, `engine/lr_finder.py`)."""
        r = value
        low, high = r.suggested_range
        self.suggested_range = (float(low), float(high))
        self.plot_pages["lr"].set_empty(False)
        draw_lr_range(self.lr_view.getPlotItem(), r)
        self.lr_label.setText(self.tr("Suggested {lr:.3g} (a tenth of the LR where the smoothed "
                                      "loss is lowest).").format(lr=r.suggested_lr))
        self._enable()


def _values(values: dict[str, Any]) -> str:
    """Hyperparameter values as `lr 0.012, weight_decay 0.0001` (the last part of each path)."""
    return ", ".join(f"{k.rsplit('.', 1)[-1]} {v:.4g}" if isinstance(v, int | float)
                     else f"{k.rsplit('.', 1)[-1]} {v}" for k, v in values.items())


def environment_text(env: dict[str, Any]) -> str:
    """The environment record of a trial (engine/environment.py), for reading."""
    if not env:
        return "No environment recorded (the trial never trained, or it was stored before " \
            "TuneStudio recorded environments)."

    def show(key: str) -> str:
        value = env.get(key)
        return "none" if value is None else str(value)

    lines = [f"TuneStudio {show('tunestudio')}   Python {show('python')}   torch "
             f"{show('torch')}   numpy {show('numpy')}",
             f"CUDA {show('cuda')}   cuDNN {show('cudnn')}   NVIDIA driver {show('driver')}",
             f"Device: {show('device')} ({show('device_name')})",
             f"OS: {show('os')}"]
    files = env.get("files") or {}
    lines.append("User files:" if files else "User files: none (built-in data and model)")
    for name, entry in sorted(files.items()):
        digest = entry.get("sha256") or entry.get("manifest_sha256")
        kind = "folder manifest SHA-256" if entry.get("manifest_sha256") else "SHA-256"
        state = f"{kind} {digest}" if digest else f"not read: {entry.get('error')}"
        lines.append(f"  {name}: {entry.get('path')}  {state}")
    git = env.get("git")
    if git:
        dirty = {True: " with uncommitted changes", False: ", clean", None: ""}[git.get("dirty")]
        lines.append(f"Git: commit {git.get('commit')}{dirty}")
    else:
        lines.append("Git: the project's folder is not a git repository (or git is missing)")
    return "\n".join(lines)


def _confusion(project: Project, url: str, config: RunConfig, trial: TrialRow, base_dir: Any,
               stop: Any) -> Any:
    from tunestudio.search.stored_model import stored_confusion

    return stored_confusion(project, trial.id, base_dir=base_dir, url=url)


def _kfold(config: RunConfig, trial: TrialRow, base_dir: Any, stop: Any) -> Any:
    from tunestudio.search.retraining import cross_validate_config

    return cross_validate_config(config, base_dir, trial.seed, stop)


def _lr_test(config: RunConfig, trial: TrialRow, base_dir: Any, stop: Any) -> Any:
    from tunestudio.search.retraining import lr_range_test_config

    return lr_range_test_config(config, base_dir, trial.seed, stop)
