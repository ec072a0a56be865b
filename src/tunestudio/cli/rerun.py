"""`tunestudio rerun PROJECT --top N --seeds K`: the N best trials of an experiment again, each
with K seeds, then their means ± standard deviations and which of them are within the noise
of the best. Each re-run is an experiment of its own, added to the project file (the app's
"Re-run the top N with K seeds" makes the same), whose K seeds are K trials that train fused
where the fused trainer can (`--fuse`); running the command again reuses the experiments and
trains only what is missing."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from tunestudio.cli.common import (
    Subparsers,
    add_project,
    experiment_name,
    load,
    stop_on_signals,
)
from tunestudio.cli.training import _fuse_value
from tunestudio.errors import TuneStudioError


def _cmd_rerun(args: argparse.Namespace) -> int:
    from tunestudio.config import save_project
    from tunestudio.config.rerun import rerun_experiment
    from tunestudio.search import ConsoleProgress, ExperimentRunner, RunOptions
    from tunestudio.store import CurrentConfig, Store, storage_url_for
    from tunestudio.store.verdicts import mean_std_text, noise_marks, seeds_summary

    if args.top < 1 or args.seeds < 2:
        raise TuneStudioError("--top needs at least 1 trial and --seeds at least 2 seeds")
    project, project_path = load(args.path)
    name = experiment_name(project, args.experiment)
    source = project.experiment(name)
    direction = source.search.objective.resolved_direction
    current = CurrentConfig(project.baseline)
    sign = -1.0 if direction == "maximize" else 1.0
    url = storage_url_for(project)
    with Store.open(url) as store:
        row = store.experiment(name)
        rows = store.trials(row.id) if row else []
    done = sorted((r for r in rows if r.counted and current.holds(r)),
                  key=lambda r: (sign * float(r.objective or 0.0), r.number))
    if not done:
        raise TuneStudioError(f"experiment '{name}' has no complete trial on the current "
                              "config to re-run; run it first")
    top = done[:args.top]
    plans = [rerun_experiment(source, r.number, r.params, args.seeds, r.objective,
                              r.seed or 0) for r in top]
    known = {e.name for e in project.experiments}
    added = [p for p in plans if p.name not in known]
    if added:
        project = project.model_copy(update={"experiments": [*project.experiments, *added]})
        save_project(project, project_path)
        for plan in added:
            print(f"{project_path}: added experiment '{plan.name}'", file=sys.stderr)
    stop = threading.Event()
    stop_on_signals(stop)
    for plan in plans:
        if stop.is_set():
            break
        ExperimentRunner(project, plan.name, base_dir=project_path.parent,
                         options=RunOptions(device=args.device, fuse=args.fuse,
                                            run_programs=True),
                         hooks=[ConsoleProgress(quiet=args.quiet)], stop_event=stop,
                         project_path=project_path).run()
    with Store.open(url) as store:
        reran = []
        for source_row, plan in zip(top, plans, strict=True):
            exp = store.experiment(plan.name)
            found = [r for r in (store.trials(exp.id) if exp else []) if current.holds(r)]
            reran.append((source_row, plan, seeds_summary(found), found))
    marks = noise_marks([r for _, _, r, _ in reran if r is not None], direction)
    results: list[dict[str, Any]] = []
    for source_row, plan, r, found in reran:
        results.append({
            "source_trial": source_row.number, "source_objective": source_row.objective,
            "experiment": plan.name,
            "trial_ids": [t.id for t in found if t.state == "complete"],
            "state": None if r is None else r.state,
            "seeds": 0 if r is None else r.repeats,
            "objective": None if r is None else r.objective,
            "objective_std": None if r is None else r.objective_std,
            "noise": None if r is None else marks.get(r.id)})
        shown = "not run" if r is None else (mean_std_text(r) or r.state)
        print(f"trial #{source_row.number} ({source_row.objective:.4g} once): {shown} over "
              f"{0 if r is None else r.repeats} seeds  "
              f"{'' if r is None else marks.get(r.id) or ''}", file=sys.stderr)
    print(json.dumps({"experiment": name, "direction": direction, "reran": results,
                      "stopped": stop.is_set()}))
    return 130 if stop.is_set() else 0


def register(sub: Subparsers) -> None:
    """Adds `rerun`: the experiment's --top best trials trained again with --seeds seeds
    each; a line per trial (mean ± std, noise verdict) on stderr, one JSON object on stdout.
    Exit 0, or 130 when stopped by Ctrl+C; --top below 1 or --seeds below 2 raise
    TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser("rerun", help="re-run the best trials with several seeds: mean ± std, "
                       "and which are within the noise of the best",
                       description="Train the experiment's best trials again with several "
                       "seeds (each seed a trial, fused where possible); `trials` then shows "
                       "each one's mean ± std and whether it is within the noise of the best.")
    add_project(p)
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--top", type=int, default=3, help="how many of the best trials (default 3)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per trial (default 3)")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--fuse", type=_fuse_value, metavar="auto|off|K",
                   help="train the seeds fused, K at once (default: auto)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_rerun)
