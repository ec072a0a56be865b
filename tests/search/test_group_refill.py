"""A fused search keeps its groups full: a row that a trial leaves (pruned, finished) takes
the next asked trial at the next epoch, asked after every result before it was told (an
asynchronous parallel search's shape), and a trial that cannot join the running group starts
the next round instead."""

from __future__ import annotations

from typing import Any

import optuna

from tiny_projects import tiny_project
from tunestudio.config import Budget, CategoricalDimension, FloatDimension
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.search.storage import optuna_storage, storage_url

LR = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)


def run(updates: dict[str, Any], epochs: int = 2) -> tuple[list[Any], list[Any]]:
    proj = tiny_project({"sampler_seed": 1, "fuse": "fixed", "fuse_trials": 4, **updates},
                        epochs=epochs, fraction=0.2)
    name = proj.experiments[0].name
    ExperimentRunner(proj, name, options=RunOptions(device="cpu")).run()
    store = open_store(proj)
    try:
        rows = sorted(store.trials(), key=lambda r: r.number)
    finally:
        store.close()
    study = optuna.load_study(study_name=name, storage=optuna_storage(storage_url(proj)))
    return rows, sorted(study.trials, key=lambda t: t.number)


def test_a_fused_tpe_group_takes_each_next_trial_after_the_results_before_it() -> None:
    """TPE, groups of 4, 10 trials of one shape: every trial trains in the first group (its
    rows refilled as they free), never more than 4 at once, and each trial after the first 4
    was asked once at least its number - 3 trials were complete in Optuna: it saw their
    results."""
    rows, trials = run({"strategy": "tpe", "dimensions": [LR], "budget": Budget(trials=10)})
    assert len(rows) == 10 and all(r.state == "complete" for r in rows)
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None
    assert all(r.started_at is not None and r.finished_at is not None for r in rows)
    spans = [(r.started_at or 0.0, r.finished_at or 0.0) for r in rows]
    assert max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans) == 4
    for trial in trials[4:]:
        told = sum(1 for t in trials if t.datetime_complete is not None and
                   t.datetime_complete <= trial.datetime_start)
        assert told >= trial.number - 3, (trial.number, told)


def test_a_trial_that_cannot_join_the_running_group_trains_in_the_next_round() -> None:
    """Random batch sizes: a trial asked for a freed row of a group of another batch size
    cannot join it; it starts the next round. Every asked trial trains, each group holds one
    batch size, and none is left running."""
    batch = CategoricalDimension(path="training.batch_size", choices=[16, 32])
    rows, trials = run({"strategy": "random", "dimensions": [LR, batch],
                        "budget": Budget(trials=12)})
    assert len(rows) == 12 and all(r.state == "complete" for r in rows)
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    by_group: dict[str, set[int]] = {}
    for r in rows:
        by_group.setdefault(r.group_id or f"alone-{r.number}", set()).add(
            r.params["training.batch_size"])
    assert all(len(sizes) == 1 for sizes in by_group.values())
