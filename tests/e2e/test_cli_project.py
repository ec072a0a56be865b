"""The project commands as a user runs them: a real subprocess of `python -m tunestudio`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import tunestudio


def test_new_then_validate(tmp_path: Path) -> None:
    path = tmp_path / "a.tuneproj"
    made = tunestudio("new", str(path), "--template", "digits")
    assert made.returncode == 0, made.stderr
    checked = tunestudio("validate", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "valid" in checked.stdout


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "a.tuneproj"
    assert tunestudio("new", str(path)).returncode == 0
    before = path.read_bytes()
    again = tunestudio("new", str(path), "--template", "regression")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert path.read_bytes() == before


def test_validate_names_the_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "a.tuneproj"
    tunestudio("new", str(path))
    doc = json.loads(path.read_text())
    doc["baseline"]["optimizer"]["lr"] = -1
    path.write_text(json.dumps(doc))
    out = tunestudio("validate", str(path))
    assert out.returncode == 1
    assert f"{path}: baseline.optimizer.lr: Input should be greater than 0" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_file_gives_a_clear_message_and_stays_unchanged(tmp_path: Path,
                                                                 keep: float) -> None:
    path = tmp_path / "a.tuneproj"
    tunestudio("new", str(path))
    text = path.read_bytes()
    path.write_bytes(text[: int(len(text) * keep)])
    before = path.read_bytes()
    out = tunestudio("validate", str(path))
    assert out.returncode == 1
    assert "invalid JSON" in out.stderr and "line " in out.stderr
    assert "Traceback" not in out.stderr
    assert path.read_bytes() == before


def test_schema_is_json_schema_of_the_project() -> None:
    out = tunestudio("schema")
    assert out.returncode == 0
    schema = json.loads(out.stdout)
    assert schema["title"] == "Project"
    assert "baseline" in schema["properties"]


def test_version() -> None:
    out = tunestudio("--version")
    assert out.returncode == 0 and out.stdout.startswith("TuneStudio ")


def test_demo_without_gui_creates_a_valid_project(isolated_dirs: Path) -> None:
    out = tunestudio("demo", "--no-gui")
    assert out.returncode == 0, out.stderr
    assert "is valid" in out.stdout
    assert list((isolated_dirs / "data" / "demo").glob("*.tuneproj"))


def test_unknown_template_is_a_clear_error(tmp_path: Path) -> None:
    out = tunestudio("new", str(tmp_path / "x.tuneproj"), "--template", "nope")
    assert out.returncode == 2 and "invalid choice" in out.stderr


_KIND = {"type": "categorical", "path": "optimizer.kind", "choices": ["sgd", "adam"]}
_MOMENTUM = {"type": "float", "path": "optimizer.momentum", "low": 0.0, "high": 0.9}


@pytest.mark.parametrize(("dims", "named"), [
    ([_KIND, {**_MOMENTUM, "condition": {"path": "optimizer.nope", "values": ["sgd"]}}],
     "optimizer.momentum: its condition names 'optimizer.nope', which is neither a dimension"),
    ([{**_MOMENTUM, "condition": {"path": "optimizer.kind", "values": ["sgd"]}}, _KIND],
     "optimizer.momentum: its condition names 'optimizer.kind', a later dimension; move "
     "optimizer.kind before optimizer.momentum"),
    ([{**_KIND, "condition": {"path": "optimizer.momentum", "values": [0.5]}},
      {**_MOMENTUM, "condition": {"path": "optimizer.kind", "values": ["sgd"]}}],
     "its condition makes a cycle (optimizer.kind → optimizer.momentum → optimizer.kind)"),
    ([_KIND, {**_MOMENTUM, "condition": {"path": "optimizer.kind", "values": ["rmsprop"]}}],
     "optimizer.momentum: its condition's value(s) rmsprop are outside optimizer.kind's "
     "choices (sgd, adam)"),
], ids=["unknown-knob", "later-dimension", "cycle", "value-outside-choices"])
def test_validate_refuses_each_kind_of_bad_condition(tmp_path: Path, dims: list[object],
                                                      named: str) -> None:
    path = tmp_path / "a.tuneproj"
    assert tunestudio("new", str(path), "--template", "digits").returncode == 0
    doc = json.loads(path.read_text())
    doc["experiments"][0]["search"]["dimensions"] = dims
    path.write_text(json.dumps(doc))
    out = tunestudio("validate", str(path))
    assert out.returncode == 1
    assert named in out.stderr, out.stderr
