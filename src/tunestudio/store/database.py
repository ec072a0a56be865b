"""The connection to one project's database: engine set-up per dialect, transactions, and the
boundary where known failures become StoreError.

SQLite is tuned for a desktop app with one writer thread per process and readers everywhere:
- WAL journal: readers (the GUI thread) never wait for the writer, and a process killed mid-write
  leaves every committed transaction intact (the WAL is replayed on the next open).
- synchronous=NORMAL: in WAL mode a commit survives a crashed or killed process; only a power
  cut may lose the last commits, never corrupt the file. It makes commits several times faster.
- a busy timeout, so concurrent writers (threads, workers) wait for each other instead of failing.
- foreign keys on, so deleting a trial deletes its series.
- write transactions start with BEGIN IMMEDIATE: a deferred transaction that reads and then
  writes can fail at once with SQLITE_BUSY when another writer committed in between, and the busy
  timeout cannot help it; taking the write lock up front makes writers queue instead.
PostgreSQL needs no tuning beyond pre-ping (a restarted server is reconnected to transparently)
and a connect timeout (an unreachable server fails in seconds, not minutes).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock
from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry

from tunestudio.store.errors import StoreError, translate_errors

# Any 64-bit constants. The first serialises our schema creation and upgrades on PostgreSQL
# (a transaction lock); the second is the session lock of setup_lock(). They differ so that a
# process holding the setup lock can still open a Store on another connection.
_PG_SCHEMA_LOCK = 0x7475_6E65_7374_7564  # "tunestud"
_PG_SETUP_LOCK = 0x7475_6E65_7365_7475  # "tunesetu"
_WRITE = "ts_write"


def parse_url(url: str) -> URL:
    """`url` parsed by SQLAlchemy; raises StoreError (with two example URLs) where it is not a
    database URL."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"'{url}' is not a database URL; use for example sqlite:////path/to/history.sqlite "
            f"or postgresql+psycopg2://user:password@host:5432/dbname"
        ) from exc


def display_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages and logs."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def optuna_engine_kwargs(url: str, busy_timeout_s: float = 30.0) -> dict[str, Any]:
    """`engine_kwargs` for `optuna.storages.RDBStorage` on the same database, so that Optuna's
    writes wait for ours (and ours for Optuna's) instead of failing with 'database is locked'."""
    if parse_url(url).get_backend_name() == "sqlite":
        return {"connect_args": {"timeout": busy_timeout_s}}
    return {"pool_pre_ping": True}


class Database:
    """An engine plus `read()` and `write()` transactions that translate known failures."""

    def __init__(self, url: str, *, busy_timeout_s: float = 30.0) -> None:
        self.url = url
        self.parsed = parse_url(url)
        self.where = display_url(self.parsed)
        self.busy_timeout_s = busy_timeout_s
        self.is_sqlite = self.parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and (self.parsed.database or ":memory:") == ":memory:":
            raise StoreError(
                "an in-memory SQLite database cannot hold the trial history: every connection "
                "(each thread, Optuna, a SeriesWriter) would see its own empty database; use a "
                "file, e.g. sqlite:////path/to/history.sqlite"
            )
        self.engine = self._create_engine()

    def _create_engine(self) -> Engine:
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": self.busy_timeout_s,
                                      "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            if self.parsed.get_backend_name() == "postgresql" and \
                    self.parsed.get_driver_name() == "psycopg2":
                kwargs["connect_args"] = {"connect_timeout": 10}
        try:
            engine = create_engine(self.parsed, **kwargs)
        except (NoSuchModuleError, ModuleNotFoundError, ImportError) as exc:
            hint = "install PostgreSQL's driver with `pip install 'tunestudio[postgres]'`" \
                if self.parsed.get_backend_name() == "postgresql" else \
                "use a sqlite:/// or postgresql:// URL, or install the driver the URL names"
            raise StoreError(f"no database driver for '{self.where}' ({exc}); {hint}") from exc
        except (ArgumentError, TypeError, ValueError) as exc:
            raise StoreError(f"the storage URL '{self.where}' is not usable: {exc}") from exc
        if self.is_sqlite:
            event.listen(engine, "connect", self._on_sqlite_connect)
            event.listen(engine, "begin", _on_sqlite_begin)
        return engine

    def _on_sqlite_connect(self, dbapi_connection: sqlite3.Connection,
                           record: ConnectionPoolEntry) -> None:
        # SQLAlchemy emits BEGIN itself (see _on_sqlite_begin); the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            _use_wal(cursor, self.busy_timeout_s)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction: one consistent snapshot for several queries."""
        with translate_errors(self.where, self.busy_timeout_s), self.engine.connect() as conn, \
                conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction, committed when the block ends, rolled back if it raises."""
        with translate_errors(self.where, self.busy_timeout_s), self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def schema_lock(self) -> Iterator[Connection]:
        """A write transaction that also excludes other processes creating or upgrading the
        schema at the same time (SQLite's write lock already does; PostgreSQL needs a lock)."""
        with self.write() as conn:
            if self.parsed.get_backend_name() == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_SCHEMA_LOCK})")
            yield conn

    @contextmanager
    def setup_lock(self) -> Iterator[None]:
        """Excludes other processes that take the same lock, without holding any lock on the
        database's tables: for creating Optuna's tables, which Optuna does without a lock (two
        processes starting together on a fresh database can both try to create them).

        PostgreSQL: a session advisory lock, so it spans machines. SQLite: an exclusive lock on
        a `<database>.lock` file beside the database, since holding SQLite's own write lock
        would block Optuna's DDL in this very process. The file lock is `filelock`'s: flock on
        POSIX, msvcrt.locking on Windows, a lock file's existence where neither exists; each
        call opens its own handle, so threads of one process exclude each other too."""
        if self.parsed.get_backend_name() == "postgresql":
            with translate_errors(self.where, self.busy_timeout_s), \
                    self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_SETUP_LOCK})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_SETUP_LOCK})")
        elif self.is_sqlite and self.parsed.database:
            lock_path = Path(self.parsed.database.removeprefix("file:").split("?")[0] + ".lock")
            # thread_local=False: the lock object is this call's alone, not shared by threads
            with FileLock(lock_path, thread_local=False):
                yield
        else:
            yield

    def check_connection(self) -> None:
        """Fail now, with a clear message, when the database cannot be reached or read."""
        with self.read() as conn:
            if self.is_sqlite:
                # Reading the schema makes SQLite read page 1: a corrupt or foreign file fails
                # here rather than at the first write.
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
            else:
                conn.exec_driver_sql("SELECT 1").scalar_one()

    def close(self) -> None:
        """Dispose of the engine: close its pooled connections."""
        self.engine.dispose()


def _on_sqlite_begin(conn: Connection) -> None:
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN"
    conn.exec_driver_sql(mode)


def _use_wal(cursor: sqlite3.Cursor, busy_timeout_s: float) -> None:
    """Puts the database in WAL mode (kept in the file: later connections find it so). The
    switch takes an exclusive lock without waiting on the busy handler, so connections that
    open a fresh database together got "database is locked" at once (2 of 15 runs of six
    threads); it is tried again until the busy timeout."""
    deadline = time.monotonic() + busy_timeout_s
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)
