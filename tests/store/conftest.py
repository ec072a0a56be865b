"""Every store test runs on SQLite and, when TUNESTUDIO_TEST_PG_URL names a server
(.ci/postgres.sh starts one), on PostgreSQL too, each test in a schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from tunestudio.store import Store

NO_PG = ("TUNESTUDIO_TEST_PG_URL is not set and no throw-away server could be started "
         "(see the '==> PostgreSQL' line above; tests/pg_server.py says what it needs)")


def pg_url() -> str:
    """The test server's URL; read when a test runs, since the session may start the server
    after this file is imported (tests/pg_server.py)."""
    return os.environ.get("TUNESTUDIO_TEST_PG_URL", "")


def _pg_schema_url() -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards; the URL selects it for us and for
    Optuna alike (search_path)."""
    name = f"ts_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
        url = make_url(pg_url()).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'history.sqlite').as_posix()}"
        return
    if not pg_url():
        pytest.skip(NO_PG)
    yield from _pg_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'history.sqlite').as_posix()}"


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = Store.open(url)
    yield opened
    opened.close()


@pytest.fixture
def experiment_id(store: Store) -> int:
    return store.ensure_experiment("lr sweep", "lr-sweep-study", goal="accuracy")

