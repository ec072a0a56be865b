"""Excluded trials as Optuna sees them: the study without them, for the sampler and for
importance. Optuna cannot change a finished trial's state, so the original stays in Optuna's
tables as it was (and in ours, marked, with its reason); what learns from the study is handed
a view of it that leaves the excluded trials out."""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState


class KeptTrialsStudy(optuna.Study):
    """`study` without the trials whose Optuna ids are in `excluded`: the same storage, study
    id, sampler and per-thread trial cache, but `get_trials` (and Optuna's internal
    `_get_trials`, which samplers and importance evaluators read) leave them out. Built by
    `kept_trials`; never call its constructor."""

    _excluded: Container[int]

    def get_trials(self, deepcopy: bool = True, states: Container[TrialState] | None = None
                   ) -> list[FrozenTrial]:
        trials = super().get_trials(deepcopy, states)
        return [t for t in trials if t._trial_id not in self._excluded]

    def _get_trials(self, deepcopy: bool = True, states: Container[TrialState] | None = None,
                    use_cache: bool = False) -> list[FrozenTrial]:
        trials = super()._get_trials(deepcopy, states, use_cache)
        return [t for t in trials if t._trial_id not in self._excluded]


def kept_trials(study: optuna.Study, excluded: Container[int]) -> optuna.Study:
    """The study as the sampler should learn from it: `study` itself when nothing is excluded,
    else a view sharing its state (no database read). `study` may be Optuna's own narrowed
    study (Hyperband's per-bracket one, which it hands the sampler): the view then keeps that
    narrowing and leaves the excluded trials out of it."""
    if not excluded:
        return study
    base = type(study)
    cls: type[optuna.Study] = KeptTrialsStudy
    if base is not optuna.Study:
        # Hyperband's bracket study forbids reading unknown attributes: the view reads freely
        cls = type(f"Kept{base.__name__}", (KeptTrialsStudy, base),
                   {"__getattribute__": object.__getattribute__})
    view = object.__new__(cls)
    view.__dict__.update(object.__getattribute__(study, "__dict__"))
    view._excluded = excluded  # type: ignore[attr-defined]
    return view


class ExcludingSampler(optuna.samplers.BaseSampler):
    """Wraps the experiment's sampler so that it learns only from trials not excluded.
    `excluded()` gives the Optuna ids of the excluded trials (the store's marks, which every
    worker on the database shares); it is read once per trial, in `before_trial` (the first
    thing Optuna asks the sampler for each trial), so an exclusion made during a run applies
    from the next trial on."""

    def __init__(self, inner: optuna.samplers.BaseSampler,
                 excluded: Callable[[], frozenset[int]]) -> None:
        self.inner = inner
        self._read = excluded
        self._excluded: frozenset[int] = frozenset()

    def _view(self, study: optuna.Study) -> optuna.Study:
        return kept_trials(study, self._excluded)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial
                                    ) -> dict[str, BaseDistribution]:
        return self.inner.infer_relative_search_space(self._view(study), trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        return self.inner.sample_relative(self._view(study), trial, search_space)

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        return self.inner.sample_independent(self._view(study), trial, param_name,
                                             param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self._excluded = self._read()
        self.inner.before_trial(self._view(study), trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()
