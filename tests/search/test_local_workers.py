"""The run's own worker processes (local_workers.py): they wait for the trials their
run queues until the run closes their stdin, and end with it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import optuna
import pytest
import sqlalchemy
from optuna.trial import TrialState

from cli_helpers import Completed, tunestudio
from program_helpers import program_project
from tunestudio.config import FloatDimension, Project
from tunestudio.config.program import ProgramParameter
from tunestudio.local_workers import (
    AUTO,
    TRIAL_ENDED_KEY,
    LocalWorkers,
    WorkersChoice,
    auto_workers,
    has_accelerator,
    helper_count,
    usable_cores,
    watch_run_pipe,
    workers_for,
    workers_value,
)
from tunestudio.search import ExperimentRunner, RunOptions, RunSummary
from tunestudio.search.plan import WORKER_ATTR
from tunestudio.search.program import programs_dir
from tunestudio.search.program.orphans import stop_orphans
from tunestudio.search.storage import open_store, optuna_storage, storage_url

LR = FloatDimension(path="params.lr", low=0.1, high=1.0)


def test_a_worker_waits_for_its_run_until_the_run_closes_its_queue(tmp_path: Path) -> None:
    """A worker (queue=False) told of a run still queueing keeps waiting on an empty queue,
    before its first trial and after it, and ends once the pipe closes. It pops nothing until
    the run has told it its count of trials, and then no more than that count. It does not
    wait for the trials its run still trains: the run waits for them (and for its workers)."""
    project, _ = program_project(tmp_path, "print('val_acc=0.5')\n", [LR],
                                 parameters=[ProgramParameter(name="lr", default=0.5)],
                                 trials=2)
    name = "e"
    study = optuna.create_study(  # as the run creates it, before it queues
        study_name=name, storage=optuna_storage(storage_url(project)),
        direction=project.experiments[0].search.objective.resolved_direction)
    with pytest.warns(UserWarning, match="Heartbeat"):  # Optuna's, for an ask by hand
        study.ask()  # the run's own trial, training (no heartbeat: nothing finds it stale)
    read, write = os.pipe()
    closed = watch_run_pipe(os.fdopen(read, "rb"))
    done: list[RunSummary] = []
    worker = ExperimentRunner(project, name, base_dir=tmp_path, queue=False,
                              options=RunOptions(run_programs=True), queue_closed=closed)
    thread = threading.Thread(target=lambda: done.append(worker.run()), daemon=True)
    thread.start()
    for _ in range(3):
        study.enqueue_trial({})
    time.sleep(0.5)
    assert thread.is_alive()  # queued, but no count told yet: it waits
    assert len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,))) == 3
    with open_store(project) as store:  # the run's count: 2 trials
        budget = store.open_run_budget(store.ensure_experiment(name, name), 2, "run")
    os.write(write, f"budget {budget}\n".encode())
    deadline = time.monotonic() + 60
    while len([t for t in study.get_trials(deepcopy=False) if t.state.is_finished()]) < 2 \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # three polls of an empty queue: still waiting for the run
    assert thread.is_alive() and not done
    os.close(write)  # the run queues no more
    thread.join(timeout=30)
    assert not thread.is_alive() and done[0].counts == {"complete": 2}
    assert len(study.get_trials(deepcopy=False, states=(TrialState.WAITING,))) == 1


def test_the_run_s_workers_end_when_their_queue_closes_or_the_run_fails() -> None:
    waits = [sys.executable, "-c", "import sys\nfor line in sys.stdin:\n"
             "    if line.strip() == 'closed': break"]
    workers = LocalWorkers.spawn(waits, 2)
    assert [p.poll() for p in workers.procs] == [None, None]
    workers.close_queue()
    workers.finish(stopped=False)
    assert [p.returncode for p in workers.procs] == [0, 0]  # read EOF, ended by themselves
    stuck = LocalWorkers.spawn([sys.executable, "-c", "import time; time.sleep(60)"], 1)
    stuck.terminate()
    assert stuck.procs[0].returncode == -15  # SIGTERM, no minute's wait


def test_the_run_hears_at_once_when_a_worker_ends_a_trial_or_ends() -> None:
    """`wait_for_news`, what a run waiting for its workers' last trials waits on, returns as
    a worker's trial ends (its line) and as the worker ends, not at its timeout; without
    workers it is a sleep."""
    code = (f"import json, time; time.sleep(0.2); print(json.dumps({{{TRIAL_ENDED_KEY!r}: "
            "{'state': 'complete'}}), flush=True); time.sleep(3)")
    workers = LocalWorkers.spawn([sys.executable, "-c", code], 1)
    began = time.monotonic()
    assert workers.wait_for_news(60)  # the trial's line
    assert time.monotonic() - began < 3  # before the worker ended
    assert workers.wait_for_news(60)  # its end
    assert time.monotonic() - began < 30
    workers.finish(stopped=False)
    assert not workers.wait_for_news(0.01)  # heard: forgotten
    assert not LocalWorkers().wait_for_news(0.01)


def test_a_run_starts_a_worker_per_slot_it_can_fill() -> None:
    assert helper_count(2, trials=6, strategy="tpe") == 1
    assert helper_count(4, trials=2, strategy="random") == 1  # one trial each, the run's too
    assert helper_count(1, trials=6, strategy="tpe") == 0
    assert helper_count(2, trials=6, strategy="pbt") == 0  # one fused population
    assert helper_count(3, trials=None, strategy="grid") == 2  # the plan's points are queued
    assert helper_count(3, trials=None, strategy="tpe") == 0  # a time budget: nothing queued


def test_a_run_that_fails_before_queueing_takes_its_workers_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --workers 2` starts its worker before it checks the program; the check fails
    (no such script): the command says so and its worker is gone, killed (it held no trial)
    rather than left to check the program and say the same."""
    started: list[LocalWorkers] = []
    spawn = LocalWorkers.spawn

    def recorded(command: list[str], count: int) -> LocalWorkers:
        started.append(spawn(command, count))
        return started[-1]

    monkeypatch.setattr(LocalWorkers, "spawn", staticmethod(recorded))
    _, path = program_project(tmp_path, None, [LR],
                              parameters=[ProgramParameter(name="lr", default=0.5)], trials=4)
    out = tunestudio("run", str(path), "--workers", "2", "--quiet")
    assert out.returncode != 0 and out.stderr.count("train.py") >= 1
    assert len(started) == 1 and len(started[0].procs) == 1
    assert started[0].procs[0].returncode == -9  # killed: it held no trial


def test_the_run_s_workers_fuse_as_it_does_and_know_its_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run --workers 2 --fuse off --trials 3`: the worker's command line carries the run's
    `--fuse` (it fused by the experiment's setting before) and its budget, which sizes the
    worker's share of each fused round; the worker's parser reads both."""
    from tunestudio.cli import build_parser

    commands: list[list[str]] = []

    def recorded(command: list[str], count: int) -> LocalWorkers:
        commands.append(list(command))
        return LocalWorkers()  # none started: the run trains its trials itself

    monkeypatch.setattr(LocalWorkers, "spawn", staticmethod(recorded))
    _, path = program_project(tmp_path, "print('val_acc=0.5')\n", [LR],
                              parameters=[ProgramParameter(name="lr", default=0.5)], trials=3)
    out = tunestudio("run", str(path), "--workers", "2", "--fuse", "off", "--trials", "3",
                     "--quiet")
    assert out.returncode == 0, out.stderr
    assert len(commands) == 1
    args = build_parser().parse_args(commands[0][3:])  # after `python -m tunestudio`
    assert (args.fuse, args.run_trials, args.run_pipe) == ("off", 3, False)


def test_workers_auto_gives_each_cpu_core_a_process_where_it_pays() -> None:
    """One process per core (at most 4) on a machine without a GPU, where the budget gives
    each at least 8 trials; one on a GPU, for population-based training, or without a count."""
    def auto(device: str = "cpu", trials: int | None = 30, strategy: str = "tpe",
             cores: int = 2, accelerator: bool = False) -> int:
        return auto_workers(device=device, trials=trials, strategy=strategy, cores=cores,
                            accelerator=accelerator).count

    assert auto() == 2
    assert auto(cores=16, trials=400) == 4  # at most AUTO_MAX_SLOTS
    assert auto(cores=16, trials=24) == 3  # 8 trials each
    assert auto(trials=15) == 1 and auto(trials=16) == 2
    assert auto(cores=1) == 1
    assert auto(device="auto") == 2  # no GPU found
    assert auto(device="auto", accelerator=True) == 1  # fused groups on the GPU
    assert auto(device="cuda:1") == 1 and auto(device="mps") == 1
    assert auto(strategy="pbt") == 1  # one fused population
    assert auto(trials=None) == 1  # a time budget: nothing to share out
    said = auto_workers(device="cpu", trials=30, strategy="random", cores=2, accelerator=False)
    assert said.reason.startswith("workers auto: 2 processes train trials side by side")
    assert "--workers 1" in said.reason
    assert auto_workers(device="cpu", trials=3, strategy="tpe", cores=2).reason == ""


def test_the_cli_and_the_window_decide_by_the_run_s_budget_and_device(tmp_path: Path) -> None:
    """`workers_for`: a number as given; auto from the experiment's budget, or the run's own
    count of trials, and the run's device over the baseline's."""
    project, _ = program_project(tmp_path, "print('val_acc=0.5')\n", [LR],
                                 parameters=[ProgramParameter(name="lr", default=0.5)],
                                 strategy="random", trials=4)
    assert workers_for(3, project, "e") == WorkersChoice(3)
    assert workers_for(AUTO, project, "e", device="cpu").count == 1  # 4 trials: not worth it
    assert workers_for(AUTO, project, "e", device="cuda", trials=400).count == 1
    expected = min(usable_cores(), 4)
    assert workers_for(AUTO, project, "e", device="cpu", trials=400).count == expected
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_workers_is_auto_or_a_whole_number() -> None:
    assert workers_value(" Auto ") == AUTO and workers_value("3") == 3
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError, match="is not auto or a whole number"):
            workers_value(bad)
    out = tunestudio("run", "nowhere.tuneproj", "--workers", "0")
    assert out.returncode == 2 and "'0' is not auto or a whole number" in out.stderr


def test_no_gpu_counts_where_cuda_visible_devices_hides_them() -> None:
    assert not has_accelerator({"CUDA_VISIBLE_DEVICES": ""})
    assert not has_accelerator({"CUDA_VISIBLE_DEVICES": "-1"})
    assert isinstance(has_accelerator({}), bool)


def test_the_run_reads_its_workers_trials_and_outcome_and_passes_the_rest_on(
        capfd: pytest.CaptureFixture[str]) -> None:
    """A worker's stdout: its trials' ends go to the run's progress, its outcome (the JSON
    line it prints last) into the run's counts, any other line to the run's stdout."""
    code = (f"import json; print(json.dumps({{{TRIAL_ENDED_KEY!r}: {{'state': 'pruned'}}}}));"
            "print('a line of its own');"
            "print(json.dumps({'experiment': 'e', 'counts': {'complete': 2, 'pruned': 1}}))")
    ended: list[dict[str, object]] = []
    workers = LocalWorkers.spawn([sys.executable, "-c", code], 2)
    workers.finish(stopped=False)
    workers.listen(ended.append)  # those read before it listened are kept for it
    assert ended == [{"state": "pruned"}] * 2
    assert workers.whole_counts({"complete": 3}) == {"complete": 7, "pruned": 2}
    assert capfd.readouterr().out.count("a line of its own") == 2


def _run_sixteen_by_default(tmp_path: Path) -> tuple[Project, Path, Completed, dict[str, Any]]:
    """`tunestudio run --device cpu` of 16 quick program trials, `--workers` left to its
    default (auto: 2 processes on a CPU of 2 cores or more; skipped on fewer): the project,
    its file, the command's output and its outcome (the JSON line it prints last)."""
    if usable_cores() < 2:
        pytest.skip("needs 2 CPU cores")
    project, path = program_project(tmp_path, "print('val_acc=0.5')\n", [LR],
                                    parameters=[ProgramParameter(name="lr", default=0.5)],
                                    strategy="random", trials=16)
    out = tunestudio("run", str(path), "--device", "cpu")
    assert out.returncode == 0, out.stderr
    return project, path, out, json.loads(out.stdout.strip().splitlines()[-1])


def test_a_run_with_workers_auto_trains_in_two_processes_and_counts_them_all(
        tmp_path: Path) -> None:
    """`tunestudio run` without --workers, 16 trials on the CPU of a machine of 2 cores or
    more: two processes train them (two owners among the trials), the run says what it
    chose, and its outcome counts all 16."""
    project, _, out, outcome = _run_sixteen_by_default(tmp_path)
    assert outcome["workers"] == 2 and outcome["counts"] == {"complete": 16}
    assert "note: workers auto: 2 processes train trials side by side" in out.stderr
    assert out.stdout.count('"experiment"') == 1  # the worker's outcome is the run's to tell
    study = optuna.load_study(study_name="e", storage=storage_url(project))
    assert len({t.user_attrs[WORKER_ATTR] for t in study.trials}) == 2
    assert WorkersChoice(1).reason == ""


def test_the_pipe_tells_a_closed_queue_from_a_run_that_died() -> None:
    """The run writes CLOSED_LINE once it queues no more and keeps the pipe open until its
    workers have ended: a pipe that ends under a worker means the run died, and only then is
    `on_gone` called."""
    read, write = os.pipe()
    gone = threading.Event()
    pipe = watch_run_pipe(os.fdopen(read, "rb"), on_gone=gone.set)
    os.write(write, b"budget 3\nclosed\n")
    assert pipe.wait(timeout=10) and pipe.budget_id == 3
    assert not gone.wait(timeout=0.3) and not pipe.run_gone  # queue closed, run alive
    os.close(write)
    assert gone.wait(timeout=10) and pipe.run_gone


SLEEPS = "import time\nprint('val_acc=0.5', flush=True)\ntime.sleep(120)\n"


def test_a_worker_whose_run_was_killed_stops_its_trial_and_ends(tmp_path: Path) -> None:
    """kill -9 of `run --workers 2`: its worker, reading the pipe end without the run's
    closing line, stops as on Ctrl+C (its program trial stopped) within seconds, rather than
    train the rest of the budget unseen."""
    project, path = program_project(tmp_path, SLEEPS, [LR],
                                    parameters=[ProgramParameter(name="lr", default=0.5)],
                                    strategy="random", trials=6)
    with (tmp_path / "out.txt").open("w") as out, (tmp_path / "err.txt").open("w") as err:
        run = subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path),
                                "--workers", "2", "--quiet"], stdout=out, stderr=err)
    try:
        storage = storage_url(project)
        deadline = time.monotonic() + 120
        owners: set[str] = set()
        while len(owners) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(KeyError, ValueError, sqlalchemy.exc.SQLAlchemyError):
                study = optuna.load_study(study_name="e", storage=storage)
                owners = {str(t.user_attrs[WORKER_ATTR]) for t in study.get_trials(
                    deepcopy=False, states=(TrialState.RUNNING,)) if WORKER_ATTR in t.user_attrs}
        assert len(owners) == 2, (tmp_path / "err.txt").read_text()
    finally:
        run.kill()
        run.wait()
    worker = next(int(tag.rpartition(":")[2]) for tag in owners
                  if int(tag.rpartition(":")[2]) != run.pid)
    deadline = time.monotonic() + 60
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    stopped = _alive(worker)
    stop_orphans(programs_dir(project.id))  # the killed run's own program, as a next run would
    assert not stopped, "the worker trained on after its run was killed"
    assert "the run that started this worker is gone" in (tmp_path / "err.txt").read_text()


def _alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not reaped, counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def test_a_run_that_cannot_start_its_workers_trains_alone_under_auto_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No process can be started (memory, a process limit): `--workers auto` trains in the
    run's own process, saying why; `--workers 2`, asked for by number, fails naming the fix."""
    def refused(command: list[str], count: int) -> LocalWorkers:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(LocalWorkers, "spawn", staticmethod(refused))
    _, path, out, outcome = _run_sixteen_by_default(tmp_path)
    assert "could not start a worker process ([Errno 11] Resource temporarily unavailable); " \
        "the trials train in this process alone" in out.stderr
    assert outcome["workers"] == 1 and outcome["counts"] == {"complete": 16}
    out = tunestudio("run", str(path), "--workers", "2", "--trials", "2")
    assert out.returncode == 1
    assert "could not start the worker processes of --workers 2" in out.stderr
    assert "run with --workers 1" in out.stderr


def test_the_window_s_auto_trains_alone_when_no_worker_can_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's own start of its workers (the window, the Python API), refused: under
    Auto (a `workers_note` says what chose the count) it trains alone and says so; a count
    asked for by number fails naming the fix."""
    from tunestudio.errors import TuneStudioError
    from tunestudio.search import RunnerHooks

    def refused(command: list[str], count: int) -> LocalWorkers:
        raise OSError(12, "Cannot allocate memory")

    class Said(RunnerHooks):
        def __init__(self) -> None:
            self.lines: list[str] = []

        def on_message(self, text: str) -> None:
            self.lines.append(text)

    monkeypatch.setattr(LocalWorkers, "spawn", staticmethod(refused))
    project, path = program_project(tmp_path, "print('val_acc=0.5')\n", [LR],
                                    parameters=[ProgramParameter(name="lr", default=0.5)],
                                    strategy="random", trials=4)
    said = Said()
    summary = ExperimentRunner(project, "e", base_dir=tmp_path, project_path=path, hooks=[said],
                               options=RunOptions(workers=2, workers_note="auto chose 2",
                                                  run_programs=True)).run()
    assert summary.counts == {"complete": 4}
    assert any("could not start a worker process ([Errno 12] Cannot allocate memory); the "
               "trials train in this process alone" in line for line in said.lines)
    with pytest.raises(TuneStudioError, match=r"could not start the worker processes of 2 "
                       r"workers: .*; train with 1 worker"):
        ExperimentRunner(project, "e", base_dir=tmp_path, project_path=path,
                         options=RunOptions(workers=2, run_programs=True)).run()
