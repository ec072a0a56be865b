"""Trust for the user's own code: Python files (a model or data `kind: python`, a data
`kind: python_dataset`) and a program baseline (its command and the script it runs). Opening a
project never runs code; running one that names such code first asks the user to confirm it,
showing its path (and a program's command). The answer is remembered by the file's content hash
in the config dir, so an edited file is asked about again; a program that names no file of the
user's (an installed tool, `python -m package`) is remembered by its command and folder."""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from tunestudio import paths
from tunestudio.config import Project, RunConfig, merge_values
from tunestudio.config.program import program_folder, program_script
from tunestudio.config.projectfile import write_atomic
from tunestudio.errors import TuneStudioError
from tunestudio.gui.common.i18n import translate


@dataclass(frozen=True)
class UserCode:
    """Code of the user's that a run would execute: its `role` ("model", "data" or "program"),
    the file (for a program that names no file, its working folder), a program's command, and
    whether it is a file at all (`has_file`)."""

    role: str  # "model", "data" or "program"
    path: Path  # the file; for a program that names none, its working folder
    command: str = ""  # a program's command
    has_file: bool = True  # False: a program that runs no file of the user's

    @property
    def key(self) -> str:
        """What the trust store remembers it by."""
        return str(self.path.resolve()) if self.has_file \
            else f"command:{self.path.resolve()}:{self.command}"

    def digest(self) -> str:
        """The content confirmed: the file's hash (OSError when it cannot be read), or the
        command's."""
        if self.has_file:
            return file_hash(self.path)
        return hashlib.sha256(self.command.encode("utf-8")).hexdigest()


def user_code_files(project: Project, experiment: str, base_dir: Path) -> list[UserCode]:
    """Every Python file of the user's that running `experiment` may import: the baseline's, and
    those a searched `kind` could switch to."""
    configs: list[RunConfig] = [project.baseline]
    for dim in project.experiment(experiment).search.dimensions:
        choices = getattr(dim, "choices", None)
        for kind in ("python", "python_dataset"):
            if dim.path.endswith(".kind") and choices and kind in choices:
                try:
                    configs.append(merge_values(project.baseline, {dim.path: kind}))
                except TuneStudioError:
                    continue  # such trials are invalid and never run
    found: dict[Path, UserCode] = {}
    program = project.baseline.program
    if program is not None:
        script = program_script(program, base_dir)
        if script is not None:
            found[script.resolve()] = UserCode("program", script.resolve(), program.command)
        else:
            folder = program_folder(program, base_dir)
            found[folder] = UserCode("program", folder, program.command, has_file=False)
        return list(found.values())  # the built-in sections do not run
    for config in configs:
        for role, source in (("model", config.model), ("data", config.data.source)):
            if getattr(source, "kind", None) in ("python", "python_dataset"):
                path = (base_dir / str(getattr(source, "path", ""))).resolve()
                found.setdefault(path, UserCode(role, path))
    return list(found.values())


def file_hash(path: Path) -> str:
    """The SHA-256 of the file's content, as hex. Raises OSError when the file cannot be read."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TrustStore:
    """Trusted files as {absolute path: sha256 of the content the user confirmed}."""

    def __init__(self, file: Path | None = None) -> None:
        self._file = file or paths.config_dir() / "trusted_code.json"

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def is_trusted(self, code: UserCode | Path) -> bool:
        """Whether `code` (a bare path: a file) is trusted as it is now: its key is stored with
        its current digest. False when the file cannot be read."""
        code = code if isinstance(code, UserCode) else UserCode("file", code)
        try:
            digest = code.digest()
        except OSError:
            return False
        return self._load().get(code.key) == digest

    def trust(self, code: UserCode | Path) -> None:
        """Remembers `code` (a bare path: a file) as trusted with its current digest, written
        atomically to the store's file (private to the user). Raises OSError when the file cannot
        be read or the store cannot be written."""
        code = code if isinstance(code, UserCode) else UserCode("file", code)
        data = self._load()
        data[code.key] = code.digest()
        write_atomic(self._file, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"),
                     private=True)


def _role(role: str) -> str:
    """What the user's file provides (`model`, `data`, `program`) in the window's language."""
    names = {"model": translate("trust", "model"), "data": translate("trust", "data"),
             "program": translate("trust", "program")}
    return names.get(role, role)


def confirm_user_code(parent: QWidget | None, files: list[UserCode],
                      store: TrustStore | None = None) -> bool:
    """True when every file is trusted, asking about each one not yet trusted (or changed since).
    A missing file, or a refusal, means nothing runs."""
    store = store or TrustStore()
    for code in files:
        if code.has_file and not code.path.is_file():
            QMessageBox.warning(parent, translate("trust", "User code not found"),
                                translate("trust", "The project's {role} file does not "
                                                   "exist:\n\n{path}").format(
                                                       role=_role(code.role), path=code.path))
            return False
        if store.is_trusted(code):
            continue
        if code.role == "program":
            box = QMessageBox(QMessageBox.Icon.Warning,
                              translate("trust", "Run your training program?"),
                              translate("trust", "This project trains by running a program of "
                                                 "its own:"), parent=parent)
            where = translate("trust", "<p>It runs <code>{path}</code></p>") if code.has_file \
                else translate("trust", "<p>in <code>{path}</code></p>")
            until = translate("trust", "TuneStudio remembers your answer until the file "
                                       "changes.") if code.has_file \
                else translate("trust", "TuneStudio remembers your answer until the command "
                                        "changes.")
            box.setInformativeText(
                f"<p><code>{html.escape(code.command)}</code></p>"
                + where.format(path=html.escape(str(code.path)))
                + "<p>" + translate("trust", "Each trial runs it with your permissions. Run it "
                                             "only if you wrote it or trust where it came "
                                             "from.") + " " + until + "</p>")
        else:
            box = QMessageBox(QMessageBox.Icon.Warning,
                              translate("trust", "Run your Python file?"),
                              translate("trust",
                                        "This project runs its {role} from a Python file:").format(
                                  role=_role(code.role)), parent=parent)
            box.setInformativeText(
                translate("trust", "<p><code>{path}</code></p><p>The file runs with your "
                                   "permissions. Run it only if you wrote it or trust where it "
                                   "came from. TuneStudio remembers your answer until the file "
                                   "changes.</p>").format(path=code.path))
        box.setObjectName("trustDialog")
        box.setDetailedText(f"SHA-256: {code.digest()}")
        run = box.addButton(translate("trust", "Trust and run"), QMessageBox.ButtonRole.AcceptRole)
        refuse = box.addButton(translate("trust", "Don't run"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(refuse)
        box.exec()
        if box.clickedButton() is not run:
            return False
        store.trust(code)
    return True
