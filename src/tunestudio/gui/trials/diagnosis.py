"""Diagnosis of the trial in focus: the rules of engine.diagnostics over its stored curves, each
finding with its reading, its evidence (the curve is drawn with the span that shows the symptom
shaded), the practice's remedies, and one click that adds the suggested next experiment (one
variable at a time on the implicated knob) to the project as an undoable edit."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.document_edits import add_experiment
from tunestudio.gui.common.i18n import render, state_name
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.numbers import dimension_span
from tunestudio.gui.plots.axes import Curves, curves_of
from tunestudio.gui.plots.empty_state import EmptyState
from tunestudio.gui.plots.legend import TrialLegend, dock_legend
from tunestudio.gui.plots.log_axis import tidy
from tunestudio.gui.plots.theme import follow_theme
from tunestudio.gui.trials.table_model import reason
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.config import RunConfig
    from tunestudio.gui.common.history import History, TrialSeries
    from tunestudio.gui.common.insights import Insights
    from tunestudio.search.diagnosis import Finding

_CURVE_TITLES = {"loss": N_("DiagnosisView", "training loss per step"),
                 "train_loss": N_("DiagnosisView", "training loss per evaluation"),
                 "val_loss": N_("DiagnosisView", "validation loss"),
                 "grad_norm": N_("DiagnosisView", "gradient norm"),
                 "lr": N_("DiagnosisView", "learning rate")}


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, int | float) and not isinstance(b, bool):
        return not math.isclose(a, float(b), rel_tol=1e-9)
    return bool(a != b)


def diagnose_trial(history: History, url: str, trial_id: int, baseline: RunConfig | None
                   ) -> tuple[TrialSeries, Curves, list[Any]]:
    """Reads the trial and its curves and runs the rules (on the history lane). Sampled values
    equal to the project baseline's are not pinned in the suggestions: they are the baseline."""
    from tunestudio.config import Objective, RunConfig
    from tunestudio.config.search import baseline_value
    from tunestudio.search.diagnosis import diagnose

    series = history.series(url, [trial_id])
    if not series:
        raise LookupError(f"trial {trial_id} is no longer in the history")
    ts = series[0]
    row = history.store(url).trial(trial_id)
    curves = curves_of(ts.steps, ts.evals)
    if not row.config_json:
        return ts, curves, []  # an invalid trial never trained
    config = RunConfig.model_validate_json(row.config_json)
    exp_row = next((e for e in history.store(url).experiments() if e.id == row.experiment_id),
                   None)
    objective = None
    if exp_row is not None and exp_row.search_json:
        from tunestudio.config import SearchDefinition

        objective = SearchDefinition.model_validate_json(exp_row.search_json).objective
    findings = diagnose(ts.steps, ts.evals, config, state=row.state, message=row.message,
                        objective=objective if isinstance(objective, Objective) else None,
                        trial=N_("DiagnosisView", "trial #{number} of {experiment}").format(
                            number=row.number, experiment=exp_row.name if exp_row else "?"),
                        params={p: v for p, v in row.params.items() if baseline is None
                                or _differs(v, baseline_value(baseline, p))})
    return ts, curves, findings


_NO_TRIAL = N_("DiagnosisView",
               "Select a trial in the table above to see its curves and what they say.")
_NO_CURVES = N_("DiagnosisView", "This trial has no curves to read: it never trained a step.")


# The plot's least size: under it its curves are a smudge (at 960x600 the plot, under the text,
# was a 70 px strip). The text and the findings' list beside it keep TEXT_MIN_WIDTH.
PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT = 260, 160
TEXT_MIN_WIDTH = 200


class DiagnosisView(QWidget):
    """The findings' list over the selected finding's text on the left, the evidence plot on
    the right taking the whole height (a short window keeps a readable plot), its legend under
    its axes; both boundaries movable (`split`, `side`)."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.title = QLabel(self.tr("Select a trial in the table to diagnose it."), self)
        self.title.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.currentRowChanged.connect(self._show_finding)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(False)
        self.create_button = QPushButton(self.tr("Create suggested experiment"), self)
        self.create_button.setToolTip(self.tr("Adds the experiment to the project (Edit > Undo "
                                              "removes it); select it and press Run"))
        self.create_button.clicked.connect(self._on_create)
        self.create_button.setEnabled(False)
        self.view = follow_theme(pg.PlotWidget(self))
        self.plot = tidy(self.view.getPlotItem())
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        # every curve is the diagnosed trial's: a click on an entry selects that trial; the
        # entries side by side under the axes, never over the curves or the shaded evidence
        self.legend = TrialLegend()
        self.plot.legend = self.legend  # curves added with a name get an entry
        self.legend_dock = dock_legend(self.plot.layout, self.legend, row=4, col=1)
        self.legend.entry_clicked.connect(self._on_legend_clicked)
        self.region: Any = None
        self.items: list[Any] = []
        self.plot_page = EmptyState(self.view, render(_NO_TRIAL), self)  # a hint, not bare axes
        self.plot_page.setMinimumSize(PLOT_MIN_WIDTH, PLOT_MIN_HEIGHT)
        # the findings (a few lines) over the selected one's text, both beside the plot
        side = QSplitter(Qt.Orientation.Vertical, self)
        side.setChildrenCollapsible(False)
        side.addWidget(self.list)
        side.addWidget(self.text)
        side.setStretchFactor(1, 1)
        side.setSizes([52, 300])
        self.list.setMinimumHeight(40)
        side.setMinimumWidth(TEXT_MIN_WIDTH)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.setChildrenCollapsible(False)
        split.addWidget(side)
        split.addWidget(self.plot_page)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([360, 640])
        self.side, self.split = side, split
        export = QPushButton(self.tr("Export plot…"), self)
        export.clicked.connect(self._on_export)
        row = QHBoxLayout()
        row.addWidget(export)
        row.addStretch(1)
        row.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(split, 1)
        layout.addLayout(row)
        self.findings: list[Finding] = []
        self.curves: Curves | None = None
        self.trial_id: int | None = None
        insights.focus_changed.connect(self.reload)
        insights.reads.result.connect(self._on_result)

    @Slot()
    def reload(self) -> None:
        """Follows the insights' focus: diagnoses the focused trial's curves against the baseline
        on the read lane (`diagnose_trial`), or asks for a trial to be selected when none is
        focused."""
        tid = self.insights.focus
        self.trial_id = tid
        if tid is None:
            self._show([], None, self.tr("Select a trial in the table to diagnose it."))
            return
        url, history, baseline = self.insights.url, self.insights.history, \
            self.insights.baseline()
        self.title.setText(self.tr("Diagnosing…"))
        self.insights.reads.submit("diagnosis",
                                   lambda: diagnose_trial(history, url, tid, baseline))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key != "diagnosis":
            return
        if not result.ok:
            self._show([], None, self.tr("Could not diagnose: {error}").format(error=result.error))
            return
        series, curves, findings = result.value
        if series.trial.id != self.trial_id:
            return
        t = series.trial
        head = self.tr("<b>Trial #{number}</b> ({state}): ").format(
            number=t.number, state=state_name(t.state))
        why = reason(t)
        if not findings and why:  # a failure's cause, not "the curves look healthy"
            head += html.escape(why, quote=False)
        elif not findings:
            head += (self.tr("no symptom found: the curves look healthy.")
                     if series.steps is not None else self.tr("no curves to read."))
        else:
            head += self.tr("%n finding(s), the most urgent first.", "", len(findings))
        self._show(findings, curves, head)

    def _show(self, findings: list[Finding], curves: Curves | None, head: str) -> None:
        self.findings, self.curves = findings, curves
        self.title.setText(head)
        self.list.clear()
        for f in findings:
            self.list.addItem(render(f.title))
        self.create_button.setEnabled(bool(findings))
        if findings:
            self.list.setCurrentRow(0)
        else:
            self.text.clear()
            self._draw(None)

    @Slot(int)
    def _show_finding(self, row: int) -> None:
        if not 0 <= row < len(self.findings):
            return
        f = self.findings[row]
        e = html.escape
        dims = [f"{d.path} ∈ {dimension_span(d)}" for d in f.experiment.search.dimensions]
        hypothesis = render(f.journal.get("hypothesis", f.experiment.hypothesis))
        parts = [f"<h3>{e(render(f.title))}</h3><p>{e(render(f.reading))}</p>",
                 "<b>", e(self.tr("Evidence")), "</b><ul>",
                 *(f"<li><i>{e(render(_CURVE_TITLES[ev.curve]))}</i>: {e(render(ev.text))}</li>"
                   for ev in f.evidence),
                 "</ul><b>", e(self.tr("Remedies")), "</b><ul>",
                 *(f"<li>{e(render(r))}</li>" for r in f.remedies), "</ul>",
                 self.tr("<b>Suggested next experiment</b>: <code>{name}</code>, {strategy} on "
                         "<code>{knob}</code>: {dimensions}.").format(
                             name=e(f.experiment.name), strategy=e(f.experiment.search.strategy),
                             knob=e(f.knob), dimensions=e("; ".join(dims))),
                 f"<br><i>{e(hypothesis)}</i>"]
        self.text.setHtml("".join(parts))
        self._draw(f)

    def _draw(self, finding: Finding | None) -> None:
        for item in self.items:
            self.plot.removeItem(item)
            self.legend.removeItem(item)
        self.items = []
        self.plot.setLogMode(y=False)
        c = self.curves
        self.plot_page.set_empty(c is None or len(c.loss) + len(c.val_loss) == 0,
                                 render(_NO_TRIAL if self.trial_id is None else _NO_CURVES))
        if c is None:
            self.plot.setTitle("")
            return
        if finding is None or not finding.evidence:  # healthy: the curves that say so
            self.plot.setTitle(self.tr("training loss (smoothed) and validation loss"))
            self._add(c.steps_x["step"], c.smooth, "#1565c0", self.tr("training loss (smoothed)"))
            self._add(c.evals_x["step"], c.val_loss, "#c62828", self.tr("validation loss"),
                      symbol=True)
            self.plot.setLabel("bottom", self.tr("step"))
            self.region = None
            self.plot.enableAutoRange()
            return
        ev = finding.evidence[0]
        self.plot.setTitle(self.tr("{curve}: evidence shaded").format(
            curve=render(_CURVE_TITLES[ev.curve])))
        if ev.curve in ("val_loss", "train_loss"):
            x = c.evals_x["epoch"] if ev.unit == "epoch" else c.evals_x["step"]
            self._add(x, c.val_loss, "#c62828", self.tr("validation loss"), symbol=True)
            self._add(x, c.train_loss, "#1565c0", self.tr("training loss"), symbol=True)
        else:
            x = c.steps_x["step"] if ev.unit == "step" else c.steps_x["epoch"]
            y = {"loss": c.loss, "grad_norm": c.grad_norm, "lr": c.lr}[ev.curve]
            if ev.curve == "grad_norm":
                self.plot.setLogMode(y=True)
                keep = y > 0
                x, y = x[keep], y[keep]
            self._add(x, y, "#90a4ae", render(_CURVE_TITLES[ev.curve]))
            if ev.curve == "loss":
                self._add(x, c.smooth, "#1565c0", self.tr("smoothed"))
        self.plot.setLabel("bottom", self.tr("step") if ev.unit == "step" else self.tr("epoch"))
        region = pg.LinearRegionItem((ev.start, ev.end), movable=False,
                                     brush=pg.mkBrush(255, 193, 7, 60))
        self.plot.addItem(region)
        self.items.append(region)
        self.region = region
        self.plot.enableAutoRange()

    def _on_legend_clicked(self, item: Any) -> None:
        """A legend entry clicked: the diagnosed trial becomes the one selection."""
        if self.trial_id is not None and item in self.items:
            self.insights.compare([self.trial_id])
            self.insights.set_focus(self.trial_id)

    def _add(self, x: Any, y: Any, color: str, name: str, symbol: bool = False) -> None:
        ok = np.isfinite(x) & np.isfinite(y)
        item = pg.PlotDataItem(np.asarray(x)[ok], np.asarray(y)[ok], pen=pg.mkPen(color, width=2),
                               name=name, symbol="o" if symbol else None, symbolSize=5,
                               symbolBrush=color, symbolPen=None)
        self.plot.addItem(item)
        self.items.append(item)

    @Slot()
    def _on_export(self) -> None:
        from tunestudio.gui.plots.export import ask_and_export

        ask_and_export(self, self.plot, "diagnosis")

    @Slot()
    def _on_create(self) -> None:
        self.create_suggested()

    def create_suggested(self, row: int | None = None) -> str | None:
        """Adds the suggested experiment of finding `row` (the selected one by default)."""
        row = self.list.currentRow() if row is None else row
        if not 0 <= row < len(self.findings):
            return None
        finding = self.findings[row]
        # the journal in the window's language: it becomes the user's own text in the project
        journal = {k: render(v) for k, v in finding.journal.items()}
        name = add_experiment(self.insights.document,
                              finding.experiment.model_copy(update=journal))
        notifications.info(self.tr("Added experiment '{name}' ({strategy} on {knob}). Select it "
                                   "and press Run.").format(
                                       name=name, strategy=finding.experiment.search.strategy,
                                       knob=finding.knob))
        return name
