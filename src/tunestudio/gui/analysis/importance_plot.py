"""Parameter importance as horizontal bars: which knob moved the objective most (the
practice's "reflect: sensitivity" question), computed by Optuna's evaluators on the study in the
project's storage, off the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tunestudio.gui.common.i18n import render
from tunestudio.gui.plots.empty_state import EmptyState
from tunestudio.gui.plots.log_axis import tidy
from tunestudio.gui.plots.theme import follow_theme
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.search.importance import Importances

# the evaluators of search.importance.param_importance, by the names the picker shows
EVALUATORS = {N_("ImportancePlot", "PED-ANOVA (fast)"): "ped_anova", "fANOVA": "fanova",
              N_("ImportancePlot", "Mean decrease impurity"): "mdi"}


class ImportancePlot(QWidget):
    """Parameter importance as horizontal bars, most important on top, with a picker of Optuna's
    evaluators (PED-ANOVA, fANOVA, mean decrease impurity) and the ranking of each branch of a
    conditional search. The plot computes nothing: `compute_requested` asks the view to compute
    (Compute pressed, or another evaluator chosen)."""

    compute_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.evaluator = QComboBox(self)
        for label, key in EVALUATORS.items():
            self.evaluator.addItem(render(label), key)
        self.evaluator.setToolTip(self.tr("PED-ANOVA is fast on thousands of trials; fANOVA "
                                          "(Optuna's default) fits a random forest and is slow on "
                                          "many trials."))
        self.button = QPushButton(self.tr("Compute"), self)
        self.button.clicked.connect(self.compute_requested)
        self.evaluator.currentIndexChanged.connect(self.compute_requested)
        self.message = QLabel(self)
        self.message.setWordWrap(True)  # a long knob name wraps instead of widening the tab
        self.view = follow_theme(pg.PlotWidget(self))
        self.plot = tidy(self.view.getPlotItem())
        self.plot.showGrid(x=True, alpha=0.2)
        self.plot.setLabel("bottom", self.tr("importance (share of the objective's variation)"))
        self.bars: Any = None
        self.importances: dict[str, float] = {}
        self.ranked: Importances | None = None
        # how a conditional search is ranked, and each branch's own ranking
        self.branches = QLabel(self)
        self.branches.setWordWrap(True)
        self.branches.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.branches.hide()
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Evaluator:"), self))
        bar.addWidget(self.evaluator)
        bar.addWidget(self.button)
        bar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.branches)
        # a hint until the first importances are drawn (bare axes say nothing)
        self.page = EmptyState(self.view, self.tr(
            "Parameter importance appears here once computed (it needs at least two complete "
            "trials)."), self)
        layout.addWidget(self.page, 1)

    def evaluator_key(self) -> str:
        """The chosen evaluator's key for `search.importance.param_importance`: "ped_anova",
        "fanova" or "mdi"."""
        return str(self.evaluator.currentData())

    def set_message(self, text: str) -> None:
        """Shows `text` beside the picker, and in place of the plot while no importances are
        drawn."""
        self.message.setText(text)
        if self.bars is None:
            self.page.set_empty(True, text)

    def show_importances(self, importances: dict[str, float], seconds: float) -> None:
        """Draws `importances` (knob path -> share of the objective's variation, most important
        first, as the evaluators return them) and says which matters most and that they took
        `seconds` to compute."""
        self.importances = dict(importances)
        self.page.set_empty(False)
        if self.bars is not None:
            self.plot.removeItem(self.bars)
        names = list(importances)[::-1]  # most important on top
        values = np.array([importances[n] for n in names])
        y = np.arange(len(names), dtype=np.float64)
        self.bars = pg.BarGraphItem(x0=np.zeros(len(values)), y=y, width=values, height=0.6,
                                    brush=pg.mkBrush("#1565c0"))
        self.plot.addItem(self.bars)
        self.plot.getAxis("left").setTicks([[(float(i), n) for i, n in enumerate(names)]])
        self.plot.setXRange(0, max(1e-9, float(values.max()) if len(values) else 1) * 1.05)
        self.plot.setYRange(-0.6, len(names) - 0.4)
        self.plot.setTitle(self.tr("Parameter importance ({currentText})").format(
            currentText=self.evaluator.currentText()))
        top = next(iter(importances), None)
        self.message.setText(self.tr("{name} matters most ({share}); computed in {seconds} s")
                             .format(name=top, share=f"{importances[top]:.0%}",
                                     seconds=f"{seconds:.2f}") if top else
                             self.tr("No importance: too few trials."))

    def show_branches(self, ranked: Importances) -> None:
        """Says how a conditional search was ranked (the branch as a factor of the overall
        ranking, the conditional knobs within each branch) and gives each branch's ranking;
        hidden for a search without conditions."""
        self.ranked = ranked
        if not ranked.branches:
            self.branches.hide()
            return
        knobs = ", ".join(dict.fromkeys(b.knob for b in ranked.branches))
        lines = [self.tr("Conditional search: the branch ({knobs}) is ranked as a factor "
                         "among the knobs every trial has; {conditional} only within each "
                         "branch:").format(knobs=knobs,
                                           conditional=", ".join(ranked.conditional) or "—")]
        for branch in ranked.branches:
            shares = ", ".join(f"{name} {share:.0%}" for name, share in
                               branch.importances.items())
            lines.append(self.tr("{knob} = {value} (%n trial(s)): {shares}", None,
                                 branch.trials).format(
                knob=branch.knob, value=str(branch.value),
                shares=shares or self.tr("too few trials to rank")))
        self.branches.setText("\n".join(lines))
        self.branches.show()

    def rows(self) -> list[tuple[str, float, str]]:
        """(parameter, importance, branch) for a CSV: the overall ranking (branch empty),
        then each branch's ('optimizer.kind=sgd')."""
        out = [(name, share, "") for name, share in self.importances.items()]
        for branch in self.ranked.branches if self.ranked is not None else []:
            out += [(name, share, f"{branch.knob}={branch.value}")
                    for name, share in branch.importances.items()]
        return out
