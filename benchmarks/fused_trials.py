"""Trials per hour of the digits MLP (one hidden layer of 128, SGD with momentum, 20 epochs,
batch 64, every trial its own learning rate) trained K at a time as one fused model, for K = 1,
8, 32, 128, 512 (and 1024, 2048 where memory allows), on each available device, and the
speed-up over one trial at a time (K = 1 with the lone Trainer). Each trial keeps its identity
(its own events and metrics), as in a search; nothing is written to a store.

`--model cnn` times the `images` template's trials instead: its CNN (channels 16, 32, hidden
64, dropout 0.2, batch norm), Adam, batch 64, its augmentation (each member its own random
crop and rotation stream) on its image folder (1,000 digit PNGs, 28x28, kept on the device),
3 epochs by default; K = 1, 2, 4, 8, 16 by default (64 is the GPU goal of
benchmarks/fused_images.py). On a CPU its step is mostly arithmetic (convolutions, batch
norm), which a fused group computes per member as a lone trial does, so the speed-up there
says what fusing can give a CNN search at most.

    python benchmarks/fused_trials.py [--devices cpu,cuda] [--ks 1,8,32,128,512] [--epochs 20]
                                      [--model mlp|cnn]

Last line, one JSON object: {"devices": {device: {"single_s": ..., "rows": [{"k", "s",
"trials_per_hour", "speedup", "best_val_accuracy"}...]}}, "speedup_at_512": {device: ...}}.
Goal on a CUDA GPU: speed-up >= 100 at K = 512."""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

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
    from_template,
)
from tunestudio.engine import Trainer, TrainerHooks, Trial, warm_up
from tunestudio.engine.data import load_splits
from tunestudio.engine.fused import FusedTrainer


def config(lr: float, epochs: int, device: str, model: str = "mlp") -> RunConfig:
    if model == "cnn":  # the images template's baseline at this learning rate
        baseline = from_template("images").baseline
        return baseline.model_copy(update={
            "optimizer": baseline.optimizer.model_copy(update={"lr": lr}),
            "training": baseline.training.model_copy(update={"epochs": epochs,
                                                             "device": device}),
            "early_stopping": EarlyStoppingConfig(enabled=False)})
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

    def on_step_end(self, trainer: Trial, event: object) -> None:
        pass


def lrs(k: int) -> list[float]:
    """K learning rates spread log-uniformly over 1e-3 .. 1e-1."""
    if k == 1:
        return [0.03]
    return [10 ** (-3 + 2 * i / (k - 1)) for i in range(k)]


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def measure(device: str, ks: list[int], epochs: int, model: str = "mlp"
            ) -> dict[str, Any]:
    def cfg(lr: float, n_epochs: int = epochs) -> RunConfig:
        return config(lr, n_epochs, device, model)

    scale = 0.1 if model == "cnn" else 1.0  # Adam's rates: 1e-4 .. 1e-2
    data = load_splits(cfg(0.01).data)
    Trainer(cfg(0.03 * scale, 1), device=device, datasets=data).fit()  # warm-up
    FusedTrainer([cfg(x * scale, 1) for x in lrs(4)], device=device, datasets=data).fit()
    t = time.perf_counter()
    reps = 3
    for _ in range(reps):
        Trainer(cfg(0.03 * scale), hooks=[_Steps()], device=device, datasets=data).fit()
    sync(device)
    single_s = (time.perf_counter() - t) / reps
    rows = []
    for k in ks:
        configs = [cfg(x * scale) for x in lrs(k)]
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
    parser.add_argument("--ks", default=None,
                        help="default 1,8,32,128,512,1024,2048 (mlp), 1,2,4,8,16 (cnn)")
    parser.add_argument("--epochs", type=int, default=None, help="default 20 (mlp), 3 (cnn)")
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    args = parser.parse_args()
    warm_up()
    cnn = args.model == "cnn"
    ks = [int(k) for k in (args.ks or ("1,2,4,8,16" if cnn else
                                        "1,8,32,128,512,1024,2048")).split(",")]
    epochs = args.epochs or (3 if cnn else 20)
    devices: dict[str, Any] = {}
    speedups: dict[str, Any] = {}
    for device in args.devices.split(","):
        result = measure(device, ks, epochs, args.model)
        devices[device] = result
        at = [r for r in result["rows"] if r["k"] == 512]
        speedups[device] = at[0]["speedup"] if at else None
    print(json.dumps({"model": args.model, "devices": devices, "speedup_at_512": speedups}))


if __name__ == "__main__":
    main()
