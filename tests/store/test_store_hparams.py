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


def test_a_members_lineage_schedule_follows_the_weights_it_copied(store: Store) -> None:
    """c copied b at step 20, b had copied a at step 10: c's final weights trained with a's
    values to step 10, b's from 10 to 20, c's own from 20 on; c's own starting values and b's
    after its step 20 trained weights c never got, so they are not in its lineage's."""
    from tunestudio.store.lineage import lineage

    eid = store.ensure_experiment("pbt", "pbt")
    a, b, c = (start(store, eid, k) for k in range(3))
    store.record_hparams([HparamChange(t, 0, None, {}, {"optimizer.lr": lr})
                          for t, lr in ((a, 0.1), (b, 0.01), (c, 0.001))])
    store.record_hparams([
        HparamChange(b, 10, a, {"optimizer.lr": 0.01}, {"optimizer.lr": 0.12}),
        HparamChange(c, 20, b, {"optimizer.lr": 0.001}, {"optimizer.lr": 0.1}),
        HparamChange(b, 30, a, {"optimizer.lr": 0.12}, {"optimizer.lr": 0.08}),
        HparamChange(a, 30, c, {"optimizer.lr": 0.1}, {"optimizer.lr": 0.2})])
    for t, value in ((a, 0.8), (b, 0.7), (c, 0.9)):
        store.finish_trial(t, state="complete", objective=value)
    found = lineage(store, eid, "maximize")
    assert found.best is not None and found.best.trial.id == c
    assert found.schedule(c) == [(0, {"optimizer.lr": 0.1}), (10, {"optimizer.lr": 0.12}),
                                 (20, {"optimizer.lr": 0.1})]
    assert [ch.trial_id for ch in found.ancestry(c)] == [a, b, c]
    # the member's own schedule: what it trained with, its own start included
    assert found.members[c].schedule == [(0, {"optimizer.lr": 0.001}),
                                         (20, {"optimizer.lr": 0.1})]
    # a copied c at 30: a <- c (from 20) <- b (from 10) <- a's start
    assert found.schedule(a) == [(0, {"optimizer.lr": 0.1}), (10, {"optimizer.lr": 0.12}),
                                 (20, {"optimizer.lr": 0.1}), (30, {"optimizer.lr": 0.2})]
    assert found.schedule(b)[-1] == (30, {"optimizer.lr": 0.08})
    assert [ch.step for ch in found.ancestry(b)] == [0, 30]
