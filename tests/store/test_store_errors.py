"""Known database problems become StoreError with a message naming the problem and the fix;
bugs propagate unchanged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from store_helpers import start, steps

from tunestudio.errors import TuneStudioError
from tunestudio.store import Store, StoreError
from tunestudio.store.errors import known_problem


def test_store_error_is_a_tunestudio_error() -> None:
    assert issubclass(StoreError, TuneStudioError)


@pytest.mark.parametrize(("url", "expected"), [
    ("not a url", "not a database URL"),
    ("nosuchdb://host/db", "no database driver"),
    ("postgresql+nosuchdriver://h/db", "no database driver"),
    ("sqlite://", "in-memory"),
    ("sqlite:///:memory:", "in-memory"),
])
def test_bad_urls(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected):
        Store.open(url)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder does not exist"):
        Store.open(f"sqlite:///{tmp_path}/no/such/dir/history.sqlite")


def test_unreachable_server_fails_fast_with_the_url_but_not_the_password() -> None:
    with pytest.raises(StoreError, match="cannot reach the database server") as info:
        Store.open("postgresql+psycopg2://me:secret@127.0.0.1:1/db")
    assert "secret" not in str(info.value) and "127.0.0.1:1" in str(info.value)


@pytest.mark.parametrize("content", [b"this is not a database" * 100, b"SQLite format 3\x00" +
                                     b"\xff" * 4000])
def test_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "history.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="corrupt or is not a SQLite database"):
        Store.open(f"sqlite:///{path}")
    assert path.read_bytes() == content  # never overwritten


def test_locked_database_names_the_problem(sqlite_url: str) -> None:
    with Store.open(sqlite_url) as writer, Store.open(sqlite_url, busy_timeout_s=0.2) as other:
        eid = writer.ensure_experiment("e", "s")
        tid = start(writer, eid)
        with writer._db.write() as conn:  # holds the write lock
            with pytest.raises(StoreError, match="locked by another process"):
                other.append_steps(tid, steps(3))
            assert [t.id for t in other.trials()] == [tid]  # WAL: readers still read
            conn.exec_driver_sql("SELECT 1")


def test_disk_full(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    eid = store.ensure_experiment("e", "s")
    tid = start(store, eid)
    engine = store._db.engine
    engine.dispose()

    @event.listens_for(engine, "connect")
    def tiny(dbapi_connection: sqlite3.Connection, record: object) -> None:
        dbapi_connection.execute("PRAGMA max_page_count = 20")

    with pytest.raises(StoreError, match=r"disk .* is full"):
        store.append_steps(tid, steps(20_000))
    store.close()


def test_read_only_file(sqlite_url: str) -> None:
    Store.open(sqlite_url).close()
    path = sqlite_url.removeprefix("sqlite:///")
    with Store.open(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        assert store.trials() == []
        with pytest.raises(StoreError, match="read-only"):
            store.ensure_experiment("e", "s")


def test_bugs_propagate_unchanged(store: Store) -> None:
    with pytest.raises(DBAPIError) as info, store._db.read() as conn:
        conn.exec_driver_sql("SELECT * FROM no_such_table")
    assert not isinstance(info.value, StoreError)
    assert known_problem(ValueError("x"), "db") is None


def test_driver_errors_are_classified_by_code_not_only_text() -> None:
    exc = sqlite3.OperationalError("anything")
    exc.sqlite_errorcode = 13  # SQLITE_FULL
    assert "full" in (known_problem(exc, "db") or "")
    assert "locked" in (known_problem(sqlite3.OperationalError("database is locked"), "db")
                        or "")
