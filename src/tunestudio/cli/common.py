"""What the command modules share: loading the project a command names, the experiment it
means, and a clean stop on Ctrl+C.

Every module of this package is imported to build the parser, so none may import torch,
optuna or Qt at module level: commands import what they need when they run (the read-only
commands never need torch or optuna, see history.py)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeAlias

from tunestudio.config import Project, load_project

Command = Callable[[argparse.Namespace], int]
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

PROJECT_HELP = "the project file (.tuneproj)"


def add_project(parser: argparse.ArgumentParser, help: str = PROJECT_HELP) -> None:
    """The project argument, named PROJECT in every command's usage (its value: `args.path`)."""
    parser.add_argument("path", metavar="PROJECT", help=help)


def load(path: str) -> tuple[Project, Path]:
    """The project at `path` and its absolute path. Raises ProjectFileError (a
    TuneStudioError) naming the file and the bad field."""
    project_path = Path(path).resolve()
    return load_project(project_path), project_path


def experiment_name(project: Project, name: str | None) -> str:
    """The experiment a command means (see `Project.experiment_name`)."""
    return project.experiment_name(name)


def stop_on_signals(stop: threading.Event) -> None:
    """First Ctrl+C (or SIGTERM from a parent run) stops cleanly: the running trial ends as
    interrupted. A second Ctrl+C aborts at once."""

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print("\nstopping after the current step (Ctrl+C again to abort)...", file=sys.stderr)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
