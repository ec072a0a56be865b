"""Packaging test helpers: skips that name the missing tool and the Debian package that has
it, and what makes an environment look like no desktop session at all."""

from __future__ import annotations

import os
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


OPT_OUT = "TUNESTUDIO_DESKTOP_CHECKS"


def need_tool(name: str) -> str:
    """The tool's path. A missing tool fails the test naming the Debian package that has it
    (scripts/test.sh and .ci/run install it); only an explicit opt-out,
    TUNESTUDIO_DESKTOP_CHECKS=off, skips, and says so."""
    path = shutil.which(name)
    if path is None:
        package = PACKAGES.get(name, name)
        if os.environ.get(OPT_OUT, "").lower() == "off":
            pytest.skip(f"desktop-file checks opted out ({OPT_OUT}=off); {name} is not "
                        f"installed (Debian package {package})")
        pytest.fail(f"{name} is not installed: install the Debian package {package} "
                    f"(scripts/test.sh does as root), or opt out with {OPT_OUT}=off")
    return path


def need_linux() -> None:
    if sys.platform in ("win32", "cygwin", "darwin"):
        pytest.skip("freedesktop desktop integration exists on Linux and other XDG systems only")
