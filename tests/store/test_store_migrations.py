"""Schema versions: a fresh database is stamped, an older one upgraded in place (data kept),
a newer one refused."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import Connection, inspect, text
from store_helpers import start

from tunestudio.config import from_template
from tunestudio.config.fingerprint import config_fingerprint
from tunestudio.store import EnsembleMember, Store, StoreError, migrations
from tunestudio.store import schema as tables
from tunestudio.store.budgets import UNBUDGETED
from tunestudio.store.database import Database

CURRENT = migrations.target_version(migrations.MIGRATIONS)


def _add_priority(conn: Connection) -> None:
    """A version 2 as a future release might write it: a new trial column with a default."""
    conn.exec_driver_sql("ALTER TABLE ts_trial ADD COLUMN priority INTEGER NOT NULL DEFAULT 5")


def _columns(url: str, table: str) -> set[str]:
    db = Database(url)
    try:
        with db.read() as conn:
            return {c["name"] for c in inspect(conn).get_columns(table)}
    finally:
        db.close()


def test_a_fresh_database_gets_the_current_version(store: Store) -> None:
    assert store.schema_version == migrations.target_version(migrations.MIGRATIONS)
    with store._db.read() as conn:
        names = set(inspect(conn).get_table_names())
    assert {t.name for t in tables.TABLES} <= names
    assert all(t.name.startswith(tables.PREFIX) for t in tables.TABLES)
    with store._db.read() as conn:  # the partial index, created by DDL beside the table
        assert "ix_ts_trial_excluded" in {i["name"] for i in inspect(conn).get_indexes("ts_trial")}


def test_reopening_an_up_to_date_database_changes_nothing(url: str) -> None:
    with Store.open(url) as first:
        eid = first.ensure_experiment("e", "s")
        start(first, eid)
    with Store.open(url) as again:
        assert again.schema_version == CURRENT and len(again.trials()) == 1


def test_an_older_database_is_upgraded_with_its_data(url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(url) as old:  # today's layout
        eid = old.ensure_experiment("old", "old-study", goal="kept")
        tid = start(old, eid)
        old.append_steps(tid, [(0, 0.0, 1.0, 0.1, 1.0)])
    assert "priority" not in _columns(url, "ts_trial")

    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, _add_priority))
    with Store.open(url) as new:
        assert new.schema_version == CURRENT + 1
        assert new.experiments()[0].goal == "kept"
        assert len(new.step_series([tid])[tid]) == 1
        with new._db.read() as conn:
            assert conn.execute(text("SELECT priority FROM ts_trial")).scalar_one() == 5
    assert "priority" in _columns(url, "ts_trial")
    with Store.open(url) as again:  # not migrated twice
        assert again.schema_version == CURRENT + 1


def test_version_1_gets_the_config_fingerprints_of_its_trials(url: str) -> None:
    """Version 1 had no fingerprint column: the upgrade adds it and fills it from each trial's
    config snapshot, so trials trained before the upgrade are judged like any other."""
    base = from_template("digits").baseline
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        tid = store.start_trial(eid, number=0, optuna_trial_id=0, params={},
                                config_json=base.model_dump_json(), device="cpu", seed=0)
        bad = store.record_invalid(eid, number=1, optuna_trial_id=1, params={"x": 1},
                                   message="refused")
        with store._db.write() as conn:  # back to the layout of version 1
            conn.exec_driver_sql("ALTER TABLE ts_trial DROP COLUMN config_fingerprint")
            conn.exec_driver_sql("ALTER TABLE ts_trial DROP COLUMN group_id")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '1' WHERE key = 'schema_version'")
    assert "config_fingerprint" not in _columns(url, "ts_trial")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert store.trial(tid).config_fingerprint == config_fingerprint(base)
        assert store.trial(bad).config_fingerprint is None


def test_version_3_gets_resumed_from_step(url: str) -> None:
    """Version 3 had no resumed_from_step column: the upgrade adds it, NULL for every trial
    stored before (none went on from a checkpoint)."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        tid = store.start_trial(eid, number=0, optuna_trial_id=0, params={}, config_json="",
                                device="cpu", seed=0)
        with store._db.write() as conn:  # back to the layout of version 3
            conn.exec_driver_sql("ALTER TABLE ts_trial DROP COLUMN resumed_from_step")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '3' WHERE key = 'schema_version'")
    assert "resumed_from_step" not in _columns(url, "ts_trial")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert store.trial(tid).resumed_from_step is None
        store.resume_trial(tid, 40)
        assert store.trial(tid).resumed_from_step == 40


def test_version_4_gets_the_group_column(url: str) -> None:
    """Version 4 had no fused groups: the upgrade adds the column, every old trial alone."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        tid = start(store, eid)
        with store._db.write() as conn:
            conn.exec_driver_sql("ALTER TABLE ts_trial DROP COLUMN group_id")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '4' WHERE key = 'schema_version'")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert store.trial(tid).group_id is None
        store.set_group([tid], "g1")
        assert store.trials(eid)[0].group_id == "g1"


def test_version_5_gets_step_wall_times(url: str) -> None:
    """Version 5 stored no wall-clock time per step: the upgrade adds the column, NULL (read as
    NaN) for the steps stored before, and new steps keep theirs."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        tid = start(store, eid)
        with store._db.write() as conn:  # back to the layout of version 5
            conn.exec_driver_sql("ALTER TABLE ts_step DROP COLUMN wall_s")
            conn.exec_driver_sql("INSERT INTO ts_step (trial_id, repeat, step, epoch, loss, lr, "
                                 f"grad_norm) VALUES ({tid}, 0, 1, 0.0, 2.0, 0.1, 1.0)")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '5' WHERE key = 'schema_version'")
    assert "wall_s" not in _columns(url, "ts_step")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        store.append_steps(tid, [(2, 0.0, 1.5, 0.1, 1.0, 0.25)])
        got = store.step_series([tid])[tid]
        assert got.loss.tolist() == [2.0, 1.5]
        assert math.isnan(got.wall_s[0]) and got.wall_s[1] == 0.25


def test_version_6_gets_the_excluded_reason(url: str) -> None:
    """Version 6 could not exclude a trial: the upgrade adds the column, every trial counted."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        start(store, eid)
        with store._db.write() as conn:  # back to the layout of version 6
            conn.exec_driver_sql("DROP INDEX ix_ts_trial_excluded")  # version 8's
            conn.exec_driver_sql("ALTER TABLE ts_trial DROP COLUMN excluded_reason")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '6' WHERE key = 'schema_version'")
    assert "excluded_reason" not in _columns(url, "ts_trial")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert store.trials(eid)[0].excluded_reason is None
        store.exclude_trials(eid, [0], "bad data")
        assert store.trials(eid)[0].excluded_reason == "bad data"


def test_version_9_gets_the_ensembles_table(url: str) -> None:
    """Version 9 kept no ensembles: the upgrade adds their table, the trials stay."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        tid = start(store, eid)
        with store._db.write() as conn:  # back to the layout of version 9
            conn.exec_driver_sql("DROP TABLE ts_ensemble")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '9' WHERE key = 'schema_version'")
    db = Database(url)
    with db.read() as conn:
        assert not inspect(conn).has_table("ts_ensemble")
    db.close()
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert [t.id for t in store.trials(eid)] == [tid] and store.ensembles() == []
        kept = store.record_ensemble(
            eid, method="top", k=1, task="classification", metric="val_accuracy",
            direction="maximize", members=[EnsembleMember(0, tid, 1, 0.9, {})],
            metrics={"val_accuracy": 0.9}, best_member=0, gain=0.0)
        assert store.ensembles(eid) == [kept] and kept.number == 1


def test_version_10_gets_the_run_budget_table(url: str) -> None:
    """Version 10 kept no run's count: the upgrade adds the table, no run open on it, so
    trials waiting from before are popped as they were."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        with store._db.write() as conn:  # back to the layout of version 10
            conn.exec_driver_sql("DROP TABLE ts_run_budget")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '10' WHERE key = 'schema_version'")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        assert store.open_run_budgets(eid) == [] and store.claim_trial(eid) == UNBUDGETED
        budget = store.open_run_budget(eid, 1, "host:1")
        assert store.claim_trial(eid) == budget and store.claim_trial(eid) is None


def test_a_failing_migration_leaves_the_database_as_it_was(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(conn: Connection) -> None:
        _add_priority(conn)
        raise RuntimeError("bug in migration")

    Store.open(url).close()
    real = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", (*real, broken))
    with pytest.raises(RuntimeError, match="bug in migration"):
        Store.open(url)
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
    assert "priority" not in _columns(url, "ts_trial")


def test_upgrade_runs_each_missing_step_in_order(url: str) -> None:
    calls: list[int] = []
    steps = (lambda c: calls.append(2), lambda c: calls.append(3), lambda c: calls.append(4))
    db = Database(url)
    try:
        with db.schema_lock() as conn:
            assert migrations.upgrade(conn, migrations=steps[:1]) == 2  # fresh: no steps run
        with db.schema_lock() as conn:
            assert migrations.upgrade(conn, migrations=steps) == 4
        assert calls == [3, 4]
    finally:
        db.close()


def test_a_database_from_a_newer_release_is_refused(url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    real = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", (*real, _add_priority))
    Store.open(url).close()  # one version ahead
    monkeypatch.setattr(migrations, "MIGRATIONS", real)
    with pytest.raises(StoreError, match="newer TuneStudio"):
        Store.open(url)


def test_version_is_a_row_not_a_sqlite_pragma(store: Store) -> None:
    """The same mechanism serves PostgreSQL."""
    with store._db.read() as conn:
        value = conn.execute(text("SELECT value FROM ts_meta WHERE key = 'schema_version'"))
        assert int(value.scalar_one()) == store.schema_version


def test_version_7_gets_the_kept_verdicts_and_their_indexes(url: str) -> None:
    """Version 7 kept no provenance verdict: the upgrade adds the columns (NULL: not judged)
    and the indexes that answer `info` without reading every trial."""
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "old-study")
        start(store, eid)
        with store._db.write() as conn:  # back to the layout of version 7
            for index in ("ix_ts_trial_experiment_id_verdict_baseline_verdict_current",
                          "ix_ts_trial_experiment_id_repeats_state", "ix_ts_trial_excluded"):
                conn.exec_driver_sql(f"DROP INDEX {index}")
            for column in ("verdict_baseline", "verdict_current"):
                conn.exec_driver_sql(f"ALTER TABLE ts_trial DROP COLUMN {column}")
            conn.exec_driver_sql("UPDATE ts_meta SET value = '7' WHERE key = 'schema_version'")
    assert "verdict_baseline" not in _columns(url, "ts_trial")
    with Store.open(url) as store:
        assert store.schema_version == CURRENT
        [row] = store.trials(eid)
        assert row.verdict_baseline is None and row.verdict_current is None
        with store._db.read() as conn:
            names = {i["name"] for i in inspect(conn).get_indexes("ts_trial")}
        assert {"ix_ts_trial_experiment_id_verdict_baseline_verdict_current",
                "ix_ts_trial_experiment_id_repeats_state", "ix_ts_trial_excluded"} <= names
        store.record_verdicts("f" * 64, {row.id: False})
        [row] = store.trials(eid)
        assert (row.verdict_baseline, row.verdict_current) == ("f" * 64, False)
