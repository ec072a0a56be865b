"""`tunestudio importance`: which knobs moved an experiment's objective, by Optuna's
importance evaluators, without the trials the user excluded. In a conditional search the
branch (the knob a condition names, e.g. optimizer.kind) is ranked as a factor among the knobs
every trial has, and each conditional knob within its branch; the output says so."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError

EVALUATORS = ("ped_anova", "fanova", "mdi")
BRANCH_METHOD = ("branch as a factor: the overall ranking holds the knobs every trial has, "
                 "the branch among them; each conditional knob is ranked within its branch, "
                 "over the trials of that branch")


def _cmd(args: argparse.Namespace) -> int:
    from tunestudio.search.importance import TooFewTrialsError, importances
    from tunestudio.store import Store, storage_url_for

    project, _ = load(args.path)
    name = experiment_name(project, args.experiment)
    exp = next(e for e in project.experiments if e.name == name)
    url = storage_url_for(project)
    with Store.open(url) as store:
        row = store.experiment(name)
        if row is None:
            raise TuneStudioError(f"experiment '{name}' has no trials yet: run it first "
                                  f"(`tunestudio run {args.path} --experiment {name}`)")
        excluded = store.excluded_optuna_ids(row.id)
        left_out = sorted(r.number for r in store.trials(row.id) if r.excluded)
        study_name = row.study_name
    try:
        ranked = importances(url, study_name, exp.search, args.evaluator, excluded)
    except TooFewTrialsError as exc:
        fix = f" (`tunestudio run {args.path} --experiment {name} --trials {exc.more}`)" \
            if exc.more else ""
        if left_out:
            fix += (f"; {len(left_out)} excluded trial(s) are left out (`tunestudio include "
                    f"{args.path} {' '.join(map(str, left_out))}` counts them again)")
        raise TuneStudioError(f"experiment '{name}': no importance yet: {exc}{fix}") from None
    except (ValueError, RuntimeError) as exc:  # Optuna refused the study for another reason
        raise TuneStudioError(f"experiment '{name}': no importance ({exc})") from None
    out: dict[str, Any] = {
        "experiment": name, "evaluator": args.evaluator, "excluded_trials": left_out,
        "method": BRANCH_METHOD if ranked.branches else "every parameter, over all trials",
        "importance": ranked.overall, "notes": ranked.notes}
    if ranked.branches:
        out["conditional"] = ranked.conditional
        out["branches"] = [{"knob": b.knob, "value": b.value, "trials": b.trials,
                            "importance": b.importances} for b in ranked.branches]
    if args.format == "json":
        print(json.dumps(out, indent=2, default=str))
        return 0
    print(f"{name}: parameter importance ({args.evaluator}); {out['method']}")
    if left_out:
        print(f"excluded trials left out: {', '.join(map(str, left_out))}")
    width = max((len(k) for k in ranked.overall), default=0)
    for knob, share in ranked.overall.items():
        print(f"  {knob.ljust(width)}  {share:6.1%}")
    for branch in ranked.branches:
        print(f"{branch.knob} = {branch.value} ({branch.trials} trials):"
              + ("" if branch.importances else " too few trials to rank"))
        width = max((len(k) for k in branch.importances), default=0)
        for knob, share in branch.importances.items():
            print(f"  {knob.ljust(width)}  {share:6.1%}")
    for note in ranked.notes:
        print(f"note: {note}")
    return 0


def register(sub: Subparsers) -> None:
    """Adds `importance`: an experiment's searched parameters ranked by how much they moved
    its objective (Optuna's PED-ANOVA, fANOVA or MDI importance evaluator), excluded trials
    left out, as a table or JSON; exit 0. No trials yet, too few, or a study Optuna refuses
    raise TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser(
        "importance", help="which knobs moved the objective (parameter importance)",
        description="Rank an experiment's searched knobs by how much they moved its objective "
        "(Optuna's importance evaluators), leaving out the trials excluded with `tunestudio "
        "exclude`. In a conditional search the branch is ranked as a factor among the knobs "
        "every trial has, and each conditional knob within its branch.")
    add_project(p)
    p.add_argument("--experiment", help="the experiment (default: the first)")
    p.add_argument("--evaluator", choices=EVALUATORS, default="ped_anova",
                   help="ped_anova (fast, the default), fanova (Optuna's default, slow on "
                   "many trials) or mdi (a random forest's mean decrease in impurity)")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="table (rounded for the eye) or json (exact shares)")
    p.set_defaults(func=_cmd)
