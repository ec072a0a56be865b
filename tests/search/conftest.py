from __future__ import annotations

from pathlib import Path

import pytest

from tiny_projects import tiny_project
from tunestudio.config import save_project


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.tuneproj"
    save_project(tiny_project(), path)
    return path
