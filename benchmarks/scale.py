"""What a search costs per trial, and before its first trial, as its history and its budget grow.

1. Per-trial overhead: an experiment whose history already holds N finished trials (written in
   bulk into Optuna's tables and ours, as N earlier trials would have left them: values,
   parameters, pruning reports, user attributes, our trial rows) is run again with a budget of
   N more trials (`run --trials N`, so its queue holds N trials too). The trial is trivially
   cheap (a stand-in fit reporting 4 steps and 2 evaluations, pruning on: the median pruner
   judges each evaluation), so what a trial costs is the bookkeeping around it: popping it
   from the queue, sampling (random search, whose own cost does not grow with the history),
   our trial row, the series writes, the pruning checks, telling Optuna. The figure is the
   median time between the ends of consecutive trials, from trial 10 to trial `--measure`,
   minus the fit's own time, with N = 100, 10,000 and 100,000. Goal: the 100,000 figure
   <= 1.5x the 100 figure.
2. Time to the first step: `tunestudio run PROJECT --trials N` of a project whose baseline is a
   tiny stdlib program (it writes the time it started to a file and reports one metric line),
   from the command's start to the first trial's program starting, for N = 10 and 100,000 on a
   fresh history; the run is then stopped (SIGINT). Median of `--rounds`. Goal: within 1 s of
   each other.

3. With `--views`, on each history: `tunestudio trials --format csv` (seconds and the peak
   resident memory of the process: flat when the history is streamed) and `tunestudio info`
   twice: `info_first_s`, the first call on the freshly written history (the full command:
   it loads the project's models, judges the trials against the baseline once and keeps the
   project's summary), and `info_s`, a later call (answered from the summary and sqlite3
   where that is exact, cli/info_fast.py).

The last line printed is one JSON object with `overhead_s_100`, `overhead_s_10k`,
`overhead_s_100k`, `first_step_s_10`, `first_step_s_100k`, and `load_avg` (the 1-minute load
average before and after, for judging the figures of a shared machine).

Usage: python benchmarks/scale.py [--sizes 100 10000 100000] [--measure 60] [--rounds 3]
       [--views] [--skip-first-step]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import optuna
import sqlalchemy
from optuna.distributions import distribution_to_json
from optuna.storages._rdb import models
from optuna.trial import TrialState

from tunestudio.config import (
    Budget,
    Experiment,
    FloatDimension,
    Objective,
    Project,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    from_template,
    save_project,
)
from tunestudio.config.fingerprint import config_fingerprint, point_fingerprint
from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.engine import EvalEvent, FitResult, StepEvent, TrainerHooks
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions
from tunestudio.search.events import TrialFinished
from tunestudio.search.plan import FINGERPRINT_ATTR, STATE_ATTR, WORKER_ATTR
from tunestudio.search.space import distributions
from tunestudio.search.storage import optuna_storage, storage_url
from tunestudio.store import Store, schema

SIZES = {100: "100", 10_000: "10k", 100_000: "100k"}


def cheap_fit(config: RunConfig, *, hooks: Sequence[TrainerHooks], base_dir: Path | None,
              device: str | None, seed: int, stop_event: threading.Event,
              pause_event: threading.Event) -> FitResult:
    """A trial that costs nothing but what it reports: 4 steps and 2 evaluations."""
    start = time.perf_counter()
    for step in range(1, 5):
        ev = StepEvent(step, step // 2, 1.0 / step, 1e-3, 0.5, 1e4, 0.0)
        for h in hooks:
            h.on_step_end(None, ev)  # type: ignore[arg-type]
        if step % 2 == 0:
            acc = 0.5 + (seed % 97) / 200 + step / 100
            e = EvalEvent(step, step / 2, 0.0, 1.0 / step, 1.0 / step,
                          {"val_accuracy": acc, "val_loss": 1.0 / step})
            for h in hooks:
                h.on_evaluate_end(None, e)  # type: ignore[arg-type]
    metrics = {"val_accuracy": 0.5 + (seed % 97) / 200, "val_loss": 0.25}
    return FitResult("completed", "", metrics, metrics, 2.0, 4, time.perf_counter() - start,
                     "cpu")


def _project() -> tuple[Project, Experiment]:
    project = from_template("digits")
    exp = project.experiments[0]
    exp = exp.model_copy(update={"search": exp.search.model_copy(update={
        "strategy": "random", "pruner": PrunerConfig(kind="median"), "fuse": "off"})})
    return project.model_copy(update={"experiments": [exp]}), exp


def fill(project: Project, exp: Experiment, told: int) -> None:
    """`told` finished trials (nine in ten complete, one in ten pruned) in Optuna's tables and
    ours, trained on the current baseline (their fingerprints say so), written in bulk in one
    transaction each."""
    url = storage_url(project)
    search = exp.search
    storage = optuna_storage(url)
    study = optuna.create_study(study_name=exp.name, storage=storage, load_if_exists=True,
                                direction=search.objective.resolved_direction)
    dists = distributions(search, project.baseline)
    store = Store.open(url)
    experiment_id = store.ensure_experiment(exp.name, exp.name,
                                            search_json=search.model_dump_json())
    store.close()
    engine = storage.engine
    study_id = study._study_id
    t0 = datetime(2026, 1, 1)
    trials: list[dict[str, Any]] = []
    params: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    attrs: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    rng = random.Random(0)
    baseline = config_fingerprint(project.baseline)  # each trial kept as current against it
    for n in range(told):
        tid = n + 1
        state = TrialState.PRUNED if n % 10 == 9 else TrialState.COMPLETE
        start = t0 + timedelta(seconds=n)
        trials.append({"trial_id": tid, "number": n, "study_id": study_id, "state": state,
                       "datetime_start": start, "datetime_complete": start + timedelta(0.5)})
        point = {}
        for name, dist in dists.items():
            internal = rng.random()
            if isinstance(dist, optuna.distributions.FloatDistribution):
                internal = dist.low + (dist.high - dist.low) * internal
                point[name] = internal
            elif isinstance(dist, optuna.distributions.IntDistribution):
                internal = float(rng.randint(dist.low, dist.high))
                point[name] = int(internal)
            else:
                index = rng.randrange(len(dist.choices))  # type: ignore[attr-defined]
                internal = float(index)
                point[name] = dist.choices[index]  # type: ignore[attr-defined]
            params.append({"trial_id": tid, "param_name": name, "param_value": internal,
                           "distribution_json": distribution_to_json(dist)})
        objective = 0.5 + rng.random() / 2
        fingerprint = point_fingerprint(project.baseline, point)
        if state == TrialState.COMPLETE:
            values.append({"trial_id": tid, "objective": 0, "value": objective,
                           "value_type": models.TrialValueModel.TrialValueType.FINITE})
        for key, value in ((STATE_ATTR, state.name.lower()), (FINGERPRINT_ATTR, fingerprint),
                           (WORKER_ATTR, "elsewhere:1")):
            attrs.append({"trial_id": tid, "key": key, "value_json": json.dumps(value)})
        for step in (2, 4):
            reports.append({"trial_id": tid, "step": step,
                            "intermediate_value": objective - 0.1 / step,
                            "intermediate_value_type":
                                models.TrialIntermediateValueModel.TrialIntermediateValueType
                                .FINITE})
        rows.append({"experiment_id": experiment_id, "optuna_trial_id": tid, "number": n,
                     "state": state.name.lower(), "params_json": json.dumps(point),
                     "config_json": "{}", "config_fingerprint": fingerprint,
                     "objective": objective if state == TrialState.COMPLETE else None,
                     "metrics_json": json.dumps({"val_accuracy": objective}), "device": "cpu",
                     "seed": n, "started_at": 1.7e9 + n, "finished_at": 1.7e9 + n + 0.5,
                     "duration_s": 0.5, "updated_at": 1.7e9 + n + 0.5,
                     "verdict_baseline": baseline, "verdict_current": True})
    with engine.begin() as conn:
        for table, data in ((models.TrialModel.__table__, trials),
                            (models.TrialParamModel.__table__, params),
                            (models.TrialValueModel.__table__, values),
                            (models.TrialUserAttributeModel.__table__, attrs),
                            (models.TrialIntermediateValueModel.__table__, reports)):
            if data:
                conn.execute(sqlalchemy.insert(table), data)
    store_engine = sqlalchemy.create_engine(url)
    with store_engine.begin() as conn:
        conn.execute(sqlalchemy.insert(schema.trial), rows)
    store_engine.dispose()


class _Ends(RunnerHooks):
    """The time each trial ended; stops the run after `stop_after` trials."""

    def __init__(self, stop: threading.Event, stop_after: int) -> None:
        self.stop = stop
        self.stop_after = stop_after
        self.ends: list[float] = []
        self.started: float | None = None

    def on_run_start(self, total: int | None) -> None:
        self.started = time.perf_counter()

    def on_trial_end(self, event: TrialFinished) -> None:
        self.ends.append(time.perf_counter())
        if len(self.ends) >= self.stop_after:
            self.stop.set()


def _command(args: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of `python -m tunestudio ARGS`, output dropped.
    The peak is GNU time's (`/usr/bin/time -v`): the rusage of a child forked from this
    process would count this process's memory, copied at the fork, too."""
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "tunestudio", *args],
                          stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"tunestudio {' '.join(args)} failed: {proc.stderr[-2000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return elapsed, int(peak.group(1)) / 1024 if peak else float("nan")


def overhead(told: int, measure: int, views: bool) -> dict[str, float]:
    """Seconds of bookkeeping per trial with `told` trials in the history and as many queued;
    with `views`, also what `trials --format csv` and `info` take on that history."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TUNESTUDIO_DATA_DIR"] = tmp
        project, exp = _project()
        t0 = time.perf_counter()
        fill(project, exp, told)
        fill_s = time.perf_counter() - t0
        figures: dict[str, float] = {}
        if views:
            path = Path(tmp) / "scale.tuneproj"
            save_project(project, path)
            figures["trials_csv_s"], figures["trials_csv_peak_mb"] = _command(
                ["trials", str(path), "--format", "csv"])
            figures["info_first_s"], _ = _command(["info", str(path)])
            figures["info_s"], _ = _command(["info", str(path)])
        stop = threading.Event()
        ends = _Ends(stop, measure)
        runner = ExperimentRunner(project, exp.name, fit=cheap_fit, hooks=[ends],
                                  stop_event=stop, options=RunOptions(device="cpu", trials=told))
        t0 = time.perf_counter()
        runner.run()
        run_s = time.perf_counter() - t0
        optuna_storage.cache_clear()
    fit_s = statistics.median(_fit_time() for _ in range(50))
    gaps = [b - a for a, b in zip(ends.ends[9:], ends.ends[10:], strict=False)]
    assert ends.started is not None
    return {"overhead_s": statistics.median(gaps) - fit_s,
            "to_first_end_s": ends.ends[0] - ends.started, "fill_s": fill_s, "run_s": run_s,
            **figures}


def _fit_time() -> float:
    t0 = time.perf_counter()
    cheap_fit(RunConfig(), hooks=[TrainerHooks()], base_dir=None, device="cpu", seed=0,
              stop_event=threading.Event(), pause_event=threading.Event())
    return time.perf_counter() - t0


PROGRAM = """import sys, time
with open(sys.argv[1], "a") as f:
    f.write(f"{time.time()}\\n")
print("val_acc=0.5")
"""


def first_step(trials: int, rounds: int) -> float:
    """Seconds from `tunestudio run --trials N` starting to its first trial's program starting,
    median of `rounds` fresh histories."""
    times = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "train.py").write_text(PROGRAM, encoding="utf-8")
            stamps = folder / "started.txt"
            config = ProgramConfig(command=f"{sys.executable} train.py {stamps}",
                                   parameters=[ProgramParameter(name="lr", default=0.01)],
                                   pass_values="env", grace_s=1.0)
            search = SearchDefinition(
                strategy="random", budget=Budget(trials=10),
                dimensions=[FloatDimension(path="params.lr", low=1e-4, high=1e-1, log=True)],
                objective=Objective(metric="val_acc"), pruner=PrunerConfig(kind="none"))
            project = Project(name="scale", baseline=RunConfig(program=config),
                              experiments=[Experiment(name="e", search=search)])
            path = folder / "scale.tuneproj"
            save_project(project, path)
            env = {**os.environ, "TUNESTUDIO_DATA_DIR": str(folder / "data")}
            t0 = time.time()
            proc = subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path),
                                     "--trials", str(trials), "--quiet"], env=env,
                                    stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            try:
                while not stamps.exists() or not stamps.read_text().strip():
                    if proc.poll() is not None:
                        raise RuntimeError(f"the run ended ({proc.returncode}) before a trial")
                    time.sleep(0.01)
                times.append(float(stamps.read_text().split()[0]) - t0)
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=600)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--measure", type=int, default=60, help="trials run per size")
    parser.add_argument("--rounds", type=int, default=3, help="runs per first-step figure")
    parser.add_argument("--skip-first-step", action="store_true")
    parser.add_argument("--views", action="store_true", help="also time `trials --format csv` "
                        "(and its peak memory) and `info` on each history")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    out: dict[str, Any] = {}
    for size in args.sizes:
        result = overhead(size, args.measure, args.views)
        label = SIZES.get(size, str(size))
        print(f"history {size}: {json.dumps(result)}", file=sys.stderr)
        out[f"overhead_s_{label}"] = round(result["overhead_s"], 5)
        out[f"to_first_end_s_{label}"] = round(result["to_first_end_s"], 3)
        for key in ("trials_csv_s", "trials_csv_peak_mb", "info_first_s", "info_s"):
            if key in result:
                out[f"{key}_{label}"] = round(result[key], 3)
    if not args.skip_first_step:
        for trials, label in ((10, "10"), (100_000, "100k")):
            out[f"first_step_s_{label}"] = round(first_step(trials, args.rounds), 3)
            print(f"first step, --trials {trials}: {out[f'first_step_s_{label}']}",
                  file=sys.stderr)
    out["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
