"""The headline: a 30-trial digits search by `tunestudio run` (fused, and one trial at a time
with `--fuse off`) against the script a user would write by hand (a plain PyTorch DataLoader
loop inside `optuna.create_study(...).optimize(...)`, written below) in two variants: `script`
seeds every trial with 0 and returns its best epoch's accuracy; `script_seeded` seeds each
trial by its number and returns its last epoch's accuracy. Alternating, one run of each per
sampler seed.

The space: digits, 20% stratified validation split (seed 0), no test split, standardised; an MLP
with one hidden layer of width {64, 128, 256}; SGD with momentum 0.9, constant LR, 20 epochs, no
early stopping; LR 1e-4..1e-1 (log), weight decay 1e-6..1e-2 (log), batch size {32, 64, 128};
TPE and median pruning; 30 trials; objective: best validation accuracy of a trial.

Trials/hour counts each side's search alone: from the first trial's start to the last trial's
end (our store's timestamps; the script's `study.optimize` call). Start-up (imports, data
loading, project and database set-up) is paid once per search and reported beside it as
`startup_s_tunestudio` (the default, fused run's) / `startup_s_script` (median whole-process
time minus search time), and `startup_s_tunestudio_fuse_off`.

Both `tunestudio run` sides run as a user types them: `--workers auto` by default, which on a
machine without a GPU trains in one process per CPU core (here 2: the run and one worker); the
scripts train in one process, on one torch thread, as written. `--workers 1` measures one
process a side (each run's row says how many processes it used, `workers`).

    python benchmarks/headline.py [--seeds 3] [--trials 30] [--workers auto|N]

Last line, one JSON object: trials_per_hour_fused, _single, _script, _script_seeded;
ratio_fused_vs_script (over the faster of the two scripts: the lower ratio),
ratio_fused_vs_script_whole (the same with each side's start-up included), ratio_fused_vs_single,
ratio_single_vs_script; best_fused, best_single, best_script, best_script_seeded (medians over
the seeds) and best_fused_minus_single_mean; per_seed (best_fused, best_single, trials/hour of
each); the machine's load before and after. Goals on a 2-core CPU: ratio_single_vs_script >=
1.0, ratio_fused_vs_script >= 3.0, over 5 seeds best_fused_minus_single_mean >= -0.002 at
ratio_fused_vs_single >= 2.5."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCRIPT = r'''
import json, sys, time
import numpy as np
import optuna
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

seed, n_trials, variant = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
torch.set_num_threads(1)
X, y = load_digits(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)
scaler = StandardScaler().fit(X_tr)
X_tr = torch.tensor(scaler.transform(X_tr), dtype=torch.float32)
X_va = torch.tensor(scaler.transform(X_va), dtype=torch.float32)
y_tr, y_va = torch.tensor(y_tr), torch.tensor(y_va)
train_set = TensorDataset(X_tr, y_tr)

def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    wd = trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    width = trial.suggest_categorical("width", [64, 128, 256])
    batch = trial.suggest_categorical("batch_size", [32, 64, 128])
    # "seeded": each trial its own seed (its number), as a careful user writes it
    torch.manual_seed(trial.number if variant == "seeded" else 0)
    model = nn.Sequential(nn.Linear(64, width), nn.ReLU(), nn.Linear(width, 10))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=wd)
    loader = DataLoader(train_set, batch_size=batch, shuffle=True)
    best = 0.0
    for epoch in range(20):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(X_va).argmax(1) == y_va).float().mean().item()
        best = max(best, acc)
        trial.report(acc, epoch)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return acc if variant == "seeded" else best  # "seeded": the last epoch's accuracy

optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="maximize",
                            sampler=optuna.samplers.TPESampler(seed=seed),
                            pruner=optuna.pruners.MedianPruner())
t0 = time.perf_counter()
study.optimize(objective, n_trials=n_trials)
print(json.dumps({"search_s": time.perf_counter() - t0, "best": study.best_value}))
'''


SCRIPTS = ("script", "script_seeded")  # the two hand-written variants (see SCRIPT)


def project_file(folder: Path, seed: int, trials: int, side: str = "fused") -> Path:
    from tunestudio.config import (
        Budget,
        BuiltinData,
        CategoricalDimension,
        ConstantSchedule,
        DataConfig,
        EarlyStoppingConfig,
        Experiment,
        FloatDimension,
        MLPModel,
        Objective,
        Project,
        PrunerConfig,
        RunConfig,
        SearchDefinition,
        SGDOptimizer,
        TrainingConfig,
        save_project,
    )

    baseline = RunConfig(
        data=DataConfig(source=BuiltinData(name="digits"), val_fraction=0.2, test_fraction=0.0,
                        split_seed=0, stratified=True, standardize=True),
        model=MLPModel(width=128, depth=1),
        optimizer=SGDOptimizer(lr=0.01, momentum=0.9, weight_decay=1e-4),
        schedule=ConstantSchedule(warmup_epochs=0.0),
        training=TrainingConfig(epochs=20, batch_size=64, device="cpu", seed=0),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )
    search = SearchDefinition(
        strategy="tpe", sampler_seed=seed, budget=Budget(trials=trials),
        pruner=PrunerConfig(kind="median"), objective=Objective(metric="val_accuracy"),
        dimensions=[
            FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True),
            FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True),
            CategoricalDimension(path="model.width", choices=[64, 128, 256]),
            CategoricalDimension(path="training.batch_size", choices=[32, 64, 128]),
        ],
    )
    project = Project(name=f"headline-{seed}", baseline=baseline,
                      experiments=[Experiment(name="headline", search=search)],
                      storage_url=f"sqlite:///{folder / f'history-{side}-{seed}.db'}")
    path = folder / f"headline-{side}-{seed}.tuneproj"
    save_project(project, path)
    return path


def run_tunestudio(path: Path, fuse: str, env: dict[str, str], workers: str | None = None
                   ) -> dict[str, float]:
    db = path.parent / path.name.replace("headline-", "history-").replace(".tuneproj", ".db")
    t0 = time.perf_counter()
    more = [] if workers is None else ["--workers", workers]
    out = subprocess.run([sys.executable, "-m", "tunestudio", "run", str(path), "--quiet",
                          "--fuse", fuse, *more], check=True, env=env, capture_output=True,
                         text=True).stdout
    wall = time.perf_counter() - t0
    processes = json.loads(out.strip().splitlines()[-1]).get("workers", 1)
    with sqlite3.connect(db) as conn:
        first, last, n = conn.execute(
            "SELECT MIN(started_at), MAX(finished_at), COUNT(*) FROM ts_trial").fetchone()
        best = conn.execute("SELECT MAX(objective) FROM ts_trial WHERE state = 'complete'"
                            ).fetchone()[0]
    search_s = last - first
    return {"search_s": search_s, "startup_s": wall - search_s, "best": best, "trials": n,
            "workers": processes}


def run_script(seed: int, trials: int, env: dict[str, str], variant: str = "best"
               ) -> dict[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(seed), str(trials), variant],
                         check=True, env=env, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    result = json.loads(out.strip().splitlines()[-1])
    return {"search_s": result["search_s"], "startup_s": wall - result["search_s"],
            "best": result["best"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--sides", default="fused,single,script,script_seeded")
    parser.add_argument("--workers", help="`tunestudio run --workers` of both of its sides "
                        "(default: the command's own, auto: a process per CPU core where no "
                        "GPU is found); 1 measures one process")
    args = parser.parse_args()
    sides = args.sides.split(",")
    rows: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    load_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "TUNESTUDIO_DATA_DIR": str(folder / "data")}
        for seed in range(args.seeds):
            order = sides if seed % 2 == 0 else list(reversed(sides))
            for side in order:
                if side in SCRIPTS:
                    row = run_script(seed, args.trials, env,
                                     "seeded" if side == "script_seeded" else "best")
                else:
                    path = project_file(folder, seed, args.trials, side)
                    row = run_tunestudio(path, "auto" if side == "fused" else "off", env,
                                         args.workers)
                row["seed"] = seed
                rows[side].append(row)
                print(side, json.dumps(row), flush=True)

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[side]) if rows.get(side) else float("nan")

    def per_hour(side: str, whole: bool = False) -> float:
        """Median trials per hour of the search (`whole`: its start-up included)."""
        return statistics.median(
            3600 * args.trials / (r["search_s"] + (r["startup_s"] if whole else 0.0))
            for r in rows[side]) if rows.get(side) else float("nan")

    def versus_scripts(whole: bool = False) -> float:
        """The fused side's trials/hour over the faster hand-written script's: the lower of
        the two ratios."""
        scripts = [per_hour(s, whole) for s in SCRIPTS if rows.get(s)]
        return per_hour("fused", whole) / max(scripts) if scripts else float("nan")

    summary: dict[str, Any] = {side + "_runs": rows[side] for side in sides}
    summary["per_seed"] = [
        {"seed": seed, **{f"best_{side}": r["best"] for side in sides for r in rows[side]
                          if r["seed"] == seed},
         **{f"trials_per_hour_{side}": 3600 * args.trials / r["search_s"] for side in sides
            for r in rows[side] if r["seed"] == seed}}
        for seed in range(args.seeds)]
    summary.update({
        "trials_per_hour_fused": per_hour("fused"),
        "trials_per_hour_single": per_hour("single"),
        "trials_per_hour_script": per_hour("script"),
        "trials_per_hour_script_seeded": per_hour("script_seeded"),
        "ratio_fused_vs_script": versus_scripts(),
        "ratio_fused_vs_script_whole": versus_scripts(whole=True),
        "ratio_fused_vs_single": per_hour("fused") / per_hour("single"),
        "ratio_single_vs_script": per_hour("single") / max(
            per_hour(s) for s in SCRIPTS if rows.get(s)) if any(
            rows.get(s) for s in SCRIPTS) else float("nan"),
        "best_fused": med("fused", "best"),
        "best_single": med("single", "best"),
        "best_script": med("script", "best"),
        "best_script_seeded": med("script_seeded", "best"),
        "best_fused_minus_single_mean": statistics.mean(
            f["best"] - s["best"] for f, s in zip(rows["fused"], rows["single"], strict=True))
        if rows.get("fused") and rows.get("single") else float("nan"),
        "load": {"before": load_before, "after": list(os.getloadavg())},
        # the default run's (fused, as the whole-process ratio counts it), and --fuse off's,
        # which imports torch._dynamo before its first trial (its torch optimisers need it;
        # the script pays it inside its search)
        "startup_s_tunestudio": med("fused", "startup_s"),
        "startup_s_tunestudio_fuse_off": med("single", "startup_s"),
        "startup_s_script": med("script", "startup_s"),
    })
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
