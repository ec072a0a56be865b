"""A run whose every trial would fail for one cause is refused before its first trial: the
runner raises PreflightError naming the field, and the study holds no trial."""

from __future__ import annotations

from pathlib import Path

import pytest

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    CsvData,
    DataConfig,
    FloatDimension,
    Project,
    PythonModel,
)
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.preflight import FailureStreak, PreflightError, preflight


def _with(project: Project, **baseline: object) -> Project:
    return project.model_copy(update={"baseline": project.baseline.model_copy(update=baseline)})


def _regression_csv(path: Path) -> Path:
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i * 0.5}\n" for i in range(40)))
    return path


def _stored_trials(project: Project) -> int:
    store = open_store(project)
    try:
        return sum(len(list(store.trials(e.id))) for e in store.experiments())
    finally:
        store.close()


def test_a_missing_data_file_refuses_the_run_before_any_trial(tmp_path: Path) -> None:
    project = _with(tiny_project(), data=DataConfig(
        source=CsvData(path="gone.csv", target="y", task="regression")))
    name = project.experiments[0].name
    with pytest.raises(PreflightError) as caught:
        ExperimentRunner(project, name, base_dir=tmp_path).run()
    [problem] = caught.value.problems
    assert "data file 'gone.csv' not found" in problem and "data.source.path" in problem
    assert str(tmp_path) in problem  # where a relative path was looked for
    assert "was not started" in str(caught.value)
    assert _stored_trials(project) == 0


def test_a_model_file_that_does_not_import_refuses_the_run(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text("def build_model(input_shape, n_outputs)\n    return 1\n")
    project = _with(tiny_project(), model=PythonModel(path="net.py"))
    with pytest.raises(PreflightError) as caught:
        ExperimentRunner(project, project.experiments[0].name, base_dir=tmp_path).run()
    [problem] = caught.value.problems
    assert "the model file cannot be used" in problem and "SyntaxError" in problem
    assert _stored_trials(project) == 0


def test_a_model_file_without_its_function_is_named(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text("def make():\n    return 1\n")
    project = _with(tiny_project(), model=PythonModel(path="net.py"))
    with pytest.raises(PreflightError, match="no function 'build_model'"):
        preflight(project, project.experiments[0].name, tmp_path)


def test_unreadable_data_and_every_missing_file_are_listed(tmp_path: Path) -> None:
    _regression_csv(tmp_path / "d.csv")
    project = _with(tiny_project(), data=DataConfig(
        source=CsvData(path="d.csv", target="price", task="regression")))
    with pytest.raises(PreflightError, match="no target column 'price'"):
        preflight(project, project.experiments[0].name, tmp_path)
    both = _with(project, model=PythonModel(path="nowhere/net.py", weights_path="w.pt"),
                 data=DataConfig(source=CsvData(path="none.csv", target="y")))
    with pytest.raises(PreflightError) as caught:
        preflight(both, both.experiments[0].name, tmp_path)
    assert [p.split("'")[1] for p in caught.value.problems] == [
        "none.csv", "nowhere/net.py", "w.pt"]


def test_readable_files_pass(tmp_path: Path) -> None:
    _regression_csv(tmp_path / "d.csv")
    (tmp_path / "net.py").write_text(
        "import torch\n\ndef build_model(input_shape, n_outputs):\n"
        "    return torch.nn.Linear(input_shape[0], n_outputs)\n")
    project = _with(tiny_project(), model=PythonModel(path="net.py"), data=DataConfig(
        source=CsvData(path=str(tmp_path / "d.csv"), target="y", task="regression")))
    preflight(project, project.experiments[0].name, tmp_path)  # raises nothing


def test_the_first_trials_failing_alike_stop_the_run(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(
        "def build_model(input_shape, n_outputs):\n    raise ValueError('unfinished')\n")
    project = _with(tiny_project(), model=PythonModel(path="net.py"))
    search = project.experiments[0].search.model_copy(update={
        "budget": Budget(trials=12),
        "dimensions": [FloatDimension(path="optimizer.lr", low=1e-3, high=1e-2, log=True)]})
    project = project.model_copy(update={"experiments": [
        project.experiments[0].model_copy(update={"search": search})]})
    summary = ExperimentRunner(project, project.experiments[0].name, base_dir=tmp_path).run()
    assert summary.halted and not summary.stopped
    assert summary.message.startswith("stopped: the first 3 trials failed with the same error")
    assert "unfinished" in summary.message
    assert summary.counts["failed"] >= 3
    assert sum(summary.counts.values()) <= 6  # the streak and those under way, not all 12


def test_a_failure_streak_counts_only_a_runs_first_trials() -> None:
    streak = FailureStreak(3)
    assert streak.add("failed", "boom\ntrace 1") is None
    assert streak.add("invalid", "lr must be > 0") is None  # sampled values, not the setup
    assert streak.add("failed", "boom\ntrace 2") is None
    assert "boom" in (streak.add("failed", "boom") or "")
    mixed = FailureStreak(3)
    assert [mixed.add("failed", m) for m in ("a", "b", "a", "a")] == [None] * 4
    after_success = FailureStreak(2)
    after_success.add("complete", None)
    assert [after_success.add("failed", "oom") for _ in range(3)] == [None] * 3


def test_the_images_templates_folder_is_built_for_a_first_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tunestudio new --template images` then `run`: the folder is built on first use, by
    the run as by `train` (the run was refused: 'data folder ... not found')."""
    from tunestudio.config.templates import from_template

    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = from_template("images")
    folder = Path(project.baseline.data.source.path)  # type: ignore[union-attr]
    assert not folder.exists()
    preflight(project, project.experiments[0].name, tmp_path)
    assert len(list(folder.rglob("*.png"))) == 1000
