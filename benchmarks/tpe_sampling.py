"""What a TPE sample costs as the study grows: Optuna's TPE sampler as TuneStudio builds it
(multivariate, grouped; search/samplers.py) drawing a study of four parameters (two log floats,
a log int, a categorical) against a cheap objective, in memory, with three implementations of
log Phi(a) behind its truncated normals: Optuna's own (a Python function per element),
`scipy.special.log_ndtr` and torch's (search/tpe_numerics.py, what a run uses). Alternating
rounds, one process; the same points must be drawn (compared below).

    python benchmarks/tpe_sampling.py [--trials 400] [--rounds 3]

Last line, one JSON object: seconds per study for each (`s_optuna`, `s_scipy`, `s_torch`,
medians), `ratio_optuna_vs_torch`, `ratio_scipy_vs_torch` and `same_points`."""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import scipy.special
import torch  # noqa: F401  (loaded, as in every process that trains)
from optuna.samplers._tpe import _truncnorm

from tunestudio.config import SearchDefinition
from tunestudio.search import tpe_numerics
from tunestudio.search.samplers import build_sampler


def objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    wd = trial.suggest_float("wd", 1e-6, 1e-2, log=True)
    width = trial.suggest_int("width", 16, 512, log=True)
    batch = trial.suggest_categorical("batch", [32, 64, 128])
    noise = np.random.default_rng(trial.number).random() * 0.01
    return (math.log10(lr) + 2) ** 2 + 0.1 * (math.log10(wd) + 4) ** 2 \
        - 1e-3 * width * 32 / batch + noise


def one_study(log_ndtr: Callable[[Any], np.ndarray], trials: int
              ) -> tuple[float, list[dict[str, Any]]]:
    sampler = build_sampler(SearchDefinition(strategy="tpe", sampler_seed=0), 1)
    # after build_sampler, which installs torch's; each candidate replaces Optuna's own
    _truncnorm._log_ndtr = log_ndtr  # type: ignore[assignment]
    study = optuna.create_study(sampler=sampler)
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    return time.perf_counter() - start, [t.params for t in study.trials]


def same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    return all(x.keys() == y.keys() and all(
        x[k] == y[k] if isinstance(x[k], int) else math.isclose(x[k], y[k], rel_tol=1e-6)
        for k in x) for x, y in zip(a, b, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tpe_numerics.install()
    assert tpe_numerics._optuna_log_ndtr is not None
    kinds: dict[str, Callable[[Any], np.ndarray]] = {
        "optuna": tpe_numerics._optuna_log_ndtr,
        "scipy": lambda a: scipy.special.log_ndtr(np.asarray(a, dtype=np.float64)),
        "torch": tpe_numerics.log_ndtr,
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    points: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.rounds):
        for name, fn in kinds.items():
            seconds, drawn = one_study(fn, args.trials)
            times[name].append(seconds)
            points[name] = drawn
            print(f"{name:7s} {seconds:.3f} s for {args.trials} trials", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(json.dumps({
        "trials": args.trials, "s_optuna": med["optuna"], "s_scipy": med["scipy"],
        "s_torch": med["torch"], "ratio_optuna_vs_torch": med["optuna"] / med["torch"],
        "ratio_scipy_vs_torch": med["scipy"] / med["torch"],
        "same_points": same(points["optuna"], points["torch"])
        and same(points["scipy"], points["torch"]),
    }))


if __name__ == "__main__":
    main()
