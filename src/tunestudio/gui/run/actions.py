"""Run, Pause/Resume and Stop as actions for the window's menu and toolbar, and the one place a
run is started: after the user trusts any Python file of theirs the run would execute."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QWidget

from tunestudio.config import Project
from tunestudio.gui.common import notifications
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.i18n import render, translate, without_mnemonic
from tunestudio.gui.common.settings import AUTO_WORKERS
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.trust import confirm_user_code, user_code_files
from tunestudio.gui.run.worker import RunRequest
from tunestudio.local_workers import AUTO, WorkersChoice, workers_for
from tunestudio.messages import N_

RUN_TIP = N_("RunActions", "Run the selected experiment (F5)")


@dataclass(frozen=True)
class RunTarget:
    """What Run would start now, or why it cannot (`reason`)."""

    project: Project | None
    experiment: str | None
    base_dir: Path
    project_path: Path | None
    reason: str = ""
    dirty: bool = False  # edited since it was saved (worker processes read the saved file)


def run_target(view: Any) -> RunTarget | None:
    """What Run would start from the open project's view (a ProjectView: its document and
    selected experiment), with the reason it cannot; None without a project."""
    if view is None:
        return None
    document: ProjectDocument = view.document
    experiment: str | None = view.current_experiment()
    project = document.project
    dims = [e.search.dimensions for e in project.experiments if e.name == experiment] \
        if project is not None else []
    reason = translate("RunActions", "Fix the fields marked in red to run") \
        if project is None else \
        translate("RunActions", "Add an experiment to run") if not dims else \
        translate("RunActions", "Add a dimension to the experiment to run") if not dims[0] \
        else ""
    return RunTarget(project, experiment, document.base_dir, document.path, reason,
                     document.is_dirty)


class RunActions(QObject):
    """Run (F5), Pause/Resume (F6) and Stop (Shift+F5) as actions for the window's menu and
    toolbar, enabled by the controller's state and by whether `target()` can run;
    `started(experiment)` follows each run started. `device()` is the device picker's choice,
    `workers()` the toolbar's Workers (trials at once on this machine, or Auto)."""

    started = Signal(str)  # experiment

    def __init__(self, controller: RunController, window: QWidget,
                 target: Callable[[], RunTarget | None],
                 device: Callable[[], str | None],
                 workers: Callable[[], int] = lambda: 1) -> None:
        super().__init__(window)
        self.controller = controller
        self.window = window
        self.target = target
        self.device = device
        self.workers = workers  # trials at once on this machine (the toolbar's Workers)
        icons = QStyle.StandardPixmap
        self.run = self._action(self.tr("&Run"), self.start, "F5", render(RUN_TIP),
                                icons.SP_MediaPlay)
        self.pause = self._action(self.tr("&Pause"), self.toggle_pause, "F6",
                                  self.tr("Pause after the current step (F6)"), icons.SP_MediaPause)
        self.pause.setCheckable(True)
        self.stop = self._action(self.tr("&Stop"), self.stop_run, "Shift+F5",
                                 self.tr("Stop; the running trial is marked interrupted"),
                                 icons.SP_MediaStop)
        controller.state_changed.connect(self.refresh)

    def _action(self, text: str, slot: Any, key: str, tip: str,
                icon: QStyle.StandardPixmap) -> QAction:
        action = QAction(self.window.style().standardIcon(icon), text, self)
        action.setIconText(without_mnemonic(text))
        action.setShortcut(QKeySequence(key))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def blocker(self) -> str:
        """Why Run is off ("" when it can start)."""
        if self.controller.is_running:
            return self.tr("A search is running")
        target = self.target()
        if target is None:
            return self.tr("Open a project to run")
        return target.reason

    @Slot()
    def refresh(self) -> None:
        """Enables each action as the run's state allows (Run only when nothing blocks it, its
        tooltip then saying why) and shows Pause as Resume while paused."""
        blocker = self.blocker()
        self.run.setEnabled(not blocker)
        self.run.setToolTip(blocker or render(RUN_TIP))
        running, stopping = self.controller.is_running, self.controller.is_stopping
        self.pause.setEnabled(running and not stopping)
        paused = self.controller.is_paused
        self.pause.setChecked(paused)
        self.pause.setText(self.tr("&Resume") if paused else self.tr("&Pause"))
        self.pause.setIconText(without_mnemonic(self.pause.text()))
        self.pause.setToolTip(self.tr("Resume the run (F6)") if paused
                              else self.tr("Pause after the current step (F6)"))
        self.stop.setEnabled(running and not stopping)

    @Slot()
    def start(self) -> bool:
        """Runs the selected experiment in the worker thread; False when nothing was started
        (invalid project, no experiment, untrusted code)."""
        target = self.target()
        if self.blocker() or target is None or target.project is None \
                or target.experiment is None:
            return False
        choice = self._workers(target)
        workers = choice.count
        if workers > 1 and (target.project_path is None or target.dirty):
            notifications.error(self.tr(
                "Nothing ran: save the project to train {n} trials at once (File › Save). The "
                "other trials train in worker processes that read the saved file; or set "
                "Workers to 1.").format(n=workers))
            return False
        files = user_code_files(target.project, target.experiment, target.base_dir)
        if files and not confirm_user_code(self.window, files):
            notifications.info(
                self.tr("Nothing ran: the project's program is not trusted.")
                if target.project.baseline.program is not None
                else self.tr("Nothing ran: the project's Python file is not trusted."))
            return False
        self.controller.start(RunRequest(
            project=target.project, experiment=target.experiment, base_dir=target.base_dir,
            device=self.device(), project_path=target.project_path,
            # the user has just confirmed (or earlier trusted) the project's program
            run_programs=target.project.baseline.program is not None, workers=workers,
            workers_note=choice.reason))
        self.started.emit(target.experiment)
        return True

    def _workers(self, target: RunTarget) -> WorkersChoice:
        """The toolbar's Workers as a count (`local_workers.workers_for`, as the CLI decides):
        Auto is 1 for a project not saved as it is (the worker processes read the file: Auto
        never asks to save it)."""
        requested = self.workers()
        project, experiment = target.project, target.experiment
        if project is None or experiment is None or (requested == AUTO_WORKERS and (
                target.project_path is None or target.dirty)):
            return WorkersChoice(1)
        return workers_for(AUTO if requested == AUTO_WORKERS else requested, project,
                           experiment, device=self.device())

    @Slot()
    def toggle_pause(self) -> None:
        """Pauses the run after the current step, or resumes a paused one."""
        self.controller.set_paused(not self.controller.is_paused)

    @Slot()
    def stop_run(self) -> None:
        """Asks the run to stop; the running trial ends as interrupted."""
        self.controller.stop()
