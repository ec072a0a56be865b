"""Optuna's tables and ours share one database, whichever is created first, and each side
reads its own as it is."""

from __future__ import annotations

import threading

import optuna
import pytest
from sqlalchemy import create_engine, inspect
from store_helpers import start

from tunestudio.store import Store, optuna_engine_kwargs

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _run_study(url: str, name: str, n_trials: int) -> optuna.Study:
    storage = optuna.storages.RDBStorage(url, engine_kwargs=optuna_engine_kwargs(url))
    study = optuna.create_study(storage=storage, study_name=name, load_if_exists=True,
                                direction="maximize")
    study.optimize(lambda t: t.suggest_float("lr", 1e-4, 1e-1, log=True), n_trials=n_trials)
    return study


def _record(store: Store, study: optuna.Study, experiment: str) -> int:
    eid = store.ensure_experiment(experiment, study.study_name)
    for ot in study.trials:
        tid = start(store, eid, number=ot.number, **ot.params)
        store.finish_trial(tid, state="complete", objective=ot.value)
    return eid


@pytest.mark.parametrize("ours_first", [True, False], ids=["store-first", "optuna-first"])
def test_optuna_and_the_store_share_a_database(url: str, ours_first: bool) -> None:
    if ours_first:
        store = Store.open(url)
        study = _run_study(url, "lr-study", 4)
    else:
        study = _run_study(url, "lr-study", 4)
        store = Store.open(url)
    try:
        eid = _record(store, study, "lr sweep")
        loaded = optuna.load_study(storage=url, study_name="lr-study")
        assert [t.number for t in loaded.trials] == [t.number for t in store.trials(eid)]
        assert [t.params for t in loaded.trials] == [t.params for t in store.trials(eid)]
        best = store.best_trial(eid, "maximize")
        assert best is not None and best.number == loaded.best_trial.number
        # More Optuna trials after our tables exist, and a reopened store: both still fine.
        _run_study(url, "lr-study", 2)
        assert len(optuna.load_study(storage=url, study_name="lr-study").trials) == 6
    finally:
        store.close()
    with Store.open(url) as again:
        assert len(again.trials(eid)) == 4

    engine = create_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    ours = {n for n in names if n.startswith("ts_")}
    assert ours == {"ts_meta", "ts_experiment", "ts_trial", "ts_step", "ts_eval", "ts_hparam",
                    "ts_ensemble", "ts_run_budget"}
    assert {"studies", "trials", "trial_params", "trial_values", "version_info"} <= names


def test_processes_starting_together_create_optunas_tables_once(url: str) -> None:
    """Optuna creates its tables without a lock; the store's setup lock serialises it."""
    stores = [Store.open(url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    errors: list[BaseException] = []

    def create(store: Store) -> None:
        try:
            barrier.wait()
            with store.setup_lock():
                storage = optuna.storages.RDBStorage(url, engine_kwargs=optuna_engine_kwargs(url))
                optuna.create_study(storage=storage, study_name="s", load_if_exists=True)
                storage.engine.dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(s,)) for s in stores]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for s in stores:
        s.close()
    assert errors == []
    assert len(optuna.get_all_study_summaries(storage=url)) == 1


def test_the_setup_lock_excludes_other_holders(url: str) -> None:
    with Store.open(url) as first, Store.open(url) as second:
        entered = threading.Event()

        def wait_for_lock() -> None:
            with second.setup_lock():
                entered.set()

        with first.setup_lock():
            other = threading.Thread(target=wait_for_lock)
            other.start()
            assert not entered.wait(0.3)
        assert entered.wait(5)
        other.join()
        with first.setup_lock():  # free again, and re-entrant after release
            pass
