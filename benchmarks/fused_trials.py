"""Trials per hour of the digits MLP (one hidden layer of 128, SGD with momentum, 20 epochs,
batch 64, every trial its own learning rate) trained K at a time as one fused model, for K = 1,
8, 32, 128, 512 (and 1024, 2048 where memory allows), on each available device, and the
speed-up over one trial at a time (K = 1 with the lone Trainer). Each trial keeps its identity
(its own events and metrics), as in a search; nothing is written to a store.

    python benchmarks/fused_trials.py [--devices cpu,cuda] [--ks 1,8,32,128,512] [--epochs 20]

Last line, one JSON object: {"devices": {device: {"single_s": ..., "rows": [{"k", "s",
"trials_per_hour", "speedup", "best_val_accuracy"}...]}}, "speedup_at_512": {device: ...}}.
Goal on a CUDA GPU: speed-up >= 100 at K = 512."""

from __future__ import annotations

import argparse
import json
import math
import time

import torch

from tunestudio.config import (
    BuiltinData,
    ConstantSchedule,
    DataConfig,
    EarlyStoppingConfig,
    MLPModel,
    RunConfig,
    SGDOptimizer,
    TrainingConfig,
)
from tunestudio.engine import Trainer, TrainerHooks, warm_up
from tunestudio.engine.data import load_splits
from tunestudio.engine.fused import FusedTrainer


def config(lr: float, epochs: int, device: str) -> RunConfig:
    return RunConfig(
        data=DataConfig(source=BuiltinData(name="digits"), val_fraction=0.2, test_fraction=0.0),
        model=MLPModel(width=128, depth=1),
        optimizer=SGDOptimizer(lr=lr, momentum=0.9, weight_decay=1e-4),
        schedule=ConstantSchedule(warmup_epochs=0.0),
        training=TrainingConfig(epochs=epochs, batch_size=64, device=device),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )


class _Steps(TrainerHooks):
    """Receives every step event, as a search's hooks do."""

    def on_step_end(self, trainer: Trainer, event: object) -> None:
        pass


def lrs(k: int) -> list[float]:
    """K learning rates spread log-uniformly over 1e-3 .. 1e-1."""
    if k == 1:
        return [0.03]
    return [10 ** (-3 + 2 * i / (k - 1)) for i in range(k)]


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def measure(device: str, ks: list[int], epochs: int) -> dict[str, object]:
    data = load_splits(config(0.01, epochs, device).data)
    Trainer(config(0.03, 1, device), device=device, datasets=data).fit()  # warm-up
    FusedTrainer([config(x, 1, device) for x in lrs(4)], device=device, datasets=data).fit()
    t = time.perf_counter()
    reps = 3
    for _ in range(reps):
        Trainer(config(0.03, epochs, device), hooks=[_Steps()], device=device,
                datasets=data).fit()
    sync(device)
    single_s = (time.perf_counter() - t) / reps
    rows = []
    for k in ks:
        configs = [config(x, epochs, device) for x in lrs(k)]
        try:
            trainer = FusedTrainer(configs, hooks=[[_Steps()] for _ in configs], device=device,
                                   datasets=data)
            t = time.perf_counter()
            results = trainer.fit()
            sync(device)
            seconds = time.perf_counter() - t
        except Exception as exc:  # out of memory: the largest K that fits is reported
            print("k", k, "did not fit:", type(exc).__name__, flush=True)
            break
        best = max((r.best.get("val_accuracy", math.nan) for r in results), default=math.nan)
        row = {"k": k, "s": round(seconds, 3), "trials_per_hour": round(3600 * k / seconds),
               "speedup": round(k * single_s / seconds, 2), "best_val_accuracy": best}
        rows.append(row)
        print(device, json.dumps(row), flush=True)
    return {"single_s": round(single_s, 3), "single_trials_per_hour": round(3600 / single_s),
            "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = "cpu,cuda" if torch.cuda.is_available() else "cpu"
    parser.add_argument("--devices", default=default)
    parser.add_argument("--ks", default="1,8,32,128,512,1024,2048")
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    warm_up()
    ks = [int(k) for k in args.ks.split(",")]
    out: dict[str, object] = {"devices": {}, "speedup_at_512": {}}
    for device in args.devices.split(","):
        result = measure(device, ks, args.epochs)
        out["devices"][device] = result  # type: ignore[index]
        at = [r for r in result["rows"] if r["k"] == 512]  # type: ignore[index, union-attr]
        out["speedup_at_512"][device] = at[0]["speedup"] if at else None  # type: ignore[index]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
