"""The other processes of a run with `--workers N`: N - 1 `tunestudio worker` processes on this
machine, popping trials from the queue the run writes (they never ask the sampler for trials of
their own, so the budget stays exact).

They start as early as the run can start them: the CLI starts them before it imports the
search layer (seconds of Optuna, SQLAlchemy and the runner on a loaded machine), the runner
(the window, the Python API) before it opens its store; so their start-up overlaps the run's
own rather than following it. This module needs only the standard library, for that.

Until the run says it will queue no more, an empty queue means "not yet" to them: each reads
its stdin, a pipe from the run, and the run closes the pipes once its whole plan is queued (or
it ends, or it dies: the system closes them then). From then on a worker ends when it finds
the queue empty, as a worker started by hand does. Before that the run writes one line on the
pipe, `budget ID`: the id of its count of trials in the store, from which each worker claims a
trial before it pops one (store/budgets.py); a worker pops nothing until it has read it, so
trials left waiting by an earlier run never run beyond this run's count."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

SLOT_ENV = "TUNESTUDIO_SLOT"  # "k/N": the slot of a worker process the runner spawned
PLANNED_STRATEGIES = ("grid", "ovat")  # a plan of points: queued for others even without a count
RUN_PIPE_FLAG = "--run-pipe"  # the worker's (hidden) flag: its stdin is a pipe from its run
RUN_TRIALS_FLAG = "--run-trials"  # the worker's (hidden) flag: its run's budget in trials
STOP_GRACE_S = 60  # a stopped run waits this long for a worker to stop its trial, then kills it
BUDGET_LINE = "budget"  # the run's line on the pipe: "budget ID", its count's id in the store


class LocalWorkers:
    """The run's worker processes (slots 1 .. N-1 of N; the run itself is slot 0). `close_queue`
    tells them the run queues no more; `finish` waits for them (stopping them first when the
    run was stopped). Thread-safe for `close_queue`."""

    def __init__(self, procs: Sequence[subprocess.Popen[bytes]] = ()) -> None:
        self.procs = list(procs)
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def spawn(cls, command: Sequence[str], count: int) -> LocalWorkers:
        """`count` processes of `command` (a `tunestudio worker` command line, without
        RUN_PIPE_FLAG), slots 1 .. count of count + 1, each told its slot in SLOT_ENV. Raises
        OSError when the interpreter cannot be started."""
        slots = count + 1
        procs = [subprocess.Popen([*command, RUN_PIPE_FLAG], stdin=subprocess.PIPE,
                                  env={**os.environ, SLOT_ENV: f"{i}/{slots}"})
                 for i in range(1, slots)]
        return cls(procs)

    @property
    def queue_closed(self) -> bool:
        return self._closed

    def tell_budget(self, budget_id: int) -> None:
        """Tells the workers the id of the run's count of trials (see the module's
        docstring); a worker already gone is skipped. Thread-safe."""
        line = f"{BUDGET_LINE} {budget_id}\n".encode()
        with self._lock:
            if self._closed:
                return
            for proc in self.procs:
                if proc.stdin is not None:
                    with contextlib.suppress(OSError, ValueError):
                        proc.stdin.write(line)
                        proc.stdin.flush()

    def close_queue(self) -> None:
        """The run will queue no more trials: its workers end once they find the queue empty.
        Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for proc in self.procs:
                if proc.stdin is not None:  # a worker already gone: nothing to tell
                    with contextlib.suppress(OSError):
                        proc.stdin.close()

    def finish(self, stopped: bool) -> None:
        """Waits for the workers to end. `stopped`: the run was stopped, so each is sent
        SIGTERM first (it stops its trial cleanly, as interrupted) and killed after
        STOP_GRACE_S."""
        self.close_queue()
        for proc in self.procs:
            if stopped and proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=STOP_GRACE_S if stopped else None)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def terminate(self, kill: bool = False) -> None:
        """The run failed: its workers go with it, each stopping its trial cleanly (SIGTERM);
        `kill`: the run queued nothing, so they hold no trial and are killed outright."""
        self.close_queue()
        for proc in self.procs:
            if proc.poll() is None:
                if kill:
                    proc.kill()
                else:
                    proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def helper_count(workers: int, *, trials: int | None, strategy: str) -> int:
    """How many worker processes a run of `workers` slots starts beside itself: at most one
    per trial of the budget but the run's own, none for population-based training (one fused
    population, in the run's process) and none for a time budget without a trial count of an
    adaptive strategy (the run asks the sampler for its trials: nothing is queued for
    others)."""
    if workers <= 1 or strategy == "pbt":
        return 0
    if trials is None:
        return workers - 1 if strategy in PLANNED_STRATEGIES else 0
    return max(0, min(workers - 1, trials - 1))


def worker_command(project_path: Path, experiment: str, storage_url: str | None, *,
                   device: str | None = None, tensorboard_dir: str | None = None,
                   stop_rules_json: str | None = None, fuse: str | None = None,
                   run_trials: int | None = None) -> list[str]:
    """The `tunestudio worker` command line of a run's local worker (`storage_url` None: the
    project's own). `fuse`: the run's `--fuse` (None: the experiment's); `run_trials`: the
    run's budget in trials, which sizes the worker's share of each fused round."""
    cmd = [sys.executable, "-m", "tunestudio", "worker", str(project_path),
           "--experiment", experiment, "--quiet"]
    if storage_url:
        cmd += ["--storage", storage_url]
    if device:
        cmd += ["--device", device]
    if tensorboard_dir:
        cmd += ["--tensorboard", tensorboard_dir]
    if stop_rules_json is not None:  # the run's own rules: every process stops alike
        cmd += ["--stop-rules", stop_rules_json]
    if fuse is not None:  # the run's own choice: every process fuses alike
        cmd += ["--fuse", fuse]
    if run_trials is not None:
        cmd += [RUN_TRIALS_FLAG, str(run_trials)]
    return cmd


class RunPipe(threading.Event):
    """The worker's side of the pipe from its run: set once the run closes it (it queues no
    more trials, or is gone); `budget_id`, once read, the id of the run's count of trials
    (None until the run has written it, and for ever where it never does)."""

    def __init__(self) -> None:
        super().__init__()
        self.budget_id: int | None = None


def watch_run_pipe(stream: BinaryIO | None = None) -> RunPipe:
    """Reads the pipe from the run on `stream` (stdin by default) on a thread of its own; see
    RunPipe."""
    pipe = RunPipe()
    source = stream if stream is not None else getattr(sys.stdin, "buffer", None)
    if source is None:  # no stdin at all: no run to wait for
        pipe.set()
        return pipe

    def read() -> None:
        try:
            for line in source:
                word, _, value = line.decode(errors="replace").strip().partition(" ")
                if word == BUDGET_LINE and value.isdigit():
                    pipe.budget_id = int(value)
        except (OSError, ValueError):  # closed under us: the same news
            pass
        pipe.set()

    threading.Thread(target=read, name="tunestudio-run-pipe", daemon=True).start()
    return pipe
