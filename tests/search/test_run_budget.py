"""`--trials N` runs exactly N trials, whatever a run that stopped early left waiting in the
queue: the leftovers run first (they were planned, or asked of the sampler), those beyond N
wait for a later run; with `--workers 2` the run's worker process claims from the same
count."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from program_helpers import program_project, rows
from tunestudio.config import FloatDimension, Project, StopRules
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, open_store
from tunestudio.search.liveness import Heartbeat
from tunestudio.search.plan import BUDGET_ATTR, WORKER_ATTR
from tunestudio.search.storage import storage_url

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

# A trial of a run of two slots marks its slot and waits (up to 30 s) until both slots have
# started one, so that the run's worker process surely claims trials of the count too.
SCRIPT = """
    import argparse, os, pathlib, time
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.5)
    a = p.parse_args()
    slot = os.environ.get("TUNESTUDIO_SLOT", "")
    if slot.endswith("/2"):
        marks = pathlib.Path(os.environ["MARKS"])
        (marks / f"{slot[0]}-{os.getpid()}").touch()
        first = min(m.stat().st_mtime for m in marks.iterdir())
        while time.time() < first + 30 and len({m.name[0] for m in marks.iterdir()}) < 2:
            time.sleep(0.05)
    print(f"val_acc={a.lr}")
"""


def _study(project: Project) -> optuna.Study:
    return optuna.load_study(study_name="e", storage=storage_url(project))


def _leftovers(tmp_path: Path) -> tuple[Project, Path, list[int]]:
    """A random search of 20 trials of a run of 4 slots (its worker processes not started:
    no project file), stopped by a rule after its first trial: the trials it had queued ahead
    for its workers wait. Returns the project, its file and the waiting trials' numbers."""
    marks = tmp_path / "marks"
    marks.mkdir()
    project, path = program_project(
        tmp_path, SCRIPT, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], strategy="random", trials=20,
        env={"MARKS": str(marks)})
    stopped = ExperimentRunner(project, "e", base_dir=tmp_path, options=RunOptions(
        run_programs=True, workers=4, stop=StopRules(target=0.0))).run()
    assert stopped.counts == {"complete": 1} and stopped.stop_rule is not None
    waiting = [t.number for t in _study(project).get_trials(states=(TrialState.WAITING,))]
    assert len(waiting) > 3  # the queue is kept ahead of the trials training
    return project, path, waiting


def test_trials_1_after_a_stopped_run_runs_one_of_its_leftovers(tmp_path: Path) -> None:
    project, _, waiting = _leftovers(tmp_path)
    before = len(_study(project).trials)
    summary = ExperimentRunner(project, "e", base_dir=tmp_path,
                               options=RunOptions(trials=1, run_programs=True)).run()
    assert summary.counts == {"complete": 1}
    study = _study(project)
    assert len(study.trials) == before  # a leftover ran: no trial was added
    assert [t.number for t in study.get_trials(states=(TrialState.WAITING,))] == waiting[1:]
    assert [r.state for r in rows(project)] == ["complete", "complete"]


def test_two_workers_share_the_run_s_count_after_leftovers(tmp_path: Path) -> None:
    """`--workers 2 --trials 3`: the run and the worker process it spawns, each popping from a
    queue that holds more than 3 trials, start 3 between them, both training."""
    project, path, waiting = _leftovers(tmp_path)
    summary = ExperimentRunner(project, "e", base_dir=tmp_path, project_path=path,
                               options=RunOptions(trials=3, workers=2, run_programs=True)).run()
    assert summary.counts == {"complete": 3}  # the whole run's: the worker's trials included
    study = _study(project)
    assert [t.number for t in study.get_trials(states=(TrialState.WAITING,))] == waiting[3:]
    ran = [t for t in study.trials if t.number in waiting[:3]]
    assert {t.state for t in ran} == {TrialState.COMPLETE}
    assert len({t.user_attrs[WORKER_ATTR] for t in ran}) == 2
    assert [r.state for r in rows(project)] == ["complete"] * 4


class _Said(RunnerHooks):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_message(self, text: str) -> None:
        self.lines.append(text)


def test_a_worker_started_by_hand_after_the_run_ended_leaves_the_leftovers(
        tmp_path: Path) -> None:
    """No run is going on: the trials waiting are the next run's, and the worker says so."""
    project, _, waiting = _leftovers(tmp_path)
    said = _Said()
    summary = ExperimentRunner(project, "e", base_dir=tmp_path, queue=False, hooks=[said],
                               options=RunOptions(run_programs=True)).run()
    assert summary.counts == {}
    assert [t.number for t in _study(project).get_trials(states=(TrialState.WAITING,))] == \
        waiting
    assert any("no run of this experiment is going on" in line for line in said.lines)


def test_a_trial_whose_process_died_goes_back_to_the_queue_with_its_claim(
        tmp_path: Path) -> None:
    """A sweep that puts a dead process's trial back in the queue gives its trial back to the
    run's count, so the run still ends with its count of trials."""
    project, _ = program_project(
        tmp_path, SCRIPT, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], strategy="random", trials=1)
    worker = ExperimentRunner(project, "e", base_dir=tmp_path, queue=False,
                              options=RunOptions(run_programs=True))
    store = open_store(project)
    try:
        storage, study, experiment_id = worker._open_study(store, 1)
        budget = store.open_run_budget(experiment_id, 1, "run")
        study.enqueue_trial({})
        trial = worker._next_trial(study, storage, False, Heartbeat(storage))
        assert trial is not None and store.run_trials_left(budget) == 0
        dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that ended
        dead.wait()
        # what `_prepare` writes, as a process that then died wrote it
        storage.set_trial_user_attr(trial._trial_id, WORKER_ATTR,
                                    f"{socket.gethostname()}:{dead.pid}")
        storage.set_trial_user_attr(trial._trial_id, BUDGET_ATTR, budget)
        worker._sweep_stale(store, study, experiment_id)
        assert study.get_trials()[0].state == TrialState.WAITING
        assert store.run_trials_left(budget) == 1
    finally:
        store.close()
