"""The open project: the experiments list on the left and, in a tab widget, the baseline
editor and the selected experiment's editor. The trial views (curves, the trials table,
analysis) plug in beside them with `add_view`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.project.baseline_editor import BaselineEditor
from tunestudio.gui.project.experiment_editor import ExperimentEditor
from tunestudio.gui.project.experiment_list import ExperimentList

if TYPE_CHECKING:
    from tunestudio.gui.project.lr_range_dialog import LRRangeDialog


class ProjectView(QWidget):
    """The project's editors: the experiment list beside the Baseline and Experiment tabs
    (further views added as tabs); selecting an experiment shows it in the Experiment tab."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.experiments = ExperimentList(document, self)
        self.baseline = BaselineEditor(document, self)
        self.experiment = ExperimentEditor(document, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.baseline, self.tr("Baseline"))
        self.tabs.addTab(self.experiment, self.tr("Experiment"))
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.experiments)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 1000])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.experiments.current_changed.connect(self._on_experiment)
        self.experiments.added.connect(lambda _: self.tabs.setCurrentWidget(self.experiment))
        self._on_experiment(self.experiments.current())

    def add_view(self, widget: QWidget, title: str) -> int:
        """A further tab beside the editors (e.g. plots); its index."""
        return self.tabs.addTab(widget, title)

    def lr_test(self) -> LRRangeDialog:
        """The LR range test on the baseline (Run menu): the Baseline tab, then its dialog."""
        self.tabs.setCurrentWidget(self.baseline)
        return self.baseline.open_lr_range_test()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.baseline.program_editor.close_lane()
        super().closeEvent(event)

    def current_experiment(self) -> str | None:
        """The selected experiment's name, or None when none is selected."""
        return self.experiments.current_name()

    @Slot(int)
    def _on_experiment(self, index: int) -> None:
        self.experiment.show_experiment(index)
