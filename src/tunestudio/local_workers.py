"""The other processes of a run with `--workers N`: N - 1 `tunestudio worker` processes on this
machine, popping trials from the queue the run writes (they never ask the sampler for trials of
their own, so the budget stays exact).

They start as early as the run can start them: the CLI starts them before it imports the
search layer (seconds of Optuna, SQLAlchemy and the runner on a loaded machine), the runner
(the window, the Python API) before it opens its store; so their start-up overlaps the run's
own rather than following it. This module needs only the standard library (and the
project's own `messages`), for that.

Until the run says it will queue no more, an empty queue means "not yet" to them: each reads
its stdin, a pipe from the run, on which the run writes CLOSED_LINE once its whole plan is
queued. From then on a worker ends when it finds the queue empty, as a worker started by hand
does. The pipe itself stays open while the run lives (it waits for its workers before it
closes it): a pipe that ends under a worker means the run died (kill -9), and the worker
stops as on Ctrl+C, its running trial kept to resume. Before that the run writes one line on the
pipe, `budget ID`: the id of its count of trials in the store, from which each worker claims a
trial before it pops one (store/budgets.py); a worker pops nothing until it has read it, so
trials left waiting by an earlier run never run beyond this run's count.

`--workers auto` (the default of `run` and of the window) is `auto_workers`: on a machine
without a GPU, one process per CPU core (at most AUTO_MAX_SLOTS) where the budget gives each at
least AUTO_TRIALS_PER_SLOT trials; one process elsewhere."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from tunestudio.messages import N_

SLOT_ENV = "TUNESTUDIO_SLOT"  # "k/N": the slot of a worker process the runner spawned
PLANNED_STRATEGIES = ("grid", "ovat")  # a plan of points: queued for others even without a count
RUN_PIPE_FLAG = "--run-pipe"  # the worker's (hidden) flag: its stdin is a pipe from its run
RUN_TRIALS_FLAG = "--run-trials"  # the worker's (hidden) flag: its run's budget in trials
STOP_GRACE_S = 60  # a stopped run waits this long for a worker to stop its trial, then kills it
BUDGET_LINE = "budget"  # the run's line on the pipe: "budget ID", its count's id in the store
# the run's line on the pipe once it queues no more; the pipe ends only after its workers have
# (or when the run dies)
CLOSED_LINE = "closed"
# a worker's stdout line (JSON) when one of its trials ended: `{TRIAL_ENDED_KEY: {"state": ...}}`,
# read by its run (LocalWorkers), which counts it in its progress
TRIAL_ENDED_KEY = "tunestudio_worker_trial"
AUTO = "auto"  # `--workers auto`: see auto_workers
# `--workers auto` starts at most this many processes: each imports torch and holds its own copy
# of the data (about 0.4 GB and 1.5 s of start-up for the digits template), measured only up to
# 2 cores here
AUTO_MAX_SLOTS = 4
# ... and only where the budget gives each at least this many trials: a process's start-up (1.5-2
# s of CPU on a 2-core machine) is repaid only over several trials
AUTO_TRIALS_PER_SLOT = 8
AUTO_LINE = N_("WorkersChoice", "workers auto: {count} processes train trials side by side, one "
               "per CPU core ({cores} cores, no GPU); --workers 1 trains them in this process "
               "alone")
# what a run under `--workers auto` says when no worker process could be started
AUTO_ALONE_LINE = N_("WorkersChoice", "workers auto: could not start a worker process "
                     "({error}); the trials train in this process alone")


class LocalWorkers:
    """The run's worker processes (slots 1 .. N-1 of N; the run itself is slot 0). `close_queue`
    tells them the run queues no more; `finish` waits for them (stopping them first when the
    run was stopped). Thread-safe for `close_queue`.

    Each worker's stdout is read on a thread of its own: the line of each trial it ends
    (TRIAL_ENDED_KEY) goes to the listener (`listen`: the run's progress counts it), its
    outcome (the JSON object a command prints last) is kept in `outcomes` for the run's own
    summary, which counts the whole run's trials; every other line is passed on to this
    process's stdout."""

    def __init__(self, procs: Sequence[subprocess.Popen[bytes]] = ()) -> None:
        self.procs = list(procs)
        self._lock = threading.Lock()
        self._closed = False
        self.outcomes: list[dict[str, Any]] = []
        self._listener: Callable[[dict[str, Any]], None] | None = None
        self._unheard: list[dict[str, Any]] = []  # trials ended before anyone listened
        # set when a worker ends a trial or ends itself (`wait_for_news`): the run, waiting at
        # its end for its workers' last trials, looks again at once rather than at its next poll
        self._news = threading.Event()
        self._readers = [threading.Thread(target=self._relay, args=(proc.stdout,), daemon=True,
                                          name="tunestudio-worker-stdout")
                         for proc in self.procs if proc.stdout is not None]
        for reader in self._readers:
            reader.start()

    @classmethod
    def spawn(cls, command: Sequence[str], count: int) -> LocalWorkers:
        """`count` processes of `command` (a `tunestudio worker` command line, without
        RUN_PIPE_FLAG), slots 1 .. count of count + 1, each told its slot in SLOT_ENV. Raises
        OSError when the interpreter cannot be started."""
        slots = count + 1
        procs = [subprocess.Popen([*command, RUN_PIPE_FLAG], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  env={**os.environ, SLOT_ENV: f"{i}/{slots}"})
                 for i in range(1, slots)]
        return cls(procs)

    def _relay(self, stream: IO[bytes]) -> None:
        try:
            for line in stream:
                message = _json_object(line)
                ended = None if message is None else message.get(TRIAL_ENDED_KEY)
                if isinstance(ended, dict):
                    with self._lock:
                        listener = self._listener
                        if listener is None:
                            self._unheard.append(ended)
                    if listener is not None:
                        listener(ended)
                    self._news.set()
                elif message is not None and "counts" in message and "experiment" in message:
                    with self._lock:
                        self.outcomes.append(message)
                else:
                    with self._lock, contextlib.suppress(OSError, ValueError):
                        sys.stdout.write(line.decode(errors="replace"))
                        sys.stdout.flush()
        except (OSError, ValueError):  # closed under us: the worker is gone
            pass
        self._news.set()  # its stdout ended: the worker has (or is about to)

    def wait_for_news(self, timeout: float) -> bool:
        """Block until a worker ends a trial or ends itself, at most `timeout` seconds, then
        forget the news; True when there was some. Without workers, a sleep of `timeout`. News
        that came since the last call returns at once, so a caller that checks the store and
        then waits misses none that came in between."""
        if not self._readers:
            time.sleep(timeout)
            return False
        news = self._news.wait(timeout)
        self._news.clear()
        return news

    def listen(self, listener: Callable[[dict[str, Any]], None]) -> None:
        """Calls `listener` with each trial a worker ends (its state, number and objective),
        those ended so far first; on the threads that read the workers."""
        with self._lock:
            self._listener = listener
            unheard, self._unheard = self._unheard, []
        for ended in unheard:
            listener(ended)

    def _join_readers(self) -> None:
        """Every worker's stdout read to its end (they have ended)."""
        for reader in self._readers:
            reader.join(timeout=10)

    def whole_counts(self, own: Mapping[str, int]) -> dict[str, int]:
        """The run's trials by state: `own` (this process's) plus its workers' outcomes."""
        total = dict(own)
        with self._lock:
            outcomes = list(self.outcomes)
        for outcome in outcomes:
            counts = outcome.get("counts")
            if isinstance(counts, dict):
                for state, n in counts.items():
                    if isinstance(n, int):
                        total[str(state)] = total.get(str(state), 0) + n
        return total

    @property
    def queue_closed(self) -> bool:
        """Whether `close_queue` (or `finish`, `terminate`) has told the workers the run
        queues no more trials."""
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
                    with contextlib.suppress(OSError, ValueError):
                        proc.stdin.write(f"{CLOSED_LINE}\n".encode())
                        proc.stdin.flush()

    def _close_pipes(self) -> None:
        """The pipes closed, once the workers have ended (a pipe that ends under a running
        worker tells it its run died)."""
        for proc in self.procs:
            if proc.stdin is not None:
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
        self._close_pipes()
        self._join_readers()

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
        self._close_pipes()
        self._join_readers()


@dataclass(frozen=True)
class WorkersChoice:
    """What `--workers auto` chose: `count` processes (the run's own included), and `reason`,
    the line a run says about it (empty when it trains in its own process alone)."""

    count: int
    reason: str = ""  # a messages.Text where it says something


def auto_workers(*, device: str, trials: int | None, strategy: str, cores: int | None = None,
                 accelerator: bool | None = None) -> WorkersChoice:
    """How many processes train side by side under `--workers auto`, chosen before torch is
    imported (the CLI starts the workers first). A small model trains on one CPU core at a time
    about as fast as on two (engine/runtime.py), and trials in one process take turns on the
    GIL, so on a machine without a GPU each core gets a process of its own: the headline search
    (30 digits trials, fused) took 1.9-2.9 s in two processes on 2 cores against 2.6-3.6 s in
    one. Otherwise one process, where:
    - `device` (the run's --device, else the baseline's training.device) names a GPU ('cuda',
      'cuda:N', 'mps'), or is 'auto' on a machine with one (`accelerator`, by default
      `has_accelerator()`): fused groups on one GPU beat processes taking turns on it;
    - the budget gives no two processes AUTO_TRIALS_PER_SLOT trials each, or counts no trials
      (`trials` None: a time budget, or a grid or ovat plan run to its end, whose size is
      known only once the search layer is imported);
    - the strategy is population-based training (one fused population, in one process).
    `cores`: the CPUs this process may run on (default `usable_cores()`); at most
    AUTO_MAX_SLOTS processes."""
    if strategy == "pbt":
        return WorkersChoice(1)
    name = device.strip().lower()
    if name.startswith(("cuda", "mps")):
        return WorkersChoice(1)
    if name == "auto" and (has_accelerator() if accelerator is None else accelerator):
        return WorkersChoice(1)
    if trials is None:
        return WorkersChoice(1)
    cores = usable_cores() if cores is None else cores
    count = min(cores, AUTO_MAX_SLOTS, trials // AUTO_TRIALS_PER_SLOT)
    if count <= 1:
        return WorkersChoice(1)
    return WorkersChoice(count, AUTO_LINE.format(count=count, cores=cores))


def workers_for(requested: int | str, project: Any, experiment: str, *,
                device: str | None = None, trials: int | None = None) -> WorkersChoice:
    """`--workers` of a run of `project`'s `experiment` as a count: a number as given; AUTO by
    `auto_workers` for the run's device (`device`, else the baseline's) and its budget in
    trials (`trials`, else the experiment's). The CLI and the window both decide by it.
    `project` is a `tunestudio.config.Project`, typed Any: this module imports no config (the
    trial client's contract keeps it to the standard library)."""
    if requested != AUTO:
        return WorkersChoice(max(1, int(requested)))
    search = project.experiment(experiment).search
    return auto_workers(device=device or project.baseline.training.device,
                        trials=search.budget.trials if trials is None else trials,
                        strategy=search.strategy)


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask where the system has one, e.g. a
    container's cpuset), at least 1."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        with contextlib.suppress(OSError):
            return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def has_accelerator(env: Mapping[str, str] | None = None) -> bool:
    """Whether this machine has a GPU torch could train on, judged without importing torch:
    Apple silicon (MPS); an NVIDIA driver's devices (/dev/nvidia0, /proc/driver/nvidia/gpus)
    or AMD's ROCm (/dev/kfd) unless CUDA_VISIBLE_DEVICES hides every GPU; on Windows,
    nvidia-smi on the PATH. A GPU that torch then cannot use only costs the second process."""
    env = os.environ if env is None else env
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    if sys.platform == "darwin":
        return platform.machine() == "arm64"
    if sys.platform.startswith("win"):
        return shutil.which("nvidia-smi") is not None
    gpus = Path("/proc/driver/nvidia/gpus")
    with contextlib.suppress(OSError):
        if gpus.is_dir() and any(gpus.iterdir()):
            return True
    return any(Path(p).exists() for p in ("/dev/nvidia0", "/dev/kfd"))


def _json_object(line: bytes) -> dict[str, Any] | None:
    """The JSON object a stdout line holds, or None."""
    if not line.lstrip().startswith(b"{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def workers_value(text: str) -> int | str:
    """`--workers`'s value: AUTO, or a whole number >= 1. Raises ValueError naming the
    value otherwise."""
    value = text.strip().lower()
    if value == AUTO:
        return AUTO
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise ValueError(f"'{text}' is not auto or a whole number of processes (e.g. 2)")


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
    """The worker's side of the pipe from its run: set once the run writes CLOSED_LINE (it
    queues no more trials) or the pipe ends (the run is gone); `budget_id`, once read, the id
    of the run's count of trials (None until the run has written it, and for ever where it
    never does); `run_gone`: the pipe ended."""

    def __init__(self) -> None:
        super().__init__()
        self.budget_id: int | None = None
        self.run_gone = False


def watch_run_pipe(stream: BinaryIO | None = None,
                   on_gone: Callable[[], None] | None = None) -> RunPipe:
    """Reads the pipe from the run on `stream` (stdin by default) on a thread of its own; see
    RunPipe. `on_gone` is called (on that thread) when the pipe ends: the run, which keeps it
    open until its workers have ended, died (kill -9), so its worker stops (its trial kept,
    interrupted, to resume) rather than train on, unseen, what is left of a run nobody waits
    for."""
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
                elif word == CLOSED_LINE:
                    pipe.set()
        except (OSError, ValueError):  # closed under us: the same news
            pass
        pipe.run_gone = True
        pipe.set()
        if on_gone is not None:
            on_gone()

    threading.Thread(target=read, name="tunestudio-run-pipe", daemon=True).start()
    return pipe
