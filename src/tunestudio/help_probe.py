"""Runs a Python script or module as `--help` would, and writes the arguments its argparse
parser declares (flags, destination, type, default, choices, action) as JSON, so that
TuneStudio can offer them as the program's parameters with their types and defaults, which the
help text itself often leaves out:

    python -m tunestudio.help_probe OUT.json train.py --epochs 20 --help
    python -m tunestudio.help_probe OUT.json -m package.train --help

The script runs as `__main__` until its parser handles `--help` (which prints the help and
exits, as it always does); nothing after its argument parsing runs. Standard library only,
like the trial client: it runs in the user's interpreter environment."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from pathlib import Path
from typing import Any

_ACTIONS = {
    argparse._StoreAction: "store",
    argparse._StoreTrueAction: "store_true",
    argparse._StoreFalseAction: "store_false",
    argparse._StoreConstAction: "store_const",
    argparse._AppendAction: "append",
    argparse._AppendConstAction: "append_const",
    argparse._CountAction: "count",
    argparse._HelpAction: "help",
    argparse._VersionAction: "version",
    argparse.BooleanOptionalAction: "boolean_optional",
}


def _scalar(value: Any) -> Any:
    """A value JSON carries as it is; anything else as its text (None stays None)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def describe(parser: argparse.ArgumentParser) -> list[dict[str, Any]]:
    """The parser's arguments, one dict each (see the module docstring)."""
    found = []
    for action in parser._actions:
        kind = _ACTIONS.get(type(action), type(action).__name__)
        type_ = action.type
        found.append({
            "option_strings": list(action.option_strings),
            "dest": action.dest,
            "action": kind,
            "type": getattr(type_, "__name__", str(type_)) if type_ is not None else None,
            "default": _scalar(action.default if action.default is not argparse.SUPPRESS
                               else None),
            "choices": None if action.choices is None or isinstance(action.choices, dict)
            else [_scalar(c) for c in action.choices],
            "nargs": action.nargs if isinstance(action.nargs, int | str | type(None))
            else str(action.nargs),
            "required": bool(action.required),
            "help": action.help if isinstance(action.help, str) else None,
        })
    return found


def main(argv: list[str]) -> int:
    """The probe's command line. `argv`: OUT.json, then the script's path or `-m MODULE`,
    then its arguments (with `--help`). Runs the script as `__main__`; the first parser that
    prints its help writes `{"prog": ..., "arguments": describe(parser)}` to OUT.json (a file
    already there is kept). Returns 0, or 2 (a usage line on stderr) when `argv` has fewer
    than two items. The script's own `SystemExit` from `--help`, and any error it raises,
    pass through."""
    if len(argv) < 2:
        print("usage: python -m tunestudio.help_probe OUT.json (SCRIPT | -m MODULE) [ARGS...]",
              file=sys.stderr)
        return 2
    out = Path(argv[0])
    original = argparse.ArgumentParser.print_help

    def print_help(self: argparse.ArgumentParser, file: Any = None) -> None:
        # The first parser asked for its help is the script's own (a subcommand's parser
        # would be asked only after the top-level one parsed its arguments).
        if not out.exists():
            out.write_text(json.dumps({"prog": self.prog, "arguments": describe(self)}),
                           encoding="utf-8")
        original(self, file)

    argparse.ArgumentParser.print_help = print_help  # type: ignore[method-assign]
    target = argv[1:]
    if target[0] == "-m":
        sys.argv = [target[1], *target[2:]]
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(target)
        sys.path.insert(0, str(Path(target[0]).resolve().parent))
        runpy.run_path(target[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
