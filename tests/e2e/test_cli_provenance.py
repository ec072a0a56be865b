"""A new baseline after a one-variable-at-a-time experiment (the baseline-change case): the
points run again on it, and every command says which trials were trained on the old one."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from cli_helpers import tunestudio

CASES = Path(__file__).parents[1] / "cases"




def test_a_new_baseline_runs_the_plan_again_and_marks_the_old_trials(tmp_path: Path) -> None:
    path = tmp_path / "rebase.tuneproj"
    shutil.copy(CASES / "rebase.tuneproj", path)
    first = tunestudio("run", str(path), "--device", "cpu", "--quiet")
    assert first.returncode == 0, first.stderr
    shutil.copy(CASES / "rebase.after.tuneproj", path)  # epochs 3 -> 6, width 128 -> 32, ...
    second = tunestudio("run", str(path), "--device", "cpu", "--quiet")
    assert second.returncode == 0, second.stderr
    assert "nothing to run" not in second.stderr
    summary = json.loads(second.stdout.splitlines()[-1])
    assert summary["counts"] == {"complete": 3}

    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert [r["config"] for r in rows] == ["other"] * 3 + ["current"] * 3
    assert all(r["metrics"]["epochs"] == 6 for r in rows if r["config"] == "current")
    assert summary["best_trial"] in {r["trial_id"] for r in rows if r["config"] == "current"}

    import tunestudio as ts

    best = ts.load_project(path).experiment().best()
    current = {r["number"] for r in rows if r["config"] == "current"}
    assert best is not None and best.number in current  # not a trial of the old baseline

    info = json.loads(tunestudio("info", str(path)).stdout)["experiments"][0]
    assert info["trained_on_other_config"] == 3
    assert info["best"]["trial_id"] == summary["best_trial"]

    table = tunestudio("export", str(path), "--format", "csv").stdout
    exported = list(csv.DictReader(io.StringIO(table)))
    assert [r["config"] for r in exported] == ["other"] * 3 + ["current"] * 3

    old, new = rows[0]["number"], rows[3]["number"]  # the # column, as export-model --trial
    diff = tunestudio("diff", str(path), str(old), str(new))
    assert diff.returncode == 0, diff.stderr
    marked = {line.split()[1] for line in diff.stdout.splitlines() if line.startswith("*")}
    assert marked == {"training.epochs", "model.width", "data.standardize"}
    assert "another config" in diff.stdout.splitlines()[0]
    assert f"trial #{old} " in diff.stdout.splitlines()[0]
    assert "3 difference(s)" in diff.stderr
    against = json.loads(tunestudio("diff", str(path), str(new), "baseline", "--changed",
                                    "--format", "json").stdout)
    assert against["lines"] == []
    missing = tunestudio("diff", str(path), "99", "baseline")
    assert missing.returncode == 1 and "has no trial #99 (it has: 0, 1, 2, 3, 4, 5)" in \
        missing.stderr
    name = rows[0]["experiment"]
    named = tunestudio("diff", str(path), f"{name}:{old}", f"#{new}")  # the same two trials
    assert named.returncode == 0 and named.stdout == diff.stdout, named.stderr
