"""Optuna's cached storage, told to re-read only the trials that changed.

At each read of a study (`get_all_trials`: a sampler reads it about twice per trial asked)
Optuna's cache fetches every unfinished trial, and every trial after the last finished one, in
full: its parameters, values, attributes and every report. A fused round asks its trials one
after another while they all run, so each ask re-read every trial asked before it in the round,
O(K^2) full reads per round of K; in the digits template's 400-trial Bayesian search fused in
groups of 16 those reads held the GIL for 23 % of the run (py-spy), more than the training.

`read_changes_only` makes a study's cache ask the database first, in one light query, for the
state and the numbers of parameters and system attributes of those same trials, and fetch
only the trials that are new or differ from the cached copy: in full a trial that is new or
finished; an unfinished one that started (popped from the queue) or was given a parameter (a
suggest) or a sampler's system attribute, in two light queries of its parameters and system
attributes. What a sampler reads of a
running trial (its parameters, for TPE's constant liar; the system attributes samplers
write when they sample it) stays current; a running trial's reports and user attributes in
the cache may lag until it finishes. Nothing of ours reads those through the cache:
`Study.get_trials` is read by samplers, a running trial is read from the database by
`get_trial` (Optuna's cache never serves an unfinished trial from memory), our own reads of
running trials are targeted queries (search/queue.py), pruning reads its own
(search/pruning.py).

It reads Optuna's tables through its SQLAlchemy models (optuna.storages._rdb) and replaces the
cache's private `_read_trials_from_remote_storage`; an Optuna that moved either leaves the cache
as it is (`read_changes_only` returns False), as tested both ways."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import optuna
import sqlalchemy

try:  # Optuna's table definitions (as search/queue.py reads them)
    from optuna.storages._rdb import models as _models
except ImportError:  # a later Optuna moved them: the cache reads as it always did
    _models = None  # type: ignore[assignment]

# (state, parameters, system attributes, start time) of a trial
Summary = tuple[object, int, int, datetime.datetime | None]


def read_changes_only(study: optuna.Study) -> bool:
    """Make the study's cached storage re-read only the trials that changed (see the module's
    docstring). Returns False, and changes nothing, where the storage is no Optuna cache over
    an RDB storage whose internals this module knows."""
    cache: Any = study._storage
    backend = getattr(cache, "_backend", None)
    original = getattr(cache, "_read_trials_from_remote_storage", None)
    needed = ("_studies", "_lock", "_add_trials_to_cache", "_trial_id_to_study_id_and_number")
    if (_models is None or not isinstance(backend, optuna.storages.RDBStorage)
            or original is None or not all(hasattr(cache, name) for name in needed)):
        return False
    if getattr(original, "reads_changes_only", False):
        return True
    read = _ChangedReads(cache, backend, original)
    cache._read_trials_from_remote_storage = read
    return True


class _ChangedReads:
    """The replacement of one cache's `_read_trials_from_remote_storage(study_id)`."""

    reads_changes_only = True

    def __init__(self, cache: Any, backend: optuna.storages.RDBStorage,
                 original: Callable[[int], None]):
        self.cache = cache
        self.backend = backend
        self.original = original

    def __call__(self, study_id: int) -> None:
        cache = self.cache
        with cache._lock:
            info = cache._studies.get(study_id)
            first = info is None or not info.trials
        if first:  # the first read: the whole history at once (it takes the lock itself)
            self.original(study_id)
            return
        with cache._lock:
            summaries = _summaries(self.backend, study_id, info.last_finished_trial_id,
                                   info.unfinished_trial_ids)
            changed = {trial_id for trial_id, summary in summaries.items()
                       if self._differs(info, trial_id, summary)}
            if not changed:
                return
            grown = {trial_id: cached for trial_id in changed
                     if (cached := self._still_running(info, trial_id, summaries[trial_id]))}
            if grown:
                cache._add_trials_to_cache(study_id, _with_params_and_system_attrs(
                    self.backend, grown, summaries))
            changed -= set(grown)
            if not changed:
                return
            trials = self.backend._get_trials(study_id, states=None, included_trial_ids=changed,
                                              trial_id_greater_than=max(changed))
            cache._add_trials_to_cache(study_id, trials)
            finished = [t._trial_id for t in trials if t.state.is_finished()]
            if finished:  # the last finished trial moves on: see `_keep_unfinished_known`
                _keep_unfinished_known(info, summaries, info.last_finished_trial_id,
                                       max(finished))
            for trial in trials:
                if trial.state.is_finished():
                    info.unfinished_trial_ids.discard(trial._trial_id)
                    info.last_finished_trial_id = max(info.last_finished_trial_id,
                                                      trial._trial_id)
                else:
                    info.unfinished_trial_ids.add(trial._trial_id)

    def _cached(self, info: Any, trial_id: int) -> optuna.trial.FrozenTrial | None:
        known = self.cache._trial_id_to_study_id_and_number.get(trial_id)
        return info.trials.get(known[1]) if known is not None else None

    def _differs(self, info: Any, trial_id: int, summary: Summary) -> bool:
        cached = self._cached(info, trial_id)
        if cached is None:
            return True
        state, params, system_attrs, _ = summary
        return (cached.state != state or len(cached.params) != params
                or len(cached.system_attrs) != system_attrs)

    def _still_running(self, info: Any, trial_id: int, summary: Summary
                       ) -> optuna.trial.FrozenTrial | None:
        """The cached copy of a trial that is still unfinished and only started (left the
        queue: WAITING to RUNNING) or gained parameters or system attributes (a trial being
        asked: each suggest adds one), or None."""
        cached = self._cached(info, trial_id)
        state = summary[0]
        if cached is None or cached.state.is_finished() or not isinstance(
                state, optuna.trial.TrialState) or state.is_finished():
            return None
        return cached


def _keep_unfinished_known(info: Any, summaries: dict[int, Summary], after: int,
                           last: int) -> None:
    """Mark unfinished every trial between `after` (the last finished trial so far) and `last`
    (the new one) that the summaries show unfinished (those up to `after` are marked already;
    looked up by id, not by scanning the summaries, which hold a long queue's every trial).
    Optuna's cache re-reads only the trials it marked unfinished and those after its last
    finished one, and Optuna 5.1 keeps a trial it creates itself (`enqueue_trial`: the
    run's queue) without marking it; its own read marks every trial it reads in the pass that
    moves the last finished one on, where this one reads only the trials that changed. Unmarked,
    a queued trial popped and started stayed RUNNING in the cache for good once a later trial
    finished first: a fused round of the digits template's 400-trial search left 35 of its 64
    trials running to TPE for the rest of the run, which ones by the bookkeeping's timing."""
    for trial_id in range(after + 1, last):
        summary = summaries.get(trial_id)
        if summary is not None and not _finished(summary[0]):
            info.unfinished_trial_ids.add(trial_id)


def _finished(state: object) -> bool:
    """Whether a state read from the trials table (a TrialState, or its name) is final."""
    if isinstance(state, str):
        state = optuna.trial.TrialState[state]
    return isinstance(state, optuna.trial.TrialState) and state.is_finished()


def _with_params_and_system_attrs(backend: optuna.storages.RDBStorage,
                                  cached: dict[int, optuna.trial.FrozenTrial],
                                  summaries: dict[int, Summary]
                                  ) -> list[optuna.trial.FrozenTrial]:
    """Copies of the cached unfinished trials `cached` (trial id -> cached copy) with the
    state and start time of their `summaries` and the parameters and system attributes the
    database holds now, read in two light queries, as Optuna builds them
    (`RDBStorage._build_frozen_trial_from_trial_model`: parameters in the order they were set).
    A fused round pops each of its trials from the queue and asks its parameters, one trial
    after another, each ask reading the study twice: re-reading the trial popped or asked
    before in full (seven ORM queries each) took 7-10 ms of each ask's 20-27 in the headline
    search. The rest of a running trial (reports, user attributes) the cache leaves as it
    was, as for every running trial (see the module)."""
    import copy
    import json

    assert _models is not None
    params = _models.TrialParamModel.__table__
    system = _models.TrialSystemAttributeModel.__table__
    ids = sorted(cached)
    with backend.engine.connect() as conn:
        param_rows = conn.execute(
            sqlalchemy.select(params.c.trial_id, params.c.param_name, params.c.param_value,
                              params.c.distribution_json)
            .where(params.c.trial_id.in_(ids)).order_by(params.c.param_id)).all()
        system_rows = conn.execute(
            sqlalchemy.select(system.c.trial_id, system.c.key, system.c.value_json)
            .where(system.c.trial_id.in_(ids))).all()
    values: dict[int, dict[str, Any]] = {i: {} for i in ids}
    spaces: dict[int, dict[str, Any]] = {i: {} for i in ids}
    attrs: dict[int, dict[str, Any]] = {i: {} for i in ids}
    for trial_id, name, value, distribution_json in param_rows:
        distribution = optuna.distributions.json_to_distribution(distribution_json)
        spaces[trial_id][name] = distribution
        values[trial_id][name] = distribution.to_external_repr(value)
    for trial_id, key, value_json in system_rows:
        attrs[trial_id][key] = json.loads(value_json)
    fresh = []
    for trial_id in ids:
        trial = copy.copy(cached[trial_id])  # the cached one may be in a sampler's hands
        trial.params, trial.distributions = values[trial_id], spaces[trial_id]
        trial.system_attrs = attrs[trial_id]
        state, _, _, started = summaries[trial_id]
        trial.state = state  # type: ignore[assignment]  # a TrialState (_still_running)
        trial.datetime_start = started
        fresh.append(trial)
    return fresh


def _summaries(backend: optuna.storages.RDBStorage, study_id: int, after: int,
               unfinished: set[int]) -> dict[int, Summary]:
    """(state, number of parameters, number of system attributes, start time) of the study's
    trials that Optuna's cache would re-read: those after trial id `after` and those in
    `unfinished`."""
    assert _models is not None
    trials = _models.TrialModel.__table__
    params = _models.TrialParamModel.__table__
    system = _models.TrialSystemAttributeModel.__table__
    count = sqlalchemy.func.count

    def per_trial(table: sqlalchemy.Table) -> Any:
        return (sqlalchemy.select(count()).where(table.c.trial_id == trials.c.trial_id)
                .scalar_subquery())

    which = trials.c.trial_id > after
    if unfinished:
        which = sqlalchemy.or_(which, trials.c.trial_id.in_(sorted(unfinished)))
    query = (sqlalchemy.select(trials.c.trial_id, trials.c.state, per_trial(params),
                               per_trial(system), trials.c.datetime_start)
             .where(trials.c.study_id == study_id, which))
    with backend.engine.connect() as conn:
        return {int(row[0]): (row[1], int(row[2]), int(row[3]), row[4])
                for row in conn.execute(query)}
