"""Reading and writing `*.tuneproj` files: JSON with a schema version, migrated forward on load,
written atomically. Every way a file can be wrong ends in one ProjectFileError that names the
field (or line and column); a file that fails to load is never written by this module."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tunestudio.config.problems import validation_problems
from tunestudio.config.project import SCHEMA_VERSION, Project
from tunestudio.errors import TuneStudioError
from tunestudio.messages import N_

SUFFIX = ".tuneproj"


class ProjectFileError(TuneStudioError):
    """A project file could not be read. `problems` holds (field path, message) pairs."""

    def __init__(self, path: Path | str, problems: list[tuple[str, str]]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {loc}: {msg}" for loc, msg in problems))


# Forward migrations: MIGRATIONS[v] turns a version-v document into version v + 1.
def _v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 (the 0.0 preview) named the LR `learning_rate` and kept experiments in a
    mapping keyed by name."""
    opt = doc.get("baseline", {}).get("optimizer")
    if isinstance(opt, dict) and "learning_rate" in opt:
        opt["lr"] = opt.pop("learning_rate")
    exps = doc.get("experiments")
    if isinstance(exps, dict):
        doc["experiments"] = [
            {"name": name, **body} if isinstance(body, dict) else body
            for name, body in exps.items()
        ]
    for exp in doc.get("experiments") or []:
        search = exp.get("search") if isinstance(exp, dict) else None
        for dim in (search or {}).get("dimensions") or []:
            if isinstance(dim, dict) and dim.get("path") == "optimizer.learning_rate":
                dim["path"] = "optimizer.lr"
    doc["schema_version"] = 2
    return doc


def _v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 3 added a program baseline (`baseline.program`, `baseline.params`) and metrics a
    program names; a version-2 file has neither, so only its version changes. The new version
    keeps a TuneStudio that predates programs from misreading a program project: it says the
    file is newer instead of naming the program fields as typos."""
    doc["schema_version"] = 3
    return doc


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2,
                                                                     2: _v2_to_v3}


def migrate(doc: dict[str, Any], path: Path | str = "<memory>") -> dict[str, Any]:
    """A parsed project document brought up to `SCHEMA_VERSION`, one version at a time
    (`MIGRATIONS`), not yet validated; an older document is changed in place. Raises
    ProjectFileError, naming `path`, when `schema_version` is missing or not an int, newer than
    this TuneStudio reads or below 1, or when a migration fails on a malformed document."""
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectFileError(path, [("schema_version", N_(
            "ProjectFile", "missing or not an integer; this is not a TuneStudio project "
            "file"))])
    if version > SCHEMA_VERSION:
        raise ProjectFileError(path, [("schema_version", N_(
            "ProjectFile", "{version} was written by a newer TuneStudio (this one reads up to "
            "{known}); update TuneStudio").format(version=version, known=SCHEMA_VERSION))])
    if version < 1:
        raise ProjectFileError(path, [("schema_version", N_(
            "ProjectFile", "{version} is not a known version").format(version=version))])
    while version < SCHEMA_VERSION:
        try:
            doc = MIGRATIONS[version](doc)
        except (AttributeError, TypeError, KeyError, ValueError) as exc:
            raise ProjectFileError(
                path, [("(file)", f"cannot migrate from version {version}: {exc}")]
            ) from None
        version += 1
    return doc


def parse_project(text: str | bytes, path: Path | str = "<memory>") -> Project:
    """Parse the text of a project file. Raises ProjectFileError only."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProjectFileError(path, [("(file)", N_(
                "ProjectFile", "not UTF-8 text (byte {byte}); is this a project file?").format(
                byte=exc.start))]) from None
    if not text.strip():
        raise ProjectFileError(path, [("(file)", N_("ProjectFile", "the file is empty"))])
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFileError(path, [(
            N_("ProjectFile", "line {line}, column {column}").format(line=exc.lineno,
                                                                     column=exc.colno),
            N_("ProjectFile", "invalid JSON: {error}").format(error=exc.msg))]) from None
    except RecursionError:
        raise ProjectFileError(path, [("(file)", "JSON nested too deeply")]) from None
    if not isinstance(doc, dict):
        raise ProjectFileError(path, [("(file)", "expected a JSON object at the top level")])
    doc = migrate(doc, path)
    try:
        return Project.model_validate(doc)
    except ValidationError as exc:
        raise ProjectFileError(path, validation_problems(exc, doc)) from None
    except RecursionError:
        raise ProjectFileError(path, [("(file)", "nested too deeply")]) from None


def load_project(path: Path | str) -> Project:
    """The project in the file at `path`, migrated and validated (`parse_project`). Raises
    ProjectFileError only: no such file, a file that cannot be read, or any problem
    `parse_project` finds."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(path, [("(file)", N_("ProjectFile", "no such file"))]) from None
    except OSError as exc:
        raise ProjectFileError(path, [("(file)", f"cannot read: {exc.strerror}")]) from None
    return parse_project(raw, path)


def dump_project(project: Project) -> str:
    """The text of the project's file: its JSON indented by 2, non-ASCII characters kept as they
    are, ending in a newline."""
    return json.dumps(project.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def save_project(project: Project, path: Path | str) -> None:
    """Write atomically: a temp file in the same folder, fsync, then rename over the target, so
    an interrupted save leaves the previous file intact."""
    write_atomic(Path(path), dump_project(project).encode("utf-8"))


def write_atomic(path: Path, payload: bytes, *, private: bool = False) -> None:
    """Replace `path` by `payload` atomically. The file keeps the permissions of the one it
    replaces; a new one gets those of any new file (0o666 less the umask, e.g. 0o644), as a
    project file shared with a team must. `private` keeps the temp file's 0o600 (the user's
    own settings and drafts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if not private:
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except OSError:
                mode = 0o666 & ~_umask()
            with contextlib.suppress(OSError):  # e.g. a file system without POSIX modes
                Path(tmp).chmod(mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _umask() -> int:
    """The process's umask: read from /proc where Linux shows it, else by setting it and
    setting it back (a moment in which a file another thread creates gets 0o022)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
