"""How the trial history scales: a fresh SQLite database (in a temp dir) filled with 10,000
trials, each with 50 evaluation points and 200 step points (2,000,000 step points in all).

Figures (the last line printed is one JSON object):
- open_list_best_s: in a fresh process, Store.open + the list of all trials with params and
  objective + the best trial (what the GUI does when a project opens). Median of 3 processes.
  Goal <= 1.0.
- write_points_per_s: step points per second through a SeriesWriter (the trainer's path: one
  add_step call per point, one transaction per 5,000 points), from the first add to the last
  flush. Goal >= 100,000.
- append_points_per_s: the same points through Store.append_steps, one transaction per trial
  (200 points).
- fill_s, db_mb, and the time to read 10 trials' step and evaluation series.

Usage: python benchmarks/store_scale.py [--trials N] [--steps N] [--evals N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tunestudio.store import EvalPoint, Store

OPEN_LIST_BEST = """
import json, sys, time
t0 = time.perf_counter()
from tunestudio.store import Store
t1 = time.perf_counter()
store = Store.open(sys.argv[1])
eid = store.experiments()[0].id
trials = store.trials()
best = store.best_trial(eid, "maximize")
t2 = time.perf_counter()
assert best is not None and len(trials) == int(sys.argv[2]) and trials[0].params
store.close()
print(json.dumps({"import_s": t1 - t0, "open_list_best_s": t2 - t1}))
"""


def _config_json(rng: random.Random) -> str:
    """A config snapshot of realistic size (about 1.5 kB)."""
    return json.dumps({
        "data": {"kind": "builtin", "name": "digits", "val_fraction": 0.2, "seed": 0},
        "model": {"kind": "mlp", "hidden": [rng.choice([64, 128, 256])] * 3,
                  "activation": "relu", "dropout": rng.random() / 2, "batch_norm": True},
        "optimizer": {"kind": "adamw", "lr": rng.random(), "weight_decay": 0.01,
                      "betas": [0.9, 0.999], "eps": 1e-8},
        "schedule": {"kind": "onecycle", "max_lr": 0.01, "pct_start": 0.3},
        "training": {"epochs": 50, "batch_size": 64, "seed": 0, "device": "cpu",
                     "early_stopping": {"patience": 5, "min_delta": 0.0},
                     "clip_grad_norm": 1.0, "notes": "x" * 800},
    })


def fill(store: Store, trials: int, steps: int, evals: int) -> list[int]:
    """Trials with their evaluation series and final state (the step series come later)."""
    rng = random.Random(0)
    eid = store.ensure_experiment("scale", "scale-study", goal="benchmark")
    ids = []
    for n in range(trials):
        params = {"optimizer.lr": 10 ** rng.uniform(-4, -1),
                  "training.batch_size": rng.choice([32, 64, 128]),
                  "model.kind": rng.choice(["mlp", "cnn"]),
                  "optimizer.weight_decay": rng.random() * 0.1,
                  "model.dropout": rng.random() / 2}
        tid = store.start_trial(eid, number=n, optuna_trial_id=n, params=params,
                                config_json=_config_json(rng), device="cpu", seed=n)
        every = max(1, steps // evals)
        store.append_evals(tid, [
            EvalPoint(step=(e + 1) * every, epoch=float(e + 1), wall_s=0.1 * (e + 1),
                      train_loss=1.0 / (e + 1), val_loss=1.1 / (e + 1),
                      metrics={"val_accuracy": e / evals, "train_accuracy": e / evals})
            for e in range(evals)
        ])
        accuracy = rng.random()
        store.finish_trial(tid, state="complete" if n % 10 else "pruned", objective=accuracy,
                           metrics={"val_accuracy": accuracy, "val_loss": 1 - accuracy},
                           duration_s=rng.uniform(1, 100))
        ids.append(tid)
    return ids


def write_steps_with_writer(store: Store, ids: list[int], steps: int) -> float:
    writer = store.series_writer(flush_points=5000, flush_seconds=60)
    t0 = time.perf_counter()
    for tid in ids:
        for i in range(steps):
            writer.add_step(tid, i, i / steps, 1.0 / (i + 1), 1e-3, 0.5)
    writer.close()
    return len(ids) * steps / (time.perf_counter() - t0)


def append_steps_per_trial(store: Store, ids: list[int], steps: int) -> float:
    rows = [(i, i / steps, 1.0 / (i + 1), 1e-3, 0.5) for i in range(steps)]
    t0 = time.perf_counter()
    for tid in ids:
        store.append_steps(tid, rows, repeat=1)
    return len(ids) * steps / (time.perf_counter() - t0)


def open_list_best(url: str, trials: int) -> dict[str, float]:
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", OPEN_LIST_BEST, url, str(trials)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--steps", type=int, default=200, help="step points per trial")
    parser.add_argument("--evals", type=int, default=50, help="evaluation points per trial")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.sqlite"
        url = f"sqlite:///{path.as_posix()}"
        store = Store.open(url)
        t0 = time.perf_counter()
        ids = fill(store, args.trials, args.steps, args.evals)
        fill_s = time.perf_counter() - t0
        print(f"filled {args.trials} trials x {args.evals} evaluations in {fill_s:.1f} s",
              file=sys.stderr)
        write_rate = write_steps_with_writer(store, ids, args.steps)
        append_rate = append_steps_per_trial(store, ids, args.steps)
        print(f"wrote {2 * len(ids) * args.steps:,} step points", file=sys.stderr)

        sample = random.Random(1).sample(ids, 10)
        t0 = time.perf_counter()
        steps = store.step_series(sample)
        steps_read_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        evals = store.eval_series(sample)
        evals_read_s = time.perf_counter() - t0
        assert all(len(steps[t]) == 2 * args.steps for t in sample)
        assert all(len(evals[t]) == args.evals for t in sample)
        store.close()

        opened = open_list_best(url, args.trials)
        size_mb = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6

    result = {
        "trials": args.trials,
        "evals_per_trial": args.evals,
        "steps_per_trial": args.steps,
        "open_list_best_s": round(opened["open_list_best_s"], 3),
        "import_s": round(opened["import_s"], 3),
        "write_points_per_s": round(write_rate),
        "append_points_per_s": round(append_rate),
        "fill_s": round(fill_s, 1),
        "read_10_step_series_s": round(steps_read_s, 4),
        "read_10_eval_series_s": round(evals_read_s, 4),
        "db_mb": round(size_mb, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
