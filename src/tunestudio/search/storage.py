"""Where an experiment's history lives: one database URL per project shared by Optuna's tables
and ours, so the GUI, the CLI, remote workers and optuna-dashboard all read the same trials."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from typing import Any

import optuna
import sqlalchemy

from tunestudio.config import Project
from tunestudio.search.liveness import storage_kwargs
from tunestudio.search.queue import index_queue
from tunestudio.search.schema_template import apply_template, fresh_sqlite, save_template
from tunestudio.store import Store, optuna_engine_kwargs, storage_url_for


def storage_url(project: Project) -> str:
    """The project's storage URL (see `store.storage_url_for`)."""
    return storage_url_for(project)


def open_store(project: Project, url: str | None = None) -> Store:
    """`Store.open` on `url`, or on the project's storage URL; raises StoreError like
    `Store.open`."""
    return Store.open(url or storage_url_for(project))


# The ts_meta row that says which Optuna version found this database's Optuna schema usable,
# and at which alembic revision: "<optuna version> <revision>".
SCHEMA_CHECKED_KEY = "optuna_schema_checked"

try:  # the module of Optuna's schema-version manager, which every RDBStorage runs
    from optuna.storages._rdb import storage as _rdb_storage
except ImportError:  # a later Optuna moved it: alembic runs as Optuna has it
    _rdb_storage = None  # type: ignore[assignment]

_checked_here = threading.local()  # `.on`: this thread opens a storage whose schema is checked


def skip_checked_alembic(module: Any = _rdb_storage) -> bool:
    """Make Optuna's version manager in `module` (optuna.storages._rdb.storage) skip its
    alembic step for a storage that `optuna_storage` opens on a database whose check is
    recorded (`schema_checked`): that step imports alembic (0.09 s on this 2-core CPU, at
    every process's first storage) only to read the revision the record already holds, and
    to stamp a database that has none. Every other storage, and every storage of another
    thread meanwhile, runs Optuna's own step. Idempotent. False, changing nothing, where the
    module has no `_VersionManager` with that step (a later Optuna)."""
    manager = getattr(module, "_VersionManager", None)
    if manager is None or not callable(getattr(manager, "_init_alembic", None)):
        return False
    if getattr(manager, "skips_checked_alembic", False):
        return True

    class CheckedVersionManager(manager):  # type: ignore[misc,valid-type]
        skips_checked_alembic = True

        def _init_alembic(self) -> None:
            if not getattr(_checked_here, "on", False):
                super()._init_alembic()

    module._VersionManager = CheckedVersionManager
    return True


@contextlib.contextmanager
def _opening_checked(checked: bool) -> Iterator[None]:
    _checked_here.on = checked
    try:
        yield
    finally:
        _checked_here.on = False


skip_checked_alembic()


@functools.lru_cache(maxsize=8)
def optuna_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's side of the same database, with Optuna's trial heartbeats on, so that trials
    of a process that died are found (search/liveness.py; its settings are read once, here).
    One per URL and process: creating it checks the schema version through alembic (a fifth
    of a second), and the app runs many experiments on the same database. It adds the index
    that pops a trial without reading the history (search/queue.py). Raises
    liveness.LivenessSettingError for an unusable heartbeat setting.

    Optuna's table creation and schema check run once per database and Optuna version: when
    our `ts_meta` records that this Optuna version checked the schema at the alembic revision
    the database still holds, the storage is created with Optuna's public
    `skip_table_creation` and `skip_compatibility_check` (measured: 0.2 -> 0.1 CPU s; the
    alembic step of Optuna's version manager, which imports alembic to read the revision the
    record holds, is skipped too: `skip_checked_alembic`). Any other case (no record, another
    Optuna, a revision changed by `optuna storage upgrade`, our tables not created yet, an
    unreadable record) takes the full check, and a check that passed is recorded. A new
    SQLite database gets Optuna's schema from the template that Optuna's first set-up of one
    left (search/schema_template.py), and is recorded as checked."""
    checked = schema_checked(url)
    fresh = False
    if not checked:
        if apply_template(url):  # a new SQLite database, this Optuna's schema written at once
            _record_schema_check_at(url)
            checked = schema_checked(url)
        else:
            fresh = fresh_sqlite(url)
    with _opening_checked(checked):
        storage = optuna.storages.RDBStorage(
            url, engine_kwargs=optuna_engine_kwargs(url), skip_table_creation=checked,
            skip_compatibility_check=checked, **storage_kwargs())
    if not checked:
        _record_schema_check(storage.engine)
        if fresh:  # as Optuna set it up: the template of the next new database
            save_template(storage.engine)
    if storage.engine.dialect.name == "sqlite":
        # Optuna's connections default to synchronous=FULL, an fsync per commit (several per
        # trial). In WAL mode NORMAL keeps every commit through a crash or kill -9 and risks
        # only the last ones on power loss, as for our own tables.
        sqlalchemy.event.listen(storage.engine, "connect", _sqlite_normal_sync)
        storage.engine.dispose()
    index_queue(storage.engine)
    return storage


def _sqlite_normal_sync(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _schema_stamp(conn: sqlalchemy.Connection) -> str | None:
    """This Optuna version and the database's alembic revision, or None without one."""
    revision = conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")
                            ).scalar_one_or_none()
    return None if revision is None else f"{optuna.__version__} {revision}"


def schema_checked(url: str) -> bool:
    """Whether this Optuna version found the database's Optuna schema usable at the revision it
    holds now (see `optuna_storage`); False whenever that cannot be read."""
    engine = sqlalchemy.create_engine(url, **optuna_engine_kwargs(url))
    try:
        with engine.connect() as conn:
            recorded = conn.execute(
                sqlalchemy.text("SELECT value FROM ts_meta WHERE key = :key"),
                {"key": SCHEMA_CHECKED_KEY}).scalar_one_or_none()
            return recorded is not None and recorded == _schema_stamp(conn)
    except sqlalchemy.exc.SQLAlchemyError:  # a fresh database: no ts_meta, no alembic_version
        return False
    finally:
        engine.dispose()


def _record_schema_check_at(url: str) -> None:
    engine = sqlalchemy.create_engine(url, **optuna_engine_kwargs(url))
    try:
        _record_schema_check(engine)
    finally:
        engine.dispose()


def _record_schema_check(engine: sqlalchemy.Engine) -> None:
    """Record that Optuna's check passed (a database without our tables keeps no record)."""
    try:
        with engine.begin() as conn:
            stamp = _schema_stamp(conn)
            if stamp is None:
                return
            conn.execute(sqlalchemy.text("DELETE FROM ts_meta WHERE key = :key"),
                         {"key": SCHEMA_CHECKED_KEY})
            conn.execute(sqlalchemy.text("INSERT INTO ts_meta (key, value) VALUES (:key, "
                                         ":value)"), {"key": SCHEMA_CHECKED_KEY, "value": stamp})
    except sqlalchemy.exc.SQLAlchemyError:
        pass
