"""ensemble: average the predictions of an experiment's best trials' stored models on the
validation split, report the ensemble beside each member, evaluate the test split once for it,
and export it as one model. torch loads only when the command runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load

FORMATS = ("state_dict", "torchscript", "onnx")


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from tunestudio.search.ensemble import build_ensemble

    if args.format and not args.export:
        print("error: --format names the format of --export FILE; give --export too",
              file=sys.stderr)
        return 2
    project, project_path = load(args.path)
    name = experiment_name(project, args.experiment)
    ensemble = build_ensemble(project, args.top, experiment=name, greedy=args.greedy,
                              base_dir=project_path.parent)
    if args.test:
        ensemble.evaluate_test()
    result = ensemble.as_dict()
    code = 0
    if args.export:
        done = ensemble.export(Path(args.export), args.format or "state_dict")
        result["export"] = {"format": done.format, "files": [str(f) for f in done.files],
                            "metadata": str(done.metadata), "checked_samples": done.checked,
                            "max_abs_difference": done.max_abs_difference,
                            "agrees": done.agrees, "note": done.note}
        if done.agrees is False:
            code = 1
    if args.json:
        print(json.dumps(result))
        return code
    print(ensemble.summary())
    if args.export:
        export = result["export"]
        check = export["note"] or (
            f"on {export['checked_samples']} raw validation inputs the largest difference "
            f"from the average is {export['max_abs_difference']:.3g} "
            f"({'agrees' if export['agrees'] else 'DIFFERS'})")
        print(f"{args.export}: the ensemble as {export['format']}; {check}")
    return code


def register(sub: Subparsers) -> None:
    p = sub.add_parser("ensemble", help="average the predictions of an experiment's best "
                       "trials (their stored models) and compare with each",
                       description="Average the predictions (class probabilities, or values "
                       "for regression) of the stored models (best checkpoints) of the "
                       "experiment's K best trials on the validation split, and show the "
                       "ensemble's metrics beside each member's and the gain over the best "
                       "single trial. Trials count as for the best trial (complete, on the "
                       "current baseline, not excluded); those without a checkpoint are "
                       "listed and skipped.")
    add_project(p)
    p.add_argument("--top", type=int, required=True, metavar="K",
                   help="the K best trials; with --greedy, the number of selection rounds")
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--greedy", action="store_true",
                   help="greedy ensemble selection with replacement (Caruana et al., 2004) "
                   "over every trial that keeps a checkpoint, instead of the top K")
    p.add_argument("--test", action="store_true", help="evaluate the chosen ensemble on "
                   "the test split (once; never its members)")
    p.add_argument("--export", metavar="FILE", help="write the ensemble as one model there "
                   "(with FILE.json beside it) and check that it predicts as the average")
    p.add_argument("--format", choices=FORMATS, help="state_dict (default), torchscript or "
                   "onnx (needs: pip install 'tunestudio[onnx]')")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=_cmd_ensemble)
