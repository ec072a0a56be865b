"""The trial views in the project window: "Curves" (the live view with compared trials),
"Trials" (the full table with the diagnosis and the detail of the trial in focus under it)
and "Analysis". They share one Insights, which follows the experiment selected in the project's
list; the live view follows the window's RunController. `close()` ends their worker threads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QSplitter, QTabWidget, QWidget

from tunestudio.gui.analysis.view import AnalysisView
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.project.project_view import ProjectView
from tunestudio.gui.run.live_view import LiveView
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.gui.trials.diagnosis import DiagnosisView
from tunestudio.gui.trials.ensembles_view import EnsemblesView
from tunestudio.gui.trials.log_view import TrialLog
from tunestudio.gui.trials.table_view import TrialsPanel

if TYPE_CHECKING:
    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.gui.common.settings import Settings
    from tunestudio.gui.run.controller import RunController


class TrialWorkspace(QObject):
    """The trial views of an open project, added as tabs to its ProjectView: "Curves" (`live`),
    "Trials" (`table` over the diagnosis, detail, log and ensembles) and "Analysis" (`analysis`),
    keyed by those English titles in `pages`. They share one Insights (`insights`), which follows
    the experiment selected in the project. With a `controller`, the live view and log follow its
    runs; with `settings`, the experiment and tab last shown for the project are restored, and kept
    on `close()`."""

    def __init__(self, view: ProjectView, controller: RunController | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__(view)
        self.settings = settings
        self.view = view
        self.insights = Insights(view.document, self)
        self.live = LiveView(self.insights, view)
        self.table = TrialsPanel(self.insights, view)
        self.diagnosis = DiagnosisView(self.insights, view)
        self.detail = TrialDetail(self.insights, view)
        self.analysis = AnalysisView(self.insights, view)
        self.log = TrialLog(self.insights, view)
        self.ensembles = EnsemblesView(self.insights, view)
        below = QTabWidget(view)
        below.addTab(self.diagnosis, self.tr("Diagnosis"))
        below.addTab(self.detail, self.tr("Trial detail"))
        below.addTab(self.log, self.tr("Log"))
        below.addTab(self.ensembles, self.tr("Ensembles"))
        self.below = below
        # the table over the trial in focus (a 600 px window: ~180 px of rows, the rest for
        # the diagnosis' plot); neither can be dragged away
        self.trials_page = QSplitter(Qt.Orientation.Vertical, view)
        self.trials_page.setChildrenCollapsible(False)
        self.trials_page.addWidget(self.table)
        self.trials_page.addWidget(below)
        self.trials_page.setStretchFactor(0, 3)
        self.trials_page.setStretchFactor(1, 5)
        self.trials_page.setSizes([300, 500])
        self.pages: dict[str, QWidget] = {"Curves": self.live, "Trials": self.trials_page,
                                          "Analysis": self.analysis}
        titles = {"Curves": self.tr("Curves"), "Trials": self.tr("Trials"),
                  "Analysis": self.tr("Analysis")}  # the pages keep their English keys
        for key, page in self.pages.items():
            view.add_view(page, titles[key])
        self.table.show_curves_requested.connect(self.show_curves)
        view.experiments.current_changed.connect(self._follow_experiment)
        view.document.changed.connect(self._follow_experiment)
        self._definition: str | None = None
        self._follow_experiment()
        if controller is not None:
            self.attach(controller)
        if settings is not None:
            self.restore_place(*settings.project_place(view.document.project_id))

    @classmethod
    def open(cls, document: ProjectDocument, controller: RunController | None,
             settings: Settings | None, parent: QWidget) -> TrialWorkspace:
        """The open project's page: its editors (a ProjectView) with the trial views added."""
        return cls(ProjectView(document, parent), controller, settings)

    def dispose(self) -> None:
        """Closes the views (threads joined, place remembered) and deletes the page."""
        self.close()
        self.view.close()
        self.view.deleteLater()

    def attach(self, controller: RunController) -> None:
        """Makes the live view and the trial log follow `controller`'s runs."""
        self.live.attach(controller)
        self.log.attach(controller)

    @Slot()
    def _follow_experiment(self) -> None:
        """The selected experiment, renamed or redefined (columns, objective) included."""
        name = self.view.current_experiment()
        renamed = name != self.insights.experiment_name
        self.insights.set_experiment(name)  # emits experiment_changed when renamed
        experiment = self.insights.experiment()
        baseline = self.insights.baseline()
        # a new baseline changes which trials count (trained on another baseline or not)
        definition = (experiment.search.model_dump_json() if experiment is not None else "") \
            + (baseline.model_dump_json() if baseline is not None else "")
        if definition != self._definition:
            self._definition = definition
            if not renamed:
                self.insights.experiment_changed.emit()

    @Slot()
    def show_curves(self) -> None:
        """Shows the Curves tab (the live view)."""
        self.view.tabs.setCurrentWidget(self.live)

    def current_page(self) -> str | None:
        """The title of the project tab shown."""
        tabs = self.view.tabs
        key = next((k for k, page in self.pages.items() if page is tabs.currentWidget()), None)
        return key or (tabs.tabText(tabs.currentIndex()) if tabs.currentIndex() >= 0 else None)

    def restore_place(self, experiment: str | None, tab: str | None) -> None:
        """Shows the experiment and the tab last shown for this project, where they still exist."""
        names = self.view.document.experiment_names()
        if experiment in names:
            self.view.experiments.select(names.index(experiment))
        tabs = self.view.tabs
        if tab is not None and tab in self.pages:
            tabs.setCurrentWidget(self.pages[tab])
            return
        for index in range(tabs.count()):
            if tabs.tabText(index) == tab:
                tabs.setCurrentIndex(index)

    def show_page(self, title: str) -> QWidget:
        """Shows the page keyed `title` ("Curves", "Trials" or "Analysis") and returns it; KeyError
        for another title."""
        page = self.pages[title]
        self.view.tabs.setCurrentWidget(page)
        return page

    def close(self) -> None:
        """Remembers the experiment and tab shown, stops the views' timers and joins the
        worker threads."""
        if self.settings is not None:
            self.settings.set_project_place(self.view.document.project_id,
                                            self.view.current_experiment(), self.current_page())
        self.live.close_view()
        self.table.close_view()
        self.insights.close()
