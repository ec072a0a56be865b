"""The analysis of the shown experiment: optimisation history, parallel coordinates, slices, a
contour, parameter importance and the batch-size view, each in a tab. The data is read on the
history lane and the importance computed on the compute lane; while a search runs the view
refreshes a couple of seconds after trials change (not on every one)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.analysis import data as analysis_data
from tunestudio.gui.analysis.data import AnalysisData, load_analysis
from tunestudio.gui.analysis.importance_plot import ImportancePlot
from tunestudio.gui.analysis.pareto_plot import ParetoPlot
from tunestudio.gui.analysis.space_plots import ContourPlot, ParallelPlot, SlicePlots
from tunestudio.gui.analysis.trend_plots import BatchSizePlot, HistoryPlot
from tunestudio.gui.common import notifications
from tunestudio.gui.common.i18n import render
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.when_shown import WhenShown
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.gui.common.insights import Insights
    from tunestudio.search.importance import Importances

REFRESH_DELAY_MS = 2000
TABS = ("History", "Parallel coordinates", "Slices", "Contour", "Importance", "Batch size",
        "Pareto front")  # English: the names of exported files
TAB_TITLES = (N_("AnalysisView", "History"), N_("AnalysisView", "Parallel coordinates"),
              N_("AnalysisView", "Slices"), N_("AnalysisView", "Contour"),
              N_("AnalysisView", "Importance"), N_("AnalysisView", "Batch size"),
              N_("AnalysisView", "Pareto front"))


class AnalysisView(QWidget):
    """The analysis of the shown experiment: history, parallel coordinates, slices, contour,
    importance, batch size and Pareto front, one tab each, a status line (complete trials, best
    objective, what is left out or sampled) and the one-variable-at-a-time verdicts. Reads
    `AnalysisData` on the insights' read lane, computes importance on the compute lane; a point
    clicked in a plot focuses its trial."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.history = HistoryPlot(self)
        self.parallel = ParallelPlot(self)
        self.slices = SlicePlots(self)
        self.contour = ContourPlot(self)
        for plot in (self.history, self.parallel, self.slices, self.contour):
            plot.picked = self.pick
        self.importance = ImportancePlot(self)
        self.batch = BatchSizePlot(self)
        self.batch.picked = self.pick
        self.pareto = ParetoPlot(self)
        self.pareto.trial_selected.connect(self._on_trial_selected)
        self.pareto.front_selected.connect(self._on_front_selected)
        self.tabs = QTabWidget(self)
        pages: tuple[QWidget, ...] = (self.history, self.parallel, self.slices, self.contour,
                                      self.importance, self.batch, self.pareto)
        for widget, title in zip(pages, TAB_TITLES, strict=True):
            self.tabs.addTab(widget, render(title))
        self.status = QLabel(self)
        # wraps rather than widening the bar past a narrow window (the buttons stay in view)
        self.status.setWordWrap(True)
        self.verdicts = QLabel(self)  # one variable at a time: each knob against the noise
        self.verdicts.setWordWrap(True)
        self.verdicts.hide()
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.clicked.connect(self.reload)
        export = QPushButton(self.tr("Export…"), self)
        export.clicked.connect(self._ask_export)
        report = QPushButton(self.tr("Report…"), self)
        report.clicked.connect(self._ask_report)
        self.show_excluded = QCheckBox(self.tr("Show excluded trials"), self)
        self.show_excluded.setToolTip(self.tr(
            "Draw the trials you excluded too (marked; never the best, never on the Pareto "
            "front). Hidden by default, as they are from every result."))
        self.show_excluded.toggled.connect(self.reload)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.show_excluded)
        for button in (refresh, export, report):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.verdicts)
        self.empty = QLabel(self.tr("No trials yet: run the experiment (Run, F5) and its history, "
                                    "parallel coordinates, slices and contour appear here."), self)
        self.empty.setObjectName("hint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self.tabs)
        self.pages.addWidget(self.empty)
        layout.addWidget(self.pages, 1)
        self.data: AnalysisData | None = None
        self.when_shown = WhenShown(self, self._load)
        self._importance_for: int = -1  # trials the shown importance was computed over
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(REFRESH_DELAY_MS)
        self.debounce.timeout.connect(self.reload)
        insights.experiment_changed.connect(self._on_changed)
        insights.trials_changed.connect(self._on_trials_changed)
        insights.reads.result.connect(self._on_result)
        insights.compute.result.connect(self._on_result)
        self.importance.compute_requested.connect(self.compute_importance)
        self.tabs.currentChanged.connect(self._on_tab)

    def pick(self, trial_id: int) -> None:
        """A point clicked in a plot: that trial becomes the selection (the table, the curves
        and the per-trial panels follow)."""
        self.insights.compare([trial_id])
        self.insights.set_focus(trial_id)

    # -- loading -------------------------------------------------------------------------------
    @Slot()
    def _on_changed(self) -> None:
        self._importance_for = -1
        self.when_shown.request()

    @Slot()
    def _on_trials_changed(self) -> None:
        self.when_shown.stale = True
        if self.isVisible() and not self.debounce.isActive():
            self.debounce.start()

    @Slot()
    def reload(self) -> None:
        """Reads the analysis afresh now (or, while hidden, when next shown)."""
        self.when_shown.request()

    def _load(self) -> None:
        experiment = self.insights.experiment()
        if experiment is None:
            self.status.setText(self.tr("Select a valid experiment to analyse it."))
            return
        url, history, baseline = self.insights.url, self.insights.history, \
            self.insights.baseline()
        shown = self.show_excluded.isChecked()
        self.status.setText(self.tr("Reading {name}…").format(name=experiment.name))
        self.insights.reads.submit(
            "analysis:load", lambda: load_analysis(history, url, experiment, baseline, shown))

    @Slot()
    def compute_importance(self) -> None:
        """Computes parameter importance of the shown data's study with the chosen evaluator on
        the compute lane (excluded trials left out; a conditional search ranked per branch too);
        asks for at least two complete trials otherwise. Too few trials to rank is shown as no
        importance."""
        data = self.data
        if data is None or len(data) < 2:
            self.importance.set_message(
                self.tr("Importance needs at least two complete trials."))
            return
        url, name, key = self.insights.url, data.study_name, self.importance.evaluator_key()
        history, experiment = self.insights.history, data.experiment
        chosen = self.insights.experiment()
        search = chosen.search if chosen is not None and chosen.name == experiment else None

        def compute() -> tuple[Importances, float]:
            # optuna: on the lane
            from tunestudio.search.importance import (
                Importances,
                TooFewTrialsError,
                importances,
                param_importance,
            )

            start = time.perf_counter()
            store = history.store(url)
            row = store.experiment(experiment)
            excluded = store.excluded_optuna_ids(row.id) if row is not None else frozenset()
            try:
                if search is not None:
                    result = importances(url, name, search, key, excluded)
                else:
                    result = Importances(param_importance(url, name, key, excluded))
            except TooFewTrialsError:  # too few not excluded, or all alike: said as none
                result = Importances({})
            return result, time.perf_counter() - start

        self._importance_for = len(data)
        self.importance.set_message(self.tr("Computing…"))
        self.insights.compute.submit("analysis:importance", compute)

    @Slot(int)
    def _on_trial_selected(self, trial_id: int) -> None:
        """A point clicked in a plot: that trial becomes the focused one (diagnosis, detail)."""
        self.insights.set_focus(trial_id)

    @Slot(list)
    def _on_front_selected(self, trial_ids: list[int]) -> None:
        """The Pareto front's legend entry clicked: its trials are the selection (compared),
        the best of them in focus."""
        self.insights.compare(list(trial_ids))
        self.insights.set_focus(trial_ids[0])

    @Slot(int)
    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.importance and self.data is not None \
                and self._importance_for != len(self.data):
            self.compute_importance()

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if not result.key.startswith("analysis:") or result.key == "analysis:prefetch":
            return  # a failed prefetch shows up, if at all, when the importance is computed
        if not result.ok:
            notifications.error(self.tr("Analysis failed: {error}").format(
                error=result.error), result.detail)
            self.status.setText(self.tr("Analysis failed: {error}").format(error=result.error))
            return
        if result.key == "analysis:load":
            self.show_data(result.value)
        elif result.key == "analysis:importance":
            ranked, seconds = result.value
            self.importance.show_importances(ranked.overall, seconds)
            self.importance.show_branches(ranked)

    def show_data(self, data: AnalysisData) -> None:
        """Draws `data` (or its sample) in every plot and says in the status line how many
        complete trials it holds and the best objective; ignored when it is about another
        experiment than the shown one. Computes importance when its tab is shown, else (two or
        more trials) loads the study ahead on the compute lane."""
        if data.experiment != self.insights.experiment_name:
            return
        self.data = data
        self.pages.setCurrentWidget(self.tabs if len(data) or data.other else self.empty)
        drawn = data.drawn()  # a long search: a sample of its trials
        for plot in (self.history, self.parallel, self.slices, self.contour, self.batch,
                     self.pareto):
            plot.show_data(drawn)
        self.verdicts.setText(self.tr("One variable at a time — {verdicts}").format(
            verdicts=self.tr("; ").join(render(v) for v in data.knob_verdicts))
            if data.knob_verdicts else "")
        self.verdicts.setVisible(bool(data.knob_verdicts))
        index = data.best_index()
        best = float(data.objective[index]) if index is not None else None
        others = int(data.stale.sum()) if len(data.stale) else 0
        self.status.setText(
            self.tr("{experiment}: %n complete trial(s)", "", len(data)).format(
                experiment=data.experiment)
            + (self.tr(", best {metric} {best:.4g}").format(metric=data.metric, best=best)
               if best is not None else "")
            + (self.tr("; %n trained on another baseline, not counted as best", "", others)
               if others else "")
            + self._excluded_note(data) + self._sample_note(data))
        if self.tabs.currentWidget() is self.importance:
            self.compute_importance()
        elif len(data) >= 2:
            url, name = self.insights.url, data.study_name
            self.insights.compute.submit("analysis:prefetch", lambda: _prefetch(url, name))

    def _sample_note(self, data: AnalysisData) -> str:
        """What a long search's plots draw: a sample, said with its size and how it is made."""
        if data.sample is None:
            return ""
        return self.tr("; plots draw {shown} of them: the best {top}, the Pareto front and an "
                       "even spread of the rest (the best-so-far line over all)").format(
                           shown=f"{len(data.sample):,}", top=analysis_data.TOP_DRAWN)

    def _excluded_note(self, data: AnalysisData) -> str:
        shown = int(data.excluded.sum()) if len(data.excluded) else 0
        if shown:
            return self.tr("; {n} excluded trial(s) shown, not counted").format(n=shown)
        if data.excluded_hidden:
            return self.tr("; {n} excluded trial(s) hidden").format(n=data.excluded_hidden)
        return ""

    # -- export --------------------------------------------------------------------------------
    def plot_item(self, index: int) -> Any:
        """What an image of tab `index` shows (a PlotItem, or a whole layout's scene)."""
        widget: Any = self.tabs.widget(index)
        if isinstance(widget, ContourPlot | ImportancePlot):
            return widget.plot
        if isinstance(widget, SlicePlots):
            return widget.scene()
        return widget.getPlotItem()

    @Slot()
    def _ask_export(self) -> None:
        from tunestudio.gui.plots.export import ask_export_path

        name = TABS[self.tabs.currentIndex()].lower().replace(" ", "-")
        path = ask_export_path(self, name)
        if path is not None:
            self.export(self.tabs.currentIndex(), path)

    def export(self, index: int, path: Path) -> Path:
        """Tab `index` as PNG/SVG, or its numbers as CSV."""
        from tunestudio.gui.plots.export import export_image, write_csv

        if path.suffix.lower() != ".csv":
            return export_image(self.plot_item(index), path)
        data = self.data
        if data is None:
            raise ValueError("nothing to export yet")
        if self.tabs.widget(index) is self.importance:
            return write_csv(path, ("parameter", "importance", "branch"),
                             self.importance.rows())
        if self.tabs.widget(index) is self.pareto:
            rows = [(int(n), float(o), float(t), bool(f)) for n, o, t, f in
                    zip(data.numbers, data.objective, data.train_time, data.on_front,
                        strict=True)]
            return write_csv(path, ("trial", data.metric, "train_time_s", "on_pareto_front"),
                             rows)
        if self.tabs.widget(index) is self.batch:
            rows = [(c.batch_size, c.number, w, m) for c in data.batch_curves
                    for w, m in zip(c.wall, c.metric, strict=True)]
            return write_csv(path, ("batch_size", "trial", "wall_s", data.metric), rows)
        best = data.best_so_far()
        rows = [(int(n), float(o), float(b), *(data.values[p.path][i] for p in data.params))
                for i, (n, o, b) in enumerate(zip(data.numbers, data.objective, best,
                                                  strict=True))]
        return write_csv(path, ("trial", data.metric, "best_so_far",
                                *(p.path for p in data.params)), rows)

    @Slot()
    def _ask_report(self) -> None:
        from tunestudio.gui.analysis.report import ask_report_path, write_report

        path = ask_report_path(self)
        if path is not None:
            written = write_report(self, path)
            notifications.info(self.tr("Report written to {written}").format(written=written))


def _prefetch(url: str, study_name: str) -> None:
    """Loads the study and its finished trials ahead, on the compute lane, so the importance
    tab finds them read. A history without Optuna's study (its tables written by another tool,
    or dropped) has nothing to prefetch, and no traceback is logged for it: the importance
    tab reports the missing study if it is computed."""
    from tunestudio.search.importance import load_study

    with contextlib.suppress(KeyError):  # Optuna's "Record does not exist."
        load_study(url, study_name, read_trials=True)
