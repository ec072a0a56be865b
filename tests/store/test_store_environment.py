"""Trials keep their environment record; a comparison names how two environments differ."""

from __future__ import annotations

from sqlalchemy import inspect, text

from tunestudio.store import Store, migrations
from tunestudio.store.database import Database
from tunestudio.store.environment import environment_differences
from tunestudio.store.records import stream_records, trial_records

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


def test_streamed_records_are_the_records_and_the_noise_still_judged(store: Store) -> None:
    """`stream_records` (what `trials`/`export` write, a batch at a time) gives what
    `trial_records` gives, noise marks included once a trial ran several seeds."""
    eid = store.ensure_experiment("e", "s")
    other = store.ensure_experiment("f", "t")
    for n in range(5):
        tid = store.start_trial(eid, number=n, optuna_trial_id=n, params={"lr": n / 10},
                                config_json="{}", device="cpu", seed=n,
                                environment=ENV if n % 2 else None, repeats=1 + (n == 4))
        store.finish_trial(tid, state="complete", objective=n / 10,
                           objective_std=0.01 if n == 4 else None)
    store.start_trial(other, number=0, optuna_trial_id=0, params={"wd": 1.0}, config_json="{}",
                      device="cpu", seed=0)
    directions = {"e": "maximize", "f": "maximize"}
    streamed = list(stream_records(store, "e", directions=directions))  # type: ignore[arg-type]
    assert streamed == trial_records(store, "e", directions=directions)  # type: ignore[arg-type]
    assert streamed[4]["noise"] == "best"  # trial 4 ran two seeds: the spread is known
    assert list(stream_records(store)) == trial_records(store)
    assert list(stream_records(store, "missing")) == []
    assert store.param_names() == ["lr", "wd"] and store.param_names(other) == ["wd"]
    assert [t.number for t in store.stream_trials(eid, batch=2)] == [0, 1, 2, 3, 4]
    assert store.repeated_count() == 1 and store.repeated_count(other) == 0


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
