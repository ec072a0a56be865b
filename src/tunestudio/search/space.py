"""Dimensions turned into Optuna distributions and suggested values.

Parameters are named by their dotted config path (`optimizer.lr`), so optuna-dashboard and
`load_study` show the knob a user knows. For one-variable-at-a-time, the baseline value joins
each dimension's range (or choices), so the enqueued baseline point is inside its distribution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from tunestudio.config import CategoricalDimension, FloatDimension, RunConfig, SearchDefinition
from tunestudio.config.search import applies, baseline_value

PLAN_ATTR = "ts_plan"  # user attr of an enqueued trial: the values it must run with


def distributions(search: SearchDefinition, baseline: RunConfig) -> dict[str, BaseDistribution]:
    """Optuna's distribution of each search dimension, by config path: categorical, float or int,
    with log scale and step as declared. For a one-variable-at-a-time (OVAT) search, the range is
    widened to hold the baseline's value (a categorical gains it as a choice) so that the baseline
    can be recorded as a point of it."""
    out: dict[str, BaseDistribution] = {}
    for dim in search.dimensions:
        base = baseline_value(baseline, dim.path) if search.strategy == "ovat" else None
        if isinstance(dim, CategoricalDimension):
            choices = list(dim.choices)
            if base is not None and base not in choices:
                choices.append(base)
            out[dim.path] = CategoricalDistribution(choices)
        elif isinstance(dim, FloatDimension):
            low, high = dim.low, dim.high
            if isinstance(base, int | float) and not isinstance(base, bool) \
                    and not (dim.log and base <= 0):
                low, high = min(low, float(base)), max(high, float(base))
            out[dim.path] = FloatDistribution(low, high, log=dim.log, step=dim.step)
        else:
            low_i, high_i = dim.low, dim.high
            if isinstance(base, int) and not isinstance(base, bool) and (
                not dim.log or base > 0
            ) and (base - dim.low) % dim.step == 0:
                low_i, high_i = min(low_i, base), max(high_i, base)
            out[dim.path] = IntDistribution(low_i, high_i, log=dim.log, step=dim.step)
    return out


def suggest(trial: optuna.Trial, dists: Mapping[str, BaseDistribution],
            search: SearchDefinition | None = None, baseline: RunConfig | None = None
            ) -> dict[str, Any]:
    """Values for this trial. An enqueued trial carries its plan (grid point or OVAT variation)
    and suggests exactly those parameters; any other trial asks the sampler, define-by-run, for
    each dimension that applies given the values suggested before it (`search`'s conditions,
    judged on `baseline` for a condition on a baseline field): a dimension that does not apply
    is never suggested, and the trial keeps the baseline's value for it."""
    plan = trial.user_attrs.get(PLAN_ATTR)
    names = list(plan) if isinstance(plan, dict) else list(dists)
    by_path = {} if search is None or isinstance(plan, dict) else \
        {d.path: d for d in search.dimensions}
    searched = set(by_path)
    values: dict[str, Any] = {}
    for name in names:
        dist = dists.get(name)
        if dist is None:  # the plan names a dimension the search no longer has
            continue
        dim = by_path.get(name)
        if dim is not None and baseline is not None \
                and not applies(dim, values, searched, baseline):
            continue
        values[name] = _suggest_one(trial, name, dist)
    return values


def _suggest_one(trial: optuna.Trial, name: str, dist: BaseDistribution) -> Any:
    if isinstance(dist, FloatDistribution):
        return trial.suggest_float(name, dist.low, dist.high, log=dist.log, step=dist.step)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log, step=dist.step)
    assert isinstance(dist, CategoricalDistribution)
    return trial.suggest_categorical(name, list(dist.choices))
