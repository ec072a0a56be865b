"""The queue of waiting trials stays short and is popped by id, whatever the budget."""

from __future__ import annotations

import threading
import time
from typing import Any

import optuna
import sqlalchemy
from optuna.trial import TrialState

from tiny_projects import instant_fit, tiny_project
from tunestudio.config import Budget
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions
from tunestudio.search.events import TrialStarted
from tunestudio.search.plan import Queue
from tunestudio.search.queue import FEED_EVERY_S, MIN_AHEAD, QUEUE_INDEX, Feeder, waiting_ids
from tunestudio.search.storage import optuna_storage, storage_url


class WaitingSeen(RunnerHooks):
    """How many trials wait in the queue as each trial starts."""

    def __init__(self, storage: optuna.storages.RDBStorage, study_name: str) -> None:
        self.storage = storage
        self.study_name = study_name
        self.seen: list[int] = []
        self.lock = threading.Lock()

    def on_trial_start(self, event: TrialStarted) -> None:
        study_id = self.storage.get_study_id_from_name(self.study_name)
        waiting = waiting_ids(self.storage, study_id, 10_000)
        assert waiting is not None
        with self.lock:
            self.seen.append(len(waiting))


def test_a_run_keeps_few_trials_waiting_and_runs_its_whole_budget() -> None:
    project = tiny_project({"budget": Budget(trials=24), "strategy": "random"})
    name = project.experiments[0].name
    storage = optuna_storage(storage_url(project))
    seen = WaitingSeen(storage, name)
    summary = ExperimentRunner(project, name, fit=instant_fit, hooks=[seen],
                               options=RunOptions(fuse="off")).run()
    assert summary.counts == {"complete": 24}
    assert len(seen.seen) == 24 and max(seen.seen) <= MIN_AHEAD  # not the budget's 39
    study = optuna.load_study(study_name=name, storage=storage)
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == 24 and all(t.state == TrialState.COMPLETE for t in trials)


def test_a_fused_run_keeps_no_group_s_worth_waiting() -> None:
    """A run that pops its fused rounds itself tops the queue up before each pop: as its
    groups start, at most MIN_AHEAD trials wait (it kept two groups' worth before: 11 waiting
    as the first round started; each waiting trial is read again at every read Optuna's cache
    makes of the study)."""
    project = tiny_project({"budget": Budget(trials=16), "strategy": "tpe",  # rounds 5,4,4,3
                            "fuse": "fixed", "fuse_trials": 8}, epochs=2, fraction=0.2)
    name = project.experiments[0].name
    storage = optuna_storage(storage_url(project))
    seen = WaitingSeen(storage, name)
    summary = ExperimentRunner(project, name, hooks=[seen],
                               options=RunOptions(device="cpu")).run()
    assert summary.counts == {"complete": 16}
    assert len(seen.seen) == 16 and max(seen.seen) <= MIN_AHEAD


def test_the_oldest_waiting_trials_of_the_study_are_found_through_an_index(
        tmp_path: Any) -> None:
    storage = optuna_storage(f"sqlite:///{tmp_path / 'q.db'}")
    names = {ix["name"] for ix in sqlalchemy.inspect(storage.engine).get_indexes("trials")}
    assert QUEUE_INDEX in names
    first = optuna.create_study(study_name="a", storage=storage)
    other = optuna.create_study(study_name="b", storage=storage)
    for x in range(5):
        first.enqueue_trial({"x": x})
        other.enqueue_trial({"x": x})
    ids = waiting_ids(storage, first._study_id, 10)
    assert ids is not None and len(ids) == 5 and ids == sorted(ids)
    assert all(storage.get_trial(i).number == n for n, i in enumerate(ids))  # study a's own
    storage.set_trial_state_values(ids[0], TrialState.RUNNING)
    assert waiting_ids(storage, first._study_id, 2) == ids[1:3]


def test_a_queue_that_others_popped_dry_is_kept_fuller(tmp_path: Any) -> None:
    storage = optuna_storage(f"sqlite:///{tmp_path / 'f.db'}")
    study = optuna.create_study(study_name="s", storage=storage)
    feeder = Feeder(study, storage, Queue([None] * 60, 60), ahead=MIN_AHEAD)

    def waiting() -> list[int]:
        ids = waiting_ids(storage, study._study_id, 1000)
        assert ids is not None
        return ids

    feeder.top_up()
    assert len(waiting()) == MIN_AHEAD and feeder.left == 60 - MIN_AHEAD
    for trial_id in waiting()[: MIN_AHEAD // 2 - 1]:  # more than half left: no write yet
        storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    feeder.top_up()
    assert len(waiting()) == MIN_AHEAD // 2 + 1
    for trial_id in waiting():  # popped dry by other processes: twice as many from now on
        storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    feeder.top_up()
    assert len(waiting()) == 2 * MIN_AHEAD and feeder.left == 60 - 3 * MIN_AHEAD
    feeder.ahead = 1000
    feeder.top_up()
    assert feeder.left == 0 and len(waiting()) == 60 - MIN_AHEAD


def test_the_run_hears_once_that_its_whole_plan_is_queued(tmp_path: Any) -> None:
    """`on_all_queued` (the run's workers then end on an empty queue) fires at the top-up that
    writes the last planned trial, once; a plan with nothing to queue fires at the first."""
    storage = optuna_storage(f"sqlite:///{tmp_path / 'a.db'}")
    study = optuna.create_study(study_name="s", storage=storage)
    heard: list[str] = []
    feeder = Feeder(study, storage, Queue([None] * (MIN_AHEAD + 4), MIN_AHEAD + 4),
                    ahead=MIN_AHEAD, on_all_queued=lambda: heard.append("s"))
    feeder.top_up()
    assert feeder.left == 4 and heard == []
    waiting = waiting_ids(storage, study._study_id, 1000)
    assert waiting is not None
    for trial_id in waiting:
        storage.set_trial_state_values(trial_id, TrialState.RUNNING)
    feeder.top_up()
    assert feeder.left == 0 and heard == ["s"]
    feeder.top_up()
    assert heard == ["s"]
    empty = Feeder(study, storage, Queue([], None), ahead=MIN_AHEAD,
                   on_all_queued=lambda: heard.append("empty"))
    empty.top_up()
    assert heard == ["s", "empty"]


def test_the_feeder_thread_leaves_alone_a_queue_the_run_just_topped_up(tmp_path: Any) -> None:
    """The run tops the queue up before each trial it pops; the feeder's thread (for other
    processes) skips its round when a top-up came within FEED_EVERY_S."""
    storage = optuna_storage(f"sqlite:///{tmp_path / 'k.db'}")
    study = optuna.create_study(study_name="s", storage=storage)
    feeder = Feeder(study, storage, Queue([None] * 4, 4), ahead=4)
    feeder._last = time.monotonic() + 3600  # as if the run kept topping it up
    feeder.start()
    time.sleep(0.2 + 4 * FEED_EVERY_S)
    assert waiting_ids(storage, study._study_id, 10) == [] and feeder.left == 4
    feeder._last = 0.0  # no top-up for long: the thread's round comes
    deadline = time.monotonic() + 30
    while feeder.left and time.monotonic() < deadline:
        time.sleep(0.05)
    feeder.stop()
    assert feeder.left == 0 and len(waiting_ids(storage, study._study_id, 10) or []) == 4
