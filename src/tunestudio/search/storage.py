"""Where an experiment's history lives: one database URL per project shared by Optuna's tables
and ours, so the GUI, the CLI, remote workers and optuna-dashboard all read the same trials."""

from __future__ import annotations

import functools
from typing import Any

import optuna
import sqlalchemy

from tunestudio.config import Project
from tunestudio.search.liveness import storage_kwargs
from tunestudio.search.queue import index_queue
from tunestudio.store import Store, optuna_engine_kwargs, storage_url_for


def storage_url(project: Project) -> str:
    return storage_url_for(project)


def open_store(project: Project, url: str | None = None) -> Store:
    return Store.open(url or storage_url_for(project))


@functools.lru_cache(maxsize=8)
def optuna_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's side of the same database, with Optuna's trial heartbeats on, so that trials
    of a process that died are found (search/liveness.py; its settings are read once, here).
    One per URL and process: creating it checks the schema version through alembic (a fifth
    of a second), and the app runs many experiments on the same database. It adds the index
    that pops a trial without reading the history (search/queue.py). Raises
    liveness.LivenessSettingError for an unusable heartbeat setting."""
    storage = optuna.storages.RDBStorage(
        url, engine_kwargs=optuna_engine_kwargs(url), **storage_kwargs())
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
