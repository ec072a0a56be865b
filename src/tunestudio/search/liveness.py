"""Which trials are alive: one heartbeat per trial a process holds, from the moment it pops the
trial from the queue until Optuna is told its outcome, and one sweep that finds the trials of
processes that died.

The record is Optuna's own trial heartbeat (`RDBStorage.record_heartbeat`, written with the
database's clock, so a worker whose clock runs behind is not taken for dead), and a stale
trial is found by Optuna's `fail_stale_trials` alone: it fails the trial in one atomic
RUNNING -> FAIL update, so of several processes sweeping at once exactly one acts, and its
`RetryHeartbeatStaleTrialCallback` queues the trial's point again as a new trial. A trial whose
owner process on this host no longer exists needs no grace: the sweep puts it back in the queue
in place (or fails it, without checkpoints), and the next pop resumes it from its checkpoint.

A held trial is beaten while it waits: sampled ahead while the trial before it trains, waiting
in an asked batch for its fused group, its checkpoint uploading, its result waiting for the
bookkeeping thread to tell it. Nothing else writes a heartbeat, and nothing else declares a
trial dead.

The interval and the grace are settings of the process (environment variables, read when the
storage is opened): TUNESTUDIO_HEARTBEAT_S (seconds between beats, default 2) and
TUNESTUDIO_STALE_AFTER_S (whole seconds without a beat before a trial counts as dead, default
20; at least 3, since SQLite's clock has whole seconds)."""

from __future__ import annotations

import contextlib
import inspect
import os
import socket
import threading
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from tunestudio.search.queue import beat_trials

HEARTBEAT_ENV = "TUNESTUDIO_HEARTBEAT_S"
STALE_AFTER_ENV = "TUNESTUDIO_STALE_AFTER_S"
DEFAULT_HEARTBEAT_S = 2.0
DEFAULT_STALE_AFTER_S = 20
MIN_STALE_AFTER_S = 3  # SQLite's CURRENT_TIMESTAMP has whole seconds: a beat reads up to 1 s old
MAX_RETRIES = 3  # a point whose trials keep going stale (a machine that keeps dying) stops there


class LivenessSettingError(ValueError):
    """An environment variable of the heartbeat holds an unusable value."""


def heartbeat_interval_s() -> float:
    """Seconds between two beats of a held trial: TUNESTUDIO_HEARTBEAT_S, default 2.0. Raises
    LivenessSettingError for a value that is not a positive number, or one that leaves fewer
    than three beats within the grace (a trial would die between two beats)."""
    value = _number(HEARTBEAT_ENV, DEFAULT_HEARTBEAT_S)
    if value <= 0 or value * 3 > stale_after_s():
        raise LivenessSettingError(
            f"{HEARTBEAT_ENV}={value:g} must be positive and at most a third of "
            f"{STALE_AFTER_ENV} ({stale_after_s()} s); unset it for the default "
            f"{DEFAULT_HEARTBEAT_S:g} s")
    return value


def stale_after_s() -> int:
    """Whole seconds without a beat after which a trial is dead: TUNESTUDIO_STALE_AFTER_S,
    default 20. Raises LivenessSettingError for a value below 3 (SQLite's clock has whole
    seconds) or not a whole number."""
    value = _number(STALE_AFTER_ENV, DEFAULT_STALE_AFTER_S)
    if value != int(value) or value < MIN_STALE_AFTER_S:
        raise LivenessSettingError(
            f"{STALE_AFTER_ENV}={value:g} must be a whole number of seconds, at least "
            f"{MIN_STALE_AFTER_S}; unset it for the default {DEFAULT_STALE_AFTER_S} s")
    return int(value)


def _number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise LivenessSettingError(f"{name}={text!r} is not a number of seconds; unset it for "
                                   f"the default {default:g}") from None


# Trials that the calling thread's `fail_stale_trials` found dead (the callback runs on it).
_found = threading.local()


def _on_stale(study: optuna.Study, trial: FrozenTrial) -> None:
    """Optuna's callback for a trial it just failed for want of heartbeats: its point queued
    again, and the trial noted for the sweep that called `fail_stale_trials`."""
    _retry(study, trial)
    found: list[int] | None = getattr(_found, "ids", None)
    if found is not None:
        found.append(trial._trial_id)


def _retry_callback() -> Callable[[optuna.Study, FrozenTrial], None]:
    retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None)
    if retry is None:  # Optuna before 4.9 names it RetryFailedTrialCallback
        retry = optuna.storages.RetryFailedTrialCallback
    with warnings.catch_warnings():  # used deliberately; its 'experimental' notice alarms
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return retry(max_retry=MAX_RETRIES)


_retry = _retry_callback()


def storage_kwargs() -> dict[str, Any]:
    """`RDBStorage` keyword arguments that turn on Optuna's heartbeat with our grace and
    stale-trial callback (named `failed_trial_callback` before Optuna 4.9)."""
    params = inspect.signature(optuna.storages.RDBStorage.__init__).parameters
    callback = "heartbeat_stale_trial_callback" if "heartbeat_stale_trial_callback" in params \
        else "failed_trial_callback"
    interval = heartbeat_interval_s()
    # Optuna's interval only paces its own `optimize` thread, which we do not use; it must be
    # a positive integer for the heartbeat to count as enabled.
    return {"heartbeat_interval": max(1, round(interval)), "grace_period": stale_after_s(),
            callback: _on_stale}


def fail_stale(study: optuna.Study) -> list[int]:
    """Optuna's sweep: the study's running trials without a beat for `stale_after_s()` fail,
    each point queued again (at most MAX_RETRIES times). Returns the Optuna ids of the trials
    this call failed (another process sweeping at once fails the others)."""
    _found.ids = []
    try:
        optuna.storages.fail_stale_trials(study)
        return list(_found.ids)
    finally:
        _found.ids = None


class Heartbeat:
    """The trials this process holds (Optuna ids), each beaten every `heartbeat_interval_s()`
    on a thread of its own from `claim` to `release`. `sweep`, when given, runs every half
    grace on another thread (so a slow sweep never delays a beat): the trials of processes
    that died are found while the run goes on, and live processes take up their points.
    Thread-safe."""

    def __init__(self, storage: optuna.storages.RDBStorage, interval_s: float | None = None,
                 sweep: Callable[[], object] | None = None):
        self.storage = storage
        self.interval_s = heartbeat_interval_s() if interval_s is None else interval_s
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name="tunestudio-heartbeat",
                                          daemon=True)]
        if sweep is not None:
            self._threads.append(threading.Thread(target=self._sweeps, args=(sweep,),
                                                  name="tunestudio-sweep", daemon=True))

    def claim(self, trial_id: int, beaten: bool = False) -> None:
        """The process holds the trial from now on (just popped: RUNNING in Optuna); its first
        beat is written now, so a sweep can find it from this moment (`beaten`: `touch` wrote
        it just before it was popped, one write per trial less)."""
        with self._lock:
            self._held.add(trial_id)
        if not beaten:
            self._beat([trial_id])

    def touch(self, trial_id: int) -> None:
        """One beat for a trial about to be popped (before it is RUNNING)."""
        self._beat([trial_id])

    def beat_now(self) -> None:
        """Every held trial beaten at once: a sweep by this process calls it first, so that
        however late the beat thread was scheduled, this process never fails its own trials."""
        self._beat(self.held())

    def release(self, trial_id: int) -> None:
        """The trial was told (or put back in the queue): no more beats."""
        with self._lock:
            self._held.discard(trial_id)

    def held(self) -> list[int]:
        """The Optuna ids of the trials this process holds now, sorted."""
        with self._lock:
            return sorted(self._held)

    def start(self) -> None:
        """Start the beat thread (and the sweep thread, where there is a sweep); call once."""
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop the threads, waiting up to 5 s for each; held trials are beaten no more."""
        self._halt.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._halt.wait(self.interval_s):
            self._beat(self.held())

    def _sweeps(self, sweep: Callable[[], object]) -> None:
        while not self._halt.wait(stale_after_s() / 2):
            # a failed sweep (the database away for a moment) is tried again at the next
            with contextlib.suppress(Exception):
                sweep()

    def _beat(self, trial_ids: list[int]) -> None:
        # a missed beat is retried at the next; a database gone for good shows in the trial
        with contextlib.suppress(Exception):
            if beat_trials(self.storage, trial_ids):  # one transaction for all of them
                return
        for trial_id in trial_ids:
            with contextlib.suppress(Exception):
                self.storage.record_heartbeat(trial_id)


WINDOWS = os.name == "nt"


def worker_tag() -> str:
    """`host:pid` of this process, kept with each trial it pops (see `owner_is_gone`)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_is_gone(tag: str) -> bool:
    """The process of a `worker_tag` ran on this host and no longer exists, or exists only as
    a zombie (dead, its exit status not yet collected: a worker killed with the run that
    spawned it waits for the system's init to reap it, about 2 s on some machines, and a
    process started meanwhile must not take it for alive)."""
    host, _, pid_text = tag.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    if WINDOWS:  # os.kill(pid, 0) there sends CTRL_C_EVENT (0) to the process group
        return _gone_on_windows(int(pid_text))
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid_text))


def _gone_on_windows(pid: int) -> bool:
    """psutil's answer where it is installed; else the process is taken for alive (its
    trials then wait for the heartbeat's verdict, `stale_after_s`)."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        return False
    return not psutil.pid_exists(pid)


def _is_zombie(pid: int) -> bool:
    """Linux's /proc says `pid` is a zombie; False where there is no /proc to ask."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:stat.rfind(")") + 3] == "Z"
