"""The open project as the GUI edits it: a JSON-like draft that may be invalid while the user
types, the validated Project when it is not, the problems pydantic found, an undo stack whose
clean state is the dirty marker, the file it came from, and a recovery copy of unsaved edits.

Every view edits through `replace`/`set_value` and refreshes on `changed`; no view keeps its own
copy of the project."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from tunestudio import paths
from tunestudio.config import (
    SUFFIX,
    Experiment,
    Project,
    ProjectFileError,
    load_project,
    save_project,
    validation_problems,
)
from tunestudio.config.projectfile import write_atomic
from tunestudio.errors import TuneStudioError
from tunestudio.gui.common.draft_paths import get_path, set_path

_MERGE_WINDOW_S = 2.0


class _EditCommand(QUndoCommand):
    """One edit: the whole draft before and after (a few kilobytes). Consecutive edits of the
    same field within a short time merge, so typing a note is one undo step."""

    def __init__(self, document: ProjectDocument, before: dict[str, Any],
                 after: dict[str, Any], text: str, merge_key: str | None) -> None:
        super().__init__(text)
        self._document = document
        self._before = before
        self._after = after
        self._merge_key = merge_key
        self._stamp = time.monotonic()

    def id(self) -> int:
        return 1 if self._merge_key else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _EditCommand) or other._merge_key != self._merge_key:
            return False
        if other._stamp - self._stamp > _MERGE_WINDOW_S:
            return False
        self._after = other._after
        self._stamp = other._stamp
        return True

    def redo(self) -> None:
        self._document._show(self._after)

    def undo(self) -> None:
        self._document._show(self._before)


class ProjectDocument(QObject):
    """The open project: its draft (JSON-like, possibly invalid), the validated Project when valid
    (`project`), the problems otherwise, the undo stack whose clean state means saved, and the file
    it came from (`path`, None until first saved). Every edit goes through `replace` and is one undo
    step.

    Signals: `changed` after every edit, undo and redo; `validity_changed(valid)` when the draft
    turns valid or invalid; `dirty_changed(dirty)` when it leaves or returns to the saved state;
    `path_changed` when `save` writes to another file."""

    changed = Signal()
    validity_changed = Signal(bool)
    dirty_changed = Signal(bool)
    path_changed = Signal()

    def __init__(self, draft: dict[str, Any], path: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._draft = draft
        self._path = path
        self._project: Project | None = None
        self._problems: list[tuple[str, str]] = []
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._validate()

    @classmethod
    def from_project(cls, project: Project, path: Path | None = None,
                     parent: QObject | None = None) -> ProjectDocument:
        """A document of a validated project (its JSON dump as the draft), from `path` when it has a
        file; clean, nothing to undo."""
        return cls(project.model_dump(mode="json"), path, parent)

    @classmethod
    def open(cls, path: Path, parent: QObject | None = None) -> ProjectDocument:
        """Reads and validates the file; raises ProjectFileError and never writes it."""
        return cls.from_project(load_project(path), path.resolve(), parent)

    @classmethod
    def open_with_problems(cls, path: Path, parent: QObject | None = None
                           ) -> ProjectDocument | None:
        """A file that reads as a project but fails validation, as a document whose invalid
        fields the editors mark (None when it is not even that: not JSON, another schema
        version). Never writes the file."""
        from tunestudio.config.projectfile import migrate

        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            if not isinstance(doc, dict):
                return None
            doc = migrate(doc, path)
        except (OSError, ValueError, ProjectFileError, RecursionError):
            return None
        document = cls(doc, Path(path).resolve(), parent)
        return document if document.problems else None

    # -- state ---------------------------------------------------------------------------------
    @property
    def draft(self) -> dict[str, Any]:
        """The current draft; treat it as read-only (edits go through `replace`)."""
        return self._draft

    @property
    def project(self) -> Project | None:
        """The validated project, or None while some field is invalid."""
        return self._project

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(dotted field path, message) for each invalid field, as `validation_problems` gives them;
        empty while the draft is valid."""
        return list(self._problems)

    @property
    def is_valid(self) -> bool:
        """Whether the draft validates as a Project."""
        return self._project is not None

    @property
    def path(self) -> Path | None:
        """The project file (resolved), or None for a project never saved."""
        return self._path

    @property
    def is_dirty(self) -> bool:
        """Whether there are edits since the last save (or since opening)."""
        return not self.undo_stack.isClean()

    @property
    def project_id(self) -> str:
        """The project's id (a UUID string) from the draft; '' if it has none."""
        return str(self._draft.get("id", ""))

    @property
    def display_name(self) -> str:
        """The name the window and dialogs show: the file's name, or '<project name> (unsaved)'
        before the first save."""
        if self._path is not None:
            return self._path.name
        return f"{self._draft.get('name') or 'Untitled'} (unsaved)"

    @property
    def base_dir(self) -> Path:
        """Where relative paths in the project (data files, user code) are resolved."""
        return self._path.parent if self._path else Path.cwd()

    def storage_url(self) -> str:
        """The trial database (also while the draft is invalid)."""
        url = str(self._draft.get("storage_url") or "")
        return url or paths.default_storage_url(uuid.UUID(self.project_id))

    def value(self, path: str) -> Any:
        """The draft's value at the dotted `path` (`get_path`); KeyError or IndexError when the
        draft has none there."""
        return get_path(self._draft, path)

    def experiment_names(self) -> list[str]:
        """The draft's experiments' names, in order."""
        return [str(e.get("name", "")) for e in self._draft.get("experiments", [])]

    # -- edits ---------------------------------------------------------------------------------
    def set_value(self, path: str, value: Any, text: str | None = None) -> None:
        """Sets the draft's value at the dotted `path`, one undoable edit named `text` ('Edit
        <path>' by default); edits of the same path within 2 s merge into one undo step (typing)."""
        self.replace(set_path(self._draft, path, value), text or f"Edit {path}", merge_key=path)

    def replace(self, draft: dict[str, Any], text: str, merge_key: str | None = None) -> None:
        """Makes `draft` the document's draft as one undoable edit named `text` (nothing if it
        equals the current one): revalidates, then emits `changed` (and `validity_changed` if
        validity flipped). Consecutive edits with the same `merge_key` within 2 s merge into one
        undo step."""
        if draft == self._draft:
            return
        self.undo_stack.push(_EditCommand(self, self._draft, draft, text, merge_key))

    def add_experiment(self, source: int | None = None, name: str | None = None) -> int:
        """A new experiment (a copy of `source` when given) named `name` (made unique), one
        undoable edit; its index."""
        names = set(self.experiment_names())
        if source is None:
            body = Experiment().model_dump(mode="json")
            stem = "experiment"
        else:
            body = json.loads(json.dumps(self._draft["experiments"][source]))
            body["conclusion"] = ""
            stem = f"{body.get('name', 'experiment')}-copy"
        stem = name.strip() if name and name.strip() else stem
        n, name = 1, stem
        while name in names:
            n += 1
            name = f"{stem}-{n}"
        body["name"] = name
        experiments = [*self._draft.get("experiments", []), body]
        self.replace({**self._draft, "experiments": experiments}, f"Add experiment {name}")
        return len(experiments) - 1

    def remove_experiment(self, index: int) -> None:
        """Removes the draft's experiment at `index`, one undoable edit; IndexError when there is
        none."""
        experiments = list(self._draft.get("experiments", []))
        removed = experiments.pop(index)
        self.replace({**self._draft, "experiments": experiments},
                     f"Remove experiment {removed.get('name')}")

    def _show(self, draft: dict[str, Any]) -> None:
        """Called by undo commands only."""
        self._draft = draft
        was_valid = self.is_valid
        self._validate()
        self.changed.emit()
        if was_valid != self.is_valid:
            self.validity_changed.emit(self.is_valid)

    def _validate(self) -> None:
        try:
            self._project = Project.model_validate(self._draft)
            self._problems = []
        except ValidationError as exc:
            self._project = None
            self._problems = validation_problems(exc, self._draft)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)
        if clean:  # saved, or every edit undone: nothing to recover any more
            self.discard_recovery()

    # -- files ---------------------------------------------------------------------------------
    def save(self, path: Path | None = None) -> Path:
        """Writes the project atomically; raises TuneStudioError while a field is invalid (the
        recovery copy keeps the draft meanwhile)."""
        target = (path or self._path)
        if target is None:
            raise TuneStudioError("choose where to save the project first")
        if target.suffix != SUFFIX:
            target = target.with_suffix(SUFFIX)
        if self._project is None:
            where = ", ".join(p for p, _ in self._problems[:3])
            raise TuneStudioError(f"the project has invalid fields ({where}); fix them to save")
        save_project(self._project, target)
        self.discard_recovery()
        changed_path = target.resolve() != self._path
        self._path = target.resolve()
        self.undo_stack.setClean()
        if changed_path:
            self.path_changed.emit()
        return target

    def recovery_path(self) -> Path:
        """Where `write_recovery` keeps this project's unsaved edits: `<project id>.tuneproj.json`
        in `recovery_folder()`."""
        return recovery_folder() / f"{self.project_id}{SUFFIX}.json"

    def write_recovery(self) -> Path | None:
        """Keeps unsaved edits (even invalid ones) in the cache dir; the project file itself is
        only ever written by `save`."""
        if not self.is_dirty:
            return None
        payload = {"path": str(self._path) if self._path else None, "saved_at": time.time(),
                   "draft": self._draft}
        target = self.recovery_path()
        write_atomic(target, json.dumps(payload, indent=1).encode("utf-8"), private=True)
        return target

    def discard_recovery(self) -> None:
        """Deletes the recovery copy, if any (done on save and when every edit is undone)."""
        self.recovery_path().unlink(missing_ok=True)

    def restore_recovery(self) -> bool:
        """Puts the recovered draft on top (undoable); False when there is none."""
        draft = read_recovery(self.recovery_path())
        if draft is None:
            return False
        self.replace(draft, "Restore unsaved changes")
        return True


def recovery_folder() -> Path:
    """The folder of recovery copies: `recovery` in the user's cache dir."""
    return paths.cache_dir() / "recovery"


def untitled_recoveries() -> list[tuple[Path, str, float]]:
    """Recovery copies of projects that were never saved (no file to reopen them from):
    (recovery file, project name, when written), newest first."""
    found: list[tuple[Path, str, float]] = []
    for file in recovery_folder().glob(f"*{SUFFIX}.json"):
        try:
            payload = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(payload, dict) and payload.get("path") is None \
                and isinstance(payload.get("draft"), dict):
            name = str(payload["draft"].get("name") or "Untitled")
            found.append((file, name, float(payload.get("saved_at") or 0.0)))
    return sorted(found, key=lambda item: -item[2])


def document_from_recovery(file: Path, parent: QObject | None = None) -> ProjectDocument | None:
    """An unsaved project back from its recovery copy; dirty until saved."""
    draft = read_recovery(file)
    if draft is None:
        return None
    document = ProjectDocument(draft, None, parent)
    document.undo_stack.resetClean()  # never clean: it has never been saved
    return document


def read_recovery(path: Path) -> dict[str, Any] | None:
    """The draft kept in the recovery file at `path`; None when the file cannot be read, is not JSON
    or holds no draft."""
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    draft = payload.get("draft") if isinstance(payload, dict) else None
    return draft if isinstance(draft, dict) else None


def recovery_newer_than_file(document: ProjectDocument) -> bool:
    """A recovery copy exists and was written after the project file was last saved."""
    recovery = document.recovery_path()
    if not recovery.exists():
        return False
    if document.path is None or not document.path.exists():
        return True
    return recovery.stat().st_mtime > document.path.stat().st_mtime
