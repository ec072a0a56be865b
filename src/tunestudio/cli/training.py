"""Commands that train: run, worker, train. They import the search layer and torch when they
run, never at import (building the parser must stay light)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
from pathlib import Path
from typing import Any

from tunestudio.cli.common import (
    Subparsers,
    add_project,
    experiment_name,
    load,
    stop_on_signals,
)
from tunestudio.config import Project
from tunestudio.local_workers import (
    AUTO,
    AUTO_ALONE_LINE,
    LocalWorkers,
    WorkersChoice,
    helper_count,
    watch_run_pipe,
    worker_command,
    workers_for,
    workers_value,
)


def _cmd_run(args: argparse.Namespace, *, queue: bool = True) -> int:
    from tunestudio.cli.history import project_bytes
    from tunestudio.cli.info_fast import remember
    from tunestudio.config.fingerprint import config_fingerprint

    loaded = project_bytes(args.path)
    project, project_path = load(args.path)
    unedited = loaded is not None and project_bytes(args.path) == loaded
    name = experiment_name(project, args.experiment)
    stop_rules = _stop_rules(args, project.experiment(name).search.stop)
    choice = workers_for(getattr(args, "workers", 1), project, name, device=args.device,
                         trials=getattr(args, "trials", None)) if queue else WorkersChoice(1)
    args.workers = choice.count
    try:
        workers = _start_workers(args, project, name, project_path, stop_rules) if queue \
            else None
    except OSError as exc:  # no process could be started (memory, a process limit)
        from tunestudio.errors import TuneStudioError

        if not choice.reason:  # asked for by number: the user decides
            raise TuneStudioError(f"could not start the worker processes of --workers "
                                  f"{choice.count}: {exc}; run with --workers 1") from None
        print(f"note: {AUTO_ALONE_LINE.format(error=str(exc))}", file=sys.stderr, flush=True)
        choice = WorkersChoice(1)
        args.workers, workers = 1, None
    try:
        if unedited and loaded is not None:  # loaded, unedited: `info` answers from it. After
            # the workers start: it imports the store (SQLAlchemy, about 0.13 s here), which
            # they need not wait for
            remember(project, loaded, config_fingerprint(project.baseline))
        return _run(args, project, project_path, name, stop_rules, queue, workers, choice)
    except BaseException:
        if workers is not None and not workers.queue_closed:  # the run never got going
            workers.terminate(kill=True)
        raise


def _start_workers(args: argparse.Namespace, project: Project, name: str, project_path: Path,
                   stop_rules: Any) -> LocalWorkers | None:
    """The run's other `--workers` processes, started before the search layer's imports (the
    seconds those take on a loaded machine overlap the workers' own start-up); None when the
    run starts none."""
    search = project.experiment(name).search
    trials = search.budget.trials if getattr(args, "trials", None) is None else args.trials
    count = helper_count(getattr(args, "workers", 1), strategy=search.strategy, trials=trials)
    if count <= 0:
        return None
    fuse = getattr(args, "fuse", None)
    return LocalWorkers.spawn(worker_command(
        project_path, name, getattr(args, "storage", None), device=args.device,
        tensorboard_dir=args.tensorboard,
        stop_rules_json=stop_rules.model_dump_json() if stop_rules is not None else None,
        fuse=str(fuse) if fuse is not None else None, run_trials=trials), count)


def _run(args: argparse.Namespace, project: Project, project_path: Path, name: str,
         stop_rules: Any, queue: bool, workers: LocalWorkers | None,
         choice: WorkersChoice) -> int:
    from tunestudio.cli.run_hooks import SettleOnRunStart, TellTheRun
    from tunestudio.search import ConsoleProgress, ExperimentRunner, RunnerHooks, RunOptions

    part_of_run = bool(getattr(args, "run_pipe", False))  # a worker a run started
    progress = ConsoleProgress(quiet=args.quiet, part_of_run=part_of_run)
    hooks: list[RunnerHooks] = [progress, SettleOnRunStart()]
    if part_of_run:
        hooks.append(TellTheRun())
    if args.tensorboard:
        from tunestudio.search.tensorboard import TensorBoardHooks, objective_tags

        objective = project.experiment(name).search.objective
        hooks.append(TensorBoardHooks(Path(args.tensorboard), name,
                                      objective_tags(objective.metric, objective.second)))
    stop = threading.Event()
    stop_on_signals(stop)
    options = RunOptions(trials=getattr(args, "trials", None),
                         timeout_s=getattr(args, "timeout", None), device=args.device,
                         workers=choice.count, workers_note=choice.reason,
                         storage_url=getattr(args, "storage", None),
                         idle_wait_s=getattr(args, "wait", 0.0),
                         tensorboard_dir=args.tensorboard,
                         fuse=getattr(args, "fuse", None),
                         run_trials=getattr(args, "run_trials", None),
                         stop=stop_rules,
                         run_programs=True)  # the command is the user's consent
    # spawned by a run: it closes stdin once it has queued all, and stops this worker if it dies
    queue_closed = watch_run_pipe(on_gone=lambda: _run_gone(stop)) if part_of_run else None
    runner = ExperimentRunner(project, name, base_dir=project_path.parent, options=options,
                              hooks=hooks, stop_event=stop, project_path=project_path,
                              queue=queue, queue_closed=queue_closed, workers=workers)
    summary = runner.run()
    outcome: dict[str, Any] = {
        "experiment": summary.experiment, "counts": summary.counts,
        # best_trial is the trial's id in the store; best_number the number every other
        # command (trials, exclude, diff, export-model) names it by
        "best_trial": summary.best_trial_id, "best_number": summary.best_number,
        "best_objective": summary.best_objective,
        "best_params": summary.best_params, "stopped": summary.stopped,
        "stop_rule": summary.stop_rule, "duration_s": round(summary.duration_s, 3)}
    if summary.fusing is not None:
        outcome["fusing"] = summary.fusing
    if queue:
        outcome["workers"] = choice.count
    objective = project.experiment(name).search.objective
    if objective.second != "none":  # two objectives: no single best, a front
        outcome["pareto_front"] = _pareto(project, name, summary.storage_url, args.quiet)
    print(json.dumps(outcome))
    if summary.halted:  # its first trials failed alike: the message is on stderr
        return 1
    return 130 if summary.stopped else 0


def _pareto(project: Project, name: str, url: str, quiet: bool) -> list[dict[str, object]]:
    """The experiment's Pareto front (objective against training time) from the history,
    printed on stderr unless quiet."""
    from tunestudio.store import CurrentConfig, Store
    from tunestudio.store.pareto import describe_front, front_records, pareto_front

    objective = project.experiment(name).search.objective
    current = CurrentConfig(project.baseline)
    with Store.open(url) as store:
        exp = store.experiment(name)
        rows = [r for r in (store.trials(exp.id) if exp else []) if current.holds(r)]
    front = pareto_front(rows, (objective.resolved_direction, "minimize"))
    if not quiet and front:
        print(f"Pareto front ({objective.metric} against training time), "
              f"{len(front)} trial(s):", file=sys.stderr)
        for line in describe_front(front, objective.metric):
            print(f"  {line}", file=sys.stderr)
    return front_records(front)


def _fuse_value(text: str) -> str:
    value = text.strip().lower()
    if value in ("auto", "off") or (value.isdigit() and int(value) >= 1):
        return value
    raise argparse.ArgumentTypeError(f"'{text}' is not auto, off or a whole number of trials "
                                     "(e.g. 16)")


def _run_gone(stop: threading.Event) -> None:
    """The run that started this worker died (kill -9): this worker stops as on Ctrl+C, its
    running trial kept as interrupted for the next run to resume."""
    print("the run that started this worker is gone (killed?): this worker stops; its running "
          "trial is kept to resume", file=sys.stderr, flush=True)
    stop.set()


def _workers_arg(text: str) -> int | str:
    try:
        return workers_value(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_worker(args: argparse.Namespace) -> int:
    return _cmd_run(args, queue=False)


def _cmd_train(args: argparse.Namespace) -> int:
    """Train the baseline once: progress on stderr, the outcome as the last stdout line."""
    from tunestudio.config import merge_values
    from tunestudio.engine import ProgressLine, Trainer, warm_up

    project, project_path = load(args.path)
    config = project.baseline
    if args.epochs is not None:
        config = merge_values(config, {"training.epochs": args.epochs})
    stop = threading.Event()
    stop_on_signals(stop)
    progress = ProgressLine(sys.stderr, metric=config.early_stopping.monitor)
    warm_up()  # torch's one-off start-up cost is not the run's
    result = Trainer(config, hooks=[progress], base_dir=project_path.parent, device=args.device,
                     stop_event=stop).fit()
    if result.traceback:
        print(result.traceback, file=sys.stderr)

    def clean(values: dict[str, float]) -> dict[str, float | None]:
        return {k: (v if math.isfinite(v) else None) for k, v in values.items()}

    print(json.dumps({"status": result.status, "message": result.message,
                      "metrics": clean(result.metrics), "best": clean(result.best),
                      "epochs": result.epochs, "steps": result.steps,
                      "duration_s": round(result.duration_s, 3), "device": result.device}))
    if result.status == "stopped":
        return 130
    return 0 if result.ok else 1


_STOP_FLAGS = {"stop_target": "target", "stop_patience": "patience",
               "stop_min_delta": "min_delta", "stop_beyond_noise": "beyond_noise",
               "stop_deadline": "deadline", "stop_duration": "duration_s",
               "stop_trial_hours": "trial_hours"}


def _stop_rules(args: argparse.Namespace, stored: Any) -> Any:
    """The experiment's stop rules with the command's --stop-* flags over them (None: none
    given, the experiment's apply). Raises TuneStudioError for a bad value, naming it."""
    from pydantic import ValidationError

    from tunestudio.config import StopRules
    from tunestudio.errors import TuneStudioError

    given = {key: getattr(args, flag) for flag, key in _STOP_FLAGS.items()
             if getattr(args, flag, None) is not None}
    whole = getattr(args, "stop_rules", None)
    if whole is None and not given:
        return None
    try:
        base = StopRules.model_validate_json(whole) if whole else stored
        return StopRules.model_validate({**base.model_dump(), **given})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'stop'}: {e['msg']}"
                             for e in exc.errors())
        raise TuneStudioError(f"bad stop rule: {problems}") from None


def _add_stop_flags(p: argparse.ArgumentParser) -> None:
    rules = p.add_argument_group(
        "stop rules", "stop the whole search early (over the experiment's search.stop; the "
        "first rule that holds ends the run and is named; run again with other rules to go on)")
    rules.add_argument("--stop-target", type=float, metavar="VALUE",
                       help="stop once the best objective reaches VALUE")
    rules.add_argument("--stop-patience", type=int, metavar="N",
                       help="stop after N finished trials in a row without improving the "
                       "best, counted over the experiment's whole history (earlier runs "
                       "included: after such a stop, raise N to go on)")
    rules.add_argument("--stop-min-delta", type=float, metavar="D",
                       help="an improvement must gain more than D")
    rules.add_argument("--stop-beyond-noise", action="store_const", const=True,
                       help="an improvement must also exceed the spread between seeds")
    rules.add_argument("--stop-deadline", metavar="TIME",
                       help="stop starting trials at this local time (2026-12-05T18:00)")
    rules.add_argument("--stop-duration", type=float, metavar="SECONDS",
                       help="stop SECONDS after the experiment's first trial started")
    rules.add_argument("--stop-trial-hours", type=float, metavar="H",
                       help="stop once the experiment's trials trained H hours together")
    rules.add_argument("--stop-rules", metavar="JSON", help=argparse.SUPPRESS)


def register(sub: Subparsers) -> None:
    """Adds `run` (queue the experiment's budget and train it, with --workers processes;
    one JSON outcome line on stdout), `worker` (train queued trials from a shared database)
    and `train` (the baseline once; its outcome as JSON). Exit 0; 1 when a run halted on
    failing trials or the training did not succeed; 130 when stopped by Ctrl+C."""
    p = sub.add_parser("run", help="run an experiment (adds trials to it when run again)",
                       description="Queue the experiment's budget and train trial after trial "
                       "(fused where they can be); running it again adds trials to the same "
                       "experiment. Ctrl+C stops cleanly, keeping the running trial to resume.")
    add_project(p)
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--trials", type=int,
                   help="trials to run now, exactly, whatever --workers (overrides the "
                   "budget); trials a run stopped early left waiting run first, among them")
    p.add_argument("--timeout", type=float, help="seconds (overrides the budget)")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--workers", type=_workers_arg, default=AUTO, metavar="auto|N",
                   help="processes training trials side by side on this machine: auto (the "
                   "default: one per CPU core, at most 4, where no GPU is found and the budget "
                   "gives each at least 8 trials; else 1) or N")
    p.add_argument("--fuse", type=_fuse_value, metavar="auto|off|K",
                   help="train trials fused, K at once: auto (the default: sized by a device "
                   "probe, at most the experiment's fuse_trials), off (one at a time) or K")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard logs of the trials "
                   "under DIR/EXPERIMENT/trial-NNNN while they train")
    _add_stop_flags(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("worker", help="run queued trials of an experiment from this machine "
                       "against a shared database",
                       description="Pop the experiment's queued trials from a shared database "
                       "(PostgreSQL, the postgres extra) and train them here; start one per "
                       "GPU host after `tunestudio run` queued them.")
    add_project(p)
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--storage", help="database URL (default: the project's)")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to keep polling for queued trials when none is left; the "
                        "worker stays while a run of the experiment is open, at most this "
                        "long idle at a stretch")
    # a worker that `run --workers N` spawned: it waits for the run's trials until the run
    # closes its stdin (local_workers.py)
    p.add_argument("--run-pipe", action="store_true", help=argparse.SUPPRESS)
    # its run's budget: the worker asks its share of each of the run's fused rounds
    p.add_argument("--run-trials", type=int, help=argparse.SUPPRESS)
    p.add_argument("--fuse", type=_fuse_value, metavar="auto|off|K",
                   help="train popped trials fused, K at once (default: the experiment's)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard logs of the trials "
                   "under DIR/EXPERIMENT/trial-NNNN while they train")
    _add_stop_flags(p)
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("train", help="train the project's baseline once; prints the outcome "
                       "as JSON",
                       description="Train the project's baseline config once, with progress on "
                       "stderr and the outcome (status, metrics, duration) as JSON on stdout.")
    add_project(p)
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the config's)")
    p.add_argument("--epochs", type=int, help="train this many epochs instead")
    p.set_defaults(func=_cmd_train)
