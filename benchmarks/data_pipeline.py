"""Samples per second of the three ways data reaches the model, on one model and one data set.

The data is scikit-learn's 1,797 digits in three forms, so only the pipeline differs:
  device      an image folder of the digits as PNG files (decoded once into the uint8 cache),
              kept as uint8 tensors on the training device, batches drawn by index
              permutation and normalised inside the model;
  stream      the same folder streamed through a DataLoader (worker processes, pinned memory
              on CUDA) from the memory-mapped cache;
  in_memory   the built-in digits (float32 arrays on the device), the existing fast path;
  device_aug  `device` with augmentation (crop with padding, flip, rotation) on the device.
Each run trains the same small CNN with `Trainer.fit` for the same epochs; the figure is
training samples / wall-clock seconds from the first step to the end of the fit (validation
included, set-up and decoding excluded). Runs alternate in rotating order over several rounds;
ratios are medians of the paired ratios within a round, so drift in machine load cancels out
(the streamed path's workers are separate processes, so CPU time would not count them).

Prints one line per device and, as its last line, one JSON object.

    python benchmarks/data_pipeline.py [--epochs 3] [--rounds 5] [--size 8] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from tunestudio.config import (
    AugmentConfig,
    BuiltinData,
    CNNModel,
    ConstantSchedule,
    DataConfig,
    EarlyStoppingConfig,
    ImageFolderData,
    RunConfig,
    TrainingConfig,
)
from tunestudio.engine import FitResult, FitStartEvent, Trainer, TrainerHooks, Trial
from tunestudio.engine.demo_images import build_digits_folder

WAYS = ("device", "stream", "in_memory", "device_aug")


class Clock(TrainerHooks):
    def __init__(self, device: str) -> None:
        self.device = device
        self.started = 0.0
        self.seconds = 0.0
        self.samples = 0

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        self.started = time.perf_counter()
        self.n_train = event.n_train

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self.started
        self.samples = round(result.epochs * self.n_train)


def config(way: str, folder: Path, epochs: int, device: str, workers: int) -> RunConfig:
    if way == "in_memory":
        source: BuiltinData | ImageFolderData = BuiltinData(name="digits")
    else:
        source = ImageFolderData(path=str(folder), channels=1,
                                 loading="stream" if way == "stream" else "device")
    augment = AugmentConfig(crop_padding=1, horizontal_flip=True, rotation=10.0) \
        if way == "device_aug" else AugmentConfig()
    return RunConfig(
        data=DataConfig(source=source, augment=augment),
        model=CNNModel(channels=[16, 32], hidden=64),
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=epochs, batch_size=64, device=device,
                                num_workers=workers),
        early_stopping=EarlyStoppingConfig(enabled=False),
    )


def run(way: str, folder: Path, epochs: int, device: str, workers: int) -> float:
    clock = Clock(device)
    result = Trainer(config(way, folder, epochs, device, workers), hooks=[clock]).fit()
    if not result.ok:
        raise SystemExit(f"{way} on {device} failed: {result.message}")
    return clock.samples / clock.seconds


def measure(device: str, folder: Path, epochs: int, rounds: int, workers: int
            ) -> dict[str, float]:
    for way in WAYS:  # warm-up: caches, kernels, the folder's decode
        run(way, folder, 1, device, workers)
    rates: dict[str, list[float]] = {w: [] for w in WAYS}
    for r in range(rounds):
        order = WAYS[r % len(WAYS):] + WAYS[:r % len(WAYS)]
        for way in order:
            rates[way].append(run(way, folder, epochs, device, workers))

    def ratio(a: str, b: str) -> float:
        return round(statistics.median(x / y for x, y in zip(rates[a], rates[b],
                                                               strict=True)), 3)

    figures: dict[str, float] = {f"{w}_samples_per_s": round(statistics.median(rates[w]))
                                 for w in WAYS}
    figures |= {"device_vs_stream": ratio("device", "stream"),
                "device_vs_in_memory": ratio("device", "in_memory"),
                "augmentation_cost": ratio("device_aug", "device")}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=8, help="image side in pixels")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers (stream)")
    parser.add_argument("--devices", nargs="*", default=None)
    args = parser.parse_args()
    devices = args.devices or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TUNESTUDIO_CACHE_DIR"] = str(Path(tmp) / "cache")  # no stale decode left
        folder = build_digits_folder(Path(tmp) / "digits", size=args.size, per_class=None)
        for device in devices:
            figures = measure(device, folder, args.epochs, args.rounds, args.workers)
            results[device] = figures
            print(f"{device}: samples/s device {figures['device_samples_per_s']:.0f}, stream "
                  f"{figures['stream_samples_per_s']:.0f}, in-memory digits "
                  f"{figures['in_memory_samples_per_s']:.0f}, device + augmentation "
                  f"{figures['device_aug_samples_per_s']:.0f}; device / stream "
                  f"{figures['device_vs_stream']}, device / in-memory "
                  f"{figures['device_vs_in_memory']}")
    main_device = results[devices[-1]]  # CUDA where there is one
    print(json.dumps({"benchmark": "data_pipeline",
                      "device_vs_stream": main_device["device_vs_stream"],
                      "device_vs_in_memory": main_device["device_vs_in_memory"],
                      "image_size": args.size, "epochs": args.epochs, "rounds": args.rounds,
                      "workers": args.workers, "torch": torch.__version__,
                      "torch_threads": torch.get_num_threads(), "devices": results}))


if __name__ == "__main__":
    main()
