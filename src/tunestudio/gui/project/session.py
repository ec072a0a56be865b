"""The open project's lifecycle: new from a template, open (validated, never running any code),
restore from a recovery copy, save, save as, close (asking to save what would be lost) and the
autosave of a recovery copy. The window shows what `document_changed` hands it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from tunestudio.config import ProjectFileError, from_template
from tunestudio.errors import TuneStudioError
from tunestudio.gui.common import notifications
from tunestudio.gui.common.document import (
    ProjectDocument,
    document_from_recovery,
    recovery_newer_than_file,
)
from tunestudio.gui.common.i18n import localize_journal
from tunestudio.gui.common.settings import Settings
from tunestudio.gui.project import dialogs
from tunestudio.gui.project.load_error import show_load_error

_log = logging.getLogger(__name__)
AUTOSAVE_MS = 30_000


def stored_trial_count(document: ProjectDocument) -> int:
    """How many trials the project's history holds (0 when it has no database yet). Reads the
    store in the calling thread: one count query, milliseconds."""
    url = document.storage_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0
    from tunestudio.store import Store

    try:
        store = Store.open(url)
    except Exception:  # an unreachable database: nothing we could lose by closing
        _log.warning("could not read the history at %s", url, exc_info=True)
        return 0
    try:
        return sum(len(store.trials(e.id)) for e in store.experiments())
    finally:
        store.close()


class ProjectSession(QObject):
    """`document_changed(document or None)` follows every open, new, restore and close;
    `recent_changed` follows the recent-files list. `is_busy` (a run going on) blocks closing."""

    document_changed = Signal(object)
    recent_changed = Signal()
    saved = Signal(str)  # path

    def __init__(self, settings: Settings, window: QWidget,
                 is_busy: Callable[[], bool] = lambda: False) -> None:
        super().__init__(window)
        self.settings = settings
        self.window = window
        self.is_busy = is_busy
        self.document: ProjectDocument | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()

    # -- open ----------------------------------------------------------------------------------
    @Slot(str)
    def new_project(self, template: str) -> bool:
        """Closes the open project (asking to save it) and opens a new, unsaved one from template
        `template` (`config.from_template`); False when closing was cancelled. Raises KeyError,
        listing the known names, for an unknown template."""
        if not self.close_project():
            return False
        project = localize_journal(from_template(template))
        self._set(ProjectDocument.from_project(project, None, self))
        return True

    @Slot()
    def open_dialog(self) -> bool:
        """Asks for a project file and opens it (`open_project`); False when cancelled or not
        opened."""
        path = dialogs.ask_open_path(self.window, self._folder())
        return self.open_project(path) if path is not None else False

    @Slot(str)
    def open_project(self, path: Path | str) -> bool:
        """Opens and validates the file; a file that fails is named field by field in one
        dialog and left untouched. Never runs any code of the project."""
        path = Path(path)
        try:
            document = ProjectDocument.open(path, self)
        except ProjectFileError as exc:
            if not path.exists():  # moved or deleted: no longer a recent project
                self.settings.remove_recent(path)
                self.recent_changed.emit()
            # a project with invalid values opens into the editors, its fields marked; a file
            # that is not a project at all gets the dialog naming the problem
            invalid = ProjectDocument.open_with_problems(path, self)
            if invalid is None:
                show_load_error(self.window, exc)
                return False
            document = invalid
            notifications.warning(
                self.tr("{name} has %n invalid field(s), marked in red: fix them to run or "
                        "save. The file is unchanged until you save.", "",
                        len(invalid.problems)).format(name=path.name))
        if not self.close_project():
            document.deleteLater()
            return False
        self._remember(path)
        self._set(document)
        if recovery_newer_than_file(document):
            when = document.recovery_path().stat().st_mtime
            if dialogs.ask_restore(self.window, document.display_name, when):
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
        self._set(document)
        return True

    # -- save ----------------------------------------------------------------------------------
    @Slot()
    def save(self) -> bool:
        """Saves the project to its file (asks where when it never had one); False when there is
        none, the user cancels or the write fails (the error is shown)."""
        if self.document is None:
            return False
        if self.document.path is None:
            return self.save_as()
        return self._save_to(None)

    @Slot()
    def save_as(self) -> bool:
        """Asks where to save the project (suggesting its name in its folder) and saves it there;
        False when there is none, the user cancels or the write fails (the error is shown)."""
        if self.document is None:
            return False
        name = str(self.document.draft.get("name") or "project")
        folder = self.document.base_dir if self.document.path else self._folder()
        path = dialogs.ask_save_path(self.window, (folder / name).with_suffix(".tuneproj"))
        return self._save_to(path) if path is not None else False

    def _save_to(self, path: Path | None) -> bool:
        assert self.document is not None
        try:
            saved = self.document.save(path)
        except (TuneStudioError, OSError) as exc:
            notifications.error(self.tr("Not saved: {exc}").format(exc=exc))
            return False
        self._remember(saved)
        self.saved.emit(str(saved))
        return True

    # -- close ---------------------------------------------------------------------------------
    def needs_saving(self) -> bool:
        """Unsaved edits, or a project never saved whose trials only it reaches (its history
        is keyed by the project's id, which lives in the file)."""
        document = self.document
        if document is None:
            return False
        return document.is_dirty or (document.path is None and stored_trial_count(document) > 0)

    @Slot()
    def close_project(self) -> bool:
        """Asks to save what would be lost; False when the user cancels or a run goes on."""
        document = self.document
        if document is None:
            return True
        if self.is_busy():
            notifications.warning(self.tr("Stop the running search before closing the project."))
            return False
        if self.needs_saving():
            answer = dialogs.ask_save_changes(self.window, document.display_name,
                                              has_trials=not document.is_dirty)
            if answer == "cancel" or (answer == "save" and not self.save()):
                return False
        document.discard_recovery()
        self._set(None)
        return True

    @Slot()
    def autosave(self) -> None:
        """Writes the recovery copy of unsaved edits (every `AUTOSAVE_MS` milliseconds); a failed
        write is shown as a warning."""
        if self.document is not None:
            try:
                self.document.write_recovery()
            except OSError as exc:
                notifications.warning(self.tr("Could not write the recovery copy: {exc}").format(
                    exc=exc))

    # -- internals -----------------------------------------------------------------------------
    def _set(self, document: ProjectDocument | None) -> None:
        old, self.document = self.document, document
        self.document_changed.emit(document)
        if old is not None:
            old.deleteLater()

    def _folder(self) -> Path:
        """Where the file dialogs start: the folder last used, else the home folder."""
        folder = self.settings.last_folder
        return folder if folder is not None and folder.is_dir() else Path.home()

    def _remember(self, path: Path) -> None:
        self.settings.add_recent(path)
        self.settings.last_folder = path.resolve().parent
        self.recent_changed.emit()
