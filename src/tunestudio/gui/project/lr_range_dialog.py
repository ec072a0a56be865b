"""The LR range test as the first step (Baseline tab, Run menu): run on the baseline config on
a worker thread, before any trial exists; the suggested range goes into a chosen experiment's
LR dimension as one undoable edit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.document_edits import set_dimension_range
from tunestudio.gui.common.jobs import JobResult, Lane
from tunestudio.gui.common.numbers import short
from tunestudio.gui.plots.lr_range import draw_lr_range, lr_range_widget

STEPS = 100


class LRRangeDialog(QDialog):
    """Starts the test when shown; `use_button` writes the range into the chosen experiment."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrRangeDialog")
        self.setWindowTitle(self.tr("LR range test on the baseline"))
        self.resize(720, 520)
        self.document = document
        self.outcome: Any = None  # the LRRangeResult shown
        self.lane = Lane("tunestudio-lr-find", self)
        self.lane.result.connect(self._on_result)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.view = lr_range_widget(self)
        self.experiments = QComboBox(self)
        self.experiments.addItems(document.experiment_names())
        self.use_button = QPushButton(self.tr("Use range in experiment"), self)
        self.use_button.setEnabled(False)
        self.use_button.setToolTip(self.tr("Sets the experiment's optimizer.lr dimension to the "
                                           "suggested range, log scale (Edit > Undo takes it "
                                           "back)"))
        self.use_button.clicked.connect(self.use_range)
        self.rerun_button = QPushButton(self.tr("Run again"), self)
        self.rerun_button.clicked.connect(self.start)
        close = QPushButton(self.tr("Close"), self)
        close.clicked.connect(self.close)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Experiment:"), self))
        bar.addWidget(self.experiments, 1)
        bar.addWidget(self.use_button)
        bar.addWidget(self.rerun_button)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)
        self.start()

    @Slot()
    def start(self) -> None:
        """Runs the LR range test (Smith 2017) on the project's baseline on the dialog's own
        lane: up to `STEPS` steps with the learning rate rising exponentially from 1e-7 until the
        loss diverges (`search.lr_find.lr_find`); closing the dialog stops it. Asks for the
        fields marked in red to be fixed first while the project is invalid."""
        project = self.document.project
        if project is None:
            self.status.setText(self.tr("Fix the fields marked in red first: the test trains the "
                                        "baseline config."))
            return
        from tunestudio.search.lr_find import lr_find

        base_dir = self.document.base_dir
        self.outcome = None
        self.use_button.setEnabled(False)
        self.rerun_button.setEnabled(False)
        self.status.setText(self.tr("Training the baseline for up to {STEPS} steps with the LR "
                                    "rising from 1e-7 until the loss diverges…").format(
                                        STEPS=STEPS))
        stop = self.lane.stop_event
        self.lane.submit("lr-find", lambda: lr_find(project, base_dir, steps=STEPS,
                                                    stop_event=stop))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        self.rerun_button.setEnabled(True)
        if not result.ok:
            self.status.setText(self.tr("The LR range test failed: {error}").format(
                error=result.error))
            notifications.error(self.tr("LR range test failed: {error}").format(
                error=result.error), result.detail)
            return
        self.outcome = result.value
        summary = draw_lr_range(self.view.getPlotItem(), result.value)
        self.status.setText(self.tr("{summary}. Suggested: a tenth of the LR where the smoothed "
                                    "loss is lowest; range: a hundredth of that LR up to "
                                    "it.").format(summary=summary))
        self.use_button.setEnabled(self.experiments.count() > 0)

    @Slot()
    def use_range(self) -> str | None:
        """Writes the suggested range into the chosen experiment (one undoable edit); returns
        the experiment's name."""
        name = self.experiments.currentText()
        if self.outcome is None or not name:
            return None
        low, high = (float(v) for v in self.outcome.suggested_range)
        set_dimension_range(self.document, name, "optimizer.lr", low, high, log=True)
        notifications.info(self.tr("{name} now searches optimizer.lr over {short}..{short2} (log). "
                                   "Edit > Undo takes it back.").format(
                                       name=name, short=short(low), short2=short(high)))
        return name

    def closeEvent(self, event: QCloseEvent) -> None:
        self.lane.stop_event.set()
        self.lane.close()
        super().closeEvent(event)


def open_lr_range_test(document: ProjectDocument, parent: QWidget | None) -> LRRangeDialog:
    """Shows the dialog (non-modal: the window stays usable while the baseline trains)."""
    dialog = LRRangeDialog(document, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
