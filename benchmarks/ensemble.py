"""Does an ensemble of the best trials beat the best single trial? A digits CNN (scikit-learn's
8x8 digits, all of it; CNN 16-32 channels, hidden 64) searched at random over the learning
rate and weight decay for `--trials` trials on the CPU; then the ensemble of the top 5 (and a
greedy selection of 5 rounds) on the validation split, beside the best single trial, and the
top 5's ONNX export checked against the average on raw validation inputs.

Figures (the last line printed is one JSON object): `best_single` and `ensemble` validation
accuracy of the top 5, `gain` (ensemble minus best single; negative: by how much it does not
beat it), `greedy` and `greedy_gain`, `onnx_max_abs_difference` (must be < 1e-5), the seconds
spent searching and ensembling.

Usage: python benchmarks/ensemble.py [--trials N] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from tunestudio.config import Budget, FloatDimension, PrunerConfig, from_template
from tunestudio.config.model import CNNModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ts-ensemble-"))
    os.environ.setdefault("TUNESTUDIO_DATA_DIR", str(folder / "data"))
    from tunestudio.search import ExperimentRunner
    from tunestudio.search.ensemble import build_ensemble

    project = from_template("digits")
    base = project.baseline
    baseline = base.model_copy(update={
        "model": CNNModel(channels=[16, 32], hidden=64, dropout=0.2),
        "training": base.training.model_copy(update={"epochs": args.epochs, "device": "cpu"}),
    })
    exp = project.experiments[0]
    search = exp.search.model_copy(update={
        "strategy": "random", "budget": Budget(trials=args.trials),
        "pruner": PrunerConfig(kind="none"),
        "dimensions": [FloatDimension(path="optimizer.lr", low=3e-4, high=1e-2, log=True),
                       FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2,
                                      log=True)]})
    project = type(project).model_validate(project.model_copy(update={
        "baseline": baseline, "experiments": [exp.model_copy(update={"search": search})]})
        .model_dump())
    start = time.perf_counter()
    ExperimentRunner(project, exp.name).run()
    searched = time.perf_counter() - start
    start = time.perf_counter()
    top = build_ensemble(project, 5)
    greedy = build_ensemble(project, 5, greedy=True)
    ensembled = time.perf_counter() - start
    print(top.summary())
    print(greedy.summary())
    done = top.export(folder / "ensemble.onnx", "onnx")
    print(json.dumps({
        "trials": args.trials, "epochs": args.epochs,
        "best_single": top.best_single.metrics["val_accuracy"],
        "ensemble": top.metrics["val_accuracy"], "gain": top.gain,
        "greedy": greedy.metrics["val_accuracy"], "greedy_gain": greedy.gain,
        "greedy_members": {m.number: m.count for m in greedy.members},
        "onnx_max_abs_difference": done.max_abs_difference, "onnx_agrees": done.agrees,
        "search_s": round(searched, 1), "ensemble_s": round(ensembled, 1),
        "load_avg": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
