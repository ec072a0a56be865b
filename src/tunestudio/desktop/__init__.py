"""`tunestudio --install-desktop` and `--uninstall-desktop`: double-click integration on Linux
(and other XDG desktops) for the current user, without Qt, so it works from a terminal, over
SSH and in CI. Windows and macOS get their integration from the app bundle instead."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tunestudio import resources
from tunestudio.desktop.install import Outcome, XdgDirs, install, uninstall
from tunestudio.desktop.launcher import exec_line, launcher_command

__all__ = ["FLAGS", "Outcome", "XdgDirs", "install", "launcher_command", "main", "uninstall"]

FLAGS = frozenset({"--install-desktop", "--uninstall-desktop"})


def supported() -> bool:
    """Whether this platform has XDG desktops to integrate with: False on Windows, Cygwin
    and macOS, whose integration comes from the app bundle."""
    return sys.platform not in ("win32", "cygwin", "darwin")


def main(argv: Sequence[str]) -> int:
    """Handles `[--install-desktop | --uninstall-desktop]`; 2 on bad use, 1 where XDG desktops
    do not exist."""
    if len(argv) != 1 or argv[0] not in FLAGS:
        print("usage: tunestudio --install-desktop | --uninstall-desktop", file=sys.stderr)
        return 2
    if not supported():
        print(f"{argv[0]} integrates TuneStudio with Linux desktops (freedesktop.org XDG); on "
              "Windows and macOS the app bundle built by packaging/build.sh registers itself "
              "(see packaging/README.md).", file=sys.stderr)
        return 1
    dirs = XdgDirs.from_environment()
    if argv[0] == "--install-desktop":
        command = launcher_command()
        outcome = install(dirs, command)
        print(f"installed TuneStudio for this user under {dirs.data_home}: "
              f"{len(outcome.changed)} files")
        print(f"  menu entry  {dirs.desktop_file}")
        print(f"  runs        {exec_line(command)}")
        print(f"  opens       *.tuneproj ({resources.MIME_TYPE})")
    else:
        outcome = uninstall(dirs)
        print(f"removed TuneStudio's desktop integration: {len(outcome.changed)} files"
              if outcome.changed else "TuneStudio's desktop integration was not installed")
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
