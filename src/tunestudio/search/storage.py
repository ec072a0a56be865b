"""Where an experiment's history lives: one database URL per project shared by Optuna's tables
and ours, so the GUI, the CLI, remote workers and optuna-dashboard all read the same trials."""

from __future__ import annotations

import optuna

from tunestudio.config import Project
from tunestudio.store import Store, optuna_engine_kwargs, storage_url_for

HEARTBEAT_INTERVAL_S = 2
GRACE_PERIOD_S = 20


def storage_url(project: Project) -> str:
    return storage_url_for(project)


def open_store(project: Project, url: str | None = None) -> Store:
    return Store.open(url or storage_url_for(project))


def optuna_storage(url: str) -> optuna.storages.RDBStorage:
    """Optuna's side of the same database, with heartbeats so that trials of a process that
    died are found (see runner._sweep_stale)."""
    return optuna.storages.RDBStorage(
        url, engine_kwargs=optuna_engine_kwargs(url),
        heartbeat_interval=HEARTBEAT_INTERVAL_S, grace_period=GRACE_PERIOD_S,
    )
