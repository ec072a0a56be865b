from __future__ import annotations

import uuid
from pathlib import Path

from tunestudio import paths


def test_dirs_follow_the_environment(isolated_dirs: Path) -> None:
    assert paths.data_dir() == isolated_dirs / "data"
    assert paths.config_dir() == isolated_dirs / "config"
    assert paths.cache_dir() == isolated_dirs / "cache"
    assert paths.log_dir() == isolated_dirs / "log"
    assert paths.data_dir().is_dir()


def test_default_storage_is_keyed_by_project_id(isolated_dirs: Path) -> None:
    pid = uuid.UUID(int=7)
    url = paths.default_storage_url(pid)
    assert url.startswith("sqlite:///") and url.endswith(f"{pid}.sqlite")
    assert paths.default_database_path(pid).parent == isolated_dirs / "data" / "projects"
