"""The `tunestudio` command. With no subcommand, or with a `.tuneproj` path, it opens the
desktop app; the subcommands work headless (a terminal, a remote worker, CI)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tunestudio import __version__, paths
from tunestudio.config import (
    TEMPLATES,
    Project,
    ProjectFileError,
    from_template,
    load_project,
    save_project,
)
from tunestudio.errors import TuneStudioError

Command = Callable[[argparse.Namespace], int]
# Flags handled by the desktop app rather than by a subcommand.
GUI_FLAGS = frozenset({"--smoke-test", "--install-desktop", "--uninstall-desktop"})


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


def demo_project_path() -> Path:
    return paths.data_dir() / "demo" / "digits.tuneproj"


def ensure_demo_project() -> Path:
    """The bundled digits demo, created in the data dir the first time; an existing file is
    never overwritten (it may hold the user's edits)."""
    path = demo_project_path()
    if not path.exists():
        save_project(from_template("digits"), path)
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
    from tunestudio.gui.app import run_app  # Qt loads only when a window is wanted

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

    p = sub.add_parser("demo", help="create (once) and open the bundled digits demo project")
    p.add_argument("--no-gui", action="store_true", help="create and validate only")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    first = args_list[0] if args_list else ""
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
