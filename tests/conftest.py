"""Every test runs with its own data/config/cache/log dirs and never touches the user's files.
Qt runs offscreen: without a display the process would abort."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TUNESTUDIO_TORCH_THREADS", "1")


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory: pytest.TempPathFactory,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("tunestudio-home")
    for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
        monkeypatch.setenv(f"TUNESTUDIO_{kind}_DIR", str(root / kind.lower()))
    yield root
