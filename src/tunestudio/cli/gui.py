"""Handing over to the desktop app. Qt loads only here, when a window is wanted."""

from __future__ import annotations


def open_gui(argv: list[str]) -> int:
    """Runs the desktop app with `argv` (one project file to open, --smoke-test, or nothing)
    until it quits, and returns its exit code: 2 (the usage on stderr) for any other flag or
    more than one file."""
    from tunestudio.gui.app.app import run_app

    return int(run_app(argv))
