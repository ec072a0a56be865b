"""Handing over to the desktop app. Qt loads only here, when a window is wanted."""

from __future__ import annotations


def open_gui(argv: list[str]) -> int:
    from tunestudio.gui.app.app import run_app

    return int(run_app(argv))
