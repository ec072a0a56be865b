"""`tunestudio --install-desktop` / `--uninstall-desktop` as a user runs them, in a fresh HOME:
afterwards the freedesktop tools themselves say that a `.tuneproj` file is a TuneStudio
project and that TuneStudio opens it; uninstalling takes all of that away again."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from packaging_helpers import Run, need_linux, need_tool

from tunestudio import resources
from tunestudio.desktop import XdgDirs
from tunestudio.desktop.install import _forget_default, copied_files

TUNESTUDIO = (sys.executable, "-m", "tunestudio")


def installed_paths(data_home: Path) -> list[Path]:
    dirs = XdgDirs(data_home=data_home, config_home=data_home.parent / "config")
    return [dirs.desktop_file, *(target for _, target in copied_files(dirs))]


@pytest.fixture
def demo(run_in_session: Run, session_env: dict[str, str]) -> Path:
    made = run_in_session(*TUNESTUDIO, "new", "demo.tuneproj")
    assert made.returncode == 0, made.stderr
    return Path(session_env["HOME"]) / "demo.tuneproj"


def test_install_then_xdg_mime_knows_the_type_and_its_application(
        run_in_session: Run, session_env: dict[str, str], demo: Path) -> None:
    need_linux()
    for tool in ("xdg-mime", "update-mime-database", "update-desktop-database", "mimetype"):
        need_tool(tool)  # xdg-mime without a desktop session asks `mimetype` for file types
    home = Path(session_env["HOME"])

    done = run_in_session(*TUNESTUDIO, "--install-desktop")
    assert done.returncode == 0, done.stderr
    assert "note:" not in done.stderr, done.stderr
    for path in installed_paths(home / ".local" / "share"):
        assert path.is_file(), path

    filetype = run_in_session("xdg-mime", "query", "filetype", demo.name)
    assert filetype.stdout.strip() == resources.MIME_TYPE, filetype
    default = run_in_session("xdg-mime", "query", "default", resources.MIME_TYPE)
    assert default.stdout.strip() == resources.DESKTOP_FILE, default

    entry = (home / ".local/share/applications" / resources.DESKTOP_FILE).read_text("utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    program = Path(shlex.split(exec_line.removeprefix("Exec="))[0])
    assert program.is_absolute() and program.is_file(), exec_line
    assert exec_line.endswith(" %f")

    gone = run_in_session(*TUNESTUDIO, "--uninstall-desktop")
    assert gone.returncode == 0, gone.stderr
    assert not [p for p in installed_paths(home / ".local" / "share") if p.exists()]
    assert resources.MIME_TYPE not in (home / ".config" / "mimeapps.list").read_text("utf-8")
    after = run_in_session("xdg-mime", "query", "filetype", demo.name)
    assert after.stdout.strip() != resources.MIME_TYPE


def test_install_follows_xdg_data_home(run_in_session: Run, session_env: dict[str, str],
                                       tmp_path: Path) -> None:
    need_linux()
    env = {**session_env, "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = run_in_session(*TUNESTUDIO, "--install-desktop", env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "applications" / resources.DESKTOP_FILE).is_file()
    assert (tmp_path / "data" / "mime" / "packages" / resources.MIME_XML).is_file()
    assert not (Path(session_env["HOME"]) / ".local").exists()
    assert run_in_session(*TUNESTUDIO, "--uninstall-desktop", env=env).returncode == 0
    assert not (tmp_path / "data" / "applications" / resources.DESKTOP_FILE).exists()


def test_without_the_tools_files_are_installed_and_notes_say_what_is_missing(
        run_in_session: Run, session_env: dict[str, str], tmp_path: Path) -> None:
    need_linux()
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done = run_in_session(*TUNESTUDIO, "--install-desktop", env={**session_env, "PATH": str(empty)})
    assert done.returncode == 0, done.stderr
    assert "note: xdg-mime not found" in done.stderr
    assert "note: update-mime-database not found" in done.stderr
    home = Path(session_env["HOME"])
    assert (home / ".local/share/applications" / resources.DESKTOP_FILE).is_file()


def test_bad_use_is_refused(run_in_session: Run) -> None:
    bad = run_in_session(*TUNESTUDIO, "--install-desktop", "extra")
    assert bad.returncode == 2 and "usage:" in bad.stderr


def test_forget_default_keeps_other_applications_and_lines(tmp_path: Path) -> None:
    mimeapps = tmp_path / "mimeapps.list"
    mimeapps.write_text(
        "[Default Applications]\n"
        f"{resources.MIME_TYPE}=tunestudio.desktop\n"
        "text/plain=gedit.desktop\n"
        "[Added Associations]\n"
        f"{resources.MIME_TYPE}=code.desktop;tunestudio.desktop;\n", encoding="utf-8")
    assert _forget_default(mimeapps)
    assert mimeapps.read_text(encoding="utf-8") == (
        "[Default Applications]\n"
        "text/plain=gedit.desktop\n"
        "[Added Associations]\n"
        f"{resources.MIME_TYPE}=code.desktop;\n")
    assert not _forget_default(mimeapps), "a second pass changes nothing"
