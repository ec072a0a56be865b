"""Optuna's cached storage, told to re-read only the trials that changed.

At each read of a study (`get_all_trials`: a sampler reads it about twice per trial asked)
Optuna's cache fetches every unfinished trial, and every trial after the last finished one, in
full: its parameters, values, attributes and every report. A fused round asks its trials one
after another while they all run, so each ask re-read every trial asked before it in the round,
O(K^2) full reads per round of K; in the digits template's 400-trial Bayesian search fused in
groups of 16 those reads held the GIL for 23 % of the run (py-spy), more than the training.

`read_changes_only` makes a study's cache ask the database first, in one light query, for the
state and the numbers of parameters and system attributes of those same trials, and fetch in
full only the trials that are new or differ from the cached copy: a trial that finished, was
given a parameter (a suggest) or a sampler's system attribute. What a sampler reads of a
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

from collections.abc import Callable
from typing import Any

import optuna
import sqlalchemy

try:  # Optuna's table definitions (as search/queue.py reads them)
    from optuna.storages._rdb import models as _models
except ImportError:  # a later Optuna moved them: the cache reads as it always did
    _models = None  # type: ignore[assignment]

Summary = tuple[object, int, int]  # (state, parameters, system attributes) of a trial


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
            trials = self.backend._get_trials(study_id, states=None, included_trial_ids=changed,
                                              trial_id_greater_than=max(changed))
            cache._add_trials_to_cache(study_id, trials)
            for trial in trials:
                if trial.state.is_finished():
                    info.unfinished_trial_ids.discard(trial._trial_id)
                    info.last_finished_trial_id = max(info.last_finished_trial_id,
                                                      trial._trial_id)
                else:
                    info.unfinished_trial_ids.add(trial._trial_id)

    def _differs(self, info: Any, trial_id: int, summary: Summary) -> bool:
        known = self.cache._trial_id_to_study_id_and_number.get(trial_id)
        cached = info.trials.get(known[1]) if known is not None else None
        if cached is None:
            return True
        state, params, system_attrs = summary
        return (cached.state != state or len(cached.params) != params
                or len(cached.system_attrs) != system_attrs)


def _summaries(backend: optuna.storages.RDBStorage, study_id: int, after: int,
               unfinished: set[int]) -> dict[int, Summary]:
    """(state, number of parameters, number of system attributes) of the study's trials that
    Optuna's cache would re-read: those after trial id `after` and those in `unfinished`."""
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
                               per_trial(system))
             .where(trials.c.study_id == study_id, which))
    with backend.engine.connect() as conn:
        return {int(row[0]): (row[1], int(row[2]), int(row[3])) for row in conn.execute(query)}
