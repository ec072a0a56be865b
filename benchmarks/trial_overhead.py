"""What the search and its storage cost per trial: a training function of known duration
(about 1 s, reporting 1000 steps and 10 evaluations like a real fit) called directly, against
the same function run as trials of an experiment (Optuna ask/tell, our trial rows, batched
series writes, heartbeats). Alternating rounds on a fresh SQLite database.

The training function's work comes in three kinds, since what it does decides how much the
bookkeeping thread can overlap with it: `torch` (CPU matrix products; the default and the
figure reported as overhead_fraction), `sleep` (waiting on an accelerator) and `python`
(pure-Python work that never releases the GIL, the worst case).

Prints as its last line: {"overhead_fraction": ..., ...}; goal <= 0.02."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from tunestudio.config import Budget, PrunerConfig, RunConfig, from_template
from tunestudio.engine import EvalEvent, FitResult, StepEvent, TrainerHooks
from tunestudio.search import ExperimentRunner, RunOptions

TRAIN_S = 1.0
STEPS = 1000
EVALS = 10
_A = torch.randn(64, 64)
_B = torch.randn(64, 64)


def _work_sleep(deadline: float) -> None:
    """Waiting on an accelerator: the thread sleeps, the GIL is free."""
    time.sleep(max(0.0, deadline - time.perf_counter()))


def _work_torch(deadline: float) -> None:
    """CPU training: small matrix products (torch releases the GIL inside each)."""
    while time.perf_counter() < deadline:
        torch.mm(_A, _B)


def _work_python(deadline: float) -> None:
    """Pure-Python work that never releases the GIL: the worst case for side threads."""
    while time.perf_counter() < deadline:
        pass


WORK = {"sleep": _work_sleep, "torch": _work_torch, "python": _work_python}
work = _work_torch


def one_second_fit(config: RunConfig, *, hooks: Sequence[TrainerHooks], base_dir: Path | None,
                   device: str | None, seed: int, stop_event: threading.Event,
                   pause_event: threading.Event) -> FitResult:
    """Busy for TRAIN_S seconds of wall time, reporting steps and evaluations as it goes."""
    start = time.perf_counter()
    per_eval = STEPS // EVALS
    for step in range(1, STEPS + 1):
        work(start + TRAIN_S * step / STEPS)
        ev = StepEvent(step, step // per_eval, 1.0 / step, 1e-3, 0.5, 1e4,
                       time.perf_counter() - start)
        for h in hooks:
            h.on_step_end(None, ev)  # type: ignore[arg-type]
        if step % per_eval == 0:
            acc = 0.5 + step / (2 * STEPS)
            e = EvalEvent(step, step / per_eval, time.perf_counter() - start, 1.0 / step,
                          1.0 / step, {"val_accuracy": acc, "val_loss": 1.0 / step})
            for h in hooks:
                h.on_evaluate_end(None, e)  # type: ignore[arg-type]
    metrics = {"val_accuracy": 1.0, "val_loss": 0.001}
    return FitResult("completed", "", metrics, metrics, float(EVALS), STEPS,
                     time.perf_counter() - start, "cpu")


def direct(n: int) -> float:
    cfg = from_template("digits").baseline
    t0 = time.perf_counter()
    for i in range(n):
        one_second_fit(cfg, hooks=[TrainerHooks()], base_dir=None, device="cpu", seed=i,
                       stop_event=threading.Event(), pause_event=threading.Event())
    return time.perf_counter() - t0


def searched(n: int, data_dir: str) -> float:
    os.environ["TUNESTUDIO_DATA_DIR"] = data_dir
    project = from_template("digits")
    exp = project.experiments[0]
    exp = exp.model_copy(update={"search": exp.search.model_copy(update={
        "budget": Budget(trials=n), "pruner": PrunerConfig(kind="median")})})
    project = project.model_copy(update={"experiments": [exp]})
    runner = ExperimentRunner(project, exp.name, fit=one_second_fit,
                              options=RunOptions(device="cpu"))
    t0 = time.perf_counter()
    summary = runner.run()
    elapsed = time.perf_counter() - t0
    assert summary.counts == {"complete": n}, summary.counts
    return elapsed


def measure(kind: str, rounds: int, trials: int) -> float:
    global work
    work = WORK[kind]
    fractions = []
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            if r % 2 == 0:
                d = direct(trials)
                s = searched(trials, tmp)
            else:
                s = searched(trials, tmp)
                d = direct(trials)
        fractions.append((s - d) / d)
        print(f"{kind} round {r + 1}: direct {d:.3f}s, searched {s:.3f}s, "
              f"overhead {100 * fractions[-1]:.2f}%", file=sys.stderr)
    return round(statistics.median(fractions), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--trials", type=int, default=20, help="trials per round (the digits "
                        "template's budget)")
    parser.add_argument("--work", nargs="+", default=["torch", "sleep"], choices=sorted(WORK))
    args = parser.parse_args()
    torch.set_num_threads(1)
    searched(1, tempfile.mkdtemp())  # warm-up: imports, first database
    results = {kind: measure(kind, args.rounds, args.trials) for kind in args.work}
    out = {"overhead_fraction": results[args.work[0]],
           **{f"overhead_fraction_{k}": v for k, v in results.items()},
           "trials_per_round": args.trials, "train_s": TRAIN_S, "cpu_count": os.cpu_count()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
