"""Optuna's tables and ours share one database, whichever is created first, and each side
reads its own as it is."""

from __future__ import annotations

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
    assert ours == {"ts_meta", "ts_experiment", "ts_trial", "ts_step", "ts_eval"}
    assert {"studies", "trials", "trial_params", "trial_values", "version_info"} <= names
