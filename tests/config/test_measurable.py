"""A metric the run would never produce is refused before anything trains (the
objective-without-validation case): the objective (also the pruner's), the early-stopping
monitor and the plateau schedule's monitor all need a validation split when they watch one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tunestudio.config import (
    InvalidConfigError,
    PlateauSchedule,
    Project,
    ProjectFileError,
    PrunerConfig,
    from_template,
    load_project,
    merge_values,
)
from tunestudio.config.project import objective_problem

CASES = Path(__file__).parents[1] / "cases"


def _without_validation(project: Project) -> dict[str, object]:
    data = project.model_dump(mode="json")
    data["baseline"]["data"]["val_fraction"] = 0.0
    data["baseline"]["early_stopping"]["monitor"] = "train_loss"
    return data


def test_the_case_is_refused_naming_val_fraction_and_the_objective() -> None:
    with pytest.raises(ProjectFileError) as caught:
        load_project(CASES / "noval.tuneproj")
    message = str(caught.value)
    assert "baseline.data.val_fraction" in message
    assert "'val_accuracy'" in message and "median pruner" in message
    assert "experiment 'lr'" in message


def test_an_objective_without_a_pruner_is_refused_too() -> None:
    project = from_template("digits")
    data = _without_validation(project)
    data["experiments"][0]["search"]["pruner"] = {"kind": "none"}  # type: ignore[index]
    with pytest.raises(ValueError, match=r"never measures its objective 'val_\w+' "
                                         r"\(search.objective.metric\)"):
        Project.model_validate(data)


def test_with_a_validation_split_the_same_project_is_valid() -> None:
    project = from_template("digits")
    data = _without_validation(project)
    data["baseline"]["data"]["val_fraction"] = 0.2  # type: ignore[index]
    Project.model_validate(data)


def test_a_trials_config_without_validation_is_named_before_it_trains() -> None:
    project = from_template("digits")
    search = project.experiments[0].search.model_copy(update={"pruner": PrunerConfig()})
    base = merge_values(project.baseline, {"early_stopping.monitor": "train_loss"})
    assert objective_problem(search, base) is None
    trial = merge_values(base, {"data.val_fraction": 0.0})
    problem = objective_problem(search, trial)
    assert problem is not None and problem.startswith("data.val_fraction is 0")


def test_monitors_of_validation_metrics_need_a_validation_split() -> None:
    base = from_template("digits").baseline
    assert base.data.val_fraction > 0 and base.early_stopping.monitor == "val_loss"
    with pytest.raises(InvalidConfigError, match=r"early_stopping.monitor: 'val_loss' is never "
                                         r"measured because data.val_fraction is 0"):
        merge_values(base, {"data.val_fraction": 0.0})
    plateau = merge_values(base, {"early_stopping.monitor": "train_loss", "schedule.kind":
                                  "plateau", "schedule.monitor": "val_accuracy"})
    assert isinstance(plateau.schedule, PlateauSchedule)
    with pytest.raises(InvalidConfigError, match=r"schedule.monitor: 'val_accuracy' is never "
                                         r"measured because data.val_fraction is 0"):
        merge_values(plateau, {"data.val_fraction": 0.0})


def test_validate_and_run_refuse_the_case_before_training(tmp_path: Path) -> None:
    path = tmp_path / "noval.tuneproj"
    path.write_bytes((CASES / "noval.tuneproj").read_bytes())
    for command in (["validate", str(path)], ["run", str(path), "--device", "cpu"]):
        out = subprocess.run([sys.executable, "-m", "tunestudio", *command],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 1, out.stdout
        assert "data.val_fraction" in out.stderr and "val_accuracy" in out.stderr
        assert "trial" not in out.stdout
