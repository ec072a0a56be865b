"""The packaged resources: every file the locator names exists, the icons are the sizes their
names say, the demo projects load and match the templates they were written from, and
`tunestudio demo` copies the bundled demo without ever overwriting the user's copy."""

from __future__ import annotations

import json
import struct
import xml.etree.ElementTree as ET
from importlib.resources.abc import Traversable
from pathlib import Path

import pytest

from tunestudio import cli, resources
from tunestudio.config import dump_project, from_template, load_project, parse_project

SVG_NS = "{http://www.w3.org/2000/svg}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


@pytest.mark.parametrize("name", [resources.APP_ID, resources.MIME_ICON])
@pytest.mark.parametrize("size", resources.ICON_SIZES)
def test_png_icons_have_their_size(name: str, size: int) -> None:
    assert png_size(resources.icon_png(name, size).read_bytes()) == (size, size)


@pytest.mark.parametrize("svg", [resources.app_icon_svg(), resources.mime_icon_svg()])
def test_svg_icons_are_square_svg(svg: Traversable) -> None:
    root = ET.fromstring(svg.read_bytes())
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 256 256"


def test_unknown_sizes_and_demos_are_refused() -> None:
    with pytest.raises(ValueError, match="sizes: 16"):
        resources.icon_png(resources.APP_ID, 100)
    with pytest.raises(KeyError, match="known: digits, regression"):
        resources.demo_project("mnist")


def test_every_resource_file_is_package_data() -> None:
    """The locator's files are real files under the package, as pyproject's package-data
    ships them (`resources/**/*`) and the PyInstaller spec collects them."""
    root = Path(str(resources.root()))
    named = [resources.desktop_entry(), resources.mime_xml(), resources.app_icon_svg(),
             resources.mime_icon_svg(),
             *(resources.demo_project(d) for d in resources.DEMOS),
             *(resources.icon_png(n, s) for n in (resources.APP_ID, resources.MIME_ICON)
               for s in resources.ICON_SIZES)]
    for item in named:
        path = Path(str(item))
        assert path.is_file(), path
        assert root in path.parents


@pytest.mark.parametrize("name", resources.DEMOS)
def test_demo_projects_load_and_match_their_template(name: str) -> None:
    path = Path(str(resources.demo_project(name)))
    project = load_project(path)
    assert project.experiments, "a demo comes with an experiment ready to run"
    expected = dump_project(from_template(name).model_copy(update={"id": project.id}))
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.name} is out of date with the '{name}' template: run "
        "`.venv/bin/python packaging/make_demos.py` and commit the result")


def test_demo_ids_differ_and_are_stable() -> None:
    ids = [json.loads(resources.demo_project(n).read_text(encoding="utf-8"))["id"]
           for n in resources.DEMOS]
    assert len(set(ids)) == len(ids)


def test_demo_command_copies_the_bundled_file_once(isolated_dirs: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--no-gui"]) == 0
    copy = cli.demo_project_path()
    assert copy.read_bytes() == resources.demo_project("digits").read_bytes()
    edited = parse_project(copy.read_bytes()).model_copy(update={"notes": "mine"})
    copy.write_text(dump_project(edited), encoding="utf-8")
    assert cli.main(["demo", "--no-gui"]) == 0
    assert load_project(copy).notes == "mine", "the user's demo copy was overwritten"
    assert "demo project 'Digits' is valid" in capsys.readouterr().out
