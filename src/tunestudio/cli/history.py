"""Read-only commands on the trial history: trials, info, export.

They answer at once: they read our `ts_` tables through the store (SQLAlchemy) and import
neither torch nor optuna, not even indirectly (tests/e2e/test_cli_latency.py checks
`sys.modules`; benchmarks/cli_latency.py measures them)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError
from tunestudio.paths import checkpoint_disk_use


def _write_records(project_path: str, experiment: str | None, fmt: str, out: TextIO,
                   excluded: bool = True) -> int:
    """Writes the trial records (see `write_rows`); `csv` and `json` stream them from the
    history in batches, with flat memory. `excluded`: with the trials the user excluded.
    Returns how many were written."""
    from tunestudio.store import Store, storage_url_for
    from tunestudio.store.records import stream_records

    project, _ = load(project_path)
    if experiment is not None:
        experiment_name(project, experiment)
    directions = {e.name: e.search.objective.resolved_direction for e in project.experiments}
    with Store.open(storage_url_for(project)) as store:
        scope = None
        if experiment is not None:
            known = store.experiment(experiment)
            scope = known.id if known is not None else -1
        params = store.param_names(scope) if fmt == "csv" else None
        records = stream_records(store, experiment, project.baseline, directions)
        if not excluded:
            records = (r for r in records if r["excluded"] is None)
        counted = _Counted(records)
        write_rows(counted if fmt != "table" else list(counted), fmt, out, params)
        return counted.count


class _Counted:
    """An iterator of records that counts what went through it."""

    def __init__(self, records: Iterator[dict[str, Any]]) -> None:
        self.records = records
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for record in self.records:
            self.count += 1
            yield record


def write_rows(rows: Iterable[dict[str, Any]], fmt: str, out: TextIO,
               params: list[str] | None = None) -> None:
    """Trial records as `json` or `csv` (exact values: a float is written as its `repr`, the
    shortest text that reads back to the same float) or an aligned `table` (rounded for the
    eye, first line of a message only). `json` and `csv` are written as `rows` are iterated;
    `params`, the sorted names of the parameters (the csv's columns), is read from `rows`
    when not given (which then must be a list)."""
    if fmt == "json":
        out.write("[")  # as json.dump(rows, indent=2) writes it, a record at a time
        wrote = False
        for row in rows:
            out.write(",\n  " if wrote else "\n  ")
            out.write(json.dumps(row, indent=2, default=str).replace("\n", "\n  "))
            wrote = True
        out.write("\n]\n" if wrote else "]\n")
        return
    if params is None:
        rows = list(rows)
        params = sorted({k for r in rows for k in r["params"]})
    header = ["experiment", "trial_id", "number", "state", "objective", "objective_std",
              "noise", *params, "duration_s", "config", "excluded", "message"]
    exact = fmt == "csv"
    if not exact:  # a reader names a trial by its number (#), as every command takes it
        header.remove("trial_id")
    if exact:
        writer = csv.writer(out)
        writer.writerow(header)
        for r in rows:
            writer.writerow([_cell(r.get(h, r["params"].get(h)), exact) for h in header])
        return
    table = [[_cell(r.get(h, r["params"].get(h)), exact) for h in header] for r in rows]
    if not exact:  # the table shows a repeated trial's objective as mean ± std over seeds
        at, std_at = header.index("objective"), header.index("objective_std")
        for line, r in zip(table, rows, strict=True):
            std = r.get("objective_std")
            if r["objective"] is not None and std is not None:
                line[at] = f"{_cell(r['objective'], False)} ± {std:.2g}"
        header = [h for i, h in enumerate(header) if i != std_at]
        table = [[c for i, c in enumerate(line) if i != std_at] for line in table]
    table = [[c.splitlines()[0][:40] if c else "" for c in line] for line in table]
    widths = [max(len(h), *(len(line[i]) for line in table)) if table else len(h)
              for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
              + "\n")
    for line in table:
        out.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                  + "\n")


def _cell(value: object, exact: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if exact else f"{value:.6g}"
    return str(value)


def _cmd_trials(args: argparse.Namespace) -> int:
    _write_records(args.path, args.experiment, args.format, sys.stdout)
    return 0


def _export_tensorboard(args: argparse.Namespace) -> int:
    """TensorBoard logs of the history (loads torch: `torch.utils.tensorboard` writes them)."""
    from tunestudio.search.tensorboard import export_tensorboard, objective_tags
    from tunestudio.store import Store, storage_url_for

    if not args.output:
        raise TuneStudioError("--format tensorboard writes a folder of logs: name it with -o DIR")
    project, _ = load(args.path)
    if args.experiment is not None:
        experiment_name(project, args.experiment)
    tags = {e.name: objective_tags(e.search.objective.metric, e.search.objective.second)
            for e in project.experiments}
    out = Path(args.output)
    with Store.open(storage_url_for(project)) as store:
        runs = export_tensorboard(store, out, tags, args.experiment, args.include_excluded)
    print(f"{out}: TensorBoard logs of {len(runs)} run(s); view them with "
          f"`tensorboard --logdir {out}`", file=sys.stderr)
    return 0


def _export_mlflow(args: argparse.Namespace) -> int:
    """The history into an MLflow store (loads torch for the best trial's model, and MLflow)."""
    from tunestudio.search.mlflow_export import export_mlflow

    output = args.output or os.environ.get("MLFLOW_TRACKING_URI")
    if not output:
        raise TuneStudioError("--format mlflow writes to an MLflow store: name it with -o DIR "
                              "(a folder for a local store), -o FILE.db, -o URI "
                              "(sqlite:///..., http://...), or set MLFLOW_TRACKING_URI")
    project, project_path = load(args.path)
    if args.experiment is not None:
        experiment_name(project, args.experiment)
    done = export_mlflow(project, output, args.experiment, base_dir=project_path.parent,
                         include_excluded=args.include_excluded)
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    experiments = ", ".join(f"{name} (id {i})" for name, i in done.experiments.items())
    print(f"{done.tracking_uri}: {done.created} run(s) created, {done.updated} updated, "
          f"{done.unchanged} unchanged in {experiments or 'no experiment'}; "
          f"view them with `mlflow ui --backend-store-uri {done.tracking_uri}`",
          file=sys.stderr)
    print(json.dumps({"tracking_uri": done.tracking_uri, "experiments": done.experiments,
                      "created": done.created, "updated": done.updated,
                      "unchanged": done.unchanged, "model_runs": done.models,
                      "notes": done.notes}))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    if args.format == "tensorboard":
        return _export_tensorboard(args)
    if args.format == "mlflow":
        return _export_mlflow(args)
    if args.output:
        with Path(args.output).open("w", newline="", encoding="utf-8") as fh:
            count = _write_records(args.path, args.experiment, args.format, fh,
                                   args.include_excluded)
        print(f"{args.output}: {count} trial(s)", file=sys.stderr)
    else:
        _write_records(args.path, args.experiment, args.format, sys.stdout,
                       args.include_excluded)
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from tunestudio.cli.ensemble import ensemble_record
    from tunestudio.cli.info_fast import remember
    from tunestudio.store import CurrentConfig, Store, TrialRow, storage_url_for
    from tunestudio.store.verdicts import (
        ALPHA,
        TEST_NAME,
        noise_tests,
        ovat_verdicts,
        verdict_records,
    )

    def brief(row: TrialRow | None) -> dict[str, Any] | None:
        return None if row is None else {"trial_id": row.id, "number": row.number,
                                         "objective": row.objective, "params": dict(row.params)}

    loaded = project_bytes(args.path)
    project, project_path = load(args.path)
    url = storage_url_for(project)
    current = CurrentConfig(project.baseline)
    baseline = current.baseline_fingerprint
    with Store.open(url) as store:
        known = {e.name: e for e in store.experiments()}
        experiments: list[dict[str, Any]] = []
        for exp in project.experiments:
            row = known.get(exp.name)
            direction = exp.search.objective.resolved_direction
            extra: dict[str, Any] = {}
            if row is None:
                experiments.append({
                    "name": exp.name, "study_name": exp.name, "strategy": exp.search.strategy,
                    "objective": exp.search.objective.metric, "direction": direction,
                    "counts": {}, "best": None, "trained_on_other_config": 0, "excluded": {},
                    "best_on_other_config": None})
                continue
            # verdicts kept with the trials (judged now for those that have none against this
            # baseline): the figures below are SQL aggregates, not a pass over every trial
            current.settle(store, row.id)
            overall = store.best_trial(row.id, direction)
            alpha = ALPHA if args.noise_alpha is None else args.noise_alpha
            needs_rows = store.repeated_count(row.id) > 0 \
                or exp.search.objective.second != "none" or exp.search.strategy == "ovat"
            fresh = [r for r in store.trials(row.id) if current.holds(r)] if needs_rows else []
            best_id, tests = noise_tests(fresh, direction)
            if best_id >= 0:  # some trials were repeated: which are within the noise of the best
                numbers = {r.id: r.number for r in fresh}
                extra["within_noise_of_best"] = sorted(
                    numbers[tid] for tid, test in tests.items() if test.p >= alpha)
                extra["noise_test"] = {
                    "test": f"{TEST_NAME}, two-sided, against the best trial",
                    "alpha": alpha, "best": numbers[best_id],
                    "p_values": {str(numbers[tid]): test.p for tid, test in tests.items()}}
            if exp.search.objective.second != "none":  # no single best: every trade-off
                from tunestudio.store.pareto import front_records, pareto_front  # numpy

                extra["pareto_front"] = front_records(pareto_front(fresh, (direction,
                                                                           "minimize")))
            if exp.search.strategy == "ovat":
                extra["ovat"] = verdict_records(ovat_verdicts(
                    fresh, exp.search, project.baseline, direction, alpha))
            kept = store.ensembles(row.id)
            if kept:  # the best kept ensemble on the objective (`tunestudio ensembles`: all)
                sign = 1.0 if direction == "maximize" else -1.0
                top = max(kept, key=lambda e: (e.value is not None,
                                               sign * (e.value or 0.0), -e.number))
                extra["ensembles"] = {"count": len(kept), "best": ensemble_record(top)}
            experiments.append({
                "name": exp.name, "study_name": row.study_name,
                "strategy": exp.search.strategy, "objective": exp.search.objective.metric,
                "direction": direction,
                "counts": store.counts(row.id),
                "best": brief(store.best_trial(row.id, direction, baseline)),
                "trained_on_other_config": store.other_config_count(row.id, baseline),
                "excluded": {str(n): why for n, why in store.excluded_reasons(row.id).items()},
                "best_on_other_config": brief(overall) if overall is not None
                and not current.holds(overall) else None,
                **extra,
            })
    print(json.dumps({"project": project.name, "id": str(project.id), "path": str(project_path),
                      "storage_url": url, "experiments": experiments,
                      "checkpoints": checkpoint_disk_use(project.id)}, indent=2, default=str))
    if loaded is not None and project_bytes(args.path) == loaded:  # the file loaded, unedited
        remember(project, loaded, baseline)  # the next `info` answers from it (info_fast)
    return 0


def project_bytes(path: str) -> bytes | None:
    """The project file's bytes, or None when it cannot be read (loading it says why)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def register(sub: Subparsers) -> None:
    """Adds the read-only `trials` (a table, csv or json), `info` (JSON: storage URL,
    trial counts, best trial, checkpoints' disk use) and `export` (csv, json, TensorBoard
    logs or MLflow runs) commands; exit 0. A TensorBoard export without -o DIR, or an MLflow
    one without a store, raises TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser("trials", help="list the trials of a project's experiments",
                       description="List every trial of the project's history: state, "
                       "objective (mean ± std over seeds), values, duration and whether it "
                       "trained the current config.")
    add_project(p)
    p.add_argument("--experiment", help="only this experiment")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (rounded for the eye), csv or json (exact values, every field)")
    p.set_defaults(func=_cmd_trials)

    p = sub.add_parser("info", help="storage URL, experiments, trial counts and best (JSON)",
                       description="Print, as JSON, where the project's history and checkpoints "
                       "live (storage_url, checkpoints.artifacts_path: optuna-dashboard's "
                       "--artifact-dir), each experiment's trial counts and best trial, and the "
                       "checkpoints' disk use.")
    add_project(p)
    p.add_argument("--noise-alpha", type=float, metavar="P",
                   help="a gap to the best trial (or a one-variable-at-a-time knob's effect) is "
                   "beyond noise when Welch's t-test gives p < P (default 0.05)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("export", help="export every trial of the project",
                       description="Export the trials of the project's history: as csv or json "
                       "records, TensorBoard logs, or runs of an MLflow tracking store.")
    add_project(p)
    p.add_argument("--format", choices=["csv", "json", "tensorboard", "mlflow"],
                   default="csv",
                   help="csv or json: one record per trial, full precision; tensorboard: one "
                   "run folder per trial under DIR/EXPERIMENT/ (needs the tensorboard extra); "
                   "mlflow: one MLflow run per trial with params, per-step metrics and the "
                   "best trial's model, updated in place when exported again (needs the "
                   "mlflow extra)")
    p.add_argument("--output", "-o", help="file to write (default: stdout); the folder for "
                   "--format tensorboard; for --format mlflow the MLflow store: a folder "
                   "(DIR/mlflow.db, artifacts in DIR/mlartifacts), a .db file, or a tracking "
                   "URI (default: $MLFLOW_TRACKING_URI)")
    p.add_argument("--experiment", help="only this experiment")
    p.add_argument("--include-excluded", action="store_true",
                   help="also export the trials excluded with `tunestudio exclude` (their "
                   "records say why in 'excluded'); left out by default")
    p.set_defaults(func=_cmd_export)
