"""`tunestudio run` refuses a run whose every trial would fail for one cause: one message, a
nonzero exit, no trial started."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import CsvData, DataConfig, save_project


def test_run_with_a_missing_data_file_is_refused_with_one_message(tmp_path: Path) -> None:
    project = tiny_project()
    baseline = project.baseline.model_copy(update={"data": DataConfig(
        source=CsvData(path="missing.csv", target="label"))})
    path = tmp_path / "p.tuneproj"
    save_project(project.model_copy(update={"baseline": baseline}), path)
    run = tunestudio("run", str(path))
    assert run.returncode == 1
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "was not started" in lines[0]
    assert "data file 'missing.csv' not found" in run.stderr and "data.source.path" in run.stderr
    assert "Traceback" not in run.stderr and "trial 1" not in run.stderr
    listed = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert listed == []
