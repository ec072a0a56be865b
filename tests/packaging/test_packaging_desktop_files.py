"""The Linux desktop entry and MIME declaration, checked by the freedesktop tools themselves:
`desktop-file-validate` for the entry (as packaged and as installed, with an awkward path in
Exec), `xmllint` against the DTD that shared-mime-info ships for the MIME XML."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from packaging_helpers import need_tool

from tunestudio import resources
from tunestudio.desktop.launcher import render_desktop_entry

SYSTEM_MIME_XML = Path("/usr/share/mime/packages/freedesktop.org.xml")


def validate_desktop(path: Path) -> None:
    proc = subprocess.run([need_tool("desktop-file-validate"), str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    errors = [line for line in proc.stdout.splitlines() if "error:" in line]
    assert proc.returncode == 0 and not errors, proc.stdout + proc.stderr


def test_packaged_desktop_entry_is_valid() -> None:
    validate_desktop(Path(str(resources.desktop_entry())))


def test_desktop_entry_opens_project_files_with_tunestudio() -> None:
    text = resources.desktop_entry().read_text(encoding="utf-8")
    keys = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    assert keys["MimeType"] == f"{resources.MIME_TYPE};"
    assert keys["Exec"] == "tunestudio %f"
    assert keys["Icon"] == resources.APP_ID
    assert keys["Type"] == "Application" and keys["Terminal"] == "false"


def test_installed_entry_with_an_awkward_path_is_valid(tmp_path: Path) -> None:
    template = resources.desktop_entry().read_text(encoding="utf-8")
    command = ["/opt/My Apps/100% \"tuned\"/tunestudio", "--flag"]
    entry = tmp_path / resources.DESKTOP_FILE
    entry.write_text(render_desktop_entry(template, command), encoding="utf-8")
    validate_desktop(entry)
    text = entry.read_text(encoding="utf-8")
    assert 'Exec="/opt/My Apps/100%% \\\\"tuned\\\\"/tunestudio" --flag %f' in text
    assert text.count("\nExec=") == 1 and "\nTryExec=/opt/My Apps/" in text


def test_mime_xml_is_well_formed() -> None:
    proc = subprocess.run([need_tool("xmllint"), "--noout", str(resources.mime_xml())],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_mime_xml_follows_the_shared_mime_info_dtd(tmp_path: Path) -> None:
    xmllint = need_tool("xmllint")
    if not SYSTEM_MIME_XML.is_file():
        need_tool("update-mime-database")  # the same package: fails, or skips when opted out
        pytest.fail(f"{SYSTEM_MIME_XML} (package shared-mime-info) carries the DTD")
    found = re.search(r"<!DOCTYPE mime-info \[(.*?)\]>", SYSTEM_MIME_XML.read_text("utf-8"),
                      re.DOTALL)
    assert found, f"no inline DTD in {SYSTEM_MIME_XML}"
    dtd = tmp_path / "mime-info.dtd"
    dtd.write_text(found.group(1), encoding="utf-8")
    proc = subprocess.run([xmllint, "--noout", "--dtdvalid", str(dtd),
                           str(resources.mime_xml())],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_mime_xml_declares_the_project_type() -> None:
    text = resources.mime_xml().read_text(encoding="utf-8")
    assert f'<mime-type type="{resources.MIME_TYPE}">' in text
    assert '<glob pattern="*.tuneproj"' in text
    assert f'<icon name="{resources.MIME_ICON}"/>' in text
    assert '<sub-class-of type="application/json"/>' in text
