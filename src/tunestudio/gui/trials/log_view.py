"""A program trial's log: what the program printed (stdout and stderr), shown from its log file
and followed while it grows, for the trial in focus or, while a run goes on, the trial that
started last ("Follow the running trial"). The file is read where it grew since the last look,
a few times a second while the view shows; a finished trial's log is read once, whole (as kept:
the first 16 MB and the last 256 KB)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QTimer, SignalInstance, Slot
from PySide6.QtGui import QFontDatabase, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from tunestudio import paths
from tunestudio.gui.common.jobs import JobResult

if TYPE_CHECKING:
    from tunestudio.gui.common.insights import Insights
    from tunestudio.store import TrialRow

POLL_MS = 400
CHUNK_BYTES = 1 << 20  # read at most this much per look, so a flood never stalls the window
MAX_LINES = 50_000  # kept in the view; older lines scroll out
_JOB = "log:trial"


class RunSignals(Protocol):
    """What the log follows of the window's RunController (gui/run, above this folder)."""

    @property
    def trial_started(self) -> SignalInstance:
        """Emitted with a `TrialStarted` event when a trial starts."""
    @property
    def trial_finished(self) -> SignalInstance:
        """Emitted with a `TrialFinished` event when a trial ends."""


class TrialLog(QWidget):
    """The log of one program trial, followed while it runs."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trialLog")
        self.insights = insights
        self.trial_id: int | None = None
        self.path: Path | None = None
        self._offset = 0
        self._pending = b""  # the end of a line not yet printed whole (a UTF-8 char split)
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.follow = QCheckBox(self.tr("Follow the running trial"), self)
        self.follow.setChecked(True)
        self.follow.setToolTip(self.tr("While a run goes on, show the log of the trial that "
                                       "started last; off: the log of the trial selected in "
                                       "the table"))
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("trialLogText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText(self.tr("Select a trial of a program baseline to see "
                                             "what it printed."))
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.follow)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.text, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.read_more)
        insights.focus_changed.connect(self._on_focus)
        insights.reads.result.connect(self._on_result)

    def attach(self, controller: RunSignals) -> None:
        """Follow the trials the window's runs start."""
        controller.trial_started.connect(self._on_trial_started)
        controller.trial_finished.connect(self._on_trial_finished)

    # -- which trial -----------------------------------------------------------------------
    @Slot()
    def _on_focus(self) -> None:
        if self.insights.focus is not None:
            self.show_trial(self.insights.focus)

    @Slot(object)
    def _on_trial_started(self, started: Any) -> None:
        if self.follow.isChecked():
            self.show_trial(started.trial_id)

    @Slot(object)
    def _on_trial_finished(self, finished: Any) -> None:
        if finished.trial_id == self.trial_id:
            self.read_more()  # its last lines, written before it ended

    def show_trial(self, trial_id: int) -> None:
        """Shows that trial's log (its row is read off the GUI thread first)."""
        if trial_id == self.trial_id and self.path is not None:
            return
        self.trial_id = trial_id
        url, history = self.insights.url, self.insights.history
        self.insights.reads.submit(_JOB, lambda: history.store(url).trial(trial_id))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key != _JOB or not result.ok:
            return
        row: TrialRow = result.value
        if row.id != self.trial_id:
            return
        project = self.insights.document.project
        self.text.clear()
        self._offset, self._pending = 0, b""
        if project is None or project.baseline.program is None or row.optuna_trial_id is None:
            self.path = None
            self.title.setText(self.tr("Trial #{number} trained with the built-in training, "
                                       "which keeps no program log; its messages are in Trial "
                                       "detail.").format(number=row.number))
            self.timer.stop()
            return
        self.path = paths.program_trial_log(uuid.UUID(str(project.id)), row.optuna_trial_id)
        self.title.setText(self.tr("Trial #{number} ({state}): {path}").format(
            number=row.number, state=row.state, path=self.path))
        self.read_more()
        if self.isVisible():
            self.timer.start()

    # -- the file --------------------------------------------------------------------------
    @Slot()
    def read_more(self) -> None:
        """Appends what the log gained since the last look."""
        if self.path is None:
            return
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                data = log.read(CHUNK_BYTES)
        except OSError:
            return  # not written yet: the trial is about to start
        if not data:
            return
        self._offset += len(data)
        data = self._pending + data
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) < CHUNK_BYTES:
            self._pending = data  # a line still being printed
            return
        whole, self._pending = (data[:cut], data[cut:]) if cut else (data, b"")
        bar = self.text.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.text.appendPlainText(whole.decode("utf-8", errors="replace").rstrip("\n"))
        if at_end:
            bar.setValue(bar.maximum())

    def shown_text(self) -> str:
        """The log text the view holds now (at most `MAX_LINES` lines)."""
        return self.text.toPlainText()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.path is not None:
            self.read_more()
            self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()
