"""The command an installed desktop entry runs: the program that is running now, by absolute
path (bundle, `tunestudio` script, or `python -m tunestudio`), quoted as the Desktop Entry
Specification asks; and the clear refusal on Windows and macOS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tunestudio import desktop
from tunestudio.desktop.launcher import exec_line, launcher_command, quote_exec_arg


def test_frozen_bundle_runs_its_executable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/TuneStudio/tunestudio")
    assert launcher_command() == ["/opt/TuneStudio/tunestudio"]


def test_started_script_is_named_by_absolute_path(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "bin" / "tunestudio"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["bin/tunestudio", "--install-desktop"])
    assert launcher_command() == [str(script)]


def test_python_m_uses_the_script_beside_python_or_python_itself(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    monkeypatch.setattr(sys, "argv", ["/x/tunestudio/__main__.py", "--install-desktop"])
    monkeypatch.setattr(sys, "executable", str(python))
    assert launcher_command() == [str(python), "-m", "tunestudio"]
    (tmp_path / "bin" / "tunestudio").write_text("#!/bin/sh\n")
    assert launcher_command() == [str(tmp_path / "bin" / "tunestudio")]


@pytest.mark.parametrize(("arg", "quoted"), [
    ("/usr/bin/tunestudio", "/usr/bin/tunestudio"),
    ("/home/a b/tunestudio", '"/home/a b/tunestudio"'),
    ("/opt/$HOME/x", '"/opt/\\$HOME/x"'),
    ("50%", "50%%"),
    ("", '""'),
])
def test_exec_arguments_are_quoted(arg: str, quoted: str) -> None:
    assert quote_exec_arg(arg) == quoted


def test_exec_line_escapes_backslashes_for_the_string_value() -> None:
    # A literal backslash in a quoted argument is four backslashes in the file.
    assert exec_line(["/a b\\c"]) == '"/a b\\\\\\\\c" %f'


def test_windows_and_macos_are_told_to_use_the_bundle(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert desktop.main(["--install-desktop"]) == 1
    assert "Linux desktops" in capsys.readouterr().err
