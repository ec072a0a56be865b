"""Packaging test helpers: skips that name the missing tool and the Debian package that has
it, and what makes an environment look like no desktop session at all."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable

import pytest

# Variables by which xdg-utils recognises a desktop session; without them it reads the XDG
# files this test wrote rather than asking GNOME or KDE.
SESSION_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "DESKTOP_SESSION",
                "KDE_FULL_SESSION", "KDE_SESSION_VERSION", "GNOME_DESKTOP_SESSION_ID",
                "MATE_DESKTOP_SESSION_ID")
PACKAGES = {"desktop-file-validate": "desktop-file-utils", "xmllint": "libxml2-utils",
            "xdg-mime": "xdg-utils", "update-mime-database": "shared-mime-info",
            "update-desktop-database": "desktop-file-utils",
            "mimetype": "libfile-mimeinfo-perl"}

Run = Callable[..., subprocess.CompletedProcess[str]]


def need_tool(name: str) -> str:
    """The tool's path, or a skip saying which package provides it (.ci/run installs it)."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {PACKAGES.get(name, name)})")
    return path


def need_linux() -> None:
    if sys.platform in ("win32", "cygwin", "darwin"):
        pytest.skip("freedesktop desktop integration exists on Linux and other XDG systems only")
