"""Project-file commands: new, validate, schema, demo. Config only: no store, torch or optuna."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tunestudio import paths, resources
from tunestudio.cli.common import PROJECT_HELP, Subparsers, add_project
from tunestudio.config import TEMPLATES, Project, ProjectFileError, from_template, load_project
from tunestudio.config import save_project as save_project_file
from tunestudio.config.program import program_problems
from tunestudio.config.projectfile import write_atomic
from tunestudio.config.templates import TEMPLATE_FILES


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
    files = [(resources.template_file(args.template, name), path.parent / name)
             for name in TEMPLATE_FILES.get(args.template, ())]
    clash = [str(target) for source, target in files
             if target.exists() and target.read_bytes() != source.read_bytes()]
    if clash and not args.force:
        print(f"{', '.join(clash)}: already exist(s) and differ from the template's; choose "
              "another folder or pass --force", file=sys.stderr)
        return 1
    for source, target in files:
        write_atomic(target, source.read_bytes())
        print(f"{target}: written")
    save_project_file(project, path)
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
        program = project.baseline.program
        problems = program_problems(program, Path(raw).parent) if program is not None else []
        if problems:
            print("\n".join(f"{raw}: baseline.{p}" for p in problems), file=sys.stderr)
            failed += 1
            continue
        print(f"{raw}: valid ({len(project.experiments)} experiment(s))")
    return 1 if failed else 0


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(Project.model_json_schema(), indent=2))
    return 0


def demo_project_path() -> Path:
    """Where `tunestudio demo` keeps the digits demo: `<data dir>/demo/digits.tuneproj`
    (the file may not exist yet; see `ensure_demo_project`)."""
    return paths.data_dir() / "demo" / "digits.tuneproj"


def ensure_demo_project() -> Path:
    """The bundled digits demo, copied into the data dir the first time; an existing file is
    never overwritten (it may hold the user's edits)."""
    path = demo_project_path()
    if not path.exists():
        write_atomic(path, resources.demo_project("digits").read_bytes())
    return path


def _cmd_demo(args: argparse.Namespace) -> int:
    from tunestudio.cli.gui import open_gui

    path = ensure_demo_project()
    project = load_project(path)
    print(f"{path}: demo project '{project.name}' is valid "
          f"({len(project.experiments)} experiment(s))")
    if args.no_gui:
        return 0
    return open_gui([str(path)])


def register(sub: Subparsers) -> None:
    """Adds `new` (a project file from a template; exit 1 when it, or a file the template
    writes beside it, exists and --force is not given), `validate` (`PROJECT: valid` per
    file, each problem on stderr; exit 1 when any file is invalid), `schema` (the project
    file's JSON schema) and `demo` (create once and open the digits demo)."""
    p = sub.add_parser("new", help="create a project file from a template",
                       description="Write a new project file (baseline config and experiments) "
                       "from a bundled template; it validates before it is written.")
    add_project(p, "where to write the .tuneproj file")
    p.add_argument("--template", default="digits", choices=sorted(TEMPLATES),
                   help="the template to start from (default: digits)")
    p.add_argument("--name", help="project name (default: the template's)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser("validate", help="check project files; exit 1 naming each bad field",
                       description="Load and validate each project file: 'PROJECT: ok', or "
                       "'PROJECT: field.path: message' for each problem and exit code 1.")
    p.add_argument("paths", nargs="+", metavar="PROJECT", help=PROJECT_HELP + "; several may "
                   "be given")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("schema", help="print the JSON schema of the project file",
                       description="Print the JSON schema of the .tuneproj format (for editors "
                       "and validators).")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("demo", help="create (once) and open the bundled digits demo project",
                       description="Create the digits demo project in TuneStudio's data folder "
                       "the first time, validate it and open it in the app.")
    p.add_argument("--no-gui", action="store_true", help="create and validate only")
    p.set_defaults(func=_cmd_demo)
