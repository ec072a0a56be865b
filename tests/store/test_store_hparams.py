"""Hyperparameters that change while a trial trains (population-based training): stored as
change points, read back as the values at each step, cut with the series when a trial resumes
from a checkpoint (no exploit stored twice), and gone with the trial."""

from __future__ import annotations

import math

import pytest
from sqlalchemy.exc import IntegrityError
from store_helpers import start

from tunestudio.store import HparamChange, Store, per_step, values_at


def test_changes_read_back_as_a_schedule_and_a_lineage(store: Store) -> None:
    eid = store.ensure_experiment("pbt", "pbt")
    a, b = start(store, eid, 0), start(store, eid, 1)
    store.record_hparams([HparamChange(a, 0, None, {}, {"optimizer.lr": 0.1}),
                          HparamChange(b, 0, None, {}, {"optimizer.lr": 0.01})])
    store.record_hparams([HparamChange(b, 20, a, {"optimizer.lr": 0.01},
                                       {"optimizer.lr": 0.12})])
    changes = store.hparam_changes([a, b])
    assert [c.step for c in changes[b]] == [0, 20] and changes[b][1].source_trial_id == a
    assert changes[b][1].exploit and not changes[b][0].exploit
    assert changes[b][1].before == {"optimizer.lr": 0.01}
    assert values_at(changes[b], 19) == {"optimizer.lr": 0.01}
    assert values_at(changes[b], 20) == {"optimizer.lr": 0.12}
    series = per_step(changes[b], 22)["optimizer.lr"]
    assert series[:20] == [0.01] * 20 and series[20:] == [0.12, 0.12]  # step 21 on: new values
    assert math.isnan(per_step([HparamChange(b, 5, a, {}, {"x": 1.0})], 6)["x"][0])
    with pytest.raises(IntegrityError):  # one change per trial and step
        store.record_hparams([HparamChange(b, 20, a, {}, {"optimizer.lr": 0.2})])


def test_a_resumed_trial_forgets_the_changes_after_its_checkpoint(store: Store) -> None:
    eid = store.ensure_experiment("pbt", "pbt")
    tid = start(store, eid)
    store.record_hparams([HparamChange(tid, s, None if s == 0 else tid + 100, {}, {"v": s})
                          for s in (0, 10, 20, 30)])
    store.interrupt_trial(tid, "killed")
    store.resume_trial(tid, 20)
    assert [c.step for c in store.hparam_changes([tid])[tid]] == [0, 10, 20]
    store.resume_trial(tid, 0)
    assert [c.step for c in store.hparam_changes([tid])[tid]] == [0]
    store.clear_hparams(tid)
    assert store.hparam_changes([tid]) == {tid: []}
    store.record_hparams([HparamChange(tid, 0, None, {}, {"v": 1})])
    store.delete_trial(tid)
    other = start(store, eid, 5)
    assert store.hparam_changes([tid, other]) == {tid: [], other: []}
