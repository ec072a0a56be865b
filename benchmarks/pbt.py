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
time, fairer on a loaded machine) and `replay_within_noise`: whether, for every seed, the best
member's result lies within the noise between training seeds of its replays' (the 95 %
prediction interval of one run about their mean, at least 0.005: see `_within`), compared on
the test split: the member's
final weights' test accuracy (its population trained again through the engine, `reproduced`
when it made exactly the stored exploits) against the replays' final weights'. Not on the
validation split: PBT ranked the members by it and copied the best rows into the worst at
every perturbation, so the whole population's validation accuracy carries that selection's
optimism, which a replay from scratch has not had (digits, seed 0: the best member 0.9833 on
validation and every one of the 16 at 0.9805 or more, its lineage's 8 replays 0.972; on the
test split the member 0.978, the replays 0.976). The validation comparison is given as
`replay_within_noise_val`; per seed, `own_schedule_replays_*` are replays of the member's own
values instead (its starting values before its exploits: weights it then dropped trained with
them), where they differ. The goal: best_pbt >= best_tpe - 0.002 with time_pbt_vs_tpe <= 0.5.

With `--prune`, each seed's population is also trained with pruning of hopeless lineages
(`pbt.prune`: `--prune-patience`, `--prune-margin`, the floor half the population), and the
figures beside the others say what it saved and cost: `best_pbt_pruned` (mean of each seed's
best), `prune_best_change` (best_pbt_pruned - best_pbt), `prune_time_saved` and
`prune_cpu_saved` (1 - pruned over unpruned PBT's wall and CPU time), `pruned_members` (per
seed).

Usage: python benchmarks/pbt.py [--seeds 3] [--population 16] [--trials 30] [--epochs 20]
       [--prune [--prune-patience 2] [--prune-margin 0]]
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
from tunestudio.config.pbt import PBTPruning, PBTSettings

DIMENSIONS = [FloatDimension(path="optimizer.lr", low=1e-3, high=0.5, log=True),
              FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True),
              FloatDimension(path="optimizer.momentum", low=0.0, high=0.95)]


def project(strategy: str, seed: int, args: argparse.Namespace, folder: Path,
            prune: bool = False) -> Project:
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
        "pbt": PBTSettings(population=args.population, interval=args.interval,
                           prune=PBTPruning(enabled=prune,
                                            patience=getattr(args, "prune_patience", 2),
                                            margin=getattr(args, "prune_margin", 0.0)))})
    name = f"{strategy}-pruned-seed{seed}" if prune else f"{strategy}-seed{seed}"
    return Project.model_validate(base.model_copy(update={
        "baseline": baseline,
        "experiments": [exp.model_copy(update={"search": search, "name": name})],
        "storage_url": f"sqlite:///{(folder / f'{name}.sqlite').as_posix()}"}).model_dump())


def search(proj: Project, counts: dict[str, int] | None = None
           ) -> tuple[float, float, int | None, float]:
    """Run the project's experiment: (best validation accuracy, wall seconds, best trial id,
    the process's CPU seconds: the fairer clock on a loaded machine); `counts` receives the
    trials by state."""
    from tunestudio.search import ExperimentRunner

    start, cpu = time.perf_counter(), time.process_time()
    summary = ExperimentRunner(proj, proj.experiments[0].name).run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert summary.best_objective is not None, summary
    if counts is not None:
        counts.update(summary.counts)
    return summary.best_objective, seconds, summary.best_trial_id, cpu


def replay(proj: Project, best_id: int, seeds: list[int]) -> dict[str, Any]:
    """The best member held out, and its lineage's schedule (the values that trained its final
    weights, through the members it copied: `Lineage.schedule`) replayed from scratch with
    `seeds` (one fused group): each replay's best validation accuracy and final test accuracy,
    beside the member's. The member's weights are not kept by the search, so its population
    is trained again from the stored members (their starting values and seeds, the sampler's
    seed for the draws) through the engine; `reproduced` says whether that made exactly the
    stored exploits (the CPU is deterministic). Where the member's own schedule (its values as
    it trained, before its exploits too) differs, its replays are given as well."""
    from tunestudio.config.search import pbt_ranges
    from tunestudio.engine.evaluation import evaluate_split
    from tunestudio.engine.fused import FusedTrainer
    from tunestudio.engine.pbt import Population
    from tunestudio.search import open_store
    from tunestudio.store.lineage import lineage

    store = open_store(proj)
    try:
        experiment_id = store.experiments()[0].id
        trials = sorted(store.trials(experiment_id), key=lambda t: t.number)
        found = lineage(store, experiment_id, "maximize")
    finally:
        store.close()
    search_def = proj.experiments[0].search
    population = Population(search_def.pbt, pbt_ranges(search_def), "val_accuracy",
                            "maximize", seed=search_def.sampler_seed)
    seeds = [t.seed for t in trials if t.seed is not None]
    assert len(seeds) == len(trials), "every member of a population stores its seed"
    trainer = FusedTrainer([merge_values(proj.baseline, t.params) for t in trials],
                           device="cpu", seeds=seeds,
                           perturbation=population)
    results = trainer.fit()
    index = {t.id: k for k, t in enumerate(trials)}
    stored = sorted((index[c.trial_id], index[c.source_trial_id or -1], c.step)
                    for c in found.exploits)
    again = sorted((e.member, e.source, e.step) for e in population.exploits)
    k = index[best_id]
    schedule, own = found.schedule(best_id), found.members[best_id].schedule
    val, test = _replays(proj, schedule, seeds)
    own_val, own_test = _replays(proj, own, seeds) if own != schedule else (None, None)
    return {"reproduced": stored == again,
            "member_val": results[k].best["val_accuracy"],
            "member_test": evaluate_split(trainer.members[k], "test")["test_accuracy"],
            "val": val, "test": test, "own_val": own_val, "own_test": own_test,
            "schedule_changes": len(schedule) - 1}


def _replays(proj: Project, schedule: list[Any], seeds: list[int]
             ) -> tuple[list[float], list[float]]:
    """`schedule` trained from scratch once per seed (one fused group): each run's best
    validation accuracy and its final weights' test accuracy."""
    from tunestudio.engine.evaluation import evaluate_split
    from tunestudio.engine.fused import FusedTrainer
    from tunestudio.engine.pbt import Replay

    start = merge_values(proj.baseline, schedule[0][1])
    configs = [start.model_copy(update={"training": start.training.model_copy(
        update={"seed": s})}) for s in seeds]
    trainer = FusedTrainer(configs, device="cpu", perturbation=Replay(schedule))
    results = trainer.fit()
    return ([r.best["val_accuracy"] for r in results],
            [evaluate_split(m, "test")["test_accuracy"] for m in trainer.members])


def _within(member: float, runs: list[float]) -> tuple[float, float, bool]:
    """The runs' mean, the noise between seeds (`search.pbt.seed_noise`: the 95 % prediction
    interval of one more run, at least 0.005; the member is one run of its own) and whether
    `member` lies within it of the mean."""
    from tunestudio.search.pbt import seed_noise

    mean = statistics.fmean(runs)
    noise = seed_noise(runs)
    return mean, noise, abs(member - mean) <= noise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--population", type=int, default=16)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--replays", type=int, default=8)
    parser.add_argument("--prune", action="store_true",
                        help="also train each population with pruning of hopeless lineages")
    parser.add_argument("--prune-patience", type=int, default=2)
    parser.add_argument("--prune-margin", type=float, default=0.0)
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
        held = replay(project("pbt", seed, args, folder), best_id,
                      [1000 + seed * 10 + k for k in range(args.replays)])
        mean, noise, within = _within(held["member_test"], held["test"])
        val_mean, val_noise, val_within = _within(pbt_best, held["val"])
        row = {"seed": seed, "best_pbt": pbt_best, "best_tpe": tpe_best,
               "pbt_s": round(pbt_s, 2), "tpe_s": round(tpe_s, 2),
               "pbt_cpu_s": round(pbt_cpu, 2), "tpe_cpu_s": round(tpe_cpu, 2),
               # held out: the member's final weights and the replays' on the test split
               "member_test": held["member_test"], "replays_test": held["test"],
               "replay_test_mean": mean, "noise": noise, "replay_within_noise": within,
               "reproduced": held["reproduced"],
               # on the validation split PBT ranked and copied by (selection inflates it)
               "replays": held["val"], "replay_mean": val_mean, "noise_val": val_noise,
               "replay_within_noise_val": val_within,
               "schedule_changes": held["schedule_changes"],
               # the member's own values replayed instead (its start before its exploits)
               "own_schedule_replays_val": held["own_val"],
               "own_schedule_replays_test": held["own_test"]}
        if args.prune:
            counts: dict[str, int] = {}
            best, wall, _, cpu = search(project("pbt", seed, args, folder, prune=True), counts)
            row.update({"best_pbt_pruned": best, "pbt_pruned_s": round(wall, 2),
                        "pbt_pruned_cpu_s": round(cpu, 2),
                        "pruned_members": counts.get("pruned", 0)})
        per_seed.append(row)
        print(json.dumps(row), flush=True)
    best_pbt = statistics.fmean(r["best_pbt"] for r in per_seed)
    best_tpe = statistics.fmean(r["best_tpe"] for r in per_seed)
    ratio = sum(r["pbt_s"] for r in per_seed) / sum(r["tpe_s"] for r in per_seed)
    pruning: dict[str, Any] = {}
    if args.prune:
        best_pruned = statistics.fmean(r["best_pbt_pruned"] for r in per_seed)
        pruning = {
            "best_pbt_pruned": round(best_pruned, 4),
            "prune_best_change": round(best_pruned - best_pbt, 4),
            "prune_time_saved": round(1 - sum(r["pbt_pruned_s"] for r in per_seed)
                                      / sum(r["pbt_s"] for r in per_seed), 3),
            "prune_cpu_saved": round(1 - sum(r["pbt_pruned_cpu_s"] for r in per_seed)
                                     / sum(r["pbt_cpu_s"] for r in per_seed), 3),
            "pruned_members": [r["pruned_members"] for r in per_seed],
            "prune_patience": args.prune_patience, "prune_margin": args.prune_margin}
    print(json.dumps({
        "best_pbt": round(best_pbt, 4), "best_tpe": round(best_tpe, 4),
        "time_pbt_vs_tpe": round(ratio, 3),
        "cpu_time_pbt_vs_tpe": round(sum(r["pbt_cpu_s"] for r in per_seed)
                                     / sum(r["tpe_cpu_s"] for r in per_seed), 3),
        "replay_within_noise": all(r["replay_within_noise"] for r in per_seed),
        "replay_within_noise_val": all(r["replay_within_noise_val"] for r in per_seed),
        "reproduced": all(r["reproduced"] for r in per_seed),
        "goal_met": best_pbt >= best_tpe - 0.002 and ratio <= 0.5,
        "population": args.population, "trials": args.trials, "epochs": args.epochs,
        "interval_epochs": args.interval, "seeds": args.seeds,
        "pbt_s": sum(r["pbt_s"] for r in per_seed), "tpe_s": sum(r["tpe_s"] for r in per_seed),
        **pruning,
        "load_avg_before": load_before, "load_avg_after": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
