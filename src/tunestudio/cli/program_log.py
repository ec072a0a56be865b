"""`tunestudio log`: what a program trial printed (its log), whole or followed while it runs.
Reads the history and the trial's folder only: no torch, no Optuna."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

from tunestudio import paths
from tunestudio.cli.common import Subparsers, add_project, experiment_name, load
from tunestudio.errors import TuneStudioError


def log_file(project_id: uuid.UUID, optuna_trial_id: int, repeat: int) -> Path:
    """The log of one run of a program trial (see search/program/files.py)."""
    return paths.program_trial_log(project_id, optuna_trial_id, repeat)


def _cmd_log(args: argparse.Namespace) -> int:
    from tunestudio.store import Store, storage_url_for

    project, _ = load(args.path)
    if project.baseline.program is None:
        raise TuneStudioError("this project's baseline is the built-in training, which keeps "
                              "no program log; `tunestudio trials` shows each trial's message")
    name = experiment_name(project, args.experiment)
    with Store.open(args.storage or storage_url_for(project)) as store:
        exp = store.experiment(name)
        rows = store.trials(exp.id) if exp is not None else []
        row = next((r for r in rows if r.number == args.trial), None)
        if row is None or row.optuna_trial_id is None:
            known = ", ".join(str(r.number) for r in rows) or "none yet"
            raise TuneStudioError(f"experiment '{name}' has no trial number {args.trial} "
                                  f"(its trials: {known})")
        path = log_file(project.id, row.optuna_trial_id, args.repeat)
        if not path.is_file():
            raise TuneStudioError(f"trial #{row.number} has no log at {path} (it did not start, "
                                  "or it ran with another data folder, TUNESTUDIO_DATA_DIR)")
        out = sys.stdout.buffer
        with path.open("rb") as log:
            while True:
                chunk = log.read(1 << 16)
                if chunk:
                    out.write(chunk)
                    continue
                out.flush()
                if not args.follow or store.trial(row.id).state != "running":
                    return 0
                time.sleep(0.5)


def register(sub: Subparsers) -> None:
    """Adds `log`: what a program trial printed (stdout and stderr as kept), raw on
    stdout; --follow keeps printing until the trial ends. Exit 0; a built-in baseline, an
    unknown trial or a missing log raises TuneStudioError (exit 1 in `main`)."""
    p = sub.add_parser("log", help="print what a program trial printed (its log); --follow "
                       "keeps printing while it runs",
                       description="Print the output a program trial wrote (stdout and "
                       "stderr, as kept: the first 16 MB and the last 256 KB), or follow it "
                       "while the trial runs.")
    add_project(p)
    p.add_argument("trial", type=int, metavar="N",
                   help="the trial's number (the # of `tunestudio trials`)")
    p.add_argument("--experiment", help="experiment name (default: the project's first)")
    p.add_argument("--repeat", type=int, default=0, help="which run of a repeated trial "
                   "(0 = the first seed)")
    p.add_argument("--follow", "-f", action="store_true",
                   help="keep printing new output until the trial ends")
    p.add_argument("--storage", help="database URL (default: the project's)")
    p.set_defaults(func=_cmd_log)
