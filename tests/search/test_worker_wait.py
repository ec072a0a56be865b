"""A worker started by hand (`tunestudio worker --wait S`) stays while a run of its experiment
is open: the run queues only a few trials ahead of those training, so a queue found empty
does not mean the run is done."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

from tiny_projects import tiny_project
from tunestudio.config import Budget
from tunestudio.engine import FitResult
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, RunSummary, open_store

WORKER = "hand-started-worker"


def test_a_hand_started_worker_stays_until_the_run_ends_and_reports_its_best(
        tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=5), "strategy": "random", "fuse": "off"})
    finished = itertools.count(1)
    lock = threading.Lock()

    def fit(config: Any, **kw: Any) -> FitResult:
        # the worker's trials are quick, the run's slow: the run's last trial ends last, and
        # each trial scores higher than every one that ended before it
        time.sleep(0.05 if threading.current_thread().name == WORKER else 0.6)
        with lock:
            value = next(finished) / 10
        metrics = {"val_accuracy": value, "val_loss": 1 - value}
        return FitResult("completed", "", metrics, metrics, 1.0, 1, 0.0, "cpu")

    summaries: dict[str, RunSummary] = {}

    class SlowStart(RunnerHooks):
        """The run pauses once its first trials are queued (as a fused run does while it times
        its first group): the worker runs those, then finds the queue empty and nothing
        training while the run has trials left to queue."""

        def on_run_start(self, total_trials: int | None) -> None:
            time.sleep(1.5)

    def work(name: str, queue: bool) -> None:
        summaries[name] = ExperimentRunner(
            project, project.experiments[0].name, base_dir=tmp_path, fit=fit, queue=queue,
            hooks=[SlowStart()] if queue else None,
            options=RunOptions(idle_wait_s=0 if queue else 30)).run()

    worker = threading.Thread(target=work, args=("worker", False), name=WORKER)
    worker.start()
    time.sleep(0.5)  # waiting for the run: nothing queued yet
    work("run", True)
    worker.join(timeout=120)
    assert not worker.is_alive()
    run, hand = summaries["run"], summaries["worker"]
    assert sum(run.counts.values()) + sum(hand.counts.values()) == 5
    assert sum(hand.counts.values()) >= 1
    # it stayed while the run was open and left after the run's last trial (the best, and
    # the last to end), not at the first empty queue (with the best of its own two trials)
    assert hand.best_trial_id == run.best_trial_id
    with open_store(project) as store:
        experiment = store.experiment(project.experiments[0].name)
        assert experiment is not None
        best = store.best_trial(experiment.id, "maximize")
    assert best is not None and best.id == run.best_trial_id and best.objective == 0.5
