"""Packaging fixtures: a throw-away HOME in which the freedesktop tools run as on a plain
session (no desktop environment detected, so xdg-mime uses its generic, file-based backend)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from packaging_helpers import SESSION_VARS, Run


@pytest.fixture
def session_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh user: HOME in tmp_path, no XDG_* and no session variables."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("XDG_") and k not in SESSION_VARS}
    env["HOME"] = str(home)
    return env


@pytest.fixture
def run_in_session(session_env: dict[str, str]) -> Run:
    """Runs a command in that environment (cwd: HOME), text output, 120 s limit."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env=env or session_env, cwd=session_env["HOME"],
                              capture_output=True, text=True, timeout=120, check=False)

    return run
