"""The trial lifecycle and the trial readers."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import pytest
from store_helpers import start

from tunestudio.store import TRIAL_STATES, NotFoundError, Store, TrialState


def test_round_trip_of_a_finished_trial(store: Store, experiment_id: int) -> None:
    before = time.time()
    tid = store.start_trial(experiment_id, number=3, optuna_trial_id=12,
                            params={"optimizer.lr": 0.01, "model.kind": "mlp", "depth": 3},
                            config_json='{"full": "snapshot"}', device="cuda:0", seed=2**40,
                            repeats=2)
    running = store.trial(tid)
    # a StrEnum equals its string, which mypy's strict equality does not know
    assert running.state == TrialState.RUNNING == "running"  # type: ignore[comparison-overlap]
    assert running.heartbeat_at is not None and running.finished_at is None
    assert running.started_at is not None and abs(running.started_at - before) < 5
    store.finish_trial(tid, state="complete", message="ok", objective=0.93, objective2=12.5,
                       objective_std=0.01, metrics={"val_accuracy": 0.93, "val_loss": 0.2},
                       duration_s=4.5)
    row = store.trial(tid)
    assert (row.experiment_id, row.number, row.optuna_trial_id, row.state, row.message) == (
        experiment_id, 3, 12, "complete", "ok")
    assert row.params == {"optimizer.lr": 0.01, "model.kind": "mlp", "depth": 3}
    assert list(row.params) == ["optimizer.lr", "model.kind", "depth"]  # order kept
    assert (row.objective, row.objective2, row.objective_std) == (0.93, 12.5, 0.01)
    assert row.metrics == {"val_accuracy": 0.93, "val_loss": 0.2}
    assert (row.device, row.seed, row.repeats, row.duration_s) == ("cuda:0", 2**40, 2, 4.5)
    assert row.config_json == '{"full": "snapshot"}'
    assert row.finished_at is not None and row.finished_at >= (row.started_at or 0)
    assert row.test_metrics is None and row.notes == "" and row.tags == []


def test_finish_without_duration_measures_it(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    time.sleep(0.05)
    store.finish_trial(tid, state="failed", message="boom")
    row = store.trial(tid)
    assert row.duration_s is not None and 0.04 < row.duration_s < 5
    assert row.objective is None and row.message == "boom"


def test_nan_objective_is_stored_as_missing(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    store.finish_trial(tid, state="diverged", objective=math.nan)
    assert store.trial(tid).objective is None


def test_wrong_calls_are_errors_not_data(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    with pytest.raises(ValueError, match="unknown trial state"):
        store.finish_trial(tid, state="done")
    with pytest.raises(ValueError, match="final state"):
        store.finish_trial(tid, state="running")
    with pytest.raises(NotFoundError):
        store.finish_trial(tid + 99, state="complete")
    with pytest.raises(NotFoundError):
        store.trial(tid + 99)
    with pytest.raises(ValueError, match="direction"):
        store.best_trial(experiment_id, "max")  # type: ignore[arg-type]


def test_record_invalid_keeps_the_reason(store: Store, experiment_id: int) -> None:
    tid = store.record_invalid(experiment_id, number=4, optuna_trial_id=4,
                               params={"batch_size": -1}, message="batch_size: must be > 0")
    row = store.trial(tid)
    assert (row.state, row.message, row.params) == ("invalid", "batch_size: must be > 0",
                                                    {"batch_size": -1})
    assert row.finished_at is not None and row.heartbeat_at is None


def test_trials_list_all_or_one_experiment_in_order(store: Store, experiment_id: int) -> None:
    other = store.ensure_experiment("other", "other-study")
    ids = [start(store, experiment_id, number=n) for n in (2, 0, 1)]
    oid = start(store, other, number=0)
    assert [t.number for t in store.trials(experiment_id)] == [0, 1, 2]
    assert [t.id for t in store.trials(experiment_id)] == [ids[1], ids[2], ids[0]]
    assert [t.id for t in store.trials(other)] == [oid]
    assert len(store.trials()) == 4
    assert all(t.config_json is None for t in store.trials())


@pytest.mark.parametrize(("direction", "expected"), [("maximize", 0.9), ("minimize", 0.2)])
def test_best_trial_considers_complete_trials_only(store: Store, experiment_id: int,
                                                   direction: str, expected: float) -> None:
    outcomes = [("complete", 0.5), ("complete", 0.9), ("complete", 0.2), ("pruned", 0.99),
                ("failed", 0.01), ("complete", None)]
    for n, (state, value) in enumerate(outcomes):
        store.finish_trial(start(store, experiment_id, number=n), state=state, objective=value)
    start(store, experiment_id, number=99)  # running
    best = store.best_trial(experiment_id, direction)  # type: ignore[arg-type]
    assert best is not None and best.objective == expected and best.state == "complete"


def test_best_trial_ties_go_to_the_earliest_and_none_without_complete(
        store: Store, experiment_id: int) -> None:
    assert store.best_trial(experiment_id, "maximize") is None
    first = start(store, experiment_id, number=0)
    second = start(store, experiment_id, number=1)
    store.finish_trial(second, state="complete", objective=1.0)
    store.finish_trial(first, state="complete", objective=1.0)
    best = store.best_trial(experiment_id, "minimize")
    assert best is not None and best.id == first


def test_counts_per_state(store: Store, experiment_id: int) -> None:
    other = store.ensure_experiment("other", "other-study")
    for n, state in enumerate(["complete", "complete", "pruned"]):
        store.finish_trial(start(store, experiment_id, number=n), state=state)
    start(store, experiment_id, number=9)
    start(store, other)
    counts = store.counts(experiment_id)
    assert list(counts) == list(TRIAL_STATES)
    assert counts == {"running": 1, "complete": 2, "pruned": 1, "failed": 0, "diverged": 0,
                      "interrupted": 0, "invalid": 0}
    assert store.counts()["running"] == 2


def test_interrupt_trial_only_stops_running_trials(store: Store, experiment_id: int) -> None:
    running, finished = start(store, experiment_id, number=0), start(store, experiment_id, 1)
    store.finish_trial(finished, state="complete", objective=0.5)
    store.interrupt_trial(running, "stopped by Ctrl+C")
    store.interrupt_trial(finished, "stopped by Ctrl+C")
    assert (store.trial(running).state, store.trial(running).message) == (
        "interrupted", "stopped by Ctrl+C")
    assert store.trial(finished).state == "complete"
    with pytest.raises(NotFoundError):
        store.interrupt_trial(running + 99, "x")


def test_notes_tags_and_test_metrics(store: Store, experiment_id: int) -> None:
    tid = start(store, experiment_id)
    store.update_trial_notes(tid, "promising", ["keep", "lr"])
    store.set_test_metrics(tid, {"test_accuracy": 0.91})
    row = store.trials()[0]
    assert (row.notes, row.tags, row.test_metrics) == ("promising", ["keep", "lr"],
                                                       {"test_accuracy": 0.91})
    with pytest.raises(NotFoundError):
        store.update_trial_notes(tid + 99, "", [])


def test_delete_trial_removes_its_series(store: Store, experiment_id: int) -> None:
    tid, other = start(store, experiment_id, 0), start(store, experiment_id, 1)
    for t in (tid, other):
        store.append_steps(t, [(0, 0.0, 1.0, 0.1, 1.0)])
    store.delete_trial(tid)
    assert [t.id for t in store.trials()] == [other]
    assert list(store.step_series([tid, other])) == [other]
    with pytest.raises(NotFoundError):
        store.delete_trial(tid)


def test_changed_since_returns_new_and_changed_trials_only(store: Store,
                                                           experiment_id: int) -> None:
    old, changed = (start(store, experiment_id, n) for n in range(2))
    time.sleep(0.01)
    since = store.now()
    assert abs(since - time.time()) < 5
    time.sleep(0.01)
    store.finish_trial(changed, state="complete", objective=1.0)
    new = start(store, experiment_id, 3)
    assert [t.id for t in store.trials(experiment_id, changed_since=since)] == [changed, new]
    assert store.trials(changed_since=store.now() + 1) == []
    assert {t.id for t in store.trials(changed_since=0)} == {old, changed, new}
    row = store.trial(changed)
    assert row.updated_at >= since


def test_a_trial_keeps_its_config_fingerprint_and_knows_if_it_is_current(store: Store) -> None:
    from tunestudio.config import from_template, merge_values
    from tunestudio.config.fingerprint import config_fingerprint
    from tunestudio.store import CurrentConfig, trained_on_current_config

    base = from_template("digits").baseline
    eid = store.ensure_experiment("e", "s")
    trained = merge_values(base, {"optimizer.lr": 0.01})
    tid = store.start_trial(eid, number=0, optuna_trial_id=0, params={"optimizer.lr": 0.01},
                            config_json=trained.model_dump_json(), device="cpu", seed=0)
    [row] = store.trials(eid)
    assert row.config_fingerprint == config_fingerprint(trained)
    store.finish_trial(tid, state="complete", objective=0.9)
    [row] = store.trials(eid)
    assert trained_on_current_config(row, base)
    longer = merge_values(base, {"training.epochs": base.training.epochs + 1})
    assert not trained_on_current_config(row, longer)
    current = CurrentConfig(longer)
    assert current.stale([row]) == {tid}
    assert current.best([row], "maximize") is None
    assert CurrentConfig(base).best([row], "maximize") == row


def test_provenance_verdicts_are_kept_with_the_trials_and_settled_once_per_baseline(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search stores each trial as current against its baseline: views read that verdict
    (no fingerprinting); after the baseline changes, `settle` judges each trial once and keeps
    the verdict, and the store's aggregates (best, other-config count) follow it."""
    from tunestudio.config import from_template, merge_values
    from tunestudio.config.fingerprint import config_fingerprint
    from tunestudio.store import CurrentConfig

    base = from_template("digits").baseline
    longer = merge_values(base, {"training.epochs": base.training.epochs + 1})
    eid = store.ensure_experiment("e", "s")
    ids = []
    for number, lr in enumerate((0.01, 0.02, 0.03)):
        trained = merge_values(base, {"optimizer.lr": lr})
        tid = store.start_trial(eid, number=number, optuna_trial_id=number,
                                params={"optimizer.lr": lr},
                                config_json=trained.model_dump_json(), device="cpu", seed=0,
                                baseline_fingerprint=config_fingerprint(base))
        store.finish_trial(tid, state="complete", objective=0.5 + lr)
        ids.append(tid)
    # trained on the longer baseline, stored without a verdict (as before version 8)
    other = merge_values(longer, {"optimizer.lr": 0.04})
    odd = store.start_trial(eid, number=3, optuna_trial_id=3, params={"optimizer.lr": 0.04},
                            config_json=other.model_dump_json(), device="cpu", seed=0)
    store.finish_trial(odd, state="complete", objective=0.9)
    fp_base, fp_longer = config_fingerprint(base), config_fingerprint(longer)

    rows = store.trials(eid)
    assert [(r.verdict_baseline, r.verdict_current) for r in rows] == \
        [(fp_base, True)] * 3 + [(None, None)]
    current = CurrentConfig(base)
    calls: list[object] = []
    real = CurrentConfig.fingerprint

    def fingerprint(self: CurrentConfig, params: Mapping[str, Any]) -> str:
        calls.append(params)
        return real(self, params)

    monkeypatch.setattr(CurrentConfig, "fingerprint", fingerprint)
    assert current.stale(rows[:3]) == set() and calls == []  # kept verdicts: read, not judged
    assert current.settle(store, eid) == 1 and len(calls) == 1  # only the unjudged trial
    assert current.settle(store, eid) == 0 and len(calls) == 1
    assert store.other_config_count(eid, fp_base) == 1
    best = store.best_trial(eid, "maximize", fp_base)
    assert best is not None and best.id == ids[2]
    updated = {r.id: r.updated_at for r in rows}
    assert {r.id: r.updated_at for r in store.trials(eid)} == updated  # a cache, not a change

    # the baseline changes: every trial judged again, once, and the verdicts flip
    now = CurrentConfig(longer)
    assert now.settle(store, eid) == 4 and now.settle(store, eid) == 0
    assert store.other_config_count(eid, fp_longer) == 3
    best = store.best_trial(eid, "maximize", fp_longer)
    assert best is not None and best.id == odd
    assert CurrentConfig(longer).stale(store.trials(eid)) == set(ids)

    # a verdict `holds` works out is kept by `keep`
    back = CurrentConfig(base)
    assert back.stale(store.trials(eid)) == {odd}
    assert back.keep(store) == 4
    assert store.other_config_count(eid, fp_base) == 1
