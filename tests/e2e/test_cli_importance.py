"""`tunestudio importance` on grids of deterministic programs: excluding the best trial
changes the ranking (and `include` restores it), and a conditional search is ranked with its
branch as a factor and each conditional knob within its branch, as the output says."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import tunestudio
from program_helpers import conditional_project, program_project, rows
from tunestudio.config import CategoricalDimension
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunOptions

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

# y matters only through the one outstanding trial (x=3, y=2), which is the best
OUTLIER = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int, default=1)
    p.add_argument("--y", type=int, default=1)
    a = p.parse_args()
    print(f"epoch 1 val_acc={a.x / 10 + (1.0 if (a.x, a.y) == (3, 2) else 0.0)}")
"""

def _importance(path: Path, *extra: str) -> dict[str, Any]:
    done = tunestudio("importance", str(path), "--format", "json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_excluding_the_best_trial_changes_the_importance(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, OUTLIER, [CategoricalDimension(path="params.x", choices=[1, 2, 3]),
                            CategoricalDimension(path="params.y", choices=[1, 2])],
        parameters=[ProgramParameter(name="x", type="int", default=1),
                    ProgramParameter(name="y", type="int", default=1)],
        strategy="grid", trials=None)
    assert tunestudio("run", str(path), "--quiet").returncode == 0
    best = max(rows(project), key=lambda t: t.objective or 0.0)
    before = _importance(path, "--evaluator", "fanova")
    assert before["method"] == "every parameter, over all trials"
    assert before["excluded_trials"] == []
    assert before["importance"]["params.y"] > 0.1  # the outlier makes y matter

    assert tunestudio("exclude", str(path), str(best.number), "--reason", "bad data"
                      ).returncode == 0
    after = _importance(path, "--evaluator", "fanova")
    assert after["excluded_trials"] == [best.number]
    # without it, y never moves the objective: its share falls to the forest's residue
    assert after["importance"]["params.y"] < before["importance"]["params.y"] / 2
    assert after["importance"]["params.x"] > before["importance"]["params.x"]

    assert tunestudio("include", str(path), str(best.number)).returncode == 0
    assert _importance(path, "--evaluator", "fanova")["importance"] == before["importance"]


def test_a_conditional_search_is_ranked_with_its_branch_as_a_factor(tmp_path: Path) -> None:
    _, path = conditional_project(tmp_path)
    assert tunestudio("run", str(path), "--quiet").returncode == 0
    ranked = _importance(path)
    assert ranked["method"].startswith("branch as a factor")
    assert set(ranked["importance"]) == {"params.kind"}
    assert ranked["conditional"] == ["params.beta1", "params.momentum"]
    assert [(b["value"], b["trials"], set(b["importance"])) for b in ranked["branches"]] == \
        [("sgd", 2, {"params.momentum"}), ("adam", 3, {"params.beta1"})]
    table = tunestudio("importance", str(path)).stdout
    assert "branch as a factor" in table and "params.kind = sgd (2 trials):" in table


def test_too_few_trials_say_how_many_more_and_no_warning_of_optuna_s(tmp_path: Path) -> None:
    """One trial: Optuna would warn ("The number of trials is too small ...") and give every
    knob an equal share; the command refuses, naming how many more trials it needs and the
    command that runs them, and nothing of Optuna's reaches the terminal."""
    project, path = program_project(
        tmp_path, OUTLIER, [CategoricalDimension(path="params.x", choices=[1, 2, 3])],
        parameters=[ProgramParameter(name="x", type="int", default=1)], strategy="grid",
        trials=1)
    assert ExperimentRunner(project, "e", base_dir=tmp_path,
                            options=RunOptions(run_programs=True)).run().counts == {
        "complete": 1}
    with warnings.catch_warnings(record=True) as caught:  # pytest's capture would hide them
        warnings.simplefilter("always")
        done = tunestudio("importance", str(path))
    assert [str(w.message) for w in caught] == []
    assert done.returncode == 1 and done.stdout == ""
    assert ("1 trial complete, not excluded; importance compares trials and needs at least 2: "
            f"run 1 more (`tunestudio run {path} --experiment e --trials 1`)") in done.stderr
    assert "Warning" not in done.stderr and "optuna" not in done.stderr.lower()
