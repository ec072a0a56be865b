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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Start a throw-away PostgreSQL server (pg_server.py) when the selected tests need one and
    none is configured; it stops when the session ends."""
    from pg_server import ENV_SWITCH, ENV_URL, NoServerError, ThrowAwayServer

    if os.environ.get(ENV_URL) or not any(i.get_closest_marker("postgres") for i in items):
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get(ENV_SWITCH, "").lower() == "off":
        message = f"PostgreSQL tests opted out ({ENV_SWITCH}=off): they will be skipped"
    else:
        server = ThrowAwayServer()
        try:
            os.environ[ENV_URL] = server.start()
        except (NoServerError, OSError, RuntimeError) as exc:
            message = f"PostgreSQL not started ({exc}); the PostgreSQL tests will be skipped"
        else:
            config.add_cleanup(server.stop)
            config.add_cleanup(_forget_server_url)
            message = f"PostgreSQL for the tests: {os.environ[ENV_URL]} ({server.how})"
    if reporter is not None:
        reporter.write_line(f"==> {message}")


def _forget_server_url() -> None:
    """The throw-away server's URL leaves the environment with it."""
    from pg_server import ENV_URL

    os.environ.pop(ENV_URL, None)
