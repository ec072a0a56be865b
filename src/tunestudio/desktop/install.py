"""Installs TuneStudio's desktop entry, icons and MIME type for the current user, in the XDG
folders, and removes them again. Only files are written; the desktop's caches are refreshed by
the freedesktop tools when they are installed, and a missing tool becomes a note saying what
will not work yet rather than an error, since the files alone are already useful."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path

from tunestudio import resources
from tunestudio.desktop.launcher import render_desktop_entry

TOOL_TIMEOUT_S = 60
_HINTS = {
    "update-mime-database": "*.tuneproj files are recognised only once the MIME database is "
    "rebuilt (package shared-mime-info)",
    "update-desktop-database": "the desktop may offer TuneStudio for project files only after "
    "its cache is rebuilt (package desktop-file-utils)",
    "xdg-mime": "TuneStudio was not made the default application for project files "
    "(package xdg-utils)",
}


def _absolute(value: str | None) -> Path | None:
    """An XDG variable counts only when set to an absolute path (XDG Base Directory spec)."""
    return Path(value) if value and Path(value).is_absolute() else None


@dataclass(frozen=True)
class XdgDirs:
    """The user's XDG base folders the integration writes under: `data_home` (desktop entry,
    MIME package, icons) and `config_home` (mimeapps.list)."""

    data_home: Path
    config_home: Path

    @classmethod
    def from_environment(cls) -> XdgDirs:
        """XDG_DATA_HOME and XDG_CONFIG_HOME where set to absolute paths, else the spec's
        defaults `~/.local/share` and `~/.config`."""
        home = Path.home()
        return cls(
            data_home=_absolute(os.environ.get("XDG_DATA_HOME")) or home / ".local" / "share",
            config_home=_absolute(os.environ.get("XDG_CONFIG_HOME")) or home / ".config",
        )

    @property
    def applications(self) -> Path:
        """`<data_home>/applications`: desktop entries (and a legacy mimeapps.list)."""
        return self.data_home / "applications"

    @property
    def desktop_file(self) -> Path:
        """Where TuneStudio's desktop entry, `tunestudio.desktop`, is installed."""
        return self.applications / resources.DESKTOP_FILE

    @property
    def mime(self) -> Path:
        """`<data_home>/mime`: the user's shared-mime-info database (packages in
        `packages/`)."""
        return self.data_home / "mime"

    @property
    def hicolor(self) -> Path:
        """`<data_home>/icons/hicolor`: the user's icon theme, one folder per size."""
        return self.data_home / "icons" / "hicolor"

    def tool_env(self) -> dict[str, str]:
        """The environment for the freedesktop tools: the same folders as ours."""
        return {**os.environ, "XDG_DATA_HOME": str(self.data_home),
                "XDG_CONFIG_HOME": str(self.config_home)}


@dataclass
class Outcome:
    """What `install` or `uninstall` did: the files it wrote, removed or edited (`changed`),
    and `notes`, one line per freedesktop tool that was missing or failed and what that leaves
    undone."""

    changed: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def copied_files(dirs: XdgDirs) -> list[tuple[Traversable, Path]]:
    """(packaged resource, installed path) of every file installed as is."""
    pairs = [(resources.mime_xml(), dirs.mime / "packages" / resources.MIME_XML)]
    for name, context in ((resources.APP_ID, "apps"), (resources.MIME_ICON, "mimetypes")):
        pairs.append((resources.root() / f"{name}.svg",
                      dirs.hicolor / "scalable" / context / f"{name}.svg"))
        pairs += [(resources.icon_png(name, size),
                   dirs.hicolor / f"{size}x{size}" / context / f"{name}.png")
                  for size in resources.ICON_SIZES]
    return pairs


def install(dirs: XdgDirs, command: Sequence[str]) -> Outcome:
    """Writes every file (overwriting an older install), then refreshes the caches and makes
    TuneStudio the default application for project files."""
    outcome = Outcome()
    entry = render_desktop_entry(resources.desktop_entry().read_text(encoding="utf-8"), command)
    _write(dirs.desktop_file, entry.encode("utf-8"), outcome)
    for source, target in copied_files(dirs):
        _write(target, source.read_bytes(), outcome)
    _refresh(dirs, outcome)
    _run_tool(["xdg-mime", "default", resources.DESKTOP_FILE, resources.MIME_TYPE], dirs,
              outcome)
    return outcome


def uninstall(dirs: XdgDirs) -> Outcome:
    """Removes what `install` wrote and TuneStudio's default-application lines; folders and
    other applications' files stay."""
    outcome = Outcome()
    for path in [dirs.desktop_file, *(target for _, target in copied_files(dirs))]:
        if path.is_file():
            path.unlink()
            outcome.changed.append(path)
    for mimeapps in (dirs.config_home / "mimeapps.list", dirs.applications / "mimeapps.list"):
        if _forget_default(mimeapps):
            outcome.changed.append(mimeapps)
    _refresh(dirs, outcome)
    return outcome


def _write(path: Path, data: bytes, outcome: Outcome) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    outcome.changed.append(path)


def _refresh(dirs: XdgDirs, outcome: Outcome) -> None:
    dirs.mime.joinpath("packages").mkdir(parents=True, exist_ok=True)
    _run_tool(["update-mime-database", str(dirs.mime)], dirs, outcome)
    dirs.applications.mkdir(parents=True, exist_ok=True)
    _run_tool(["update-desktop-database", str(dirs.applications)], dirs, outcome)
    # A stale icon cache hides new icons, while no cache at all is fine: refresh only one
    # that exists.
    if (dirs.hicolor / "icon-theme.cache").is_file():
        _run_tool(["gtk-update-icon-cache", "--force", "--ignore-theme-index",
                   str(dirs.hicolor)], dirs, outcome)


def _run_tool(args: list[str], dirs: XdgDirs, outcome: Outcome) -> None:
    program = shutil.which(args[0])
    hint = _HINTS.get(args[0], "")
    if program is None:
        outcome.notes.append(f"{args[0]} not found: {hint}" if hint else f"{args[0]} not found")
        return
    try:
        proc = subprocess.run([program, *args[1:]], env=dirs.tool_env(), capture_output=True,
                              text=True, timeout=TOOL_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        outcome.notes.append(f"{args[0]} did not run: {exc}")
        return
    if proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        outcome.notes.append(f"{' '.join(args)} failed (exit {proc.returncode})"
                             + (f": {detail[0]}" if detail else ""))


def _forget_default(path: Path) -> bool:
    """Drops tunestudio.desktop from the project type's lines of a mimeapps.list, and a line
    left empty; other lines are kept byte for byte. True when the file changed."""
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    kept: list[str] = []
    for line in text.splitlines(keepends=True):
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == resources.MIME_TYPE:
            apps = [a for a in value.split(";")
                    if a.strip() and a.strip() != resources.DESKTOP_FILE]
            if not apps:
                continue
            line = f"{key}={';'.join(apps)};\n"
        kept.append(line)
    new = "".join(kept)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True
