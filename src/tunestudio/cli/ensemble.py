"""ensemble: average the predictions of an experiment's best trials' stored models on the
validation split, report the ensemble beside each member, evaluate the test split once for it,
and export it as one model. torch loads only when the command runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load

if TYPE_CHECKING:
    from tunestudio.store import EnsembleRow

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
    if args.test and ensemble.test_metrics is None:
        ensemble.evaluate_test()
    elif args.test:  # kept from when this ensemble was built before
        print(f"note: ensemble #{ensemble.number} was evaluated on the test split before; "
              "its result is shown (the test split is used once)", file=sys.stderr)
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


def ensemble_record(row: EnsembleRow) -> dict[str, Any]:
    """A kept ensemble as JSON-ready data (`ensembles --json`, `info`)."""
    return {"number": row.number, "method": row.method, "k": row.k, "task": row.task,
            "metric": row.metric, "direction": row.direction,
            "members": [{"number": m.number, "trial_id": m.trial_id, "count": m.count,
                         "objective": m.objective, "metrics": m.metrics}
                        for m in row.members],
            "metrics": row.metrics, "best_member": row.best_member, "gain": row.gain,
            "skipped": {str(n): why for n, why in row.skipped.items()},
            "test_metrics": row.test_metrics, "tested_at": row.tested_at,
            "exports": list(row.exports), "created_at": row.created_at}


def _cmd_ensembles(args: argparse.Namespace) -> int:
    from tunestudio.store import Store, storage_url_for

    project, _ = load(args.path)
    names = [experiment_name(project, args.experiment)] if args.experiment else \
        [e.name for e in project.experiments]
    kept: dict[str, list[EnsembleRow]] = {}
    with Store.open(storage_url_for(project)) as store:
        for name in names:
            exp = store.experiment(name)
            kept[name] = [] if exp is None else store.ensembles(exp.id)
    if args.json:
        print(json.dumps({name: [ensemble_record(r) for r in rows]
                          for name, rows in kept.items()}, default=str))
        return 0
    for name, rows in kept.items():
        if not rows:
            print(f"{name}: no ensemble kept; build one with `tunestudio ensemble PROJECT "
                  f"--top K --experiment '{name}'`")
            continue
        print(f"{name}: {len(rows)} ensemble(s)")
        print(f"{'#':>4}  {'method':<8} {'K':>3}  {'metric':<16} {'value':>10} "
              f"{'best trial':>10} {'gain':>10}  {'test':<24} {'exports':>7}  members")
        for r in rows:
            value = "" if r.value is None else f"{r.value:.6g}"
            best = "" if r.best_member is None else f"#{r.best_member}"
            gain = "" if r.gain is None else f"{r.gain:+.4g}"
            test = "" if r.test_metrics is None else ", ".join(
                f"{k.removeprefix('test_')} {v:.4g}" for k, v in sorted(r.test_metrics.items()))
            print(f"{r.number:>4}  {r.method:<8} {r.k:>3}  {r.metric:<16} {value:>10} "
                  f"{best:>10} {gain:>10}  {test:<24} {len(r.exports):>7}  {r.members_text()}")
            for export in r.exports:
                print(f"{'':>6}exported as {export.get('format')}: "
                      f"{', '.join(export.get('files') or [])}")
    return 0


def register(sub: Subparsers) -> None:
    """Adds `ensemble` (average the stored models of an experiment's K best trials, or
    Caruana et al.'s greedy selection with --greedy, on the validation split; its summary, or
    one JSON object with --json; exit 1 when an --export does not predict as the average, 2
    for --format without --export) and `ensembles` (the ensembles kept in the history)."""
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

    p = sub.add_parser("ensembles", help="list the ensembles kept in the history",
                       description="List the ensembles built of each experiment's trials "
                       "(`tunestudio ensemble`, the window, the API), as the history keeps "
                       "them: the method and K, the members by trial number (xN: counted N "
                       "times by a greedy selection), the ensemble's objective on the "
                       "validation split, the gain over its best member, the test split's "
                       "result (evaluated once) and the files it was exported to.")
    add_project(p)
    p.add_argument("--experiment", help="only this experiment (default: all)")
    p.add_argument("--json", action="store_true", help="print them as one JSON object: "
                   "experiment name -> list of ensembles")
    p.set_defaults(func=_cmd_ensembles)
