"""`tunestudio exclude` and `include`: leave trials out of every result (kept and listed, with
the reason), or count them again. The mark lives in the project's trial history, so every
worker on the database and the window see it, and it survives restarts."""

from __future__ import annotations

import argparse
import json

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError


def _cmd(args: argparse.Namespace) -> int:
    from tunestudio.store import Store, storage_url_for

    project, _ = load(args.path)
    name = experiment_name(project, args.experiment)
    with Store.open(storage_url_for(project)) as store:
        row = store.experiment(name)
        if row is None:
            raise TuneStudioError(f"experiment '{name}' has no trials yet: run it first "
                                  f"(`tunestudio run {args.path} --experiment {name}`)")
        if args.command == "exclude":
            try:
                store.exclude_trials(row.id, args.numbers, args.reason)
            except ValueError as exc:
                raise TuneStudioError(str(exc)) from None
        else:
            store.include_trials(row.id, args.numbers)
        excluded = {r.number: r.excluded_reason for r in store.trials(row.id) if r.excluded}
    print(json.dumps({"experiment": name, args.command + "d": sorted(set(args.numbers)),
                      "excluded": {str(n): why for n, why in sorted(excluded.items())}},
                     indent=2))
    return 0


def register(sub: Subparsers) -> None:
    """Adds `exclude` (leave trials out of every result and of what the sampler learns,
    with a reason) and `include` (count them again); both print the experiment's excluded
    trials as JSON and exit 0. An experiment without trials, or an unknown trial number,
    raises TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser(
        "exclude", help="leave trials out of the results (kept, marked with the reason)",
        description="Exclude trials (by number, as `tunestudio trials` lists them) of an "
        "experiment: they stay in the history, marked with the reason, but are left out of the "
        "best trial, the Pareto front, importance, noise verdicts, the analysis plots (unless "
        "shown), exports (unless --include-excluded) and of what the sampler learns from now "
        "on; a grid or one-variable-at-a-time plan runs their points again. Every worker on "
        "the database sees it at its next trial. `tunestudio include` undoes it.")
    add_project(p)
    p.add_argument("numbers", metavar="N", type=int, nargs="+", help="trial numbers")
    p.add_argument("--reason", required=True,
                   help="why (e.g. 'trained on the broken data file'): shown wherever the "
                   "trials appear")
    p.add_argument("--experiment", help="the experiment (default: the first)")
    p.set_defaults(func=_cmd)

    p = sub.add_parser("include", help="count excluded trials again",
                       description="Undo `tunestudio exclude`: the trials count again in every "
                       "result and in what the sampler learns.")
    add_project(p)
    p.add_argument("numbers", metavar="N", type=int, nargs="+", help="trial numbers")
    p.add_argument("--experiment", help="the experiment (default: the first)")
    p.set_defaults(func=_cmd)
