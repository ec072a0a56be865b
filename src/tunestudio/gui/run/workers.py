"""The run toolbar's Workers: how many trials a run trains at once on this machine, with the
meaning of `tunestudio run --workers N` (this window's process trains one trial at a time and
N - 1 `tunestudio worker` processes beside it each another; search/runner.py), or Auto (the
default, `--workers auto`: local_workers.auto_workers chooses at each run's start). Kept in the
settings; fixed while a run goes on (its worker processes are started with it)."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QSpinBox, QWidget

from tunestudio.gui.common.settings import AUTO_WORKERS, Settings
from tunestudio.gui.run.controller import RunController
from tunestudio.local_workers import AUTO_MAX_SLOTS, AUTO_TRIALS_PER_SLOT, usable_cores

MAX_WORKERS = 64


class WorkersSpin(QSpinBox):
    """Auto (AUTO_WORKERS, below 1) or 1 to MAX_WORKERS trials at once; the value is saved in
    `settings` as it changes."""

    def __init__(self, settings: Settings, controller: RunController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.controller = controller
        self.setObjectName("workersSpin")
        self.setRange(AUTO_WORKERS, MAX_WORKERS)
        self.setSpecialValueText(self.tr("Auto"))  # shown for AUTO_WORKERS
        self.setValue(min(MAX_WORKERS, settings.workers))
        self.setAccelerated(True)
        cores = usable_cores()
        self.setToolTip(self.tr(
            "Trials trained at once on this machine, as `tunestudio run --workers N`: this "
            "window trains one and N − 1 worker processes beside it one each, every trial in "
            "its own process for a program. The CPU threads are divided between them and each "
            "takes a GPU in turn. Auto: one per CPU core (at most {most}) where no GPU is "
            "found and the budget gives each at least {per} trials, else 1; the run says what "
            "it chose. This machine has {cores} CPU cores. More than one needs the project "
            "saved (the worker processes read the file).").format(
                cores=cores, most=AUTO_MAX_SLOTS, per=AUTO_TRIALS_PER_SLOT))
        self.valueChanged.connect(self._on_value)
        controller.state_changed.connect(self._on_run_state)

    def workers(self) -> int:
        """The count chosen, or AUTO_WORKERS."""
        return int(self.value())

    @Slot(int)
    def _on_value(self, value: int) -> None:
        self.settings.workers = value

    @Slot()
    def _on_run_state(self) -> None:
        self.setEnabled(not self.controller.is_running)
