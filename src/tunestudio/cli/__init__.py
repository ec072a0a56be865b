"""The `tunestudio` command. With no subcommand, or with a `.tuneproj` path, it opens the
desktop app; the subcommands work headless (a terminal, a remote worker, CI)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from tunestudio import __version__, paths, resources
from tunestudio.config import (
    TEMPLATES,
    Project,
    ProjectFileError,
    from_template,
    load_project,
    save_project,
)
from tunestudio.config.projectfile import write_atomic
from tunestudio.errors import TuneStudioError

Command = Callable[[argparse.Namespace], int]
# Flags handled by the desktop app rather than by a subcommand.
GUI_FLAGS = frozenset({"--smoke-test"})
# Desktop integration (Linux): plain file copies, no Qt (tunestudio.desktop).
DESKTOP_FLAGS = frozenset({"--install-desktop", "--uninstall-desktop"})


def _cmd_new(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix != ".tuneproj":
        path = path.with_suffix(".tuneproj")
    if path.exists() and not args.force:
        print(f"{path}: already exists; choose another path or pass --force", file=sys.stderr)
        return 1
    project = from_template(args.template)
    if args.name:
        project = project.model_copy(update={"name": args.name})
    save_project(project, path)
    print(f"{path}: new project '{project.name}' from template '{args.template}'")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for raw in args.paths:
        try:
            project = load_project(raw)
        except ProjectFileError as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        print(f"{raw}: valid ({len(project.experiments)} experiment(s))")
    return 1 if failed else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Project.model_json_schema(), indent=2))
    return 0


def _load(path: str) -> tuple[Project, Path]:
    project_path = Path(path).resolve()
    return load_project(project_path), project_path


def _stop_on_signals(stop: threading.Event) -> None:
    """First Ctrl+C (or SIGTERM from a parent run) stops cleanly: the running trial ends as
    interrupted. A second Ctrl+C aborts at once."""

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after the current step (Ctrl+C again to abort)...", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _cmd_run(args: argparse.Namespace, *, queue: bool = True) -> int:
    from tunestudio.search import ConsoleProgress, ExperimentRunner, RunOptions, check_experiment

    project, project_path = _load(args.path)
    name = check_experiment(project, args.experiment)
    stop = threading.Event()
    _stop_on_signals(stop)
    options = RunOptions(trials=getattr(args, "trials", None),
                         timeout_s=getattr(args, "timeout", None), device=args.device,
                         workers=getattr(args, "workers", 1),
                         storage_url=getattr(args, "storage", None),
                         idle_wait_s=getattr(args, "wait", 0.0))
    runner = ExperimentRunner(project, name, base_dir=project_path.parent, options=options,
                              hooks=[ConsoleProgress(quiet=args.quiet)], stop_event=stop,
                              project_path=project_path, queue=queue)
    summary = runner.run()
    print(json.dumps({"experiment": summary.experiment, "counts": summary.counts,
                      "best_trial": summary.best_trial_id,
                      "best_objective": summary.best_objective,
                      "best_params": summary.best_params, "stopped": summary.stopped,
                      "duration_s": round(summary.duration_s, 3)}))
    return 130 if summary.stopped else 0


def _cmd_worker(args: argparse.Namespace) -> int:
    return _cmd_run(args, queue=False)


def _cmd_train(args: argparse.Namespace) -> int:
    """Train the baseline once: progress on stderr, the outcome as the last stdout line."""
    import math

    from tunestudio.config import merge_values
    from tunestudio.engine import ProgressLine, Trainer, warm_up

    project, project_path = _load(args.path)
    config = project.baseline
    if args.epochs is not None:
        config = merge_values(config, {"training.epochs": args.epochs})
    stop = threading.Event()
    _stop_on_signals(stop)
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


def _trial_dicts(project: Project, experiment: str | None, url: str | None = None
                 ) -> list[dict[str, object]]:
    from tunestudio.search import open_store

    store = open_store(project, url)
    try:
        names = {e.id: e.name for e in store.experiments()}
        wanted = [i for i, n in names.items() if experiment is None or n == experiment]
        rows: list[dict[str, object]] = []
        for exp_id in wanted:
            for t in store.trials(exp_id):
                rows.append({"experiment": names[exp_id], "trial_id": t.id, "number": t.number,
                             "state": t.state, "objective": t.objective,
                             "objective_std": t.objective_std, "params": dict(t.params),
                             "metrics": dict(t.metrics), "duration_s": t.duration_s,
                             "device": t.device, "seed": t.seed, "message": t.message})
        return rows
    finally:
        store.close()


def _write_rows(rows: list[dict[str, object]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump(rows, out, indent=2, default=str)
        out.write("\n")
        return
    params = sorted({k for r in rows for k in r["params"]})  # type: ignore[attr-defined]
    header = ["experiment", "trial_id", "number", "state", "objective", *params, "duration_s",
              "message"]
    table = [[_cell(r.get(h, r["params"].get(h))) for h in header]  # type: ignore[attr-defined]
             for r in rows]
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(header)
        for line in table:
            writer.writerow(line)
        return
    table = [[c.splitlines()[0][:40] if c else "" for c in line] for line in table]
    widths = [max(len(h), *(len(line[i]) for line in table)) if table else len(h)
              for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
              + "\n")
    for line in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                  + "\n")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _cmd_trials(args: argparse.Namespace) -> int:
    project, _ = _load(args.path)
    if args.experiment is not None:
        from tunestudio.search import check_experiment

        check_experiment(project, args.experiment)
    _write_rows(_trial_dicts(project, args.experiment), args.format, sys.stdout)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    project, _ = _load(args.path)
    rows = _trial_dicts(project, None)
    if args.output:
        with Path(args.output).open("w", newline="", encoding="utf-8") as fh:
            _write_rows(rows, args.format, fh)
        print(f"{args.output}: {len(rows)} trial(s)", file=sys.stderr)
    else:
        _write_rows(rows, args.format, sys.stdout)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from tunestudio.search import open_store, storage_url

    project, project_path = _load(args.path)
    url = storage_url(project)
    store = open_store(project, url)
    try:
        known = {e.name: e for e in store.experiments()}
        experiments = []
        for exp in project.experiments:
            row = known.get(exp.name)
            direction = exp.search.objective.resolved_direction
            best = store.best_trial(row.id, direction) if row else None
            experiments.append({
                "name": exp.name, "study_name": row.study_name if row else exp.name,
                "strategy": exp.search.strategy, "objective": exp.search.objective.metric,
                "direction": direction,
                "counts": store.counts(row.id) if row else {},
                "best": None if best is None else {"trial_id": best.id, "number": best.number,
                                                   "objective": best.objective,
                                                   "params": dict(best.params)},
            })
    finally:
        store.close()
    print(json.dumps({"project": project.name, "id": str(project.id), "path": str(project_path),
                      "storage_url": url, "experiments": experiments}, indent=2, default=str))
    return 0


def demo_project_path() -> Path:
    return paths.data_dir() / "demo" / "digits.tuneproj"


def ensure_demo_project() -> Path:
    """The bundled digits demo, copied into the data dir the first time; an existing file is
    never overwritten (it may hold the user's edits)."""
    path = demo_project_path()
    if not path.exists():
        write_atomic(path, resources.demo_project("digits").read_bytes())
    return path


def _cmd_demo(args: argparse.Namespace) -> int:
    path = ensure_demo_project()
    project = load_project(path)
    print(f"{path}: demo project '{project.name}' is valid "
          f"({len(project.experiments)} experiment(s))")
    if args.no_gui:
        return 0
    return _open_gui([str(path)])


def _open_gui(argv: list[str]) -> int:
    from tunestudio.gui.app.app import run_app  # Qt loads only when a window is wanted

    return int(run_app(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tunestudio",
        description="Tune deep-learning training runs by controlled experiments. "
        "Without a command, opens the desktop app (optionally with PROJECT.tuneproj).",
    )
    parser.add_argument("--version", action="version", version=f"TuneStudio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("new", help="create a project file from a template")
    p.add_argument("path", help="where to write the .tuneproj file")
    p.add_argument("--template", default="digits", choices=sorted(TEMPLATES))
    p.add_argument("--name", help="project name (default: the template's)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("validate", help="check project files; exit 1 naming each bad field")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("schema", help="print the JSON schema of the project file")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("run", help="run an experiment (adds trials to it when run again)")
    p.add_argument("path", help="project file")
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--trials", type=int, help="trials to run now (overrides the budget)")
    p.add_argument("--timeout", type=float, help="seconds (overrides the budget)")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--workers", type=int, default=1, help="trials at once on this machine")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("worker", help="run queued trials of an experiment from this machine "
                       "against a shared database")
    p.add_argument("path", help="project file")
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--storage", help="database URL (default: the project's)")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--wait", type=float, default=0.0,
                   help="seconds to keep polling for queued trials when none is left")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("train", help="train the project's baseline once; prints the outcome "
                       "as JSON")
    p.add_argument("path", help="project file")
    p.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (default: the config's)")
    p.add_argument("--epochs", type=int, help="train this many epochs instead")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("trials", help="list the trials of a project's experiments")
    p.add_argument("path", help="project file")
    p.add_argument("--experiment", help="only this experiment")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=_cmd_trials)

    p = sub.add_parser("info", help="storage URL, experiments, trial counts and best (JSON)")
    p.add_argument("path", help="project file")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("export", help="export every trial of the project")
    p.add_argument("path", help="project file")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--output", "-o", help="file to write (default: stdout)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("demo", help="create (once) and open the bundled digits demo project")
    p.add_argument("--no-gui", action="store_true", help="create and validate only")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    first = args_list[0] if args_list else ""
    if first in DESKTOP_FLAGS:
        from tunestudio.desktop import main as desktop_main

        return desktop_main(args_list)
    if not first or first.endswith(".tuneproj") or first in GUI_FLAGS:
        return _open_gui(args_list)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _open_gui([])
    func: Command = args.func
    try:
        return func(args)
    except TuneStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tunestudio trials P | head`: the reader had enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
