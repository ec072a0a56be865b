"""Strategies mapped to Optuna's samplers and pruners. Grid and one-variable-at-a-time enqueue
every parameter set up front (see plan.py), so their sampler never has to choose."""

from __future__ import annotations

import hashlib
from typing import Any

import optuna

from tunestudio.config import PrunerConfig, SearchDefinition
from tunestudio.errors import TuneStudioError
from tunestudio.search import tpe_numerics


def run_seed(search: SearchDefinition, told: int, worker: str | None = None) -> int | None:
    """The seed of this run's sampler: `sampler_seed` itself for the first run of a study (so a
    seeded study starts as Optuna's own sampler with that seed would), else a 32-bit value
    derived (SHA-256) from the seed, the number of trials the study already holds, and the
    worker. A seeded experiment run again therefore draws new points, and the same sequence of
    runs on a fresh database draws the same ones; parallel workers (`tunestudio worker`, named
    by host and process) never share a seed. None (no seed) stays None: unseeded samplers are
    random anyway."""
    seed = search.sampler_seed
    if seed is None or (told == 0 and worker is None):
        return seed
    text = f"{seed}:{told}:{worker or ''}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "big")


def startup_trials(strategy: str, n_objectives: int) -> int | None:
    """How many trials the strategy's sampler draws at random before it models the results
    (TPE 5, or 10 for two objectives, as `build_sampler` sets it; Optuna's GP 10 and CMA-ES 1
    by default). None: its points do not depend on results at all (random, grid,
    one-variable-at-a-time, the QMC sequence)."""
    return {"tpe": _tpe_startup(n_objectives), "gp": 10, "cmaes": 1}.get(strategy)


def _tpe_startup(n_objectives: int) -> int:
    return 5 if n_objectives == 1 else 10


def build_sampler(search: SearchDefinition, n_objectives: int, seed: int | None = None, *,
                  batches: bool = False) -> optuna.samplers.BaseSampler:
    """Optuna's sampler for the strategy, seeded with `seed` (see `run_seed`; by default the
    search's `sampler_seed`). `batches`: several trials are asked before any is told (fused
    groups), so TPE imputes a pessimistic value for the ones still running (its constant liar)
    rather than sampling the same region K times."""
    seed = search.sampler_seed if seed is None else seed
    strategy = search.strategy
    if strategy in ("ovat", "grid", "random", "pbt"):  # pbt: its first population, at random
        return optuna.samplers.RandomSampler(seed=seed)
    if strategy == "tpe":
        tpe_numerics.install()  # Optuna's own log normal CDF is most of a sample's time
        # Group decomposition where a dimension applies only under a condition (trials then
        # differ in their sets of parameters); without one every trial has the same set, the
        # decomposition is one group, the samples are the same, and it only costs time: it is
        # recomputed over every finished trial at each ask, so its share grows with the study
        # (5 % of an ask at 300 trials here, two fifths in a study of over 1,000)
        conditional = any(d.condition is not None for d in search.dimensions)
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=conditional,
                                          n_startup_trials=_tpe_startup(n_objectives),
                                          constant_liar=batches)
    if strategy == "gp":
        return _gp_sampler(seed)
    if strategy == "qmc":
        # The scrambled Sobol sequence keeps the experiment's seed: it continues across runs
        # from the study's own sample counter, which a new scramble would restart. What QMC
        # cannot place (the first trial, categorical knobs) comes from the run's seed.
        return optuna.samplers.QMCSampler(
            seed=search.sampler_seed, warn_independent_sampling=False,
            independent_sampler=optuna.samplers.RandomSampler(seed=seed))
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
    """The study's Optuna pruner for `cfg`: NopPruner for 'none' and for a multi-objective study
    (Optuna prunes single-objective studies only), MedianPruner with the start-up trials and the
    warm-up in evaluations, else SuccessiveHalvingPruner or HyperbandPruner with a minimum resource
    of the warm-up evaluations (at least 1)."""
    if cfg.kind == "none" or n_objectives > 1:  # Optuna prunes single-objective studies only
        return optuna.pruners.NopPruner()
    if cfg.kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=cfg.startup_trials,
                                           n_warmup_steps=cfg.warmup_evaluations)
    kwargs: dict[str, Any] = {"min_resource": max(1, cfg.warmup_evaluations)}
    if cfg.kind == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(**kwargs)
    return optuna.pruners.HyperbandPruner(**kwargs)
