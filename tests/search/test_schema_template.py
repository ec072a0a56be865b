"""A new SQLite database gets Optuna's schema from the template that Optuna's first set-up of
one left in the cache (search/schema_template.py): the same schema, recorded as checked,
without Optuna's version manager (alembic); anything else is set up by Optuna as before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import sqlalchemy

from tunestudio import paths
from tunestudio.search import schema_template
from tunestudio.search.schema_template import TEMPLATE_FILE, apply_template, template_key
from tunestudio.search.storage import optuna_storage, schema_checked
from tunestudio.store import Store


def new_database(folder: Path, name: str) -> str:
    url = f"sqlite:///{folder / name}"
    Store.open(url).close()  # our tables first, as a run opens them
    return url


def optuna_schema(url: str) -> list[tuple[str, str, str]]:
    """Optuna's objects in the database (not ours), and its version rows."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            objects = [tuple(r) for r in conn.execute(sqlalchemy.text(
                "SELECT type, name, COALESCE(sql, '') FROM sqlite_master "
                "WHERE name NOT LIKE 'ts%' AND name NOT LIKE 'ix_ts%' ORDER BY name"))]
            versions = [tuple(str(v) for v in r) for table in ("alembic_version", "version_info")
                        for r in conn.execute(sqlalchemy.text(f"SELECT * FROM {table}"))]
    finally:
        engine.dispose()
    return objects + versions


def opened(url: str) -> optuna.storages.RDBStorage:
    optuna_storage.cache_clear()  # one per URL and process: a new process, as it were
    return optuna_storage(url)


def test_a_new_database_gets_the_schema_optunas_first_set_up_left(tmp_path: Path) -> None:
    first = new_database(tmp_path, "first.db")
    opened(first)  # set up by Optuna, kept as the template
    assert (paths.cache_dir() / TEMPLATE_FILE).exists()
    second = new_database(tmp_path, "second.db")
    probe = (  # a new process: no alembic imported, a working study, the check recorded
        "import sys, optuna\n"
        "from tunestudio.search.storage import optuna_storage\n"
        f"study = optuna.create_study(storage=optuna_storage({second!r}), study_name='s')\n"
        "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2)\n"
        "print('alembic' in sys.modules, len(study.trials))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "2"]
    assert optuna_schema(second) == optuna_schema(first)
    assert schema_checked(second)
    storage = opened(second)  # Optuna's own check agrees with the schema written
    assert storage.get_current_version() == storage.get_head_version()
    optuna_storage.cache_clear()


def test_a_template_is_used_only_for_a_new_sqlite_database_of_its_version(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened(new_database(tmp_path, "first.db"))
    kept = paths.cache_dir() / TEMPLATE_FILE
    template = json.loads(kept.read_text())
    assert template["key"] == template_key()
    taken = new_database(tmp_path, "taken.db")
    opened(taken)
    assert not apply_template(taken)  # it holds Optuna's tables already
    assert not apply_template("postgresql://nobody@localhost:1/none")  # never connects
    kept.write_text(json.dumps({**template, "key": "optuna 0.1 schema 1 sqlite 3"}))
    assert not apply_template(new_database(tmp_path, "other.db"))  # another Optuna's
    kept.write_text("{not json")
    assert not apply_template(new_database(tmp_path, "broken.db"))
    for ddl in (["DROP TABLE ts_meta"], [*template["ddl"], "DELETE FROM ts_meta"]):
        kept.write_text(json.dumps({**template, "ddl": ddl}))  # only what a set-up leaves
        assert not apply_template(new_database(tmp_path, f"odd{len(ddl)}.db"))
    rows = {**template["rows"], "version_info": [{"id; DROP TABLE ts_meta": 1}]}
    kept.write_text(json.dumps({**template, "rows": rows}))
    assert not apply_template(new_database(tmp_path, "columns.db"))
    monkeypatch.setattr(schema_template, "_models", None)  # an Optuna that moved its models
    kept.write_text(json.dumps(template))
    assert not apply_template(new_database(tmp_path, "moved.db"))
    optuna_storage.cache_clear()


def test_a_template_that_fails_leaves_the_database_to_optuna(tmp_path: Path) -> None:
    """A statement that fails rolls the whole template back: the database is set up by
    Optuna as before (and a good template kept again)."""
    opened(new_database(tmp_path, "first.db"))
    kept = paths.cache_dir() / TEMPLATE_FILE
    template = json.loads(kept.read_text())
    kept.write_text(json.dumps({**template, "ddl": [*template["ddl"][:3], "CREATE TABLE ("]}))
    url = new_database(tmp_path, "second.db")
    assert not apply_template(url)
    with sqlalchemy.create_engine(url).connect() as conn:
        assert not schema_template.holds_optuna_tables(conn)
    storage = opened(url)
    optuna.create_study(storage=storage, study_name="s").optimize(
        lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert schema_checked(url)
    assert json.loads(kept.read_text())["ddl"] == template["ddl"]
    optuna_storage.cache_clear()
