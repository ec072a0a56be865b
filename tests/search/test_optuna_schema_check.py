"""Optuna's table creation and schema check run once per database and Optuna version
(search/storage.py): later storages skip them through Optuna's public arguments, and anything
that changed (another Optuna, another alembic revision, no record) checks again."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import pytest
import sqlalchemy

from tunestudio.search import storage as storage_module
from tunestudio.search.storage import SCHEMA_CHECKED_KEY, optuna_storage, schema_checked
from tunestudio.store import Store


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """The keyword arguments of every RDBStorage that optuna_storage creates."""
    seen: list[dict[str, Any]] = []
    real = optuna.storages.RDBStorage

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, url: str, **kwargs: Any) -> None:
            seen.append(kwargs)
            super().__init__(url, **kwargs)

        # the real parameters: liveness.storage_kwargs names the stale-trial callback by them
        __init__.__signature__ = inspect.signature(real.__init__)  # type: ignore[attr-defined]

    # (the module's own import of optuna, not re-exported)
    monkeypatch.setattr(storage_module.optuna.storages, "RDBStorage", Spy)  # type: ignore[attr-defined]
    optuna_storage.cache_clear()
    yield seen
    optuna_storage.cache_clear()


def fresh(url: str) -> optuna.storages.RDBStorage:
    optuna_storage.cache_clear()  # one per URL and process: a new process, as it were
    return optuna_storage(url)


def skipped(kwargs: dict[str, Any]) -> bool:
    assert kwargs["skip_table_creation"] == kwargs["skip_compatibility_check"]
    return bool(kwargs["skip_table_creation"])


def test_the_schema_is_checked_once_per_database_and_optuna_version(
        tmp_path: Path, created: list[dict[str, Any]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'h.db'}"
    Store.open(url).close()  # our tables, where the record is kept
    assert not schema_checked(url)
    fresh(url)
    assert schema_checked(url)
    storage = fresh(url)
    assert [skipped(k) for k in created] == [False, True]
    optuna.create_study(storage=storage, study_name="s").optimize(lambda t: t.suggest_float(
        "x", 0, 1), n_trials=2)  # the skipping storage works
    assert len(fresh(url).get_all_trials(storage.get_study_id_from_name("s"))) == 2
    revision = storage.get_current_version()
    with sqlalchemy.create_engine(url).begin() as conn:  # `optuna storage upgrade` elsewhere
        conn.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = 'v9.9.9'"))
    assert not schema_checked(url)
    with pytest.raises(RuntimeError, match="no longer compatible"):
        fresh(url)  # checked again, and Optuna's own message says what to do
    with sqlalchemy.create_engine(url).begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = :v"),
                     {"v": revision})
    fresh(url)
    assert schema_checked(url)
    # another Optuna
    monkeypatch.setattr(storage_module.optuna, "__version__", "0.0.1")  # type: ignore[attr-defined]
    assert not schema_checked(url)
    created.clear()
    fresh(url)
    assert [skipped(k) for k in created] == [False]


def test_a_database_without_our_tables_is_checked_each_time(
        tmp_path: Path, created: list[dict[str, Any]]) -> None:
    url = f"sqlite:///{tmp_path / 'optuna-only.db'}"
    fresh(url)
    fresh(url)
    assert [skipped(k) for k in created] == [False, False]  # no ts_meta: no record kept
    with sqlalchemy.create_engine(url).connect() as conn:
        assert "ts_meta" not in sqlalchemy.inspect(conn).get_table_names()
    assert SCHEMA_CHECKED_KEY  # the record's name, for `tunestudio` tools reading ts_meta


def test_a_checked_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    """A process whose database's check is recorded opens Optuna's storage without Optuna's
    alembic step (its import alone cost 0.09 s here; the whole opening 0.23 s against 0.03 s),
    and the storage works; a fresh database still gets alembic's revision stamped."""
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'h.db'}"
    Store.open(url).close()
    fresh(url)  # checked and recorded, by this process
    assert schema_checked(url)
    probe = (
        "import sys, optuna\n"
        "from tunestudio.search.storage import optuna_storage\n"
        f"storage = optuna_storage({url!r})\n"
        "study = optuna.create_study(storage=storage, study_name='s')\n"
        "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2)\n"
        "print('alembic.migration' in sys.modules, len(study.trials))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "2"]
    other = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh(other)
    with sqlalchemy.create_engine(other).connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")
                            ).scalar_one()


def test_the_alembic_step_runs_for_every_other_storage(tmp_path: Path) -> None:
    """Only a storage that optuna_storage opens on a checked database skips the step: one
    created directly (another thread's, a tool's) on a fresh database runs Optuna's own and
    is stamped; an Optuna whose version manager moved or changed is left as it is."""
    from types import SimpleNamespace

    url = f"sqlite:///{tmp_path / 'direct.db'}"
    optuna.storages.RDBStorage(url)
    with sqlalchemy.create_engine(url).connect() as conn:
        assert conn.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")
                            ).scalar_one()
    assert storage_module.skip_checked_alembic()  # installed once, idempotent
    assert not storage_module.skip_checked_alembic(None)  # the module's import failed
    assert not storage_module.skip_checked_alembic(SimpleNamespace())
    assert not storage_module.skip_checked_alembic(SimpleNamespace(_VersionManager=object))
