"""`tunestudio exclude` / `include` on a grid of a deterministic program: the excluded best
trial stays listed with its reason, leaves `info`'s best and the default export, its point
runs again on the next `run`, and `include` brings everything back."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from cli_helpers import tunestudio
from program_helpers import program_project, rows
from tunestudio.config import CategoricalDimension
from tunestudio.config.program import ProgramParameter

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

SCRIPT = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int, default=1)
    print(f"epoch 1 val_acc={p.parse_args().x / 10}")
"""


def _info_best(path: Path) -> dict[str, object]:
    done = tunestudio("info", str(path))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["experiments"][0]  # type: ignore[no-any-return]


def test_exclude_and_include_from_the_command_line(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, SCRIPT, [CategoricalDimension(path="params.x", choices=[1, 2, 3])],
        parameters=[ProgramParameter(name="x", type="int", default=1)], strategy="grid",
        trials=None)
    ran = tunestudio("run", str(path), "--quiet")
    assert ran.returncode == 0, ran.stderr
    outcome = json.loads(ran.stdout.strip().splitlines()[-1])
    # the run names the best by the number `exclude` takes (its id in the store differs)
    assert outcome["best_number"] == 2 and outcome["best_trial"] != 2
    assert _info_best(path)["best"]["number"] == 2  # type: ignore[index]

    refused = tunestudio("exclude", str(path), "2", "9", "--reason", "typo")
    assert refused.returncode != 0 and "no trial #9" in refused.stderr
    done = tunestudio("exclude", str(path), "2", "--reason", "ran on the broken data file")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["excluded"] == {"2": "ran on the broken data file"}

    info = _info_best(path)
    assert info["best"]["number"] == 1  # type: ignore[index]
    assert info["excluded"] == {"2": "ran on the broken data file"}
    listed = tunestudio("trials", str(path), "--format", "json")
    assert [r["excluded"] for r in json.loads(listed.stdout)] == \
        [None, None, "ran on the broken data file"]
    assert "ran on the broken data file" in tunestudio("trials", str(path)).stdout
    exported = tunestudio("export", str(path), "--format", "csv").stdout
    assert [r["number"] for r in csv.DictReader(io.StringIO(exported))] == ["0", "1"]
    everything = tunestudio("export", str(path), "--format", "csv", "--include-excluded")
    assert len(list(csv.DictReader(io.StringIO(everything.stdout)))) == 3

    again = tunestudio("run", str(path), "--quiet")  # the grid runs the excluded point again
    assert again.returncode == 0, again.stderr
    trials = rows(project)
    assert [(t.number, t.params["params.x"], t.excluded) for t in trials] == \
        [(0, 1, False), (1, 2, False), (2, 3, True), (3, 3, False)]
    assert _info_best(path)["best"]["number"] == 3  # type: ignore[index]

    assert tunestudio("include", str(path), "2").returncode == 0
    assert _info_best(path)["excluded"] == {}
    assert not any(t.excluded for t in rows(project))
