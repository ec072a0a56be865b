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
    return _dir("log", platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


def default_database_path(project_id: uuid.UUID) -> Path:
    """The project's history lives under the data dir keyed by its id, so moving the
    project file keeps its trials."""
    folder = data_dir() / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{project_id}.sqlite"


def default_storage_url(project_id: uuid.UUID) -> str:
    return f"sqlite:///{default_database_path(project_id).as_posix()}"


def datasets_dir() -> Path:
    """Data sets TuneStudio builds for its templates (e.g. the digits as PNG files)."""
    return data_dir() / "datasets"
