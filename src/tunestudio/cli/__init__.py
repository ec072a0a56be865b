"""The `tunestudio` command. With no subcommand, or with a `.tuneproj` path, it opens the
desktop app; the subcommands work headless (a terminal, a remote worker, CI).

Each module listed in COMMAND_MODULES adds its subcommands with `register(sub)`; to add a
command, write its handler and `register` in a module of this package (or an existing one)
and list the module here. Modules are imported to build the parser on every call, so they
import torch, optuna and Qt only inside the handlers that need them: the read-only commands
(validate, schema, trials, info, export) answer without loading either."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from tunestudio.cli import startup_gc
from tunestudio.cli.gui import open_gui
from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.cli.common import Command

__all__ = ["build_parser", "demo_project_path", "ensure_demo_project", "main"]

# In the order `tunestudio --help` lists them; imported when the parser is built, so that
# `info` can answer without them (cli/info_fast.py) and loading this package stays light.
COMMAND_MODULES = (
    "project",
    "training",
    "history",
    "exclusion",
    "importance",
    "program_log",
    "compare",
    "models",
    "ensemble",
    "lineage",
    "lr_find",
    "rerun",
)

# Flags handled by the desktop app rather than by a subcommand.
GUI_FLAGS = frozenset({"--smoke-test"})
# Desktop integration (Linux): plain file copies, no Qt (tunestudio.desktop).
DESKTOP_FLAGS = frozenset({"--install-desktop", "--uninstall-desktop"})
# Commands that load torch, scipy and scikit-learn and end when their work is committed: as the
# process's own command they end without freeing every module (see `leave`).
LEAVE_AT_ONCE = frozenset({"run", "worker"})


class _VersionAction(argparse.Action):
    """--version, reading the version only when asked (see tunestudio.__init__)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        from tunestudio import __version__

        print(f"TuneStudio {__version__}")  # on stdout, as argparse's own version action
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The `tunestudio` parser with every command of COMMAND_MODULES (each sets `func`, its
    handler, in its namespace); importing those modules loads no torch, Optuna or Qt."""
    parser = argparse.ArgumentParser(
        prog="tunestudio",
        description="Tune deep-learning training runs by controlled experiments. "
        "Without a command, opens the desktop app (optionally with PROJECT.tuneproj).",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"tunestudio.cli.{name}").register(sub)
    return parser


def __getattr__(name: str) -> Any:
    """The demo project's helpers (cli/project.py), imported when asked for."""
    if name in ("demo_project_path", "ensure_demo_project"):
        from tunestudio.cli import project

        return getattr(project, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the `tunestudio` command line `argv` (default: `sys.argv[1:]`) and returns its
    exit code. No arguments, a `.tuneproj` path or --smoke-test open the desktop app; the
    desktop flags install or remove the Linux integration; `info PROJECT` is answered without
    building the parser where it can (cli/info_fast.py). Otherwise the command's handler's
    code, or: 1 for a TuneStudioError and 2 for a KeyError (each as `error: ...` on stderr),
    130 on Ctrl+C, 0 when stdout's reader went away. argparse's SystemExit (bad usage: 2;
    --help, --version: 0) passes through. As the process's own command (`argv` None), `run`
    and `worker` end the process once done (`leave`) rather than return."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list else ""
    if first in DESKTOP_FLAGS:
        from tunestudio.desktop import main as desktop_main

        return desktop_main(args_list)
    if not first or first.endswith(".tuneproj") or first in GUI_FLAGS:
        return open_gui(args_list)
    if first == "info" and len(args_list) == 2 and not args_list[1].startswith("-"):
        from tunestudio.cli.info_fast import answer

        record = answer(args_list[1])  # None: the full command answers
        if record is not None:
            print(json.dumps(record, indent=2, default=str))
            return 0
    own = argv is None  # the process's own command (not a caller's `main([...])`)
    if own:  # no full collections while the command loads (cli/startup_gc.py)
        startup_gc.hold()
    args = build_parser().parse_args(args_list)
    if args.command is None:
        startup_gc.settle()
        return open_gui([])
    func: Command = args.func
    if args.command not in LEAVE_AT_ONCE:  # a run settles once it is set up (SettleOnRunStart)
        startup_gc.settle()
    try:
        code = func(args)
        if own and args.command in LEAVE_AT_ONCE:
            leave(code)
        return code
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
    finally:
        startup_gc.settle()


def leave(code: int) -> NoReturn:
    """End the process with `code` now that its command is done. Python's own exit would then
    free every module (torch, scipy, scikit-learn, pandas): 4.5 s of a search's wall time at a
    load average of 10 on 2 cores, the shell waiting for nothing. Everything else a normal exit
    does is done first: stdout and stderr flushed, the threads that are not daemons joined
    (and thread pools shut down), the atexit functions run (logging's flush among them).
    Falls back to a normal exit on a Python without `threading._shutdown`."""
    import atexit
    import threading

    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is None:  # pragma: no cover - not CPython
        sys.exit(code)
    _flush_std()
    shutdown()
    atexit._run_exitfuncs()
    _flush_std()
    os._exit(code)


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader gone away, a closed stream
            stream.flush()
