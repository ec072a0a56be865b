"""Patience counts the experiment's whole history, earlier runs included (as Optuna's study
callbacks and Ax's global stopping judge the study): a run started again after a stop by
patience goes on only as far as a larger patience allows, and stops at once with the same."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from program_helpers import program_project, rows
from tunestudio.cli import build_parser
from tunestudio.config import CategoricalDimension, Project, StopRules
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunOptions, RunSummary

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

SCRIPT = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int, default=1)
    print(f"epoch 1 val_acc={p.parse_args().x / 10}")
"""


def _run(project: Project, folder: Path, patience: int) -> RunSummary:
    return ExperimentRunner(project, "e", base_dir=folder, options=RunOptions(
        run_programs=True, stop=StopRules(patience=patience))).run()


def test_patience_counts_the_trials_of_earlier_runs(tmp_path: Path) -> None:
    project, _ = program_project(
        tmp_path, SCRIPT, [CategoricalDimension(path="params.x", choices=[5, 1, 2, 3, 4, 6])],
        parameters=[ProgramParameter(name="x", type="int", default=1)], strategy="grid",
        trials=None)
    first = _run(project, tmp_path, 3)  # 0.5, then 0.1, 0.2, 0.3: three without improvement
    assert first.counts == {"complete": 4}
    again = _run(project, tmp_path, 3)  # the same rule still holds on the history
    assert again.counts == {} and again.stop_rule == "no improvement in 3 trials (patience 3)"
    # one more trial (0.4, no improvement) makes four; counted in this run alone, 0.6 would
    # have run too
    more = _run(project, tmp_path, 4)
    assert more.counts == {"complete": 1}
    assert more.stop_rule == "no improvement in 4 trials (patience 4)"
    assert [r.params["params.x"] for r in rows(project)] == [5, 1, 2, 3, 4]


def test_the_help_and_the_window_s_tooltip_say_patience_counts_earlier_runs() -> None:
    """`run --help` and the field's description (the editor's tooltip) say so."""
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert "whole history (earlier runs" in " ".join(sub.choices["run"].format_help().split())
    assert "earlier runs included" in (StopRules.model_fields["patience"].description or "")
