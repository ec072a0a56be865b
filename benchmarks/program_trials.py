"""What TuneStudio costs per trial of the user's own program, and what parallel trials gain.

1. Overhead: `--trials` trials of a short stdlib script (it prints one metric line) run by
   `tunestudio run` (TPE, SQLite, one trial at a time) and by a plain Optuna loop that calls
   the same script with `subprocess.run` and parses its line. The script's own time is the
   median wall time of running it alone (`subprocess.run`, no tuning); each loop's overhead per
   trial is its wall time divided by the trials, minus that. Goal: TuneStudio's at most
   0.05 s per trial above the Optuna loop's. On a shared machine the wall times follow the
   load, so each loop's CPU seconds per trial beyond the script's own are given too
   (`*_overhead_cpu_s_per_trial`; TuneStudio's includes its process's start-up).
2. Parallel: `--parallel-trials` trials of a single-threaded CPU-bound script (`--busy-s`
   seconds of arithmetic; 16 trials of 3 s by default, a run of under a minute with one
   worker: with 8 trials of 1 s the ~2 s start-up, paid by both sides, was a fifth of the
   run and held the whole-command ratio at ~1.4 while the trials ran 1.7-1.8x faster) with
   `--workers 2` against `--workers 1`, as trials per hour.
   Goal: >= 1.8x on a 2-core machine (other load on the machine lowers it). `parallel2_vs_1`
   is the ratio of the whole commands' wall times (the start-up included: a short run's
   start-up weighs on it); `parallel2_vs_1_span` that of the trials' span (first trial's start
   to last trial's end, from the store: trials/hour once the run is going), and `startup_s`
   each run's time before its first trial.

The last line printed is one JSON object with `overhead_s_per_trial`,
`optuna_loop_overhead_s_per_trial`, `script_s`, `parallel2_vs_1`, `parallel2_vs_1_span`,
`startup_s` and `load_avg` (before and after).

Usage: python benchmarks/program_trials.py [--trials 100] [--parallel-trials 16] [--busy-s 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

from tunestudio.config import (
    Budget,
    Experiment,
    FloatDimension,
    Objective,
    Project,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    save_project,
)
from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.store import Store

SHORT = """import argparse, math
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
a = p.parse_args()
print(f"epoch 1 val_acc={1 - abs(math.log10(a.lr) + 2) / 3:.5f}")
"""
BUSY = """import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--busy", type=float, default=1.0)
a = p.parse_args()
end, x = time.process_time() + a.busy, 0.0
while time.process_time() < end:
    for i in range(10000):
        x += i * a.lr
print(f"epoch 1 val_acc={1 / (1 + abs(a.lr - 0.01)):.5f}")
"""
SRC = Path(__file__).resolve().parents[1] / "src"


def project_file(folder: Path, script: str, trials: int, busy_s: float | None = None) -> Path:
    (folder / "train.py").write_text(script)
    parameters = [ProgramParameter(name="lr", default=0.01)]
    if busy_s is not None:
        parameters.append(ProgramParameter(name="busy", default=busy_s))
    program = ProgramConfig(command="python train.py", parameters=parameters)
    search = SearchDefinition(
        strategy="tpe", dimensions=[FloatDimension(path="params.lr", low=1e-4, high=1.0,
                                                   log=True)],
        budget=Budget(trials=trials), pruner=PrunerConfig(kind="none"),
        objective=Objective(metric="val_acc"), sampler_seed=0)
    project = Project(name="bench", baseline=RunConfig(program=program),
                      storage_url=f"sqlite:///{(folder / 'history.sqlite').as_posix()}",
                      experiments=[Experiment(name="bench", search=search)])
    path = folder / "bench.tuneproj"
    save_project(project, path)
    return path


def tunestudio_run(path: Path, workers: int = 1) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tunestudio", "run", str(path), "--quiet",
                    "--workers", str(workers)], check=True, env=env, cwd=path.parent,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def trials_span(folder: Path, trials: int) -> tuple[float, float]:
    """The trials' span in seconds (first start to last end) and the first start (seconds
    since the epoch), from the store. Raises AssertionError when the run did not store
    exactly `trials` trials, each number once."""
    with Store.open(f"sqlite:///{(folder / 'history.sqlite').as_posix()}") as store:
        rows = store.trials()
    assert len(rows) == trials and len({r.number for r in rows}) == trials, len(rows)
    starts = [r.started_at for r in rows if r.started_at is not None]
    ends = [r.finished_at for r in rows if r.finished_at is not None]
    return max(ends) - min(starts), min(starts)


def cpu_s(who: int = resource.RUSAGE_CHILDREN) -> float:
    """CPU seconds (user + system) so far of this process (RUSAGE_SELF) or of its ended
    children and their descendants (RUSAGE_CHILDREN)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def script_alone(folder: Path, runs: int) -> tuple[float, float]:
    """The script's median wall time and its mean CPU time, run alone."""
    times = []
    cpu0 = cpu_s()
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "train.py", "--lr", "0.003"], cwd=folder, check=True,
                       capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), (cpu_s() - cpu0) / runs


def optuna_loop(folder: Path, trials: int) -> float:
    """The plain way: an Optuna study whose objective calls the script."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    pattern = re.compile(r"val_acc=([-\d.e]+)")

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
        done = subprocess.run([sys.executable, "train.py", "--lr", repr(lr)], cwd=folder,
                              check=True, capture_output=True, text=True)
        found = pattern.search(done.stdout)
        assert found is not None
        return float(found.group(1))

    storage = f"sqlite:///{(folder / 'optuna.sqlite').as_posix()}"
    start = time.perf_counter()
    study = optuna.create_study(direction="maximize", storage=storage,
                                sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=trials)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--parallel-trials", type=int, default=16)
    parser.add_argument("--busy-s", type=float, default=3.0)
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["TUNESTUDIO_DATA_DIR"] = str(root / "data")
        short = root / "short"
        short.mkdir()
        path = project_file(short, SHORT, args.trials)
        script_s, script_cpu = script_alone(short, 10)
        cpu0 = cpu_s()
        ts_s = tunestudio_run(path)
        ts_cpu = (cpu_s() - cpu0) / args.trials - script_cpu
        cpu0 = cpu_s() + cpu_s(resource.RUSAGE_SELF)
        loop_s = optuna_loop(short, args.trials)
        loop_cpu = (cpu_s() + cpu_s(resource.RUSAGE_SELF) - cpu0) / args.trials - script_cpu
        ts_over = ts_s / args.trials - script_s
        loop_over = loop_s / args.trials - script_s
        print(f"script alone {script_s:.3f} s; per trial: tunestudio run "
              f"{ts_s / args.trials:.3f} s (overhead {ts_over:.3f} s, {ts_cpu:.3f} CPU s), "
              f"Optuna loop {loop_s / args.trials:.3f} s (overhead {loop_over:.3f} s, "
              f"{loop_cpu:.3f} CPU s)")
        walls, spans, startups = {}, {}, {}
        for workers in (1, 2):
            folder = root / f"busy{workers}"
            folder.mkdir()
            path = project_file(folder, BUSY, args.parallel_trials, args.busy_s)
            began = time.time()
            walls[workers] = tunestudio_run(path, workers)
            spans[workers], first = trials_span(folder, args.parallel_trials)
            startups[workers] = first - began
            print(f"--workers {workers}: {args.parallel_trials} trials in "
                  f"{walls[workers]:.1f} s (their span {spans[workers]:.1f} s, "
                  f"start-up {startups[workers]:.1f} s)")
    print(json.dumps({"trials": args.trials, "script_s": round(script_s, 4),
                      "overhead_s_per_trial": round(ts_over, 4),
                      "optuna_loop_overhead_s_per_trial": round(loop_over, 4),
                      "overhead_cpu_s_per_trial": round(ts_cpu, 4),
                      "optuna_loop_overhead_cpu_s_per_trial": round(loop_cpu, 4),
                      "parallel_trials": args.parallel_trials, "busy_s": args.busy_s,
                      "parallel2_vs_1": round(walls[1] / walls[2], 3),
                      "parallel2_vs_1_span": round(spans[1] / spans[2], 3),
                      "startup_s": {w: round(v, 2) for w, v in startups.items()},
                      "load_avg": [load_before, round(os.getloadavg()[0], 2)]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
