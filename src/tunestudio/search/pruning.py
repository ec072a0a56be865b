"""Feeding Optuna's pruners from the trainer's evaluations; nothing that reads or writes the
database runs on the training thread.

Each report is a database round trip (about 10 ms on SQLite, more on a remote PostgreSQL). The
training loop must not wait for them, so they run on one small thread shared by every trial of
the process (a fused group reports K trials at once); a decision made there arrives an
evaluation or so later, which costs a pruned trial a little extra training. With median and
percentile pruners every evaluation is judged on the training thread itself, at that
evaluation, as in a hand-written `trial.should_prune()` loop, against the complete trials in
memory (see below); only the reads that keep those fresh run on the pruning thread.

A prune check through `trial.should_prune()` reloads every complete trial of the study from the
database, each time: with Optuna's median and percentile pruners that was most of a search's
bookkeeping. For those pruners the check runs here instead, the pruner's own `prune` on this
trial's reported values and on the study's complete trials in memory: every trial this
process tells joins them at once, and other processes' are read on the pruning thread when
the last read is more than COMPLETED_TTL_S seconds old (STARTUP_READS times as often while too
few are known for the pruner to prune at all; a complete trial's values never change;
a trial completed by another process in the last second or so is seen at a later check). Which
evaluation a trial is pruned at thus depends on its values and this process's history, not on
the bookkeeping's timing: decided on the pruning thread whenever the read was stale, a member
(four evaluations in the digits template's 400-trial search) was pruned an evaluation later, or
not at all, now and then, and that search pruned 144-149 of its trials in five runs of the same
seed; judged here, 150 in each of six (a complete trial joins the checks when it ends on the
training thread, `PruningReporter.completed`, not when it is told).
On Optuna's RDBStorage those reads are targeted queries of the complete trials' reports, each
after the first only of the trials completed since (`_CompleteReports`): reading a history of
100,000 trials through Optuna's cache took minutes, and held up the first trial's end.
Other pruners (successive halving, Hyperband keep state in the storage) are asked through
`trial.should_prune()`.

With those median and percentile pruners a trial's own reports are not read back from the
storage either, so they are written in batches, as the series are: at most every
REPORTS_FLUSH_S seconds, before each resume checkpoint (see search.trial_run) and before the
trial is told (`close`), in one transaction each on Optuna's RDBStorage. One `trial.report` per
evaluation was a session and a commit each, about 1.1 ms of the GIL on SQLite: 20 ms for a
20-epoch digits trial that trains in 0.1-0.2 s, taken from the training thread (the GIL runs
one thread's Python at a time). Other processes' pruners read complete trials only, so they see
every value as before; a viewer of the running trial (optuna-dashboard) sees its values up to
REPORTS_FLUSH_S late. Other pruners get each report at once."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Container, Sequence
from typing import TYPE_CHECKING, Any, cast

import optuna
import sqlalchemy
from optuna.storages import RDBStorage
from optuna.trial import FrozenTrial, TrialState

from tunestudio.messages import PRUNED

if TYPE_CHECKING:
    from tunestudio.engine.trial import Trial  # annotations only: a program trial has none


try:  # Optuna's session helper and tables, for writing several reports in one transaction
    from optuna.storages._rdb import models as _models
    from optuna.storages._rdb.storage import _create_scoped_session as _scoped_session
except ImportError:  # pragma: no cover - a later Optuna moved them: one report per value
    _models = None  # type: ignore[assignment]
    _scoped_session = None  # type: ignore[assignment]

COMPLETED_TTL_S = 1.0
# While a process knows fewer complete trials than its pruner's start-up trials, its checks
# cannot prune at all, and each trial another process completes may let them: the view is read
# this many times as often then (a read of 8 trials of 20 reports: 0.26 ms on SQLite). Read once a
# second, a fused search's second round (its members started when the process's first round of
# 4 ended, the other process's 4 as complete) was never judged: the headline's fused search
# pruned 0-3 of its 30 trials, one at a time 5-9.
STARTUP_READS = 10
REPORTS_FLUSH_S = 1.0
VALUE_ROWS_BACK = 1000  # value rows read again at each read (see _CompleteReports)
FULL_READ_S = 60.0  # the complete trials' ids are read whole this often (see _CompleteReports)


def pruner_startup_trials(pruner: optuna.pruners.BasePruner) -> int:
    """The complete trials a median or percentile pruner needs before it prunes at all (its
    `n_startup_trials`), else 0. Optuna keeps the number in a private field: read where it is,
    0 where a later Optuna renamed it (the view is then read at its usual pace; a test checks
    the name)."""
    if isinstance(pruner, optuna.pruners.PercentilePruner):
        return int(getattr(pruner, "_n_startup_trials", 0))
    return 0


class _CompletedTrials:
    """The study's complete trials, re-read at most every COMPLETED_TTL_S seconds; a trial this
    process tells joins them at once."""

    def __init__(self, study: optuna.Study):
        self.study = study
        self.direction = study.direction
        self._trials: list[FrozenTrial] = []
        self._ids: set[int] = set()  # of _trials (used under the lock): looked up, not searched
        self._read_at = -float("inf")
        self._reading = False  # a read queued by `current` is pending
        self._lock = threading.Lock()
        self._startup = pruner_startup_trials(study.pruner)

    def invalidate(self) -> None:
        self._read_at = -float("inf")

    def _stale(self, age: float) -> bool:
        """Whether a read `age` seconds old is to be read again: after COMPLETED_TTL_S seconds,
        or STARTUP_READS times as often while fewer complete trials are known than the pruner
        needs to prune at all."""
        if len(self._trials) < self._startup:
            return age > COMPLETED_TTL_S / STARTUP_READS
        return age > COMPLETED_TTL_S

    def current(self) -> _Judged | None:
        """The complete trials in memory, however old their last read (judging against them
        reads nothing), or None when they must be read first (never read, or `invalidate`d);
        when the last read is stale (`_stale`), a read is queued on the pruning thread (one at
        a time) for the checks after this one."""
        with self._lock:
            age = time.monotonic() - self._read_at
            if age == float("inf"):
                return None
            judged = _Judged(self.direction, self._trials)
        if self._stale(age):
            self._read_soon()
        return judged

    def _read_soon(self) -> None:
        with self._lock:
            if self._reading:
                return
            self._reading = True
        _Worker.shared().queue.put(self._read_queued)

    def _read_queued(self) -> None:
        try:
            # a failed read (the database went away) is said by the run's own writes; the
            # next stale check queues another
            with contextlib.suppress(Exception):
                self.get_trials()
        finally:
            with self._lock:
                self._reading = False

    def add(self, trial: FrozenTrial) -> None:
        """A trial just told in this process: complete ones are judged against from now on,
        without reading the study again (a read costs milliseconds per queued trial)."""
        if trial.state != TrialState.COMPLETE:
            return
        with self._lock:
            if trial._trial_id not in self._ids:
                self._trials = [*self._trials, trial]
                self._ids.add(trial._trial_id)

    def get_trials(self, deepcopy: bool = False,
                   states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        if self._stale(time.monotonic() - self._read_at):
            trials = self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            with self._lock:
                self._trials = trials
                self._ids = {t._trial_id for t in trials}
                self._read_at = time.monotonic()
        if states is not None and any(s not in (TrialState.COMPLETE,) for s in
                                      cast(tuple[TrialState, ...], states)):
            return self.study.get_trials(deepcopy=deepcopy, states=states)
        return self._trials


class _Reports:
    """What a median or percentile pruner reads of one complete trial: its reports."""

    __slots__ = ("intermediate_values",)

    def __init__(self) -> None:
        self.intermediate_values: dict[int, float] = {}


class _CompleteReports(_CompletedTrials):
    """The reports of the study's complete trials, read from Optuna's tables with targeted
    queries (RDBStorage): the first read takes the reports alone (not each trial's values,
    parameters and attributes, which Optuna's cache would load: minutes for a history of
    100,000 trials), and each later read only the trials completed since. A trial's value row
    is written in the transaction that completes it, and rows are numbered as they are
    written, so the trials completed since are those of the value rows numbered above the
    last read's largest (`trial_values.trial_value_id`: its primary key, a range read). The
    rows of the last VALUE_ROWS_BACK numbers are read again, since PostgreSQL numbers a row
    when it is written, not when its transaction commits (a slow commit's lower number
    appears late), and SQLite may number a row again after the largest was deleted; every
    FULL_READ_S seconds the complete trials' ids are read whole, a check that catches a row
    that appeared later still. (Following the waiting and running trials by id instead read
    the whole queue at every read: 1.5 s a second with 100,000 trials queued.)

    The first read runs on a thread of its own (seconds for a long history): until it is done
    the pruner sees no complete trial, so it prunes nothing, as in its start-up trials, and no
    trial waits for it."""

    def __init__(self, study: optuna.Study, engine: sqlalchemy.Engine):
        super().__init__(study)
        self.engine = engine
        self._by_id: dict[int, _Reports] = {}
        self._last_row = 0  # the largest value row number at the last read (0: none yet)
        self._whole_at = -float("inf")  # when the complete trials' ids were last read whole
        self._first: threading.Thread | None = None
        self.first_error: BaseException | None = None  # of the first read, kept for tests

    def _first_read(self) -> None:
        try:
            self._read()
        except Exception as exc:  # noted; the next check reads again, on its own thread
            self.first_error = exc

    def current(self) -> _Judged | None:
        if self._first is None or self._first.is_alive():
            return None  # not read yet: judged on the pruning thread (which starts the read)
        with self._lock:
            known = self._read_at != -float("inf")
            judged = _Judged(self.direction, self._trials)
        if self._stale(time.monotonic() - self._read_at):
            self._read_soon()  # reports never change: an invalidated view is only stale
        return judged if known or self._trials else None

    def add(self, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE:
            self.add_reports(trial._trial_id, trial.intermediate_values)

    def add_reports(self, trial_id: int, values: dict[int, float]) -> None:
        """A complete trial's reports `{evaluation: value}`, by its Optuna trial id (a trial
        known already is left as it is: its reports never change)."""
        reports = _Reports()
        reports.intermediate_values = dict(values)
        with self._lock:
            if trial_id not in self._by_id:
                self._by_id[trial_id] = reports
                self._trials = [*self._trials, cast(FrozenTrial, reports)]

    def get_trials(self, deepcopy: bool = False,
                   states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        if states is not None and any(s not in (TrialState.COMPLETE,) for s in
                                      cast(tuple[TrialState, ...], states)):
            return self.study.get_trials(deepcopy=deepcopy, states=states)
        with self._lock:
            first = self._first
            if first is None:
                first = self._first = threading.Thread(
                    target=self._first_read, name="tunestudio-pruning-read", daemon=True)
                first.start()
        if first.is_alive():
            return []  # nothing complete known yet: the pruner prunes nothing
        if self._stale(time.monotonic() - self._read_at):
            self._read()
        return self._trials

    def _read(self) -> None:
        assert _models is not None
        trials = _models.TrialModel.__table__
        values = _models.TrialIntermediateValueModel.__table__
        rows = _models.TrialValueModel.__table__
        to_value = _models.TrialIntermediateValueModel.stored_repr_to_intermediate_value
        kind = _models.TrialIntermediateValueModel.TrialIntermediateValueType
        complete = (trials.c.study_id == self.study._study_id) & \
            (trials.c.state == TrialState.COMPLETE.name)
        whole = self._last_row == 0 or time.monotonic() - self._whole_at > FULL_READ_S
        with self.engine.connect() as conn, conn.begin():  # one snapshot
            last_row = conn.execute(sqlalchemy.select(
                sqlalchemy.func.max(rows.c.trial_value_id))).scalar() or 0
            ids = sqlalchemy.select(trials.c.trial_id).where(complete)
            if not whole:  # those with a value row numbered since (a range of the key)
                ids = sqlalchemy.select(rows.c.trial_id).distinct().join(
                    trials, trials.c.trial_id == rows.c.trial_id).where(
                    complete, rows.c.trial_value_id > self._last_row - VALUE_ROWS_BACK)
            got = conn.execute(ids).scalars().all()
            with self._lock:
                done = [int(t) for t in got if int(t) not in self._by_id]
            reports: Sequence[Any] = []
            if done:
                chosen = values.c.trial_id.in_(done) if len(done) <= 500 else \
                    values.c.trial_id.in_(sqlalchemy.select(trials.c.trial_id).where(complete))
                reports = conn.execute(
                    sqlalchemy.select(values.c.trial_id, values.c.step,
                                      values.c.intermediate_value,
                                      values.c.intermediate_value_type).where(chosen)).all()
        found = {tid: _Reports() for tid in done}
        for tid, step, value, value_kind in reports:
            reported = found.get(int(tid))
            if reported is None:  # known before this read (the whole read's subquery)
                continue
            if isinstance(value_kind, str):  # a plain select may give the enum's name
                value_kind = kind[value_kind]
            reported.intermediate_values[int(step)] = to_value(value, value_kind)
        with self._lock:
            new = {tid: r for tid, r in found.items() if tid not in self._by_id}
            self._by_id.update(new)
            if new:
                self._trials = [*self._trials, *cast(list[FrozenTrial], list(new.values()))]
            self._last_row = max(self._last_row, int(last_row), 1)
            self._read_at = time.monotonic()
            if whole:
                self._whole_at = self._read_at


class _Judged:
    """What a percentile pruner reads of the study, fixed: the complete trials."""

    def __init__(self, direction: optuna.study.StudyDirection, trials: list[FrozenTrial]):
        self.direction = direction
        self._trials = trials

    def get_trials(self, deepcopy: bool = False,
                   states: Container[TrialState] | None = None) -> list[FrozenTrial]:
        return self._trials


class _Reported:
    """What a percentile pruner reads of the trial it judges."""

    def __init__(self) -> None:
        self.intermediate_values: dict[int, float] = {}

    @property
    def last_step(self) -> int | None:
        return max(self.intermediate_values) if self.intermediate_values else None


class _Worker:
    """The process's pruning thread: runs submitted calls in order."""

    _lock = threading.Lock()
    _instance: _Worker | None = None

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="tunestudio-pruning",
                                       daemon=True)
        self.thread.start()

    @classmethod
    def shared(cls) -> _Worker:
        with cls._lock:
            if cls._instance is None or not cls._instance.thread.is_alive():
                cls._instance = cls()
            return cls._instance

    def _loop(self) -> None:
        while True:
            self.queue.get()()


_views: dict[int, _CompletedTrials] = {}
_reports: dict[int, _CompletedTrials] = {}
_views_lock = threading.Lock()


def _view(study: optuna.Study) -> _CompletedTrials:
    with _views_lock:
        view = _views.get(id(study))
        if view is None or view.study is not study:
            view = _views[id(study)] = _CompletedTrials(study)
        return view


def _reports_view(study: optuna.Study) -> _CompletedTrials:
    """What the median and percentile pruners judge against: the complete trials' reports,
    read with targeted queries on Optuna's RDBStorage, else the complete trials themselves."""
    with _views_lock:
        view = _reports.get(id(study))
        if view is None or view.study is not study:
            storage: Any = study._storage
            backend = getattr(storage, "_backend", storage)
            if isinstance(backend, RDBStorage) and _models is not None:
                view = _CompleteReports(study, backend.engine)
            else:
                view = _views.get(id(study))
                if view is None or view.study is not study:
                    view = _views[id(study)] = _CompletedTrials(study)
            _reports[id(study)] = view
        return view


def trial_told(study: optuna.Study, trial: FrozenTrial | None = None) -> None:
    """A trial of `study` was told its outcome in this process (`trial`, as `study.tell`
    returned it): the next prune checks judge against it too. Without `trial` they read the
    study anew."""
    with _views_lock:
        views = {id(v): v for v in (_views.get(id(study)), _reports.get(id(study)))
                 if v is not None}
    for view in views.values():
        if trial is None:
            view.invalidate()
        else:
            view.add(trial)


def completed_trials(study: optuna.Study) -> list[FrozenTrial]:
    """The study's complete trials as prune checks see them: read at most COMPLETED_TTL_S
    seconds ago, with every trial this process told since (see `trial_told`)."""
    return _view(study).get_trials()


class PruningReporter:
    """Reports one trial's evaluations to Optuna and stops its trainer when the study's pruner
    says so. `submit` returns at once; `close` waits for the reports in flight and writes
    those not yet in the storage (see the module docstring); `flush` writes them now."""

    def __init__(self, trial: optuna.Trial, metric: str):
        self.trial = trial
        self.metric = metric
        self.pruned = threading.Event()
        self.error: BaseException | None = None
        self._pruner = trial.study.pruner
        self._local = isinstance(self._pruner, optuna.pruners.PercentilePruner)
        self._reported = _Reported()
        self._in_flight = 0  # calls of this trial on the pruning thread (checks and writes)
        self._checks = 0  # of them, evaluations judged there (see `_judge_here`)
        self._idle = threading.Condition()
        self._unwritten: list[tuple[int, float]] = []  # (step, value) not yet in the storage
        self._write_lock = threading.Lock()
        self._written_at = time.monotonic()

    def submit(self, trainer: Trial, value: float, step: int, last: bool = False) -> None:
        """Hand over one evaluation: the objective metric's `value`, reported to Optuna at
        `step` (the trial's evaluations before this one). Judged at once on the calling thread
        where the pruner is a PercentilePruner (MedianPruner included) whose complete trials
        are in memory, else on the pruning thread; a prune sets `pruned` and stops `trainer`.
        Ignored once the trial is pruned.

        `last`: the trial's final evaluation, after which it trains no more. It is reported
        (the other trials are judged against it) but never judged: pruning it would save no
        training and would take a finished result out of the best trials, which Optuna never
        ranks a pruned trial among (optuna/optuna#824). With 4 epochs and the default 3
        evaluations of warm-up, the median pruner had only that evaluation to judge, and
        marked a third of the digits template's 400 trials pruned after their full
        training."""
        if self.pruned.is_set() or (self._local and self._judge_here(trainer, value, step,
                                                                     last)):
            return
        self._hand_off(lambda: self._check(trainer, value, step, last), check=True)

    def _hand_off(self, call: Callable[[], None], check: bool = False) -> None:
        with self._idle:
            self._in_flight += 1
            self._checks += check
        _Worker.shared().queue.put(call)

    def _judge_here(self, trainer: Trial, value: float, step: int, last: bool = False) -> bool:
        """Judge on the calling (training) thread, against the complete trials in memory
        (`_CompletedTrials.current`: a stale view is judged as it is while a read is queued
        on the pruning thread), unless they were never read or an earlier evaluation of this
        trial is still judged on the pruning thread (evaluations keep their order). The
        decision comes at this evaluation, whatever the bookkeeping's timing, and the
        training thread does not hand the GIL to the pruning thread for each evaluation. The
        batched write of the reports, when due, goes to the pruning thread. False: the pruning
        thread judges it (and reads the study first)."""
        if self.error is not None:
            return True  # as on the pruning thread: a trial whose report failed goes on
        with self._idle:
            if self._checks:
                return False
        judged = _reports_view(self.trial.study).current()
        if judged is None:
            return False
        with self._write_lock:
            self._unwritten.append((step, value))
            due = time.monotonic() - self._written_at >= REPORTS_FLUSH_S
        self._reported.intermediate_values[step] = value
        try:
            self._decide(trainer, value, step, not last and self._judge(judged))
        except Exception as exc:  # a failed judgement must not kill the trial; it is noted
            self.error = exc
        if due:
            self._hand_off(self._flush_in_flight)
        return True

    def _flush_in_flight(self) -> None:
        try:
            self.flush()
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _judge(self, study: Any) -> bool:
        """A median or percentile pruner's verdict on this trial's values in memory (`study`:
        what it reads of the study, the complete trials)."""
        return bool(self._pruner.prune(study, cast(FrozenTrial, self._reported)))

    def _decide(self, trainer: Trial, value: float, step: int, prune: bool) -> None:
        """Stop the trainer when the verdict is to prune."""
        if prune:
            self.pruned.set()
            trainer.request_stop("pruned", PRUNED.format(
                evaluation=step + 1, metric=self.metric, value=f"{value:.4g}"))

    def completed(self) -> None:
        """The trial ended complete on the calling (training) thread, to be told on the
        bookkeeping thread: its reports join this process's prune checks now, so the trials
        that train next are judged against it whatever the bookkeeping's pace (a fused group
        told 16 members one by one while the next group was judged). On Optuna's RDBStorage,
        when every evaluation was judged here (else the tell adds it, as for other storages)."""
        with self._idle:
            if self._checks:
                return
        view = _reports_view(self.trial.study)
        if isinstance(view, _CompleteReports):
            view.add_reports(self.trial._trial_id, self._reported.intermediate_values)

    def close(self) -> None:
        """Wait for the reports in flight and write them all, so Optuna has them before the
        trial is told. A failed write is kept in `error`, as a failed report."""
        with self._idle:
            self._idle.wait_for(lambda: self._in_flight == 0)
        self.flush()

    def flush(self) -> None:
        """Write the reports that are not in the storage yet (any thread); a failure is kept in
        `error`."""
        with self._write_lock:
            values, self._unwritten = self._unwritten, []
            self._written_at = time.monotonic()
            if not values:
                return
            try:
                store_reports(self.trial, values)
            except Exception as exc:  # a lost report must not kill the trial; it is noted
                self.error = exc

    def _check(self, trainer: Trial, value: float, step: int, last: bool = False) -> None:
        try:
            if self.pruned.is_set() or self.error is not None:
                return
            if self._local:
                with self._write_lock:
                    self._unwritten.append((step, value))
                    due = time.monotonic() - self._written_at >= REPORTS_FLUSH_S
                if due:
                    self.flush()
            else:
                self.trial.report(value, step=step)
            self._reported.intermediate_values[step] = value
            prune = not last and (self._judge(_reports_view(self.trial.study)) if self._local
                                  else self.trial.should_prune())
            self._decide(trainer, value, step, prune)
        except Exception as exc:  # a lost report must not kill the trial; it is noted
            self.error = exc
        finally:
            with self._idle:
                self._in_flight -= 1
                self._checks -= 1
                self._idle.notify_all()


def store_reports(trial: optuna.Trial, values: list[tuple[int, float]]) -> None:
    """Put `values` ((evaluation, value) pairs) into Optuna's storage as `trial.report` would:
    a value whose step the trial already has is left as it was. On Optuna's RDBStorage all in
    one transaction: the trial looked up and checked once, the values inserted together (Optuna
    looks the trial up again for each value); elsewhere, or should a value of these steps be in
    the database after all, Optuna's own writes. Raises what the storage raises (e.g. the
    trial is finished)."""
    storage: Any = trial.study._storage
    backend = getattr(storage, "_backend", storage)
    known: dict[int, float] = trial._cached_frozen_trial.intermediate_values
    fresh = [(int(step), float(value)) for step, value in values if step not in known]
    if not fresh:
        return
    if not isinstance(backend, RDBStorage) or _scoped_session is None or _models is None:
        for step, value in fresh:  # another storage, or an Optuna without these internals
            trial.report(value, step=step)
        return
    trial_id = trial._trial_id
    try:
        with _scoped_session(backend.scoped_session) as session:
            row = _models.TrialModel.find_or_raise_by_id(trial_id, session)
            backend.check_trial_is_updatable(trial_id, row.state)
            to_stored = _models.TrialIntermediateValueModel.intermediate_value_to_stored_repr
            for step, value in fresh:
                stored, kind = to_stored(value)
                session.add(_models.TrialIntermediateValueModel(
                    trial_id=trial_id, step=step, intermediate_value=stored,
                    intermediate_value_type=kind))
    except sqlalchemy.exc.IntegrityError:  # a step already stored: Optuna's upsert, one by one
        for step, value in fresh:
            backend.set_trial_intermediate_value(trial_id, step, value)
    known.update(fresh)
