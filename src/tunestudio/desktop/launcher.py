"""The command a desktop entry runs, and the entry's text with that command in it.

The packaged `tunestudio.desktop` says `Exec=tunestudio %f`, which only works when the
command is on the PATH the desktop session sees; a virtualenv or a bundle usually is not. The
installed copy therefore names the program that is running now, by absolute path."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

# Characters that force quoting of an Exec argument (Desktop Entry Specification, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#`()")
_ESCAPED_IN_QUOTES = set('"`$\\')


def launcher_command() -> list[str]:
    """The current TuneStudio program: the bundle's executable, the `tunestudio` script that
    was started (or the one beside this Python), else `python -m tunestudio`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    if sys.argv and sys.argv[0]:
        script = Path(sys.argv[0])
        if script.stem == "tunestudio" and script.is_file():
            return [str(script.absolute())]
    sibling = Path(sys.executable).parent / "tunestudio"
    if sibling.is_file():
        return [str(sibling)]
    return [sys.executable, "-m", "tunestudio"]


def quote_exec_arg(arg: str) -> str:
    """One Exec argument: quoted when it holds a reserved character, `%` doubled so it is not
    read as a field code."""
    arg = arg.replace("%", "%%")
    if not arg or _RESERVED & set(arg):
        arg = '"' + "".join("\\" + c if c in _ESCAPED_IN_QUOTES else c for c in arg) + '"'
    return arg


def escape_string(value: str) -> str:
    """A desktop-file string value: backslashes and control characters escaped."""
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


def exec_line(command: Sequence[str]) -> str:
    """The desktop entry's Exec value: `command` quoted and escaped per the Desktop Entry
    Specification, followed by `%f` (the opened file)."""
    return escape_string(" ".join(quote_exec_arg(a) for a in command)) + " %f"


def render_desktop_entry(template: str, command: Sequence[str]) -> str:
    """The packaged entry with `Exec` running `command` on the opened file and `TryExec`
    naming its program, so the menu hides the entry once that program is gone."""
    lines: list[str] = []
    for line in template.splitlines():
        if line.startswith("TryExec="):
            continue
        if line.startswith("Exec="):
            lines.append(f"Exec={exec_line(command)}")
            lines.append(f"TryExec={escape_string(command[0])}")
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"
