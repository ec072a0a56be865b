"""The schema version of our tables and the functions that upgrade an older database.

The version lives in the `ts_meta` row `schema_version` (a table rather than SQLite's PRAGMA
user_version, so that it works the same on PostgreSQL). A fresh database gets the current
layout straight from schema.py; an older one runs `MIGRATIONS[v - 1]` for each version v it is
behind, in the same transaction, so a failed upgrade leaves the database as it was. A database
written by a newer TuneStudio is refused rather than damaged.

To change the layout: edit schema.py (what a fresh database gets), append a function here that
brings the previous layout to the new one, and test it from a database made with the previous
list (tests/store/test_migrations.py shows how).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, MetaData, bindparam, inspect, select, update

from tunestudio.config.fingerprint import fingerprint_json
from tunestudio.store import schema
from tunestudio.store.errors import StoreError

Migration = Callable[[Connection], None]


def _add_config_fingerprint(conn: Connection) -> None:
    """Version 2: each trial's config fingerprint, computed for the trials already stored from
    their config snapshots (invalid trials have none and keep NULL)."""
    conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN config_fingerprint VARCHAR(64)")
    t = schema.trial
    rows = conn.execute(select(t.c.id, t.c.config_json).where(t.c.config_json != "")).all()
    values = [{"tid": tid, "fp": fingerprint_json(text)} for tid, text in rows]
    values = [v for v in values if v["fp"] is not None]
    if values:
        conn.execute(update(t).where(t.c.id == bindparam("tid"))
                     .values(config_fingerprint=bindparam("fp")), values)


def _add_trial_environment(conn: Connection) -> None:
    """Version 3: each trial's environment (versions, device, user file hashes, git); `{}` for
    the trials already stored, which recorded none."""
    if "environment_json" not in {c["name"] for c in inspect(conn).get_columns("ts_trial")}:
        conn.exec_driver_sql(
            "ALTER TABLE ts_trial ADD COLUMN environment_json TEXT NOT NULL DEFAULT '{}'")


def _resumed_from_step(conn: Connection) -> None:
    """Version 4: trials resumed from a checkpoint record the step they went on from."""
    if "resumed_from_step" not in {c["name"] for c in inspect(conn).get_columns("ts_trial")}:
        conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN resumed_from_step INTEGER")


def _add_group_id(conn: Connection) -> None:
    """Version 5: the fused group a trial trained in (NULL: it trained alone)."""
    if "group_id" not in {c["name"] for c in inspect(conn).get_columns("ts_trial")}:
        conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN group_id VARCHAR(64)")


def _add_step_wall_s(conn: Connection) -> None:
    """Version 6: each step's wall-clock seconds of training; NULL for the steps already
    stored, which recorded none (views fall back to the evaluations' times for them)."""
    if "wall_s" not in {c["name"] for c in inspect(conn).get_columns("ts_step")}:
        conn.exec_driver_sql("ALTER TABLE ts_step ADD COLUMN wall_s FLOAT")


def _add_excluded_reason(conn: Connection) -> None:
    """Version 7: a trial the user excluded keeps why (NULL: counted, as every trial so far)."""
    if "excluded_reason" not in {c["name"] for c in inspect(conn).get_columns("ts_trial")}:
        conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN excluded_reason TEXT")


def _add_verdict(conn: Connection) -> None:
    """Version 8: each trial's provenance verdict, kept (store/provenance.py); NULL for the
    trials already stored, judged by the first view that needs them and kept from then on."""
    columns = {c["name"] for c in inspect(conn).get_columns("ts_trial")}
    if "verdict_baseline" not in columns:
        conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN verdict_baseline VARCHAR(64)")
    if "verdict_current" not in columns:
        conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN verdict_current BOOLEAN")
    indexes = {i["name"] for i in inspect(conn).get_indexes("ts_trial")}
    for columns_of_index in (("experiment_id", "verdict_baseline", "verdict_current"),
                             ("experiment_id", "repeats", "state")):
        name = "ix_ts_trial_" + "_".join(columns_of_index)
        if name not in indexes:
            conn.exec_driver_sql(f"CREATE INDEX {name} ON ts_trial "
                                 f"({', '.join(columns_of_index)})")
    if "ix_ts_trial_excluded" not in indexes:
        conn.exec_driver_sql(schema.EXCLUDED_INDEX)


def _add_hparam(conn: Connection) -> None:
    """Version 9: the hyperparameter changes of population-based training (ts_hparam); the
    trials already stored changed none."""
    if not inspect(conn).has_table(schema.hparam.name):
        schema.hparam.create(conn)


def _add_ensembles(conn: Connection) -> None:
    """Version 10: the table of ensembles built of an experiment's trials (none so far: the
    ensembles built before were not kept)."""
    schema.ensemble.create(conn, checkfirst=True)


def _add_run_budgets(conn: Connection) -> None:
    """Version 11: the trial counts of runs (ts_run_budget); none is open, so the trials left
    waiting by earlier runs are popped as before until a run opens one."""
    schema.run_budget.create(conn, checkfirst=True)


# MIGRATIONS[i] upgrades a database from version i + 1 to version i + 2. Version 1 is the
# layout the store was released with.
MIGRATIONS: tuple[Migration, ...] = (_add_config_fingerprint, _add_trial_environment,
                                    _resumed_from_step, _add_group_id, _add_step_wall_s,
                                    _add_excluded_reason, _add_verdict, _add_hparam,
                                    _add_ensembles, _add_run_budgets)

VERSION_KEY = "schema_version"


def target_version(migrations: Sequence[Migration]) -> int:
    """The schema version these migrations lead to: 1 (the released layout) plus one per
    migration."""
    return 1 + len(migrations)


def stored_version(conn: Connection) -> int | None:
    """The version recorded in the database, or None when our tables were never created."""
    if not inspect(conn).has_table(schema.meta.name):
        return None
    value = conn.execute(
        select(schema.meta.c.value).where(schema.meta.c.key == VERSION_KEY)
    ).scalar_one_or_none()
    return None if value is None else int(value)


def _record_version(conn: Connection, version: int, exists: bool) -> None:
    table = schema.meta
    if exists:
        conn.execute(table.update().where(table.c.key == VERSION_KEY).values(value=str(version)))
    else:
        conn.execute(table.insert().values(key=VERSION_KEY, value=str(version)))


def check_supported(version: int | None, migrations: Sequence[Migration]) -> None:
    """Raise StoreError where the stored `version` is newer than this TuneStudio reads (None, a
    database without our tables, and older versions pass)."""
    target = target_version(migrations)
    if version is not None and version > target:
        raise StoreError(
            f"the trial history was written by a newer TuneStudio (schema version {version}; "
            f"this version reads up to {target}); update TuneStudio to open it"
        )


def upgrade(conn: Connection, *, metadata: MetaData = schema.metadata,
            migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Bring our tables to the current version inside the caller's write transaction; returns
    the version. The caller holds the database's write lock, so two processes opening a fresh
    database at once do not both create it."""
    version = stored_version(conn)
    check_supported(version, migrations)
    target = target_version(migrations)
    if version is None:
        metadata.create_all(conn)
        _record_version(conn, target, exists=False)
        return target
    for index in range(version - 1, target - 1):
        migrations[index](conn)
    if version != target:
        _record_version(conn, target, exists=True)
    return target
