"""A run's count of trials (ts_run_budget): processes claiming from it at once never start
more trials than it allows, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from tunestudio.store import Store
from tunestudio.store.budgets import UNBUDGETED


def test_processes_claiming_at_once_take_exactly_the_count(url: str) -> None:
    """Four stores (four connections, as four processes would hold) claim from one run's count
    of 5 as fast as they can: 5 claims succeed, whoever makes them."""
    with Store.open(url) as first:
        eid = first.ensure_experiment("e", "e")
        budget = first.open_run_budget(eid, 5, "host:1")
    stores = [Store.open(url) for _ in range(4)]
    taken: list[int | None] = []
    lock = threading.Lock()
    go = threading.Barrier(len(stores))

    def claim(store: Store, mine: bool) -> None:
        go.wait()
        for _ in range(4):
            got = store.claim_trial(eid, budget if mine else None)
            with lock:
                taken.append(got)

    threads = [threading.Thread(target=claim, args=(s, i % 2 == 0))
               for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(taken, key=str) == [budget] * 5 + [None] * 11
        assert stores[0].run_trials_left(budget) == 0
    finally:
        for s in stores:
            s.close()


def test_a_claim_takes_from_the_oldest_open_run_and_nothing_once_runs_closed(
        store: Store, experiment_id: int) -> None:
    """Before any run kept a count, what is queued is the budget (UNBUDGETED); a hand-started
    worker's claim goes to the oldest open run with room; a closed run gives nothing, and a
    trial given back returns to an open run only."""
    assert store.claim_trial(experiment_id) == UNBUDGETED
    old = store.open_run_budget(experiment_id, 1, "host:1")
    new = store.open_run_budget(experiment_id, None, "host:2")  # no count: until time is up
    assert store.open_run_budgets(experiment_id) == [(old, "host:1"), (new, "host:2")]
    assert store.claim_trial(experiment_id) == old
    assert store.claim_trial(experiment_id, old) is None
    assert [store.claim_trial(experiment_id) for _ in range(3)] == [new] * 3
    store.give_back_trial(old)
    assert store.run_trials_left(old) == 1 and store.run_trials_left(new) is None
    store.close_run_budget(old)
    store.close_run_budget(new)
    store.give_back_trial(old)  # closed: nothing returns to it
    assert store.run_trials_left(old) == 1
    assert store.claim_trial(experiment_id) is None  # runs kept counts: none is open
    assert store.claim_trial(experiment_id, old) is None
    assert store.open_run_budgets(experiment_id) == []
