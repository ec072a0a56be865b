"""`tunestudio diff`: two trials' configs side by side, the differences marked, to see what a
trial trained on another baseline actually changed. Reads the store only (no torch, no optuna)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.config import Project
    from tunestudio.store import Store, TrialRow


def _cmd_diff(args: argparse.Namespace) -> int:
    """Two trials' configs (or a trial's and the current baseline's) side by side."""
    from tunestudio.config.diff import config_diff, show_value
    from tunestudio.store import CurrentConfig, Store, storage_url_for
    from tunestudio.store.environment import environment_differences

    project, _ = load(args.path)
    current = CurrentConfig(project.baseline)
    store = Store.open(storage_url_for(project))
    sides: list[tuple[str, dict[str, object]]] = []
    environments: list[dict[str, object]] = []
    try:
        for ref in (args.a, args.b):
            if ref == "baseline":
                sides.append(("current baseline", project.baseline.model_dump(mode="json")))
                continue
            row = _trial_by_number(store, project, ref, args.experiment)
            if not row.config_json:
                raise TuneStudioError(f"trial #{row.number} has no config (state {row.state}: "
                                      f"{row.message.splitlines()[0] if row.message else ''})")
            environments.append(row.environment or {})
            where = "current config" if current.holds(row) else "another config"
            sides.append((f"trial #{row.number} ({row.state}, {where})",
                          json.loads(row.config_json)))
    finally:
        store.close()
    lines = config_diff(sides[0][1], sides[1][1])
    shown = [line for line in lines if line.differs or not args.changed]
    # Two trials that ran on other software, hardware, code or data are not comparable as
    # their configs alone suggest.
    env_diff = environment_differences(*environments) if len(environments) == 2 else []
    if args.format == "json":
        print(json.dumps({"a": sides[0][0], "b": sides[1][0], "lines": [
            {"path": x.path, "a": show_value(x.left), "b": show_value(x.right),
             "differs": x.differs} for x in shown],
            "environment_differences": [{"field": d.field, "label": d.label, "a": d.a,
                                         "b": d.b} for d in env_diff]}, indent=2))
        return 0
    table = [("", "path", sides[0][0], sides[1][0])] + [
        ("*" if x.differs else "", x.path, show_value(x.left), show_value(x.right))
        for x in shown]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for r in table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if env_diff:
        print("\nthe trials ran in different environments:")
        for d in env_diff:
            print(f"  ! {d.describe()}")
    count = sum(x.differs for x in lines)
    print(f"{count} difference(s), marked *", file=sys.stderr)
    return 0


def _trial_by_number(store: Store, project: Project, ref: str, experiment: str | None
                     ) -> TrialRow:
    """Trial `N` of `experiment` (default: the project's first), or of the experiment named
    in `EXPERIMENT:N`: the number the trials table's # column, export-model --trial and
    Optuna show. Raises TuneStudioError naming the numbers there are."""
    named, _, number = ref.rpartition(":")
    number = number.removeprefix("#")
    if not number.isdigit():
        raise TuneStudioError(f"'{ref}' is not a trial number (the # of `tunestudio trials`), "
                              "EXPERIMENT:NUMBER, or 'baseline'")
    name = experiment_name(project, named or experiment)
    exp = store.experiment(name)
    trials = store.trials(exp.id) if exp is not None else []
    found = [r for r in trials if r.number == int(number)]
    if not found:
        numbers = ", ".join(str(r.number) for r in trials) or "none"
        raise TuneStudioError(f"experiment '{name}' has no trial #{number} (it has: "
                              f"{numbers})")
    return store.trial(found[0].id)  # the listing leaves the config out


def register(sub: Subparsers) -> None:
    """Adds `diff`: two trials' full configs (or a trial's and the current baseline's)
    side by side, `*` on each field that differs, as a table or JSON; exit 0. A trial
    reference that is no trial raises TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser("diff", help="two trials' configs side by side, differences marked",
                       description="Show the full configs two trials trained (or a trial and "
                       "the current baseline) side by side, * marking each field that differs, "
                       "and where they ran in different environments.")
    add_project(p)
    p.add_argument("a", metavar="A", help="a trial's number (the # of `tunestudio trials`), "
                   "EXPERIMENT:NUMBER for another experiment's, or 'baseline'")
    p.add_argument("b", metavar="B", help="a trial's number, EXPERIMENT:NUMBER, or "
                   "'baseline' (the current one)")
    p.add_argument("--experiment", help="the experiment whose numbers A and B are (default: "
                   "the project's first)")
    p.add_argument("--changed", action="store_true", help="only the fields that differ")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="table (side by side) or json")
    p.set_defaults(func=_cmd_diff)


