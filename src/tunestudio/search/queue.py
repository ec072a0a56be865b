"""The queue of waiting trials, kept short and read with targeted queries, so that what a trial
costs does not grow with the budget or the history.

Optuna's cached storage re-reads every unfinished trial (waiting ones included) and every trial
after the last finished one at each `get_trials`: with the whole budget queued up front, each
trial read the whole queue, and a search of N trials cost O(N^2). So:

- a run queues its budget a little at a time (`Feeder`): at most `ahead` trials wait in the
  queue; the run tops it up before each trial it pops itself and, for the other processes that
  pop from it (local workers, remote `tunestudio worker`s), from a thread every FEED_EVERY_S
  seconds; a queue found empty while the budget lasts doubles `ahead`. The budget stays exact:
  only the run that planned it queues it. A run that stops leaves the rest of its budget
  unqueued; the next run plans it again, as it plans a budget left in the queue.
- a trial is popped by its id (`waiting_ids`, the oldest waiting trials of the study through an
  index on Optuna's `trials (study_id, state, trial_id)` that `index_queue` adds), not by
  reading the queue through the cache.

Both read Optuna's tables through its SQLAlchemy models (optuna.storages._rdb, as
search/pruning.py does); an Optuna that moved them makes `waiting_ids` return None and the
runner pops through the cache, as before."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import optuna
import sqlalchemy
from optuna.trial import TrialState

if TYPE_CHECKING:
    from tunestudio.search.plan import Queue

try:  # Optuna's table definitions, for targeted queries of its trials
    from optuna.storages._rdb import models as _models
except ImportError:  # a later Optuna moved them: the cache's reads (tested both ways)
    _models = None  # type: ignore[assignment]
try:  # the cache's record of a study, to make it know one trial (`know_trial`)
    from optuna.storages._cached_storage import _StudyInfo
except ImportError:  # a later Optuna moved it: the cache reads the study as it always did
    _StudyInfo = None  # type: ignore[assignment,misc]

QUEUE_INDEX = "ix_ts_trials_study_state"
FEED_EVERY_S = 0.2
MIN_AHEAD = 2  # the run tops up before each of its own pops: others find one or two
MAX_AHEAD = 4096


def index_queue(engine: sqlalchemy.Engine) -> None:
    """Adds the index on Optuna's `trials (study_id, state, trial_id)` that finds a study's
    waiting (and running) trials without scanning its history. Idempotent; several processes
    may call it at once (the loser's error is ignored)."""
    if _models is None:  # see the module's docstring
        return
    table = _models.TrialModel.__table__
    if any(ix.get("name") == QUEUE_INDEX
           for ix in sqlalchemy.inspect(engine).get_indexes(table.name)):
        return
    index = sqlalchemy.Index(QUEUE_INDEX, sqlalchemy.column("study_id"),
                             sqlalchemy.column("state"), sqlalchemy.column("trial_id"))
    # a Table of our own, so that Optuna's metadata (its create_all) never holds our index
    sqlalchemy.Table(table.name, sqlalchemy.MetaData(), sqlalchemy.Column("study_id"),
                     sqlalchemy.Column("state"), sqlalchemy.Column("trial_id"), index)
    with contextlib.suppress(sqlalchemy.exc.OperationalError, sqlalchemy.exc.ProgrammingError):
        index.create(engine, checkfirst=True)


def waiting_ids(storage: optuna.storages.RDBStorage, study_id: int, limit: int
                ) -> list[int] | None:
    """The Optuna ids of at most `limit` waiting trials of the study, oldest first (one index
    range read); None where this Optuna's tables are unknown."""
    return trial_ids(storage, study_id, TrialState.WAITING, limit)


def trial_ids(storage: optuna.storages.RDBStorage, study_id: int, state: TrialState,
              limit: int | None = None) -> list[int] | None:
    """The Optuna ids of the study's trials in `state` (at most `limit`), oldest first, read
    through the index; None where this Optuna's tables are unknown."""
    if _models is None:  # see the module's docstring
        return None
    table = _models.TrialModel.__table__
    query = (sqlalchemy.select(table.c.trial_id)
             .where(table.c.study_id == study_id, table.c.state == state)
             .order_by(table.c.trial_id).limit(limit))
    with storage.engine.connect() as conn:
        return [int(row[0]) for row in conn.execute(query)]


def start_waiting(storage: optuna.storages.RDBStorage, trial_id: int) -> bool | None:
    """Pops a waiting trial: RUNNING from now, in one conditional UPDATE (`WHERE state =
    WAITING`), so that of any number of processes popping it at once exactly one gets True
    (the others False: it was taken, or is not waiting). Optuna's `set_trial_state_values`
    reads the state and then writes it; on SQLite the read takes no lock, so two processes
    could both read WAITING and both start the trial (seen with `--workers 2`: the run and its
    worker trained one trial twice, the second's result refused at its tell, and the budget's
    last trial never ran). Writes what Optuna writes (the state and `datetime_start`). None
    where this Optuna's tables are unknown: the caller pops through Optuna."""
    if _models is None:  # see the module's docstring
        return None
    table = _models.TrialModel.__table__
    with storage.engine.begin() as conn:
        started = conn.execute(
            sqlalchemy.update(table)
            .where(table.c.trial_id == trial_id, table.c.state == TrialState.WAITING)
            .values(state=TrialState.RUNNING, datetime_start=datetime.now())).rowcount
    return started == 1


def beat_trials(storage: optuna.storages.RDBStorage, trial_ids: Sequence[int]) -> bool:
    """One heartbeat for each of `trial_ids` in one transaction (one UPDATE, and an INSERT for
    trials that had none), stamped with the database's clock as Optuna's `record_heartbeat`
    stamps one trial (its two reads, write and commit per trial cost a fused group of 16 that
    many transactions every beat: a 400-trial digits search held the GIL 76 s for them at a
    load of 10, twice its training). False where this Optuna's tables are unknown: the caller
    beats each trial through Optuna."""
    if _models is None:  # see the module's docstring
        return False
    if not trial_ids:
        return True
    table = _models.TrialHeartbeatModel.__table__
    ids = sorted(set(trial_ids))
    with storage.engine.begin() as conn:
        now = conn.execute(sqlalchemy.select(sqlalchemy.func.now())).scalar_one()
        done = conn.execute(sqlalchemy.update(table).where(table.c.trial_id.in_(ids))
                            .values(heartbeat=now)).rowcount
        if done < len(ids):
            have = set(conn.execute(sqlalchemy.select(table.c.trial_id)
                                    .where(table.c.trial_id.in_(ids))).scalars())
            missing = [{"trial_id": i, "heartbeat": now} for i in ids if i not in have]
            if missing:
                conn.execute(sqlalchemy.insert(table), missing)
    return True


def user_attr_of(storage: optuna.storages.RDBStorage, trial_ids: Sequence[int], key: str
                 ) -> dict[int, Any] | None:
    """The user attribute `key` of each of `trial_ids` that has it (JSON-decoded), in one read
    rather than a whole trial's per id; None where this Optuna's tables are unknown."""
    if _models is None:  # see the module's docstring
        return None
    if not trial_ids:
        return {}
    table = _models.TrialUserAttributeModel.__table__
    query = sqlalchemy.select(table.c.trial_id, table.c.value_json).where(
        table.c.trial_id.in_(list(trial_ids)), table.c.key == key)
    with storage.engine.connect() as conn:
        return {int(tid): json.loads(value) for tid, value in conn.execute(query)}


def count_trials(study: optuna.Study, states: Sequence[TrialState]) -> int:
    """How many trials of the study are in one of `states`, counted by the database (through
    the index) rather than by reading every trial."""
    backend = getattr(study._storage, "_backend", study._storage)
    if _models is None or not isinstance(backend, optuna.storages.RDBStorage):
        return len(study.get_trials(deepcopy=False, states=tuple(states)))
    table = _models.TrialModel.__table__
    query = (sqlalchemy.select(sqlalchemy.func.count())
             .where(table.c.study_id == study._study_id, table.c.state.in_(list(states))))
    with backend.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def know_trial(study: optuna.Study, trial_id: int) -> None:
    """Makes the study's cached storage know a trial another process queued (its first suggest
    needs it). Only that trial is read and added to the cache, as unfinished (so the cache
    reads it afresh when it next reads the study): Optuna's cache would otherwise read, on its
    first read of a study, every trial of the history (minutes for 100,000 trials) before the
    first trial could start. A sampler that needs the history (TPE) reads it through the cache
    as before, when it first asks."""
    cache: Any = study._storage
    known = getattr(cache, "_trial_id_to_study_id_and_number", None)
    if known is not None and trial_id in known:
        return
    backend = getattr(cache, "_backend", None)
    studies = getattr(cache, "_studies", None)
    add = getattr(cache, "_add_trials_to_cache", None)
    lock = getattr(cache, "_lock", None)
    if (backend is not None and studies is not None and add is not None and lock is not None
            and _StudyInfo is not None):
        trial = backend.get_trial(trial_id)
        with lock:
            if trial_id in cache._trial_id_to_study_id_and_number:
                return
            if study._study_id not in studies:
                studies[study._study_id] = _StudyInfo()
            add(study._study_id, [trial])
            studies[study._study_id].unfinished_trial_ids.add(trial_id)
        return
    read = getattr(cache, "_read_trials_from_remote_storage", None)  # pragma: no cover
    if read is not None:  # pragma: no cover - a cache without these internals
        read(study._study_id)
    else:  # pragma: no cover - a storage without Optuna's cache: it reads on demand
        cache.get_all_trials(study._study_id, deepcopy=False, states=(TrialState.WAITING,))


class Feeder:
    """Writes a run's planned queue into Optuna `ahead` trials at a time (see the module's
    docstring). `top_up` is thread-safe; `start`/`stop` run it every FEED_EVERY_S seconds (unless
    a `top_up` came since: the run tops up before each trial it pops itself) on
    a thread of its own, for the other processes popping from the same queue.
    `on_all_queued` is called once, by the first `top_up` that finds the whole plan queued
    (the run's workers then know that an empty queue means the end)."""

    def __init__(self, study: optuna.Study, storage: optuna.storages.RDBStorage, queue: Queue,
                 ahead: int, on_error: Callable[[BaseException], None] | None = None,
                 on_all_queued: Callable[[], None] | None = None) -> None:
        self.study = study
        self.storage = storage
        self.queue = queue
        self.ahead = max(MIN_AHEAD, ahead)
        self.written = 0
        self.on_error = on_error
        self.on_all_queued = on_all_queued
        self._last = 0.0  # time.monotonic() of the last top-up
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def left(self) -> int:
        """Planned trials not queued yet."""
        return len(self.queue.entries) - self.written

    def top_up(self) -> None:
        """Queues planned trials until `ahead` wait (or the plan is all queued)."""
        with self._lock:
            self._last = time.monotonic()
            self._write()
            if self.left <= 0 and self.on_all_queued is not None:
                done, self.on_all_queued = self.on_all_queued, None
                done()

    def _write(self) -> None:
        if self.left <= 0:
            return
        waiting = waiting_ids(self.storage, self.study._study_id, self.ahead)
        if waiting is None:  # the cache pops, reading the whole queue: write it at once
            stop = len(self.queue.entries)
        else:
            if 2 * len(waiting) > self.ahead:
                return  # more than half full: top up later, in a larger write
            if not waiting and self.written > 0:
                self.ahead = min(MAX_AHEAD, 2 * self.ahead)  # others popped it dry
            stop = min(len(self.queue.entries), self.written + self.ahead - len(waiting))
        self.queue.write(self.study, self.written, stop)
        self.written = stop

    def start(self) -> None:
        """Start the thread that tops up the queue every FEED_EVERY_S seconds, where the plan has
        trials left to write and it is not running yet."""
        if self.left > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="tunestudio-queue",
                                            daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop the top-up thread and wait for it to end."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(FEED_EVERY_S) and self.left > 0:
            if time.monotonic() - self._last < FEED_EVERY_S:
                continue  # the run topped it up itself a moment ago (it does before each pop)
            try:
                self.top_up()
            except Exception as exc:  # the database went away: the run's own pops say so
                if self.on_error is not None:
                    self.on_error(exc)
                return
