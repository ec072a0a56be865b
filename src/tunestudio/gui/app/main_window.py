"""The main window: the File/Edit/Run/Help menus, the run toolbar (device, workers,
Run/Pause/Stop, the running experiment), the page stack (welcome, opening, the open project)
and the status bar. The project's lifecycle lives in `ProjectSession`, runs in `RunController`
and `RunActions`."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
    QPaintEvent,
    QShowEvent,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QToolBar,
)

from tunestudio.gui.app.about import AboutDialog
from tunestudio.gui.app.file_menus import RecentMenu, TemplateMenu
from tunestudio.gui.app.gc_policy import collect_in_gui_thread
from tunestudio.gui.app.practice import PracticeDialog
from tunestudio.gui.app.preferences import PreferencesDialog
from tunestudio.gui.app.welcome import WelcomePage
from tunestudio.gui.common import i18n, notifications
from tunestudio.gui.common.document import ProjectDocument, untitled_recoveries
from tunestudio.gui.common.settings import Settings
from tunestudio.gui.project import dialogs
from tunestudio.gui.project.session import ProjectSession
from tunestudio.gui.run.actions import RunActions, run_target
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.devices import DeviceCatalog, DeviceCombo
from tunestudio.gui.run.status import ExperimentLabel, RunProgress, RunStatusLine
from tunestudio.gui.run.workers import WorkersSpin

if TYPE_CHECKING:  # both imported with the first project, after the window shows
    from tunestudio.gui.app.workspace import TrialWorkspace
    from tunestudio.gui.project.project_view import ProjectView

# How long after showing the window `first_shown` waits for a first paint that does not come.
FIRST_SHOWN_FALLBACK_MS = 1000


class MainWindow(QMainWindow):
    """The application's window: menus, the run toolbar, the page stack (welcome, opening, the open
    project's `project_view` with its `workspace` of trial views) and the status bar. It owns the
    RunController (`controller`), the ProjectSession (`session`) and the device catalog (`catalog`),
    keeps the window's geometry in `settings`, and will not close while a run trains unless the user
    stops it (the window then closes when the run has ended).

    Signals: `first_shown` once after the first paint (or FIRST_SHOWN_FALLBACK_MS after the first
    show); `project_changed` when a project is opened, created or closed."""

    first_shown = Signal()  # once, after the first paint: the engine and a given project load
    project_changed = Signal()  # a project was opened, created or closed

    def __init__(self, settings: Settings | None = None,
                 catalog: DeviceCatalog | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.catalog = catalog or DeviceCatalog(self)
        app = QApplication.instance()
        self.controller = RunController(self)
        self.session = ProjectSession(self.settings, self, lambda: self.controller.is_running)
        self.project_view: ProjectView | None = None
        self.workspace: TrialWorkspace | None = None
        self._close_after_run = False
        self._shown_once = False
        self._first_shown_sent = False
        self.setObjectName("mainWindow")
        self.resize(1280, 860)
        self.undo_group = QUndoGroup(self)
        self.welcome = WelcomePage(self)
        self.opening = QLabel(self)
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening.setObjectName("hint")
        self.stack = QStackedWidget(self)
        for page in (self.welcome, self.opening):
            self.stack.addWidget(page)
        self.setCentralWidget(self.stack)
        self.device_combo = DeviceCombo(self.catalog, self.settings.default_device, self)
        self.workers_spin = WorkersSpin(self.settings, self.controller, self)
        self.runs = r = RunActions(self.controller, self, lambda: run_target(self.project_view),
                                   self.device_combo.device, self.workers_spin.workers)
        self.run_action, self.pause_action, self.stop_action = r.run, r.pause, r.stop
        self._build_menus()
        self._build_toolbar()
        self.run_message = RunStatusLine(self.controller, self)
        self.progress = RunProgress(self.controller, self)
        self.statusBar().addWidget(self.run_message, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.notifications = notifications.NotificationArea(self, notifications.bridge())
        w, s = self.welcome, self.session
        w.new_requested.connect(s.new_project)
        w.open_requested.connect(s.open_dialog)
        w.recent_requested.connect(s.open_project)
        w.recovery_requested.connect(s.open_recovery)
        self.session.document_changed.connect(self._show_document)
        self.session.recent_changed.connect(self._refresh_recent)
        self.session.saved.connect(lambda p: self.statusBar().showMessage(
            self.tr("Saved {p}").format(p=p), 4000))
        self.runs.started.connect(self.run_message.starting)
        self.controller.state_changed.connect(self._update_actions)
        self.controller.run_finished.connect(self._on_run_finished)
        if app is not None:
            # Bursts of long-lived objects allocated in worker threads (the engine's imports in
            # the background, a run's set-up up to its first trial) are left to no collection
            # in the GUI thread, then frozen (gc_policy.py).
            collector = collect_in_gui_thread(app)
            self.catalog.loading.connect(collector.hold)
            self.catalog.warmed.connect(collector.release)
            self.runs.started.connect(collector.hold)
            self.controller.trial_started.connect(collector.release)
            self.controller.run_finished.connect(collector.release)
        if (geometry := self.settings.window_geometry()) is not None:
            self.restoreGeometry(geometry)
        if (state := self.settings.window_state()) is not None:
            self.restoreState(state)
        self._refresh_recent()
        self._update_actions()

    @property
    def document(self) -> ProjectDocument | None:
        """The open project's document, or None on the welcome page."""
        return self.session.document

    def _action(self, text: str, slot: Any, keys: QKeySequence.StandardKey) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(keys)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        keys, s = QKeySequence.StandardKey, self.session
        self.open_action = self._action(self.tr("&Open…"), s.open_dialog, keys.Open)
        self.save_action = self._action(self.tr("&Save"), s.save, keys.Save)
        self.save_as_action = self._action(self.tr("Save &As…"), s.save_as, keys.SaveAs)
        self.close_action = self._action(self.tr("&Close Project"), s.close_project, keys.Close)
        self.undo_action = self.undo_group.createUndoAction(self, self.tr("&Undo"))
        self.redo_action = self.undo_group.createRedoAction(self, self.tr("&Redo"))
        for action, key in ((self.undo_action, keys.Undo), (self.redo_action, keys.Redo)):
            action.setShortcuts(key)  # every platform binding (Redo: Ctrl+Y, Ctrl+Shift+Z)
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.new_menu = TemplateMenu(self)
        self.new_menu.chosen.connect(self.session.new_project)
        self.recent_menu = RecentMenu(self)
        self.recent_menu.chosen.connect(self.session.open_project)
        preferences = self._action(self.tr("&Preferences…"), self.show_preferences,
                                   keys.Preferences)
        for item in (self.new_menu, self.open_action, self.recent_menu, None, self.save_action,
                     self.save_as_action, self.close_action, None, preferences, None,
                     self._action(self.tr("&Quit"), self.close, keys.Quit)):
            (file_menu.addSeparator() if item is None else file_menu.addMenu(item)
             if isinstance(item, QMenu) else file_menu.addAction(item))
        bar.addMenu(self.tr("&Edit")).addActions([self.undo_action, self.redo_action])
        self.run_menu = bar.addMenu(self.tr("&Run"))
        self.run_menu.addActions([self.run_action, self.pause_action, self.stop_action])
        self.run_menu.addSeparator()
        self.lr_find_action = self.run_menu.addAction(
            self.tr("LR Range Test on Baseline…"),
            lambda: self.project_view and self.project_view.lr_test())
        help_menu = bar.addMenu(self.tr("&Help"))
        self.practice_action = help_menu.addAction(self.tr("The Tuning &Practice"),
                                                   self.show_practice)
        help_menu.addAction(self.tr("&About TuneStudio"), self.show_about)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Run", self)
        bar.setObjectName("runToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.experiment_label = ExperimentLabel(self.controller, self)
        bar.addWidget(QLabel(self.tr(" Device "), self))
        bar.addWidget(self.device_combo)
        bar.addWidget(QLabel(self.tr(" Workers "), self))
        bar.addWidget(self.workers_spin)
        bar.addSeparator()
        bar.addActions([self.run_action, self.pause_action, self.stop_action])
        bar.addSeparator()
        bar.addWidget(self.experiment_label)
        self.addToolBar(bar)
        self.run_toolbar = bar

    def open_after_show(self, path: Path) -> None:
        """Opens `path` once the window has shown (`tunestudio PROJECT`): the window appears at
        once and the editors (and the views' plotting library) load just after."""
        self.opening.setText(self.tr("Opening {Path}…").format(Path=Path(path).name))
        self.stack.setCurrentWidget(self.opening)
        self.first_shown.connect(partial(self._open_pending, Path(path)))

    def _open_pending(self, path: Path) -> None:
        if not self.session.open_project(path):
            self.stack.setCurrentWidget(self.welcome)

    @Slot(object)
    def _show_document(self, document: ProjectDocument | None) -> None:
        old = self.workspace
        self.project_view, self.workspace = None, None
        for stack in self.undo_group.stacks():
            self.undo_group.removeStack(stack)
        if document is not None:
            # imported here: pyqtgraph stays off the window's start-up path
            from tunestudio.gui.app.workspace import TrialWorkspace

            self.workspace = TrialWorkspace.open(document, self.controller, self.settings, self)
            self.project_view = view = self.workspace.view
            self.stack.addWidget(view)
            self.stack.setCurrentWidget(view)
            self.undo_group.addStack(document.undo_stack)
            self.undo_group.setActiveStack(document.undo_stack)
            for signal in (document.changed, document.dirty_changed, document.path_changed,
                           view.experiments.current_changed):
                signal.connect(self._update_actions)
        else:
            self.stack.setCurrentWidget(self.welcome)
            self.run_message.clear()
            self.progress.hide()
            self._refresh_recent()  # the closed project's recovery copy, if it left one
        if old is not None:
            self.stack.removeWidget(old.view)
            old.dispose()
            self._collect_all()
        self._update_actions()
        self.project_changed.emit()

    def _collect_all(self) -> None:
        """A full garbage collection soon: its pause goes unnoticed after a run or a project
        (none runs on the timer: gc_policy.py)."""
        app = QApplication.instance()
        if app is not None:
            QTimer.singleShot(0, collect_in_gui_thread(app).full_collection)

    @Slot(object)
    def _on_run_finished(self, summary: Any) -> None:
        self._collect_all()
        if self._close_after_run:
            self._close_after_run = False
            QTimer.singleShot(0, self, self.close)

    @Slot()
    def show_preferences(self) -> None:
        """Edit > Preferences; once accepted, the device picker selects the default device
        chosen."""
        if PreferencesDialog(self.settings, self.catalog, self).exec():
            self.device_combo.select(self.settings.default_device)

    @Slot()
    def show_practice(self) -> None:
        """The practice in the window's language (the one loaded at start-up)."""
        PracticeDialog(i18n.current(), self).exec()

    @Slot()
    def show_about(self) -> None:
        """Help > About; loads the device catalog first unless it is loading or loaded."""
        self.catalog.start()
        AboutDialog(self.catalog, self).exec()

    @Slot()
    def _update_actions(self) -> None:
        document = self.document
        for action in (self.save_action, self.save_as_action, self.close_action):
            action.setEnabled(document is not None)
        self.runs.refresh()
        self.device_combo.setEnabled(not self.controller.is_running)
        self.lr_find_action.setEnabled(document is not None and document.is_valid)
        self.experiment_label.show_selected(
            self.project_view.current_experiment() if self.project_view else None)
        self.setWindowTitle(f"{document.display_name}[*] — TuneStudio" if document
                            else "TuneStudio")
        self.setWindowModified(document is not None and document.is_dirty)
        self.run_message.show_problems(len(document.problems) if document is not None else 0)

    @Slot()
    def _refresh_recent(self) -> None:
        recent = self.settings.recent_files()
        self.welcome.set_recent(recent, untitled_recoveries())
        self.recent_menu.show_files(recent)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            # A window that is never painted (shown minimised, on a hidden desktop) still loads
            # the engine and its project.
            QTimer.singleShot(FIRST_SHOWN_FALLBACK_MS, self, self._send_first_shown)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._shown_once and not self._first_shown_sent:
            # After the first paint is on screen: torch's import in the engine probe holds the
            # GIL for seconds and opening a project builds its views in this thread; started
            # on show, both ran before the first paint and the window stayed black meanwhile.
            QTimer.singleShot(0, self, self._send_first_shown)

    @Slot()
    def _send_first_shown(self) -> None:
        if not self._first_shown_sent:
            self._first_shown_sent = True
            self.first_shown.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.controller.is_running:
            event.ignore()
            if self.controller.is_stopping or dialogs.ask_stop_run(self):
                self._close_after_run = True
                self.runs.stop_run()
            return
        if not self.session.close_project():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.settings.sync()
        self.session.autosave_timer.stop()
        self.catalog.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Ends every thread the window started, without asking (tests, the smoke test)."""
        self.controller.stop()
        self.controller.wait()
        self.catalog.shutdown()
