"""The run toolbar's Workers: how many trials a run trains at once on this machine, with the
meaning of `tunestudio run --workers N` (this window's process trains one trial at a time and
N - 1 `tunestudio worker` processes beside it each another; search/runner.py). Kept in the
settings; fixed while a run goes on (its worker processes are started with it)."""

from __future__ import annotations

import os

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QSpinBox, QWidget

from tunestudio.gui.common.settings import Settings
from tunestudio.gui.run.controller import RunController

MAX_WORKERS = 64


class WorkersSpin(QSpinBox):
    """1 to MAX_WORKERS trials at once; the value is saved in `settings` as it changes."""

    def __init__(self, settings: Settings, controller: RunController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.controller = controller
        self.setObjectName("workersSpin")
        self.setRange(1, MAX_WORKERS)
        self.setValue(min(MAX_WORKERS, settings.workers))
        self.setAccelerated(True)
        cores = os.cpu_count() or 1
        self.setToolTip(self.tr(
            "Trials trained at once on this machine, as `tunestudio run --workers N`: this "
            "window trains one and N − 1 worker processes beside it one each, every trial in "
            "its own process for a program. The CPU threads are divided between them and each "
            "takes a GPU in turn. This machine has {cores} CPU cores. More than one needs the "
            "project saved (the worker processes read the file).").format(cores=cores))
        self.valueChanged.connect(self._on_value)
        controller.state_changed.connect(self._on_run_state)

    def workers(self) -> int:
        return int(self.value())

    @Slot(int)
    def _on_value(self, value: int) -> None:
        self.settings.workers = value

    @Slot()
    def _on_run_state(self) -> None:
        self.setEnabled(not self.controller.is_running)
