"""A trial's sampled parameters and user attributes written in one database transaction.

Optuna writes each parameter a trial suggests and each user attribute set on it in a
transaction of its own (`RDBStorage.set_trial_param`, `set_trial_user_attr`): a trial of the
digits template's search made six, 0.6-0.9 ms each on SQLite, on the thread that asks the next
trial while nothing trains. Within `held_writes(trial)` they are held, and written at the
block's end in one transaction by the storage's own per-row writers
(`_set_trial_param_without_commit`, `_set_trial_attr_without_commit`: the same rows, the same
checks: a trial that another process finished meanwhile raises UpdateFinishedTrialError, as a
lone write would). The trial sees each value at once, as before (Optuna's `Trial` keeps its own
copy); the database sees them together at the block's end, all or none. A parameter whose
distribution does not match the study's earlier trials is refused at its suggest with Optuna's
ValueError where the study's cache knows the earlier distribution (every search after its
first trial in a process), else at the block's end, as the write would refuse it.

It replaces the trial's `storage` attribute for the block and reaches into Optuna's RDB storage
(`optuna.storages._rdb`); an Optuna that moved either writes as it always did (`held_writes`
then holds nothing), as tested both ways."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import optuna
import sqlalchemy
from optuna.distributions import BaseDistribution, check_distribution_compatibility

try:  # Optuna's table models and its session helper (as search/queue.py reads them)
    from optuna.storages._rdb import models as _models
    from optuna.storages._rdb.storage import _create_scoped_session
except ImportError:  # a later Optuna moved them: each write as Optuna makes it
    _models = None  # type: ignore[assignment]
    _create_scoped_session = None  # type: ignore[assignment]

_NEEDED = ("_set_trial_param_without_commit", "_set_trial_attr_without_commit", "scoped_session")


@contextlib.contextmanager
def held_writes(trial: optuna.Trial) -> Iterator[bool]:
    """Within the block, `trial`'s parameter and user-attribute writes are held and written at
    its end in one transaction (see the module's docstring); yields whether they are held (False:
    a storage or an Optuna this module does not know, each written at once). The writes are made
    at the end of a block left by an exception too, and that exception is the one raised."""
    cache: Any = trial.storage
    backend = getattr(cache, "_backend", None)
    if (_models is None or _create_scoped_session is None
            or not isinstance(backend, optuna.storages.RDBStorage)
            or not all(hasattr(backend, name) for name in _NEEDED)
            or not hasattr(cache, "_studies") or not hasattr(cache, "_lock")):
        yield False
        return
    held = _HeldWrites(cache, backend, trial._trial_id, trial.study._study_id)
    trial.storage = held  # type: ignore[assignment]
    try:
        yield True
    except BaseException:
        trial.storage = cache
        with contextlib.suppress(Exception):  # the block's own exception is the one to see
            held.write()
        raise
    trial.storage = cache
    held.write()


class _HeldWrites:
    """The storage a trial sees within `held_writes`: its own parameter and user-attribute
    writes are held; everything else goes to the study's storage."""

    def __init__(self, cache: Any, backend: optuna.storages.RDBStorage, trial_id: int,
                 study_id: int):
        self._cache, self._backend = cache, backend
        self._trial_id, self._study_id = trial_id, study_id
        # (name, internal value, distribution, the study's earlier distribution or None)
        self._params: list[tuple[str, float, BaseDistribution, BaseDistribution | None]] = []
        self._attrs: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)

    def set_trial_param(self, trial_id: int, param_name: str, param_value_internal: float,
                        distribution: BaseDistribution) -> None:
        if trial_id != self._trial_id:
            self._cache.set_trial_param(trial_id, param_name, param_value_internal, distribution)
            return
        with self._cache._lock:
            study = self._cache._studies.get(self._study_id)
            earlier = None if study is None else study.param_distribution.get(param_name)
        if earlier is not None:
            check_distribution_compatibility(earlier, distribution)
        self._params.append((param_name, param_value_internal, distribution, earlier))

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        if trial_id != self._trial_id:
            self._cache.set_trial_user_attr(trial_id, key, value)
            return
        json.dumps(value)  # a value the database cannot store is refused here, as at once
        self._attrs[key] = value

    def write(self) -> None:
        """Write what is held in one transaction (nothing held: none)."""
        params, attrs = self._params, self._attrs
        self._params, self._attrs = [], {}
        if not params and not attrs:
            return
        backend = self._backend
        assert _create_scoped_session is not None and _models is not None
        try:
            with _create_scoped_session(backend.scoped_session) as session:
                for name, value, distribution, earlier in params:
                    backend._set_trial_param_without_commit(
                        session, self._trial_id, name, value, distribution, earlier)
                for key, attr in attrs.items():
                    backend._set_trial_attr_without_commit(
                        session, _models.TrialUserAttributeModel, self._trial_id, key, attr)
        except sqlalchemy.exc.IntegrityError:
            # a row another writer made meanwhile: each write on its own, as Optuna makes it
            # (it passes over a parameter written already)
            for name, value, distribution, _ in params:
                self._cache.set_trial_param(self._trial_id, name, value, distribution)
            for key, attr in attrs.items():
                self._cache.set_trial_user_attr(self._trial_id, key, attr)
            return
        with self._cache._lock:
            study = self._cache._studies.get(self._study_id)
            if study is not None:
                for name, _, distribution, _ in params:
                    study.param_distribution.setdefault(name, distribution)
