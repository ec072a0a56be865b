"""Optuna's schema for a new SQLite database, written from a template of it.

Optuna sets up a new database through its version manager: it creates its tables, imports
alembic and reads its 30 migration scripts to stamp the head revision (0.35 s of a new
project's first run on a 2-core CPU, about a fifth of the command's start-up). What that
leaves in the database is the same for every database of one Optuna version on one SQLite
library: its tables' and indexes' `CREATE` statements, the `alembic_version` row and the
`version_info` row. So the first time Optuna sets one up, that schema is kept in the user's
cache folder (`save_template`), and a later new database of the same Optuna version, schema
version and SQLite library gets it in one transaction (`apply_template`: milliseconds).
Anything else (PostgreSQL, a database that already holds any of Optuna's tables, another
version, a template that cannot be read or fails to apply) is set up by Optuna itself, as
before.

It reads Optuna's table list through its SQLAlchemy models (optuna.storages._rdb, as
search/queue.py does); an Optuna that moved them leaves every database to Optuna."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from typing import Any

import optuna
import sqlalchemy

from tunestudio import paths

try:  # Optuna's table definitions (as search/queue.py reads them)
    from optuna.storages._rdb import models as _models
except ImportError:  # a later Optuna moved them: Optuna sets up every database itself
    _models = None  # type: ignore[assignment]

TEMPLATE_FILE = "optuna_schema.json"
ROW_TABLES = ("alembic_version", "version_info")  # the rows a set-up leaves
_CREATE = re.compile(r"\s*CREATE (UNIQUE )?(TABLE|INDEX) ", re.IGNORECASE)
_COLUMN = re.compile(r"\w+")


def template_key() -> str | None:
    """What a template depends on: the Optuna version, its schema version and the SQLite
    library's version (None where this Optuna's tables are unknown)."""
    if _models is None:
        return None
    return f"optuna {optuna.__version__} schema {_models.SCHEMA_VERSION} " \
           f"sqlite {sqlite3.sqlite_version}"


def _tables() -> set[str]:
    assert _models is not None
    return set(_models.BaseModel.metadata.tables) | {"alembic_version"}


def is_sqlite(url: str) -> bool:
    """Whether `url` names a SQLite database; raises sqlalchemy's ArgumentError for a malformed
    URL."""
    return sqlalchemy.engine.make_url(url).get_backend_name() == "sqlite"


def holds_optuna_tables(conn: sqlalchemy.Connection) -> bool:
    """Whether any of Optuna's tables (or alembic's) exists in the database."""
    names = set(sqlalchemy.inspect(conn).get_table_names())
    return bool(names & _tables())


def save_template(engine: sqlalchemy.Engine) -> None:
    """Keep the Optuna schema that Optuna just set up in the SQLite database of `engine` (its
    `CREATE` statements in the order SQLite holds them, and its version rows) as the template
    of this Optuna version. A cache folder that cannot be written keeps nothing."""
    key = template_key()
    if key is None or engine.dialect.name != "sqlite":
        return
    tables = sorted(_tables())
    try:
        with engine.connect() as conn:
            ddl = [sql for (sql,) in conn.execute(sqlalchemy.text(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN :names "
                "ORDER BY rowid").bindparams(sqlalchemy.bindparam("names", expanding=True)),
                {"names": tables})]
            rows = {table: [dict(r._mapping) for r in conn.execute(sqlalchemy.text(
                f"SELECT * FROM {table}"))] for table in ROW_TABLES}
    except sqlalchemy.exc.SQLAlchemyError:
        return
    made = {name for name in (_created(sql) for sql in ddl) if name is not None}
    if not set(tables) <= made or any(len(rows[t]) != 1 for t in ROW_TABLES):
        return  # not what a fresh set-up leaves: keep no template of it
    target = paths.cache_dir() / TEMPLATE_FILE
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f"{target.name}.{os.getpid()}.part")
        part.write_text(json.dumps({"key": key, "ddl": ddl, "rows": rows}), encoding="utf-8")
        part.replace(target)
    except OSError:
        pass


def _created(sql: str) -> str | None:
    """The table a `CREATE TABLE` statement makes, or None for another statement."""
    match = re.match(r'\s*CREATE TABLE\s+"?(\w+)"?', sql, re.IGNORECASE)
    return None if match is None else match.group(1)


def _template() -> dict[str, Any] | None:
    key = template_key()
    try:
        data = json.loads((paths.cache_dir() / TEMPLATE_FILE).read_text(encoding="utf-8"))
        assert isinstance(data, dict) and data.get("key") == key and key is not None
        # what a set-up leaves, nothing else: CREATE statements, rows of plain columns
        assert isinstance(data["ddl"], list) and all(
            isinstance(s, str) and _CREATE.match(s) for s in data["ddl"])
        rows = data["rows"]
        assert isinstance(rows, dict) and all(
            isinstance(rows.get(t), list) and len(rows[t]) == 1 and isinstance(rows[t][0], dict)
            and all(_COLUMN.fullmatch(c) for c in rows[t][0]) for t in ROW_TABLES)
        return data
    except (OSError, ValueError, KeyError, AssertionError):
        return None


def apply_template(url: str) -> bool:
    """Give the new SQLite database at `url` this Optuna version's schema from the template,
    in one transaction; True when done. False, leaving the database as it was, for another
    database (not SQLite, or already holding any of Optuna's tables), without a template of
    this Optuna version, or when a statement fails (another process set it up meanwhile).
    The transaction is SQLite's own (`BEGIN IMMEDIATE`, the write lock from its start): the
    Python driver would otherwise run each `CREATE` outside any transaction."""
    if _models is None or not is_sqlite(url):
        return False
    template = _template()
    database = sqlalchemy.engine.make_url(url).database
    if template is None or not database or database == ":memory:":
        return False
    try:
        conn = sqlite3.connect(database, isolation_level=None, timeout=30.0)
    except sqlite3.Error:
        return False
    try:
        if _holds_tables(conn):  # read first: an existing history takes no write lock here
            return False
        conn.execute("BEGIN IMMEDIATE")
        try:
            if _holds_tables(conn):  # another process set it up meanwhile
                conn.execute("ROLLBACK")
                return False
            for sql in template["ddl"]:
                conn.execute(sql)
            for table in ROW_TABLES:
                for row in template["rows"][table]:
                    columns = list(row)
                    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                                 f"({', '.join('?' for _ in columns)})",
                                 [row[c] for c in columns])
            conn.execute("COMMIT")
            return True
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            return False
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _holds_tables(conn: sqlite3.Connection) -> bool:
    names = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    return bool(names & _tables())


def fresh_sqlite(url: str) -> bool:
    """Whether `url` is a SQLite database that holds none of Optuna's tables yet (a set-up by
    Optuna then is worth keeping as the template)."""
    if _models is None or not is_sqlite(url):
        return False
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return not holds_optuna_tables(conn)
    except sqlalchemy.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()
