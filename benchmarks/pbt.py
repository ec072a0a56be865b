"""Population-based training against TPE on the digits MLP (scikit-learn's 8x8 digits, the
digits template's MLP 128x2 trained with SGD, cosine schedule, on the CPU): the learning rate,
weight decay and momentum searched over the same ranges by a population of `--population`
members (fused, perturbed every `--interval` epochs) and by a `--trials`-trial TPE search (its
default fusing), once per seed (sampler and training seed alike). Then the schedule of the best
PBT member's lineage (the values that trained its final weights, through the members it copied)
is replayed from scratch (`engine.pbt.Replay`: its starting values, then each change at its step,
weights of its own) with `--replays` training seeds, fused.

Figures (the last line printed is one JSON object): `best_pbt` and `best_tpe`, the mean over
seeds of each search's best validation accuracy (with `per_seed`), `time_pbt_vs_tpe` (total
PBT wall time over total TPE wall time; `cpu_time_pbt_vs_tpe` the same in the process's CPU
time, fairer on a loaded machine), `replay` (the replays' validation accuracies per
seed, beside the member's) and `replay_within_noise`: whether, for every seed, the best
member's result lies within two standard deviations of its replays' mean (the noise between
training seeds), or within 0.005 when they agree more closely than that. Per seed,
`own_schedule_replays` are replays of the member's own values instead (its starting values
before its exploits: weights it then dropped trained with them), where they differ. The goal:
best_pbt >= best_tpe - 0.002 with time_pbt_vs_tpe <= 0.5.

Usage: python benchmarks/pbt.py [--seeds 3] [--population 16] [--trials 30] [--epochs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tunestudio.config import (
    Budget,
    FloatDimension,
    Project,
    PrunerConfig,
    SGDOptimizer,
    from_template,
    merge_values,
)
from tunestudio.config.pbt import PBTSettings

DIMENSIONS = [FloatDimension(path="optimizer.lr", low=1e-3, high=0.5, log=True),
              FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True),
              FloatDimension(path="optimizer.momentum", low=0.0, high=0.95)]


def project(strategy: str, seed: int, args: argparse.Namespace, folder: Path) -> Project:
    base = from_template("digits")
    baseline = base.baseline
    baseline = baseline.model_copy(update={
        "optimizer": SGDOptimizer(lr=0.05, momentum=0.9, weight_decay=1e-4),
        "training": baseline.training.model_copy(update={"epochs": args.epochs,
                                                         "device": "cpu", "seed": seed}),
        "early_stopping": baseline.early_stopping.model_copy(update={"enabled": False}),
    })
    exp = base.experiments[0]
    search = exp.search.model_copy(update={
        "strategy": strategy, "dimensions": DIMENSIONS, "sampler_seed": seed,
        "budget": Budget(trials=args.trials), "pruner": PrunerConfig(kind="none"),
        "pbt": PBTSettings(population=args.population, interval=args.interval)})
    name = f"{strategy}-seed{seed}"
    return Project.model_validate(base.model_copy(update={
        "baseline": baseline,
        "experiments": [exp.model_copy(update={"search": search, "name": name})],
        "storage_url": f"sqlite:///{(folder / f'{name}.sqlite').as_posix()}"}).model_dump())


def search(proj: Project) -> tuple[float, float, int | None, float]:
    """Run the project's experiment: (best validation accuracy, wall seconds, best trial id,
    the process's CPU seconds: the fairer clock on a loaded machine)."""
    from tunestudio.search import ExperimentRunner

    start, cpu = time.perf_counter(), time.process_time()
    summary = ExperimentRunner(proj, proj.experiments[0].name).run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert summary.best_objective is not None, summary
    return summary.best_objective, seconds, summary.best_trial_id, cpu


def replay(proj: Project, trial_id: int, seeds: list[int]
           ) -> tuple[list[float], list[Any], list[float] | None]:
    """The schedule of the trial's lineage (the values that trained its final weights, through
    the members it copied: `Lineage.schedule`) replayed from scratch with `seeds` (one fused
    group): each replay's best validation accuracy and the schedule; and, where the trial's
    own schedule (its values as it trained, before its exploits too) differs, each replay of
    that (what was replayed before: the comparison), else None."""
    from tunestudio.search import open_store
    from tunestudio.store.lineage import lineage

    store = open_store(proj)
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    schedule = found.schedule(trial_id)
    own = found.members[trial_id].schedule
    return (_replays(proj, schedule, seeds), schedule,
            _replays(proj, own, seeds) if own != schedule else None)


def _replays(proj: Project, schedule: list[Any], seeds: list[int]) -> list[float]:
    from tunestudio.engine.fused import FusedTrainer
    from tunestudio.engine.pbt import Replay

    start = merge_values(proj.baseline, schedule[0][1])
    configs = [start.model_copy(update={"training": start.training.model_copy(
        update={"seed": s})}) for s in seeds]
    results = FusedTrainer(configs, device="cpu", perturbation=Replay(schedule)).fit()
    return [r.best["val_accuracy"] for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--population", type=int, default=16)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--replays", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ts-pbt-"))
    os.environ.setdefault("TUNESTUDIO_DATA_DIR", str(folder / "data"))
    from tunestudio.engine import warm_up

    warm_up()
    # what a process pays once (the data, the database layer, the fused kernels) paid before
    # the timings, by a small search of each kind
    small = argparse.Namespace(population=2, interval=1, trials=2, epochs=3)
    for strategy in ("pbt", "tpe"):
        search(project(strategy, 99, small, folder))
    load_before = os.getloadavg()[0]
    per_seed: list[dict[str, Any]] = []
    for seed in range(args.seeds):
        pbt_best, pbt_s, best_id, pbt_cpu = search(project("pbt", seed, args, folder))
        tpe_best, tpe_s, _, tpe_cpu = search(project("tpe", seed, args, folder))
        assert best_id is not None
        replays, schedule, own = replay(project("pbt", seed, args, folder), best_id,
                                        [1000 + seed * 10 + k for k in range(args.replays)])
        mean = statistics.fmean(replays)
        noise = max(2 * statistics.stdev(replays), 0.005) if len(replays) > 1 else 0.005
        row = {"seed": seed, "best_pbt": pbt_best, "best_tpe": tpe_best,
               "pbt_s": round(pbt_s, 2), "tpe_s": round(tpe_s, 2),
               "pbt_cpu_s": round(pbt_cpu, 2), "tpe_cpu_s": round(tpe_cpu, 2),
               "replays": replays, "replay_mean": mean, "noise": noise,
               "replay_within_noise": abs(pbt_best - mean) <= noise,
               "schedule_changes": len(schedule) - 1,
               # the member's own values replayed instead (its start before its exploits)
               "own_schedule_replays": own,
               "own_schedule_within_noise": None if own is None else
               abs(pbt_best - statistics.fmean(own)) <= noise}
        per_seed.append(row)
        print(json.dumps(row), flush=True)
    best_pbt = statistics.fmean(r["best_pbt"] for r in per_seed)
    best_tpe = statistics.fmean(r["best_tpe"] for r in per_seed)
    ratio = sum(r["pbt_s"] for r in per_seed) / sum(r["tpe_s"] for r in per_seed)
    print(json.dumps({
        "best_pbt": round(best_pbt, 4), "best_tpe": round(best_tpe, 4),
        "time_pbt_vs_tpe": round(ratio, 3),
        "cpu_time_pbt_vs_tpe": round(sum(r["pbt_cpu_s"] for r in per_seed)
                                     / sum(r["tpe_cpu_s"] for r in per_seed), 3),
        "replay_within_noise": all(r["replay_within_noise"] for r in per_seed),
        "goal_met": best_pbt >= best_tpe - 0.002 and ratio <= 0.5,
        "population": args.population, "trials": args.trials, "epochs": args.epochs,
        "interval_epochs": args.interval, "seeds": args.seeds,
        "pbt_s": sum(r["pbt_s"] for r in per_seed), "tpe_s": sum(r["tpe_s"] for r in per_seed),
        "load_avg_before": load_before, "load_avg_after": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
