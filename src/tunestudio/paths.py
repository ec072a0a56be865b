"""Where TuneStudio keeps its files: platformdirs locations, each overridable by an
environment variable so that tests and portable installs never touch the user's real dirs."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import platformdirs

APP_NAME = "TuneStudio"
APP_AUTHOR = "TuneStudio"

_ENV = {
    "data": "TUNESTUDIO_DATA_DIR",
    "config": "TUNESTUDIO_CONFIG_DIR",
    "cache": "TUNESTUDIO_CACHE_DIR",
    "log": "TUNESTUDIO_LOG_DIR",
}


def _dir(kind: str, default: str) -> Path:
    override = os.environ.get(_ENV[kind])
    path = Path(override).expanduser() if override else Path(default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Trial databases and demo projects."""
    return _dir("data", platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def config_dir() -> Path:
    """Preferences and the list of trusted user code files."""
    return _dir("config", platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def cache_dir() -> Path:
    """Recovery copies of unsaved projects and other disposable files."""
    return _dir("cache", platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """The folder of the window's rotating log file, `tunestudio.log` (override:
    TUNESTUDIO_LOG_DIR)."""
    return _dir("log", platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def default_database_path(project_id: uuid.UUID) -> Path:
    """The project's history lives under the data dir keyed by its id, so moving the
    project file keeps its trials."""
    folder = data_dir() / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{project_id}.sqlite"


def default_storage_url(project_id: uuid.UUID) -> str:
    """The SQLAlchemy URL (`sqlite:///...`) of `default_database_path(project_id)`, the
    history of a project whose file names no storage URL of its own."""
    return f"sqlite:///{default_database_path(project_id).as_posix()}"


def datasets_dir() -> Path:
    """Data sets TuneStudio builds for its templates (e.g. the digits as PNG files)."""
    return data_dir() / "datasets"


def digits_images_dir() -> Path:
    """The `images` template's folder of digit PNGs, built on first use."""
    return datasets_dir() / "digits-png"


def project_files_dir(project_id: uuid.UUID) -> Path:
    """The project's own folder under the data dir (beside its default database): its trial
    checkpoints live here, whatever database URL the project uses."""
    folder = data_dir() / "projects" / str(project_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def artifacts_dir(project_id: uuid.UUID) -> Path:
    """Optuna's FileSystemArtifactStore of the project: one file per artifact id."""
    folder = project_files_dir(project_id) / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def resume_dir(project_id: uuid.UUID) -> Path:
    """Checkpoints of trials in flight (latest and best so far), one folder per Optuna trial
    id; a finished trial's folder goes once its best checkpoint is an artifact."""
    folder = project_files_dir(project_id) / "running"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def program_trials_dir(project_id: uuid.UUID) -> Path:
    """Folders of the project's program trials (log, output, checkpoint), one per Optuna trial
    id (see search/program/files.py)."""
    return project_files_dir(project_id) / "programs"


def program_trial_log(project_id: uuid.UUID, optuna_trial_id: int, repeat: int = 0) -> Path:
    """The log of one run (`repeat`) of a program trial: everything it printed."""
    suffix = f"-r{repeat}" if repeat else ""
    return program_trials_dir(project_id) / str(optuna_trial_id) / f"log{suffix}.txt"


def folder_size(path: Path) -> tuple[int, int]:
    """(bytes, files) of the regular files under `path`; (0, 0) when it does not exist. Reads
    the folder only, so that `tunestudio info` reports disk use without torch or Optuna."""
    total = count = 0
    if not path.is_dir():
        return 0, 0
    for entry in path.rglob("*"):
        try:
            if entry.is_file() and not entry.is_symlink():
                total += entry.stat().st_size
                count += 1
        except OSError:  # a file removed while we walk (retention, a finished trial)
            continue
    return total, count


def checkpoint_disk_use(project_id: uuid.UUID) -> dict[str, object]:
    """Disk use of a project's checkpoints, for `tunestudio info` and the GUI: bytes and files
    of the finished trials' artifacts and of the running (or interrupted) trials' resume
    checkpoints, the folder they live in (`path`) and the artifact store's folder
    (`artifacts_path`: what optuna-dashboard's `--artifact-dir` serves)."""
    folder = data_dir() / "projects" / str(project_id)  # read only: nothing is created
    kept, kept_files = folder_size(folder / "artifacts")
    running, running_files = folder_size(folder / "running")
    return {"path": str(folder), "artifacts_path": str(folder / "artifacts"),
            "bytes": kept + running, "artifacts_bytes": kept,
            "artifacts": kept_files, "resume_bytes": running, "resume_files": running_files}
