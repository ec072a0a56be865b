"""The main window: the welcome page or the open project, the File/Edit/Run/Help menus, the
run toolbar (experiment, device, Run/Pause/Stop), the status bar with the running trial and the
progress, and the notification toasts. It owns the project's lifecycle (new, open, save, close,
autosave) and starts runs, after the user trusts any Python file of theirs they would run."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent, QUndoGroup
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QStyle,
    QToolBar,
)

from tunestudio.config import ProjectFileError, from_template
from tunestudio.errors import TuneStudioError
from tunestudio.gui.app.about import AboutDialog
from tunestudio.gui.app.preferences import PreferencesDialog
from tunestudio.gui.app.welcome import WelcomePage
from tunestudio.gui.common import notifications
from tunestudio.gui.common.document import (
    ProjectDocument,
    document_from_recovery,
    recovery_newer_than_file,
    untitled_recoveries,
)
from tunestudio.gui.common.settings import Settings
from tunestudio.gui.project import dialogs
from tunestudio.gui.project.load_error import show_load_error
from tunestudio.gui.project.project_view import ProjectView
from tunestudio.gui.project.trust import confirm_user_code, user_code_files
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.devices import DeviceCatalog, DeviceCombo
from tunestudio.gui.run.status import RunProgress, trial_line
from tunestudio.gui.run.worker import RunRequest

if TYPE_CHECKING:
    from tunestudio.gui.app.workspace import TrialWorkspace

_log = logging.getLogger(__name__)
AUTOSAVE_MS = 30_000


class MainWindow(QMainWindow):
    first_shown = Signal()
    project_changed = Signal()  # a project was opened, created or closed

    def __init__(self, settings: Settings | None = None,
                 catalog: DeviceCatalog | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.catalog = catalog or DeviceCatalog(self)
        self.controller = RunController(self)
        self.document: ProjectDocument | None = None
        self.project_view: ProjectView | None = None
        self.workspace: TrialWorkspace | None = None
        self._close_after_run = False
        self._shown_once = False
        self._last_eval: Any = None
        self._pending_open: Path | None = None
        self.setObjectName("mainWindow")
        self.resize(1280, 860)
        self.undo_group = QUndoGroup(self)
        self.welcome = WelcomePage(self)
        self.opening = QLabel(self)
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening.setObjectName("hint")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.opening)
        self.setCentralWidget(self.stack)
        self.device_combo = DeviceCombo(self.catalog, self.settings.default_device, self)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self.notifications = notifications.NotificationArea(self, notifications.bridge())
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.welcome.new_requested.connect(self.new_project)
        self.welcome.open_requested.connect(self.open_dialog)
        self.welcome.recent_requested.connect(self._on_recent_requested)
        self.welcome.recovery_requested.connect(self.open_recovery)
        self.controller.state_changed.connect(self._update_actions)
        self.controller.trial_started.connect(self._on_trial_started)
        self.controller.trial_finished.connect(self._on_trial_finished)
        self.controller.batch.connect(self._on_batch)
        self.controller.run_finished.connect(self._on_run_finished)
        self._restore_window()
        self._refresh_recent()
        self._show_document_state()
        self._update_actions()

    # -- construction --------------------------------------------------------------------------
    def _action(self, text: str, slot: Any, shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every platform binding (Redo: Ctrl+Y, Ctrl+Shift+Z)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_dialog, keys.Open)
        self.save_action = self._action("&Save", self.save, keys.Save)
        self.save_as_action = self._action("Save &As…", self.save_as, keys.SaveAs)
        self.close_action = self._action("&Close Project", self.close_project, keys.Close)
        self.preferences_action = self._action("&Preferences…", self.show_preferences,
                                               keys.Preferences)
        self.quit_action = self._action("&Quit", self.close, keys.Quit)
        self.undo_action = self.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(keys.Undo)
        self.redo_action = self.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts(keys.Redo)
        self.run_action = self._action("&Run", self.run_experiment, "F5",
                                       "Run the selected experiment (F5)")
        self.pause_action = self._action("&Pause", self.toggle_pause, "F6",
                                         "Pause after the current step (F6)")
        self.pause_action.setCheckable(True)
        self.stop_action = self._action("&Stop", self.stop_run, "Shift+F5",
                                        "Stop; the running trial is marked interrupted")
        self.about_action = self._action("&About TuneStudio", self.show_about)
        icons = QStyle.StandardPixmap
        for action, icon in ((self.run_action, icons.SP_MediaPlay),
                             (self.pause_action, icons.SP_MediaPause),
                             (self.stop_action, icons.SP_MediaStop)):
            action.setIcon(self.style().standardIcon(icon))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_menu = QMenu("&New from Template", self)
        from tunestudio.config import TEMPLATES

        for index, name in enumerate(TEMPLATES):
            action = self.new_menu.addAction(name.capitalize())
            action.setData(name)
            if index == 0:
                action.setShortcut(QKeySequence(QKeySequence.StandardKey.New))
        self.new_menu.triggered.connect(self._on_new_menu)
        file_menu.addMenu(self.new_menu)
        file_menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.triggered.connect(self._on_recent_menu)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        for action in (self.save_action, self.save_as_action, self.close_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.preferences_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        run_menu = bar.addMenu("&Run")
        for action in (self.run_action, self.pause_action, self.stop_action):
            run_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Run", self)
        bar.setObjectName("runToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.experiment_label = QLabel(self)
        bar.addWidget(QLabel(" Device ", self))
        bar.addWidget(self.device_combo)
        bar.addSeparator()
        for action in (self.run_action, self.pause_action, self.stop_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(self.experiment_label)
        self.addToolBar(bar)
        self.run_toolbar = bar

    def _build_status_bar(self) -> None:
        self.run_message = QLabel(self)
        self.progress = RunProgress(self.controller, self)
        status = self.statusBar()
        status.addWidget(self.run_message, 1)
        status.addPermanentWidget(self.progress)

    # -- project lifecycle ---------------------------------------------------------------------
    @Slot(str)
    def new_project(self, template: str) -> bool:
        if not self.close_project():
            return False
        self._set_document(ProjectDocument.from_project(from_template(template), None, self))
        return True

    @Slot()
    def open_dialog(self) -> bool:
        start = self.document.base_dir if self.document else Path.home()
        path = dialogs.ask_open_path(self, start)
        return self.open_project(path) if path is not None else False

    def open_project(self, path: Path) -> bool:
        """Opens and validates the file; a file that fails is named field by field in one
        dialog and left untouched. Never runs any code of the project."""
        path = Path(path)
        try:
            document = ProjectDocument.open(path, self)
        except ProjectFileError as exc:
            if not path.exists():  # moved or deleted: no longer a recent project
                self.settings.remove_recent(path)
                self._refresh_recent()
            show_load_error(self, exc)
            return False
        if not self.close_project():
            document.deleteLater()
            return False
        self._set_document(document)
        self.settings.add_recent(path)
        self._refresh_recent()
        if recovery_newer_than_file(document):
            when = document.recovery_path().stat().st_mtime
            if dialogs.ask_restore(self, document.display_name, when):
                document.restore_recovery()
            else:
                document.discard_recovery()
        return True

    @Slot(str)
    def open_recovery(self, file: str) -> bool:
        """A project that was never saved, back from its recovery copy (unsaved, dirty)."""
        document = document_from_recovery(Path(file), self)
        if document is None or not self.close_project():
            return False
        self._set_document(document)
        return True

    def open_after_show(self, path: Path) -> None:
        """Opens `path` once the window has shown (`tunestudio PROJECT`): the window appears at
        once and the editors (and the views' plotting library) load just after."""
        self._pending_open = Path(path)
        self.opening.setText(f"Opening {self._pending_open.name}…")
        self.stack.setCurrentWidget(self.opening)
        self.first_shown.connect(self._open_pending)

    @Slot()
    def _open_pending(self) -> None:
        path, self._pending_open = self._pending_open, None
        if path is not None and not self.open_project(path):
            self.stack.setCurrentWidget(self.welcome)

    @Slot()
    def save(self) -> bool:
        if self.document is None:
            return False
        if self.document.path is None:
            return self.save_as()
        return self._save_to(None)

    @Slot()
    def save_as(self) -> bool:
        if self.document is None:
            return False
        name = str(self.document.draft.get("name") or "project")
        suggested = (self.document.base_dir if self.document.path else Path.home()) / name
        path = dialogs.ask_save_path(self, suggested.with_suffix(".tuneproj"))
        return self._save_to(path) if path is not None else False

    def _save_to(self, path: Path | None) -> bool:
        assert self.document is not None
        try:
            saved = self.document.save(path)
        except (TuneStudioError, OSError) as exc:
            notifications.error(f"Not saved: {exc}")
            return False
        self.settings.add_recent(saved)
        self._refresh_recent()
        self.statusBar().showMessage(f"Saved {saved}", 4000)
        return True

    @Slot()
    def close_project(self) -> bool:
        """Asks to save unsaved changes; False when the user cancels (or a run is going on)."""
        document = self.document
        if document is None:
            return True
        if self.controller.is_running:
            notifications.warning("Stop the running search before closing the project.")
            return False
        if document.is_dirty:
            answer = dialogs.ask_save_changes(self, document.display_name)
            if answer == "cancel" or (answer == "save" and not self.save()):
                return False
        document.discard_recovery()
        self._set_document(None)
        return True

    def _set_document(self, document: ProjectDocument | None) -> None:
        old_view, old_doc, old_workspace = self.project_view, self.document, self.workspace
        self.workspace = None
        if old_doc is not None:
            self.undo_group.removeStack(old_doc.undo_stack)
        self.document = document
        self.project_view = None
        if document is not None:
            view = ProjectView(document, self)
            # the curves, the trials table with diagnosis and detail, and the analysis;
            # imported here: pyqtgraph stays off the window's start-up path
            from tunestudio.gui.app.workspace import TrialWorkspace

            self.workspace = TrialWorkspace(view)
            self.workspace.attach(self.controller)  # the live curves follow the runs
            self.project_view = view
            self.stack.addWidget(view)
            self.stack.setCurrentWidget(view)
            self.undo_group.addStack(document.undo_stack)
            self.undo_group.setActiveStack(document.undo_stack)
            document.changed.connect(self._update_actions)
            document.dirty_changed.connect(self._show_document_state)
            document.path_changed.connect(self._show_document_state)
            document.changed.connect(self._show_document_state)
            view.experiments.current_changed.connect(self._on_experiment_selected)
        else:
            self.stack.setCurrentWidget(self.welcome)
            self._refresh_recent()
        if old_view is not None:
            if old_workspace is not None:
                old_workspace.close()
            old_view.close()
            self.stack.removeWidget(old_view)
            old_view.deleteLater()
        if old_doc is not None:
            old_doc.deleteLater()
        self._show_document_state()
        self._update_actions()
        self.project_changed.emit()

    @Slot()
    def autosave(self) -> None:
        if self.document is not None:
            try:
                self.document.write_recovery()
            except OSError as exc:
                notifications.warning(f"Could not write the recovery copy: {exc}")

    # -- running -------------------------------------------------------------------------------
    def can_run(self) -> bool:
        return (self.document is not None and self.document.is_valid
                and self.project_view is not None
                and self.project_view.current_experiment() is not None
                and not self.controller.is_running)

    @Slot()
    def run_experiment(self) -> bool:
        """Runs the selected experiment in the worker thread; False when nothing was started
        (invalid project, no experiment, untrusted code)."""
        if not self.can_run():
            return False
        assert self.document is not None and self.project_view is not None
        project = self.document.project
        name = self.project_view.current_experiment()
        assert project is not None and name is not None
        files = user_code_files(project, name, self.document.base_dir)
        if files and not confirm_user_code(self, files):
            notifications.info("Nothing ran: the project's Python file is not trusted.")
            return False
        request = RunRequest(project=project, experiment=name, base_dir=self.document.base_dir,
                             device=self.device_combo.device(), project_path=self.document.path)
        self._last_eval = None
        self.controller.start(request)
        self.run_message.setText(f"Starting {name}…")
        return True

    @Slot()
    def toggle_pause(self) -> None:
        self.controller.set_paused(not self.controller.is_paused)

    @Slot()
    def stop_run(self) -> None:
        self.controller.stop()
        if self.controller.is_running:
            self.run_message.setText("Stopping: the running trial ends as interrupted…")

    @Slot(object)
    def _on_trial_started(self, ev: Any) -> None:
        self._last_eval = None
        self.run_message.setText(trial_line(ev, None))

    @Slot(object)
    def _on_batch(self, batch: Any) -> None:
        started = self.controller.progress().running
        if started is None:
            return
        evaluations = [e for tid, e in batch.evaluations if tid == started.trial_id]
        if evaluations:
            self._last_eval = evaluations[-1]
            self.run_message.setText(trial_line(started, self._last_eval))

    @Slot(object)
    def _on_trial_finished(self, ev: Any) -> None:
        objective = "" if ev.objective is None else f", objective {ev.objective:.4f}"
        self.run_message.setText(f"Trial {ev.number} {ev.state}{objective}")

    @Slot(object)
    def _on_run_finished(self, summary: Any) -> None:
        if summary is not None:
            counts = ", ".join(f"{n} {state}" for state, n in summary.counts.items()) or \
                "no trials"
            best = "" if summary.best_objective is None else \
                f"; best objective {summary.best_objective:.4f}"
            verb = "stopped" if summary.stopped else "finished"
            self.run_message.setText(f"{summary.experiment} {verb}: {counts}{best}")
        if self._close_after_run:
            self._close_after_run = False
            QTimer.singleShot(0, self, self.close)

    # -- dialogs -------------------------------------------------------------------------------
    @Slot()
    def show_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self.catalog, self)
        if dialog.exec():
            self.device_combo.select(self.settings.default_device)

    @Slot()
    def show_about(self) -> None:
        self.catalog.start()
        AboutDialog(self.catalog, self).exec()

    # -- state shown ---------------------------------------------------------------------------
    @Slot()
    def _update_actions(self) -> None:
        has_doc = self.document is not None
        running = self.controller.is_running
        for action in (self.save_action, self.save_as_action, self.close_action):
            action.setEnabled(has_doc)
        self.run_action.setEnabled(self.can_run())
        self.pause_action.setEnabled(running and not self.controller.is_stopping)
        self.pause_action.setChecked(self.controller.is_paused)
        self.stop_action.setEnabled(running and not self.controller.is_stopping)
        self.device_combo.setEnabled(not running)
        if self.document is not None and not self.document.is_valid:
            self.run_action.setToolTip("Fix the fields marked in red to run")
        else:
            self.run_action.setToolTip("Run the selected experiment (F5)")
        self._on_experiment_selected()

    @Slot()
    def _on_experiment_selected(self) -> None:
        name = self.project_view.current_experiment() if self.project_view else None
        self.experiment_label.setText(f" Experiment: <b>{name}</b> " if name else "")
        self.run_action.setEnabled(self.can_run())

    @Slot()
    def _show_document_state(self) -> None:
        document = self.document
        if document is None:
            self.setWindowTitle("TuneStudio")
            self.setWindowModified(False)
            return
        self.setWindowTitle(f"{document.display_name}[*] — TuneStudio")
        self.setWindowModified(document.is_dirty)
        if not document.is_valid:
            n = len(document.problems)
            self.run_message.setText(f"{n} invalid field(s): fix them to run or save")
        elif not self.controller.is_running and self.run_message.text().endswith(
                "to run or save"):
            self.run_message.setText("")

    def _refresh_recent(self) -> None:
        recent = self.settings.recent_files()
        self.welcome.set_recent(recent, untitled_recoveries())
        self.recent_menu.clear()
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.setData(str(path))
        self.recent_menu.setEnabled(bool(recent))

    @Slot(QAction)
    def _on_new_menu(self, action: QAction) -> None:
        self.new_project(str(action.data()))

    @Slot(QAction)
    def _on_recent_menu(self, action: QAction) -> None:
        self.open_project(Path(str(action.data())))

    @Slot(str)
    def _on_recent_requested(self, path: str) -> None:
        self.open_project(Path(path))

    # -- window --------------------------------------------------------------------------------
    def _restore_window(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self, self.first_shown.emit)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.is_running:
            event.ignore()
            if self.controller.is_stopping or dialogs.ask_stop_run(self):
                self._close_after_run = True
                self.stop_run()
            return
        if not self.close_project():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.autosave_timer.stop()
        self.catalog.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Ends every thread the window started, without asking (tests, the smoke test)."""
        self.controller.stop()
        self.controller.wait()
        self.catalog.shutdown()
