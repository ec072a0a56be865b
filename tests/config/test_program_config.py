"""A program baseline: its parameters searched as params.NAME, checked against the program
before anything runs, its values merged and typed as a trial's, the file migrated."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tunestudio.config import (
    SCHEMA_VERSION,
    CategoricalDimension,
    Experiment,
    FloatDimension,
    IntDimension,
    InvalidConfigError,
    Objective,
    Project,
    RunConfig,
    SearchDefinition,
    iter_leaves,
    merge_values,
    parse_project,
    resolve,
)
from tunestudio.config.program import ProgramConfig, ProgramParameter, program_problems
from tunestudio.config.search import baseline_value, ovat_values


def program(**kw: Any) -> ProgramConfig:
    params = [ProgramParameter(name="lr", type="float", default=0.01),
              ProgramParameter(name="hidden", type="int", default=32),
              ProgramParameter(name="act", type="str", default="relu", choices=["relu", "tanh"]),
              ProgramParameter(name="amp", type="bool", default=False),
              ProgramParameter(name="seed", type="int", default=0)]
    return ProgramConfig(**{"command": "python train.py", "parameters": params, **kw})


def project(*dims: Any, metric: str = "val_acc", repeats: int = 1,
            prog: ProgramConfig | None = None) -> Project:
    search = SearchDefinition(dimensions=list(dims), objective=Objective(metric=metric),
                              repeats=repeats)
    return Project(baseline=RunConfig(program=prog or program()),
                   experiments=[Experiment(name="e", search=search)])


def test_dimensions_name_parameters_and_fit_their_types() -> None:
    p = project(FloatDimension(path="params.lr", low=1e-4, high=0.1, log=True),
                IntDimension(path="params.hidden", low=8, high=64),
                CategoricalDimension(path="params.act", choices=["relu", "tanh"]),
                CategoricalDimension(path="params.amp", choices=[True, False]))
    assert [d.parameter for d in p.experiments[0].search.dimensions] == ["lr", "hidden", "act",
                                                                         "amp"]


@pytest.mark.parametrize(("dim", "words"), [
    (FloatDimension(path="params.nope", low=0.1, high=1.0),
     "the program has no parameter 'nope' (its parameters: params.lr, params.hidden"),
    (FloatDimension(path="params.hidden", low=1.0, high=9.0), "params.hidden is an int "
     "parameter; use an int dimension"),
    (IntDimension(path="params.act", low=1, high=3), "params.act is a str parameter; use a "
     "categorical dimension"),
    (CategoricalDimension(path="params.act", choices=["relu", "gelu"]), "'gelu' is not one of "
     "its choices"),
    (CategoricalDimension(path="params.hidden", choices=[16, "wide"]), "'wide' is not an int"),
    (FloatDimension(path="optimizer.lr", low=1e-4, high=0.1), "optimizer.lr is a built-in "
     "field; the baseline is a program"),
])
def test_a_dimension_the_program_cannot_take_is_refused_by_name(dim: Any, words: str) -> None:
    with pytest.raises(ValidationError) as err:
        project(dim)
    assert words in str(err.value)


def test_program_parameters_need_a_program_baseline() -> None:
    search = SearchDefinition(dimensions=[FloatDimension(path="params.lr", low=0.1, high=1.0)])
    with pytest.raises(ValidationError, match="the baseline has no program"):
        Project(experiments=[Experiment(name="e", search=search)])
    with pytest.raises(ValidationError, match="this run has no program"):
        RunConfig(params={"lr": 0.1})


def test_repeats_need_the_seed_parameter() -> None:
    with pytest.raises(ValidationError, match="seed_parameter"):
        project(repeats=3)
    assert project(repeats=3, prog=program(seed_parameter="seed")).experiments[0]


def test_merged_values_are_typed_and_checked() -> None:
    base = RunConfig(program=program())
    merged = merge_values(base, {"params.lr": 1, "params.hidden": 64.0})
    assert merged.params == {"lr": 1.0, "hidden": 64}
    assert isinstance(merged.params["lr"], float) and isinstance(merged.params["hidden"], int)
    assert merged.program_values == {"lr": 1.0, "hidden": 64, "act": "relu", "amp": False,
                                     "seed": 0}
    with pytest.raises(InvalidConfigError, match="no parameter 'width'"):
        merge_values(base, {"params.width": 3})
    with pytest.raises(InvalidConfigError, match="'gelu' is not one of its choices"):
        merge_values(base, {"params.act": "gelu"})


def test_ovat_runs_around_the_program_defaults() -> None:
    base = RunConfig(program=program())
    dim = IntDimension(path="params.hidden", low=16, high=64, values=[16, 32, 64])
    assert baseline_value(base, "params.hidden") == 32
    plan = ovat_values(SearchDefinition(strategy="ovat", dimensions=[dim]), base)
    assert plan == [{}, {"params.hidden": 16}, {"params.hidden": 64}]  # 32 is the baseline


def test_program_fields_are_no_knobs() -> None:
    assert not [leaf for leaf in iter_leaves(RunConfig)
                if leaf.path.startswith(("program", "params"))]
    with pytest.raises(ValueError, match="the program itself"):
        resolve(RunConfig, "program.timeout_s")


@pytest.mark.parametrize(("kw", "words"), [
    ({"metric_pattern": "val_acc=([0-9.]+)"}, "no named group"),
    ({"metric_pattern": "(?P<key>\\w+)="}, "both groups 'key' and 'value'"),
    ({"metric_pattern": "(?P<x>[0-9"}, "not a regular expression"),
    ({"seed_parameter": "lr"}, "seed_parameter 'lr' is a float"),
    ({"seed_parameter": "rng"}, "seed_parameter 'rng' is not one of the parameters"),
    ({"command": "python 'train.py"}, "check its quotes"),
    ({"command": "mod:fn", "pass_values": "env"}, "keyword arguments"),
])
def test_program_settings_are_checked(kw: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        program(**kw)


def test_a_default_must_fit_its_type() -> None:
    with pytest.raises(ValidationError, match="'fast' is not a float"):
        ProgramParameter(name="lr", type="float", default="fast")


def test_objectives_name_what_a_program_prints() -> None:
    assert project(metric="val_acc").experiments[0].search.objective.resolved_direction \
        == "maximize"
    assert project(metric="val/f1").experiments[0].search.objective.resolved_direction \
        == "maximize"
    assert project(metric="val_ppl").experiments[0].search.objective.resolved_direction \
        == "minimize"
    with pytest.raises(ValidationError, match="rewards overfitting"):
        project(metric="train_acc")
    with pytest.raises(ValidationError, match="does not exist for classification"):
        Project(experiments=[Experiment(name="e", search=SearchDefinition(
            objective=Objective(metric="val_acc")))])


def test_problems_are_found_before_anything_runs(tmp_path: Path) -> None:
    assert program_problems(program(), tmp_path) == [
        f"program.command: no such file: {tmp_path / 'train.py'} (relative paths start at "
        f"the program's working folder, {tmp_path})"]
    (tmp_path / "train.py").write_text("print('val_acc=1')\n")
    assert program_problems(program(), tmp_path) == []
    assert "no such folder" in program_problems(program(working_dir="code"), tmp_path)[0]
    tool = tmp_path / "train.sh"
    tool.write_text("#!/bin/sh\necho val_acc=1\n")
    assert "is not executable" in program_problems(program(command="./train.sh"), tmp_path)[0]
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    assert program_problems(program(command="./train.sh"), tmp_path) == []
    assert "no program 'no-such-trainer' on the PATH" in program_problems(
        program(command="no-such-trainer --fast"), tmp_path)[0]
    assert "no module 'nomodule'" in program_problems(program(command="nomodule:train"),
                                                      tmp_path)[0]
    (tmp_path / "mymodel.py").write_text("def train(lr): return lr\n")
    assert program_problems(program(command="mymodel:train"), tmp_path) == []
    assert os.access(tool, os.X_OK)


def test_version_2_files_migrate_and_program_projects_round_trip() -> None:
    old = json.loads(Project().model_dump_json())
    old["schema_version"] = 2
    del old["baseline"]["program"], old["baseline"]["params"]
    assert parse_project(json.dumps(old)).schema_version == SCHEMA_VERSION == 3
    p = project(FloatDimension(path="params.lr", low=1e-4, high=0.1, log=True))
    assert parse_project(p.model_dump_json()) == p
