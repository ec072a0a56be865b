"""Strategies mapped to Optuna's samplers and pruners. Grid and one-variable-at-a-time enqueue
every parameter set up front (see plan.py), so their sampler never has to choose."""

from __future__ import annotations

from typing import Any

import optuna

from tunestudio.config import PrunerConfig, SearchDefinition
from tunestudio.errors import TuneStudioError


def build_sampler(search: SearchDefinition, n_objectives: int) -> optuna.samplers.BaseSampler:
    seed = search.sampler_seed
    strategy = search.strategy
    if strategy in ("ovat", "grid", "random"):
        return optuna.samplers.RandomSampler(seed=seed)
    if strategy == "tpe":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True,
                                          n_startup_trials=5 if n_objectives == 1 else 10)
    if strategy == "gp":
        return _gp_sampler(seed)
    if strategy == "qmc":
        return optuna.samplers.QMCSampler(seed=seed, warn_independent_sampling=False)
    if strategy == "cmaes":
        if n_objectives > 1:
            raise TuneStudioError("CMA-ES optimises one objective; remove the second objective "
                                  "or use TPE")
        try:
            import cmaes  # noqa: F401  (Optuna needs it only when the first trial samples)
        except ImportError:
            raise TuneStudioError("CMA-ES needs the 'cmaes' package: pip install cmaes") from None
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    raise TuneStudioError(f"unknown strategy '{strategy}'")


def _gp_sampler(seed: int | None) -> optuna.samplers.BaseSampler:
    try:
        import scipy  # noqa: F401
    except ImportError:
        raise TuneStudioError("the Gaussian-process sampler needs scipy: pip install scipy") \
            from None
    return optuna.samplers.GPSampler(seed=seed)


def build_pruner(cfg: PrunerConfig, n_objectives: int) -> optuna.pruners.BasePruner:
    if cfg.kind == "none" or n_objectives > 1:  # Optuna prunes single-objective studies only
        return optuna.pruners.NopPruner()
    if cfg.kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=cfg.startup_trials,
                                           n_warmup_steps=cfg.warmup_evaluations)
    kwargs: dict[str, Any] = {"min_resource": max(1, cfg.warmup_evaluations)}
    if cfg.kind == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(**kwargs)
    return optuna.pruners.HyperbandPruner(**kwargs)
