"""Connection set-up: SQLite pragmas, readers that never wait, concurrent first opens, the
database clock, and where a project's history lives by default."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from store_helpers import start

from tunestudio import paths
from tunestudio.config import Project
from tunestudio.store import Store, optuna_engine_kwargs, storage_url_for
from tunestudio.store.clock import epoch_now
from tunestudio.store.database import display_url
from tunestudio.store.errors import StoreError


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(sqlite_url: str) -> None:
    with Store.open(sqlite_url, busy_timeout_s=7) as store, store._db.read() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 7000,
                      "synchronous": 1}


def test_readers_do_not_wait_for_an_open_write_transaction(sqlite_url: str) -> None:
    """The GUI thread reads while a trial thread holds a write transaction."""
    with Store.open(sqlite_url) as store:
        eid = store.ensure_experiment("e", "s")
        start(store, eid)
        with store._db.write() as conn:
            conn.exec_driver_sql("UPDATE ts_trial SET notes = 'uncommitted'")
            t0 = time.perf_counter()
            rows = store.trials()
            assert time.perf_counter() - t0 < 0.5
            assert rows[0].notes == ""  # the committed state, not the pending one
        assert store.trials()[0].notes == "uncommitted"


def test_many_processes_opening_a_fresh_database_at_once(url: str) -> None:
    """Workers started together all create-or-find the same tables without failing."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_and_write(n: int) -> None:
        try:
            barrier.wait()
            with Store.open(url) as store:
                eid = store.ensure_experiment("shared", "study")
                start(store, eid, number=n)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_and_write, args=(n,)) for n in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    with Store.open(url) as store:
        assert sorted(t.number for t in store.trials()) == list(range(6))


def test_times_come_from_the_database_clock(store: Store) -> None:
    with store._db.read() as conn:
        now = conn.execute(epoch_now().select()).scalar_one()
    assert abs(now - time.time()) < 5


def test_default_url_is_keyed_by_the_project_id(isolated_dirs: Path) -> None:
    project = Project(id=uuid.UUID(int=42))
    url = storage_url_for(project)
    assert url == paths.default_storage_url(project.id)
    assert str(uuid.UUID(int=42)) in url and str(isolated_dirs) in url
    with Store.for_project(project) as store:
        assert store.url == url and store.trials() == []
    assert storage_url_for(Project(storage_url=" sqlite:////x.db ")) == "sqlite:////x.db"


def test_display_url_hides_the_password() -> None:
    assert display_url("postgresql+psycopg2://me:secret@db:5432/h") == \
        "postgresql+psycopg2://me:***@db:5432/h"


def test_optuna_engine_kwargs_wait_on_sqlite_locks() -> None:
    assert optuna_engine_kwargs("sqlite:////x.db", 12) == {"connect_args": {"timeout": 12}}
    assert optuna_engine_kwargs("postgresql+psycopg2://h/db") == {"pool_pre_ping": True}


# A process on a platform without fcntl (Windows has msvcrt instead): the setup lock of two
# stores on one SQLite file still excludes, and is free again once released.
_NO_FCNTL = r"""
import sys
sys.modules["fcntl"] = None  # `import fcntl` raises ImportError, as on Windows
import threading
from tunestudio.store import Store

url = sys.argv[1]
with Store.open(url) as first, Store.open(url) as second:
    entered = threading.Event()

    def wait_for_lock():
        with second.setup_lock():
            entered.set()

    with first.setup_lock():
        other = threading.Thread(target=wait_for_lock)
        other.start()
        assert not entered.wait(0.5), "both stores held the setup lock at once"
    assert entered.wait(30), "the setup lock was not free after its release"
    other.join()
print("excluded")
"""


def test_the_setup_lock_excludes_without_fcntl(tmp_path: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'history.sqlite').as_posix()}"
    done = subprocess.run([sys.executable, "-c", _NO_FCNTL, url], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "excluded", done.stderr


def test_a_postgresql_url_without_its_driver_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for driver in ("psycopg", "psycopg2"):  # SQLAlchemy 2.1's and 2.0's for postgresql://
        monkeypatch.setitem(sys.modules, driver, None)  # `import` raises ImportError
    with pytest.raises(StoreError, match=r"pip install 'tunestudio\[postgres\]'"):
        Store.open("postgresql://user@127.0.0.1:1/db")



def test_threads_opening_fresh_sqlite_databases_together_wait_for_the_wal_switch(
        tmp_path: Path) -> None:
    """Switching a fresh database to WAL takes an exclusive lock without waiting on SQLite's
    busy handler: one of six openers got "database is locked" at once in 2 of 15 runs (the
    message then claimed 30 s of waiting). Eight fresh databases, six openers each."""
    for attempt in range(8):
        url = f"sqlite:///{(tmp_path / f'history-{attempt}.sqlite').as_posix()}"
        errors: list[BaseException] = []
        barrier = threading.Barrier(6)

        def open_it(url: str = url, errors: list[BaseException] = errors,
                    barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                with Store.open(url) as store:
                    store.ensure_experiment("shared", "study")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert errors == [], attempt
