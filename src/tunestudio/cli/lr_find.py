"""`tunestudio lr-find PROJECT [--write-to EXPERIMENT]`: the learning-rate range test on the
project's baseline, before any search; with --write-to, the suggested range becomes that
experiment's LR dimension (the file before the change is kept beside it, to undo)."""

from __future__ import annotations

import argparse
import shutil
import sys
import threading

from tunestudio.cli.common import Subparsers, add_project, load, stop_on_signals

BACKUP_SUFFIX = ".before-lr-find"


def _cmd_lr_find(args: argparse.Namespace) -> int:
    from tunestudio.config import save_project
    from tunestudio.search.lr_find import LR_PATH, lr_find, with_lr_range

    project, path = load(args.path)
    if args.write_to is not None:
        project.experiment(args.write_to)  # an unknown name fails before any training
    stop = threading.Event()
    stop_on_signals(stop)
    print(f"LR range test on the baseline of {project.name}: {args.steps} steps, LR from 1e-7 "
          "rising until the loss diverges…", file=sys.stderr)
    result = lr_find(project, path.parent, steps=args.steps, device=args.device,
                     stop_event=stop)
    low, high = result.suggested_range
    print(f"steps run: {len(result.lrs)}")
    print(f"lowest smoothed loss: {float(result.smoothed.min()):.4g} at LR "
          f"{result.suggested_lr * 10:.3g}")
    print(f"suggested LR: {result.suggested_lr!r}")
    print(f"suggested range: {low!r} .. {high!r}")
    if args.write_to is None:
        print("(write it into an experiment with --write-to EXPERIMENT)", file=sys.stderr)
        return 0
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    shutil.copy2(path, backup)
    save_project(with_lr_range(project, args.write_to, float(low), float(high)), path)
    print(f"{args.write_to}: {LR_PATH} now searched over {low:.3g}..{high:.3g} (log); "
          f"the previous file is kept as {backup.name} (copy it back to undo)")
    return 0


def register(sub: Subparsers) -> None:
    """Adds `lr-find`: the learning-rate range test (Smith 2017) on the baseline (`--steps`
    optimiser steps, default 100), printing the suggested LR and range; --write-to EXPERIMENT
    sets that experiment's optimizer.lr dimension to the range, the old file kept beside it.
    Exit 0."""
    p = sub.add_parser("lr-find", help="LR range test on the baseline; optionally write the "
                       "suggested range into an experiment",
                       description=__doc__)
    add_project(p)
    p.add_argument("--write-to", metavar="EXPERIMENT",
                   help="set this experiment's optimizer.lr dimension to the suggested range")
    p.add_argument("--steps", type=int, default=100, help="steps of the sweep (default 100)")
    p.add_argument("--device", help="cpu, cuda:0, mps (default: the baseline's)")
    p.set_defaults(func=_cmd_lr_find)
