"""`tunestudio lineage`: a population-based training experiment read back: each exploit (at
which step which trial took whose weights, its values before and after), each member pruned
as hopeless (`pbt.prune`: at which step, why), each member's schedule, the best member; with
`--replay N`, the best member's schedule trained again from scratch with N seeds, beside its
result. Without --replay it reads the store only (no torch, no optuna)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError


def _short(values: dict[str, Any]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]} {v:.4g}" for k, v in values.items())


def _cmd_lineage(args: argparse.Namespace) -> int:
    from tunestudio.store import Store, storage_url_for
    from tunestudio.store.lineage import lineage

    project, path = load(args.path)
    name = experiment_name(project, args.experiment)
    experiment = project.experiment(name)
    store = Store.open(storage_url_for(project))
    try:
        row = store.experiment(name)
        if row is None:
            raise TuneStudioError(f"experiment '{name}' has not run yet: tunestudio run "
                                  f"{args.path} --experiment {name}")
        found = lineage(store, row.id, experiment.search.objective.resolved_direction)
    finally:
        store.close()
    if not found.members:
        raise TuneStudioError(f"experiment '{name}' has no population: its trials changed no "
                              "hyperparameters while they trained (strategy 'pbt' does)")
    number = {tid: m.trial.number for tid, m in found.members.items()}
    if args.write_back:
        from tunestudio.config import save_project
        from tunestudio.search.pbt import write_back

        if found.best is None:
            raise TuneStudioError(f"experiment '{name}' has no complete member to write back")
        written, replay_name = write_back(project, name, found, found.best)
        save_project(written, path)
        changes = len(found.schedule(found.best.trial.id)) - 1
        print(f"wrote the schedule of trial #{found.best.trial.number}'s lineage into the "
              f"baseline of {args.path} (baseline.hyper_schedule, {changes} changes) "
              f"and added experiment '{replay_name}', which replays it with 3 seeds: "
              f"tunestudio run {args.path} --experiment {replay_name}")
        return 0
    metric = experiment.search.objective.metric
    replay = None
    if args.replay and found.best is not None:
        from tunestudio.search.pbt import replay_schedule

        seed = project.baseline.training.seed
        replay = replay_schedule(project, found, found.best, metric,
                                 [seed + 1000 + k for k in range(args.replay)],
                                 base_dir=path.parent, device=args.device)
    if args.format == "json":
        print(json.dumps({
            "experiment": name,
            "exploits": [{"trial": number[c.trial_id], "step": c.step,
                          "source": number.get(c.source_trial_id or -1), "before": c.before,
                          "after": c.values} for c in found.exploits],
            "members": {str(m.trial.number): {"objective": m.trial.objective,
                                              "state": m.trial.state,
                                              "schedule": m.schedule,
                                              "lineage_schedule": found.schedule(m.trial.id)}
                        for m in found.members.values()},
            "pruned": [{"trial": m.trial.number, "step": m.pruned_at,
                        "reason": m.trial.message} for m in found.pruned],
            "best": found.best.trial.number if found.best else None,
            "replay": None if replay is None else {
                "member": replay.member, "replays": replay.replays, "mean": replay.mean,
                "noise": replay.noise, "within_noise": replay.within_noise}}))
        return 0
    pruned = found.pruned
    print(f"{name}: {len(found.members)} members, {len(found.exploits)} exploits"
          + (f", {len(pruned)} pruned" if pruned else ""))
    events: list[tuple[int, int, str]] = [
        (c.step, 1, f"  step {c.step:>6}: #{number[c.trial_id]} took #"
         f"{number.get(c.source_trial_id or -1)}'s weights: {_short(c.before)} -> "
         f"{_short(c.values)}") for c in found.exploits]
    events += [(m.pruned_at or 0, 0, f"  step {m.pruned_at:>6}: #{m.trial.number} "
                f"{m.trial.message}") for m in pruned]
    for _, _, line in sorted(events, key=lambda e: (e[0], e[1])):
        print(line)
    if found.best is not None:
        best = found.best
        print(f"best: #{best.trial.number}, {metric} {best.trial.objective:.4g}; the schedule "
              "that trained its weights (its lineage's):")
        for change in found.ancestry(best.trial.id):
            print(f"  from step {change.step:>6}: {_short(change.values)} (as "
                  f"#{number[change.trial_id]})")
    if replay is not None:
        verdict = "within" if replay.within_noise else "outside"
        print(f"replayed from scratch with {len(replay.replays)} seeds: {metric} "
              f"{replay.mean:.4g} (each {', '.join(f'{v:.4g}' for v in replay.replays)}); "
              f"the member's {replay.member:.4g} is {verdict} the noise ({replay.noise:.3g})")
    return 0


def register(sub: Subparsers) -> None:
    """Adds `lineage`: a population-based training experiment's exploits and its best
    member's hyperparameter schedule (text or JSON); --replay SEEDS trains that schedule
    again from scratch, --write-back writes it into the baseline. Exit 0; an experiment with
    no population raises TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser("lineage", help="a population-based training run's exploits and "
                       "schedules", description="Show a population-based training "
                       "experiment's lineage: each exploit (step, the trial replaced, the trial "
                       "it copied, its values before and after), and the best member's "
                       "hyperparameter schedule; --replay trains that schedule again from "
                       "scratch.")
    add_project(p)
    p.add_argument("--experiment", help="the experiment (default: the project's first)")
    p.add_argument("--replay", type=int, default=0, metavar="SEEDS",
                   help="train the best member's schedule again from scratch with this many "
                   "seeds and say whether its result lies within their noise")
    p.add_argument("--write-back", action="store_true",
                   help="write the best member's schedule into the project's baseline "
                   "(baseline.hyper_schedule) and add an experiment that replays it")
    p.add_argument("--device", default=None, help="where the replay trains (default: the "
                   "baseline's training.device)")
    p.add_argument("--format", choices=["text", "json"], default="text",
                   help="text (default) or one JSON object")
    p.set_defaults(func=_cmd_lineage)
