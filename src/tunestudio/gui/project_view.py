"""The open project: the experiments list on the left and, in a tab widget, the baseline
editor, the selected experiment's editor and its trials. Further views (the full trials table,
live plots) plug in with `add_view`."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from tunestudio.gui.baseline_editor import BaselineEditor
from tunestudio.gui.experiment_editor import ExperimentEditor
from tunestudio.gui.experiment_list import ExperimentList
from tunestudio.gui.project_document import ProjectDocument
from tunestudio.gui.trials_view import TrialsSource, TrialsTableModel, TrialsView


class ProjectView(QWidget):
    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.experiments = ExperimentList(document, self)
        self.baseline = BaselineEditor(document, self)
        self.experiment = ExperimentEditor(document, self)
        self.trials_source = TrialsSource(self)
        self.trials = TrialsView(TrialsTableModel(self), self.trials_source, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.baseline, "Baseline")
        self.tabs.addTab(self.experiment, "Experiment")
        self.tabs.addTab(self.trials, "Trials")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.experiments)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.experiments.current_changed.connect(self._on_experiment)
        document.changed.connect(self._on_document_changed)
        self._on_experiment(self.experiments.current())
        # the curves, the full trials table with diagnosis, and the analysis (issue 6);
        # imported here: pyqtgraph stays off the window's start-up path
        from tunestudio.gui.workspace import TrialWorkspace

        self.workspace = TrialWorkspace(self)

    def add_view(self, widget: QWidget, title: str) -> int:
        """A further tab beside the editors (e.g. plots); its index."""
        return self.tabs.addTab(widget, title)

    def show_trials(self) -> TrialsView:
        self.tabs.setCurrentWidget(self.trials)
        return self.trials

    def current_experiment(self) -> str | None:
        return self.experiments.current_name()

    @Slot(int)
    def _on_experiment(self, index: int) -> None:
        self.experiment.show_experiment(index)
        self.trials.show_experiment(self.document.storage_url(),
                                    self.experiments.current_name())

    @Slot()
    def _on_document_changed(self) -> None:
        if self.trials.experiment != self.experiments.current_name():  # renamed
            self._on_experiment(self.experiments.current())

    def close(self) -> bool:
        self.trials_source.close()
        self.workspace.close()
        return super().close()
