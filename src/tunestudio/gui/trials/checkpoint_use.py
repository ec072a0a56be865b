"""The disk use of the project's trial checkpoints, under the trials table: the best
checkpoints the finished trials keep (Optuna artifacts, as many per experiment as
`checkpoints.keep_best` allows) and the resume checkpoints of running or interrupted trials.
The folder is walked on the history lane (a large folder on a network drive is slow), after the
table loads, whenever its trials change (a trial finishes), and every few seconds while shown
(retention removes files just after a trial's row is final; other machines' workers write
here too)."""

from __future__ import annotations

import uuid
from typing import cast

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QWidget

from tunestudio import paths
from tunestudio.gui.common.elided_label import ElidedLabel
from tunestudio.gui.common.i18n import translate
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.numbers import size

JOB = "trials:checkpoint-use"
REFRESH_MS = 5000


def describe(use: dict[str, object]) -> str:
    """One line for `paths.checkpoint_disk_use`'s figures, e.g. `Checkpoints: 3.2 MiB (3 kept
    by finished trials, 1 resume file of running or interrupted trials)`."""
    total, kept, resume = (cast(int, use[k]) for k in ("bytes", "artifacts", "resume_files"))
    if not kept and not resume:
        return translate("CheckpointUseLabel", "Checkpoints: none kept")
    parts = [translate("CheckpointUseLabel", "%n kept by finished trials", None, kept)]
    if resume:
        parts.append(translate("CheckpointUseLabel",
                               "1 resume file of running or interrupted trials") if resume == 1
                     else translate("CheckpointUseLabel",
                                    "{count} resume files of running or interrupted trials"
                                    ).format(count=resume))
    return translate("CheckpointUseLabel", "Checkpoints: {size} ({parts})").format(
        size=size(total), parts=translate("CheckpointUseLabel", ", ").join(parts))


class CheckpointUseLabel(ElidedLabel):
    """Shows `describe()` of the open project, cut short with "…" where the window is
    narrow; the tooltip names the folder and the retention setting."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.insights = insights
        self.use: dict[str, object] | None = None  # the last figures read
        insights.reads.result.connect(self._on_result)
        insights.trials_changed.connect(self.refresh)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    @Slot()
    def refresh(self) -> None:
        """Reads the figures on the history lane (a newer request replaces a waiting one)."""
        try:
            project_id = uuid.UUID(self.insights.document.project_id)
        except ValueError:  # a draft without a valid id has no data folder
            return
        self.insights.reads.submit(JOB, lambda: paths.checkpoint_disk_use(project_id))

    @Slot()
    def _tick(self) -> None:
        if self.isVisible() and not self.insights.reads.busy(JOB):
            self.refresh()

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key != JOB:
            return
        if not result.ok:
            self.setText(self.tr("Checkpoints: disk use not read ({error})").format(
                error=result.error))
            return
        self.use = result.value
        self.setText(describe(result.value))
        project = self.insights.document.project
        keep = ""
        if project is not None and not project.checkpoints.enabled:
            keep = self.tr("; checkpoints are off for this project (checkpoints.enabled)")
        elif project is not None:
            keep = self.tr("; the best {count} finished trials of each experiment keep theirs "
                           "(checkpoints.keep_best)").format(count=project.checkpoints.keep_best)
        self.setToolTip(self.tr("In {value}{keep}").format(value=result.value['path'], keep=keep))
