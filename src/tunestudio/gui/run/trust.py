"""Trust for the user's own Python files (a model or data `kind: python`, a data
`kind: python_dataset`). Opening a project never runs code; running one that names such a file
first asks the user to confirm it, showing its path. The answer is remembered by the file's
content hash in the config dir, so an edited file is asked about again."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from tunestudio import paths
from tunestudio.config import Project, RunConfig, merge_values
from tunestudio.config.projectfile import write_atomic
from tunestudio.errors import TuneStudioError
from tunestudio.gui.common.i18n import translate


@dataclass(frozen=True)
class UserCode:
    role: str  # "model" or "data"
    path: Path


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
    for config in configs:
        for role, source in (("model", config.model), ("data", config.data.source)):
            if getattr(source, "kind", None) in ("python", "python_dataset"):
                path = (base_dir / str(getattr(source, "path", ""))).resolve()
                found.setdefault(path, UserCode(role, path))
    return list(found.values())


def file_hash(path: Path) -> str:
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

    def is_trusted(self, path: Path) -> bool:
        try:
            digest = file_hash(path)
        except OSError:
            return False
        return self._load().get(str(path.resolve())) == digest

    def trust(self, path: Path) -> None:
        data = self._load()
        data[str(path.resolve())] = file_hash(path)
        write_atomic(self._file, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"),
                     private=True)


def confirm_user_code(parent: QWidget | None, files: list[UserCode],
                      store: TrustStore | None = None) -> bool:
    """True when every file is trusted, asking about each one not yet trusted (or changed since).
    A missing file, or a refusal, means nothing runs."""
    store = store or TrustStore()
    for code in files:
        if not code.path.is_file():
            QMessageBox.warning(parent, translate("trust", "User code not found"),
                                translate("trust", "The project's {role} file does not "
                                                   "exist:\n\n{path}").format(
                                                       role=code.role, path=code.path))
            return False
        if store.is_trusted(code.path):
            continue
        box = QMessageBox(QMessageBox.Icon.Warning, translate("trust", "Run your Python file?"),
                          translate("trust",
                                    "This project runs its {role} from a Python file:").format(
                              role=code.role), parent=parent)
        box.setObjectName("trustDialog")
        box.setInformativeText(
            translate("trust", "<p><code>{path}</code></p><p>The file runs with your permissions. "
                               "Run it only if you wrote it or trust where it came from. "
                               "TuneStudio remembers your answer until the file "
                               "changes.</p>").format(path=code.path))
        box.setDetailedText(f"SHA-256: {file_hash(code.path)}")
        run = box.addButton(translate("trust", "Trust and run"), QMessageBox.ButtonRole.AcceptRole)
        refuse = box.addButton(translate("trust", "Don't run"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(refuse)
        box.exec()
        if box.clickedButton() is not run:
            return False
        store.trust(code.path)
    return True
