"""`tunestudio lr-find`: the range test on a project's baseline before any trial, and the
suggested range written into an experiment's LR dimension, with the file before kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiny_projects import tiny_project
from tunestudio import cli
from tunestudio.config import FloatDimension, load_project, save_project


def test_lr_find_writes_the_suggested_range_into_the_experiment(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.tuneproj"
    project = tiny_project()
    save_project(project, path)
    name = project.experiments[0].name
    assert cli.main(["lr-find", str(path), "--steps", "30", "--device", "cpu",
                     "--write-to", name]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("suggested range:"))
    low, high = (float(v) for v in line.split(":", 1)[1].split(".."))
    dims = {d.path: d for d in load_project(path).experiment(name).search.dimensions}
    lr = dims["optimizer.lr"]
    assert isinstance(lr, FloatDimension) and lr.log
    assert (lr.low, lr.high) == (low, high)  # exactly as printed (repr), not rounded
    assert load_project(path.with_name(path.name + ".before-lr-find")) == project


def test_lr_find_refuses_an_unknown_experiment_before_training(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.tuneproj"
    save_project(tiny_project(), path)
    assert cli.main(["lr-find", str(path), "--write-to", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
