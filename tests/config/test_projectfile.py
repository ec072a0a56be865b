"""Project files: round trips, every kind of broken file, atomic saves, migrations."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tunestudio.config import (
    SCHEMA_VERSION,
    Project,
    ProjectFileError,
    dump_project,
    from_template,
    load_project,
    parse_project,
    save_project,
)
from tunestudio.config.projectfile import migrate

REAL_FILE = dump_project(from_template("digits"))


def test_templates_are_valid_and_round_trip(tmp_path: Path) -> None:
    for name in ("digits", "regression"):
        project = from_template(name)
        path = tmp_path / f"{name}.tuneproj"
        save_project(project, path)
        assert load_project(path) == project


def test_new_projects_get_fresh_ids() -> None:
    assert from_template("digits").id != from_template("digits").id


# Generated configs: every field drawn from its own valid range, then round-tripped.
configs = st.fixed_dictionaries(
    {
        "optimizer": st.one_of(
            st.fixed_dictionaries({
                "kind": st.just("sgd"),
                "lr": st.floats(1e-6, 1.0),
                "momentum": st.floats(0.0, 0.99),
                "weight_decay": st.floats(0.0, 0.1),
            }),
            st.fixed_dictionaries({
                "kind": st.sampled_from(["adam", "adamw"]),
                "lr": st.floats(1e-6, 1.0),
                "beta1": st.floats(0.0, 0.99),
                "eps": st.floats(1e-10, 1e-3),
            }),
        ),
        "model": st.one_of(
            st.fixed_dictionaries({
                "kind": st.just("mlp"),
                "width": st.integers(1, 4096),
                "depth": st.integers(0, 8),
                "dropout": st.floats(0.0, 0.9),
                "activation": st.sampled_from(["relu", "gelu", "tanh"]),
                "batch_norm": st.booleans(),
            }),
            st.fixed_dictionaries({
                "kind": st.just("cnn"),
                "channels": st.lists(st.integers(1, 64), min_size=1, max_size=4),
                "kernel_size": st.sampled_from([1, 3, 5]),
            }),
        ),
        "schedule": st.one_of(
            st.fixed_dictionaries({"kind": st.just("cosine"),
                                   "warmup_epochs": st.floats(0, 5),
                                   "min_lr_fraction": st.floats(0, 0.5)}),
            st.fixed_dictionaries({"kind": st.just("step"), "warmup_epochs": st.floats(0, 5),
                                   "step_epochs": st.floats(0.5, 50),
                                   "gamma": st.floats(0.01, 0.99)}),
            st.fixed_dictionaries({"kind": st.just("plateau"), "warmup_epochs": st.just(0.0),
                                   "patience": st.integers(0, 10)}),
        ),
        "training": st.fixed_dictionaries({
            "epochs": st.integers(6, 500),
            "batch_size": st.integers(1, 4096),
            "seed": st.integers(0, 2**31),
            "grad_clip_norm": st.none() | st.floats(0.01, 100),
        }),
        "data": st.fixed_dictionaries({
            "val_fraction": st.floats(0.05, 0.4),
            "test_fraction": st.floats(0.0, 0.4),
            "split_seed": st.integers(0, 1000),
        }),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(baseline=configs, notes=st.text(max_size=50), name=st.text(min_size=1, max_size=30))
def test_save_load_round_trip(tmp_path_factory: pytest.TempPathFactory,
                              baseline: dict[str, Any], notes: str, name: str) -> None:
    if not name.strip():
        name = "x"
    project = Project.model_validate({"name": name, "baseline": baseline, "notes": notes})
    path = tmp_path_factory.mktemp("rt") / "p.tuneproj"
    save_project(project, path)
    assert load_project(path) == project


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_bytes_raise_only_the_project_file_error(blob: bytes) -> None:
    with pytest.raises(ProjectFileError):
        parse_project(blob, "garbage.tuneproj")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_garbage_json_raises_only_the_project_file_error(value: Any) -> None:
    with pytest.raises(ProjectFileError):
        parse_project(json.dumps(value), "garbage.tuneproj")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(REAL_FILE) - 2))
def test_truncations_raise_only_the_project_file_error(cut: int) -> None:
    with pytest.raises(ProjectFileError):
        parse_project(REAL_FILE[:cut], "cut.tuneproj")


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_mutated_real_file_raises_only_the_project_file_error_or_loads(data: st.DataObject) -> None:
    doc = json.loads(REAL_FILE)
    node = doc
    path: list[str] = []
    while isinstance(node, dict) and node:
        key = data.draw(st.sampled_from(sorted(node)))
        path.append(key)
        if not isinstance(node[key], dict) or data.draw(st.booleans()):
            node[key] = data.draw(json_values)
            break
        node = node[key]
    try:
        parse_project(json.dumps(doc), "mutated.tuneproj")
    except ProjectFileError as exc:
        assert exc.problems and all(isinstance(loc, str) for loc, _ in exc.problems)


def test_json_syntax_error_names_line_and_column() -> None:
    with pytest.raises(ProjectFileError) as info:
        parse_project('{\n  "name": "x",\n  oops\n}', "bad.tuneproj")
    assert info.value.problems[0][0] == "line 3, column 3"
    assert "bad.tuneproj: line 3, column 3: invalid JSON" in str(info.value)


def test_invalid_field_is_named_with_its_path() -> None:
    doc = json.loads(REAL_FILE)
    doc["baseline"]["optimizer"]["lr"] = -1
    with pytest.raises(ProjectFileError) as info:
        parse_project(json.dumps(doc), "p.tuneproj")
    assert info.value.problems == [("baseline.optimizer.lr", "Input should be greater than 0")]


def test_newer_schema_version_is_refused_clearly() -> None:
    doc = json.loads(REAL_FILE)
    doc["schema_version"] = SCHEMA_VERSION + 1
    with pytest.raises(ProjectFileError, match="newer TuneStudio"):
        parse_project(json.dumps(doc))


def test_migration_from_version_1() -> None:
    doc = json.loads(REAL_FILE)
    current = Project.model_validate(doc)
    v1 = json.loads(REAL_FILE)
    v1["schema_version"] = 1
    v1["baseline"]["optimizer"]["learning_rate"] = v1["baseline"]["optimizer"].pop("lr")
    v1["experiments"] = {e.pop("name"): e for e in v1["experiments"]}
    v1["experiments"]["bayes-lr-wd-width-batch"]["search"]["dimensions"][0]["path"] = (
        "optimizer.learning_rate"
    )
    migrated = parse_project(json.dumps(v1), "old.tuneproj")
    assert migrated == current
    assert migrate(json.loads(REAL_FILE))["schema_version"] == SCHEMA_VERSION


def test_missing_file_is_a_project_file_error(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="no such file"):
        load_project(tmp_path / "nope.tuneproj")


def test_interrupted_save_leaves_previous_file_intact(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.tuneproj"
    first = from_template("digits")
    save_project(first, path)
    before = path.read_bytes()

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut before the rename")

    monkeypatch.setattr(os, "replace", crash)
    changed = first.model_copy(update={"name": "changed"})
    with pytest.raises(OSError, match="power cut"):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.tuneproj"]  # no temp file left


def test_save_is_durable_and_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "p.tuneproj"
    save_project(from_template("regression"), path)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION


def test_saving_syncs_the_file_before_the_rename_and_the_folder_after(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Durable through a power cut: the new bytes reach the disk before they replace the old
    file (fsync of the file), and the rename itself reaches it (fsync of the folder)."""
    path = tmp_path / "p.tuneproj"
    save_project(from_template("digits"), path)
    old = path.read_bytes()
    project = from_template("digits").model_copy(update={"name": "Renamed"})
    synced: list[tuple[str, bytes]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kind = "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"
        if kind == "folder":
            assert os.fstat(fd).st_ino == tmp_path.stat().st_ino
        synced.append((kind, path.read_bytes()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    save_project(project, path)
    assert [kind for kind, _ in synced] == ["file", "folder"]
    assert synced[0][1] == old  # the file is synced while the old one is still in place
    assert b"Renamed" in synced[1][1]  # the folder after the rename
