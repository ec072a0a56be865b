"""Trials keep their environment record; a comparison names how two environments differ."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tunestudio.store import Store, migrations
from tunestudio.store.database import Database
from tunestudio.store.environment import environment_differences
from tunestudio.store.records import trial_records

ENV = {"tunestudio": "0.1.0", "python": "3.11.7", "torch": "2.13.0", "numpy": "2.0",
       "cuda": None, "cudnn": None, "driver": None, "device": "cpu", "device_name": "EPYC",
       "os": "Linux", "files": {"model.path": {"path": "net.py", "sha256": "a" * 64}},
       "git": {"commit": "c" * 40, "dirty": False}}


def test_environment_is_stored_with_the_trial(store: Store) -> None:
    eid = store.ensure_experiment("e", "s")
    tid = store.start_trial(eid, number=0, optuna_trial_id=0, params={"lr": 0.1},
                            config_json="{}", device="cpu", seed=0, environment=ENV)
    bare = store.start_trial(eid, number=1, optuna_trial_id=1, params={"lr": 0.2},
                             config_json="{}", device="cpu", seed=0)
    assert store.trial(tid).environment == ENV
    assert store.trial(bare).environment == {}
    assert store.environments(eid) == {tid: ENV, bare: {}}
    assert store.trials()[0].environment is None  # the list stays light
    assert [r["environment"] for r in trial_records(store, "e")] == [ENV, {}]


# The version just before the environment column.
BEFORE = 1 + migrations.MIGRATIONS.index(migrations._add_trial_environment)


def test_an_older_history_gains_the_column_and_keeps_its_trials(url: str) -> None:
    with Store.open(url) as store:
        eid = store.ensure_experiment("old", "s")
        tid = store.start_trial(eid, number=0, optuna_trial_id=0, params={}, config_json="{}",
                                device="cpu", seed=0)
    db = Database(url)  # turn it back into the layout of version 1
    try:
        with db.write() as conn:
            conn.execute(text("ALTER TABLE ts_trial DROP COLUMN environment_json"))
            conn.execute(text("UPDATE ts_meta SET value = :v WHERE key = 'schema_version'"),
                         {"v": str(BEFORE)})
    finally:
        db.close()
    with Store.open(url) as store:
        assert store.schema_version == migrations.target_version(migrations.MIGRATIONS)
        assert store.trial(tid).environment == {}
        with store._db.read() as conn:
            assert "environment_json" in {c["name"] for c in inspect(conn).get_columns(
                "ts_trial")}


def test_differences_name_versions_files_and_git() -> None:
    other = {**ENV, "torch": "2.14.0",
             "files": {"model.path": {"path": "net.py", "sha256": "b" * 64}},
             "git": {"commit": "d" * 40, "dirty": True}}
    found = {d.field: d for d in environment_differences(ENV, other)}
    assert set(found) == {"torch", "files.model.path.sha256", "git.commit", "git.dirty"}
    assert found["torch"].describe() == "torch: 2.13.0 vs 2.14.0"
    assert found["files.model.path.sha256"].describe() == \
        f"model.path (contents): {'a' * 12} vs {'b' * 12}"
    assert environment_differences(ENV, dict(ENV)) == []
    assert environment_differences(ENV, {}) == []  # nothing recorded: nothing to compare
