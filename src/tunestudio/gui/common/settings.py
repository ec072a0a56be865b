"""The user's preferences, recent files and window state, kept with QSettings in an INI file
under the config dir (so tests and portable installs, which move that dir, never touch the
user's real settings)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QByteArray, QSettings

from tunestudio import paths

Theme = Literal["system", "light", "dark"]
THEMES: tuple[Theme, ...] = ("system", "light", "dark")
MAX_RECENT = 10
AUTO_WORKERS = 0  # the run toolbar's Workers "Auto": `--workers auto` (local_workers.auto_workers)
_DATA_ENV = "TUNESTUDIO_DATA_DIR"
_env_set_here = False  # whether the data dir in the environment came from the preference


class Settings:
    """The user's settings in `tunestudio.ini` under `paths.config_dir()` (QSettings, INI format):
    preferences, recent files, the place last shown per project, the main window's geometry."""

    def __init__(self) -> None:
        self._qs = QSettings(str(paths.config_dir() / "tunestudio.ini"),
                             QSettings.Format.IniFormat)

    def sync(self) -> None:
        """Writes the changes to the file now and reads those another instance or process made
        (QSettings.sync)."""
        self._qs.sync()

    # -- preferences ---------------------------------------------------------------------------
    @property
    def default_device(self) -> str:
        """`auto`, `cpu`, `cuda:0`, `mps`: what the device picker selects at start."""
        return str(self._qs.value("run/default_device", "auto"))

    @default_device.setter
    def default_device(self, value: str) -> None:
        self._qs.setValue("run/default_device", value)

    @property
    def workers(self) -> int:
        """Trials a run trains at once on this machine (the run toolbar's Workers, as
        `tunestudio run --workers N`); AUTO_WORKERS (0, `--workers auto`) when unset or
        unreadable."""
        value = self._qs.value("run/workers", AUTO_WORKERS)
        try:
            return max(AUTO_WORKERS, int(str(value)))
        except ValueError:
            return AUTO_WORKERS

    @workers.setter
    def workers(self, value: int) -> None:
        self._qs.setValue("run/workers", max(AUTO_WORKERS, int(value)))

    @property
    def theme(self) -> Theme:
        """`system` (follow the platform), `light` or `dark`; `system` when unset or unknown."""
        value = str(self._qs.value("appearance/theme", "system"))
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: Theme) -> None:
        self._qs.setValue("appearance/theme", value)

    @property
    def language(self) -> str:
        """`system` (the locale's language), `en` or `zh_CN`: the window's language, applied when
        the app starts (gui/common/i18n.py)."""
        value = str(self._qs.value("appearance/language", "system"))
        return value if value in ("system", "en", "zh_CN") else "system"

    @language.setter
    def language(self, value: str) -> None:
        self._qs.setValue("appearance/language", value)

    @property
    def data_dir(self) -> str:
        """Empty: the platform's data dir (or TUNESTUDIO_DATA_DIR when set)."""
        return str(self._qs.value("storage/data_dir", ""))

    @data_dir.setter
    def data_dir(self, value: str) -> None:
        self._qs.setValue("storage/data_dir", value)

    def apply_data_dir(self) -> None:
        """Point `paths.data_dir()` at the chosen folder, unless the environment named one
        before (an explicit override, e.g. in tests, wins)."""
        global _env_set_here
        if _DATA_ENV in os.environ and not _env_set_here:
            return
        if self.data_dir:
            os.environ[_DATA_ENV] = self.data_dir
            _env_set_here = True
        elif _env_set_here:
            del os.environ[_DATA_ENV]
            _env_set_here = False

    # -- recent files --------------------------------------------------------------------------
    def recent_files(self) -> list[Path]:
        """The recently opened or saved project files, newest first (at most MAX_RECENT)."""
        raw = self._qs.value("files/recent", [])
        items: list[object] = [raw] if isinstance(raw, str) else \
            list(raw) if isinstance(raw, list | tuple) else []
        return [Path(p) for p in items if isinstance(p, str) and p]

    def add_recent(self, path: Path) -> None:
        """Puts `path` (resolved) first in the recent files, dropping its older entry and any past
        MAX_RECENT."""
        entry = path.resolve()
        items = [p for p in self.recent_files() if p != entry]
        self._qs.setValue("files/recent", [str(p) for p in [entry, *items][:MAX_RECENT]])

    def remove_recent(self, path: Path) -> None:
        """Takes `path` (resolved) out of the recent files."""
        self._qs.setValue("files/recent",
                          [str(p) for p in self.recent_files() if p != path.resolve()])

    @property
    def last_folder(self) -> Path | None:
        """The folder a file dialog last opened or saved in."""
        value = str(self._qs.value("files/last_folder", ""))
        return Path(value) if value else None

    @last_folder.setter
    def last_folder(self, value: Path) -> None:
        self._qs.setValue("files/last_folder", str(value))

    def project_place(self, project_id: str) -> tuple[str | None, str | None]:
        """The experiment and the tab last shown for a project: (experiment name, tab title)."""
        experiment = str(self._qs.value(f"places/{project_id}/experiment", "")) or None
        tab = str(self._qs.value(f"places/{project_id}/tab", "")) or None
        return experiment, tab

    def set_project_place(self, project_id: str, experiment: str | None,
                          tab: str | None) -> None:
        """Keeps the experiment and the tab last shown for project `project_id` (None: none), for
        `project_place`."""
        self._qs.setValue(f"places/{project_id}/experiment", experiment or "")
        self._qs.setValue(f"places/{project_id}/tab", tab or "")

    # -- window state --------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        """The main window's geometry as `QWidget.saveGeometry` gave it, or None when none is
        kept."""
        value = self._qs.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        """The main window's toolbars and docks as `QMainWindow.saveState` gave them, or None when
        none is kept."""
        value = self._qs.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        """Keeps the main window's geometry and state for the next start."""
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
