"""How fast the read-only commands answer: a project with a history of 400 trials (each with
100 step points and 10 evaluation points), each command run as a user runs it, a fresh
`python -m tunestudio ...` process, wall time from start to exit.

Figures (the last line printed is one JSON object): for each command, the median wall time
of 5 runs in seconds (`info_s`), the fastest of them (`info_min_s`: the one least slowed by
other work), the median CPU time (user + system) of the process
(`info_cpu_s`: what the command costs, less sensitive than wall time to other load on a shared
machine; `load_avg` says how loaded it was), and `python_s`, the same for a bare
`python -c pass` (the floor no command can beat). Goal: `info` and `trials` each <= 0.5 s
wall. None of these commands may import torch or optuna (tests/e2e/test_cli_latency.py
checks that).

Usage: python benchmarks/cli_latency.py [--trials N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tunestudio.config import from_template, save_project
from tunestudio.store import EvalPoint, StepPoint, Store, TrialState, storage_url_for


def make_project(folder: Path, trials: int) -> Path:
    """A digits project whose history holds `trials` complete trials."""
    project = from_template("digits")
    project = project.model_copy(update={
        "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
    path = folder / "bench.tuneproj"
    save_project(project, path)
    rng = random.Random(0)
    exp = project.experiments[0]
    with Store.open(storage_url_for(project)) as store:
        eid = store.ensure_experiment(exp.name, exp.name, goal=exp.goal)
        for n in range(trials):
            params = {"optimizer.lr": 10 ** rng.uniform(-4, -1),
                      "training.batch_size": rng.choice([32, 64, 128]),
                      "optimizer.weight_decay": rng.random() * 0.1}
            tid = store.start_trial(eid, number=n, optuna_trial_id=n, params=params,
                                    config_json=project.baseline.model_dump_json(),
                                    device="cpu", seed=n)
            store.append_steps(tid, [StepPoint(s, s / 10, 1 / (s + 1), 1e-3, 0.5)
                                     for s in range(100)])
            store.append_evals(tid, [EvalPoint(step=(e + 1) * 10, epoch=float(e + 1),
                                               wall_s=0.1 * e, train_loss=1 / (e + 1),
                                               val_loss=1.1 / (e + 1),
                                               metrics={"val_accuracy": e / 10})
                                     for e in range(10)])
            store.finish_trial(tid, state=TrialState.COMPLETE, objective=rng.random(),
                               metrics={"val_accuracy": rng.random()}, duration_s=1.0)
    return path


def timed(argv: list[str], runs: int) -> tuple[float, float, float]:
    """Median wall, fastest wall and median CPU seconds of `runs` runs of the command."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return statistics.median(walls), min(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["TUNESTUDIO_DATA_DIR"] = str(folder / "data")
        t0 = time.perf_counter()
        path = make_project(folder, args.trials)
        print(f"project with {args.trials} trials made in {time.perf_counter() - t0:.1f} s")
        ts = [sys.executable, "-m", "tunestudio"]
        commands = {
            "python_s": [sys.executable, "-c", "pass"],
            "validate_s": [*ts, "validate", str(path)],
            "schema_s": [*ts, "schema"],
            "info_s": [*ts, "info", str(path)],
            "trials_s": [*ts, "trials", str(path)],
            "trials_json_s": [*ts, "trials", str(path), "--format", "json"],
            "export_csv_s": [*ts, "export", str(path), "-o", str(folder / "t.csv")],
        }
        result: dict[str, float | int] = {"trials": args.trials,
                                          "load_avg": round(os.getloadavg()[0], 2)}
        for key, argv in commands.items():
            wall_s, fastest_s, cpu_s = timed(argv, args.runs)
            result[key] = round(wall_s, 3)
            result[key.replace("_s", "_min_s")] = round(fastest_s, 3)
            result[key.replace("_s", "_cpu_s")] = round(cpu_s, 3)
            print(f"{key:>14}: {wall_s:.3f} s wall (fastest {fastest_s:.3f}), "
                  f"{cpu_s:.3f} s CPU")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
