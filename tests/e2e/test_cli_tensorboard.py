"""`run --tensorboard DIR` and `export --format tensorboard` as a user runs them; TensorBoard's
own reader finds one run per trial with all its steps and the HParams summary."""

from __future__ import annotations

import json
from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import Budget, save_project


def test_run_and_export_write_one_tensorboard_run_per_trial(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=6)}, epochs=2, fraction=0.2)
    name = project.experiments[0].name
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path), "--quiet", "--tensorboard", str(tmp_path / "live"))
    assert run.returncode == 0, run.stderr
    out = tunestudio("export", str(path), "--format", "tensorboard", "-o",
                     str(tmp_path / "tb"), "--experiment", name)
    assert out.returncode == 0, out.stderr
    assert "TensorBoard logs of 6 run(s)" in out.stderr
    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert len(rows) == 6
    for root in (tmp_path / "live", tmp_path / "tb"):
        assert sorted(p.name for p in (root / name).iterdir()) == \
            [f"trial-{n:04d}" for n in range(6)]
        for row in rows:
            acc = EventAccumulator(str(root / name / f"trial-{row['number']:04d}"),
                                   size_guidance={"scalars": 0})
            acc.Reload()
            assert len(acc.Scalars("train/loss")) == row["metrics"]["steps"]
            [objective] = acc.Scalars("objective/val_accuracy")
            assert abs(objective.value - row["objective"]) < 1e-6  # float32 in the file
            assert "_hparams_/session_start_info" in acc.PluginTagToContent("hparams")


def test_export_to_tensorboard_needs_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "p.tuneproj"
    save_project(tiny_project(), path)
    out = tunestudio("export", str(path), "--format", "tensorboard")
    assert out.returncode == 1 and "-o DIR" in out.stderr
