"""Stop rules on a grid of a deterministic program (the objective is x / 10): each rule stops
the run at the right trial and names itself, a stopped run goes on with a new rule, and two
processes on one database stop together."""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path

import pytest

from cli_helpers import tunestudio
from program_helpers import program_project, rows
from tunestudio.config import CategoricalDimension, StopRules
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, RunSummary

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

SCRIPT = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int, default=1)
    print(f"epoch 1 val_acc={p.parse_args().x / 10}")
"""


def _project(tmp_path: Path, xs: list[int]) -> tuple[object, Path]:
    return program_project(
        tmp_path, SCRIPT, [CategoricalDimension(path="params.x", choices=xs)],
        parameters=[ProgramParameter(name="x", type="int", default=1)], strategy="grid",
        trials=None)


def _run(path: Path, *flags: str) -> dict[str, object]:
    done = tunestudio("run", str(path), *flags)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_target_stops_and_a_new_rule_goes_on(tmp_path: Path) -> None:
    project, path = _project(tmp_path, [1, 2, 3, 4, 5, 6])
    first = _run(path, "--stop-target", "0.3")
    assert first["counts"] == {"complete": 3}
    assert first["stop_rule"] == "target reached: best 0.3 ≥ 0.3"
    again = _run(path, "--stop-target", "0.3")  # the rule still holds: nothing more runs
    assert again["counts"] == {} and again["stop_rule"] is not None
    goes_on = _run(path, "--stop-target", "0.5")
    assert goes_on["counts"] == {"complete": 2} and "0.5" in str(goes_on["stop_rule"])
    assert [t.params["params.x"] for t in rows(project)] == [1, 2, 3, 4, 5]  # type: ignore[arg-type]
    bad = tunestudio("run", str(path), "--stop-deadline", "tonight")
    assert bad.returncode != 0 and "deadline 'tonight' is not a date and time" in bad.stderr


def test_patience_and_trial_hours_stop_at_the_right_trial(tmp_path: Path) -> None:
    _, path = _project(tmp_path, [5, 1, 2, 3, 4, 6])
    done = _run(path, "--stop-patience", "3", "--quiet")
    assert done["counts"] == {"complete": 4}  # 0.5, then three trials without improvement
    assert done["stop_rule"] == "no improvement in 3 trials (patience 3)"
    cost = _run(path, "--stop-patience", "9", "--stop-trial-hours", "1e-9")
    assert str(cost["stop_rule"]).startswith("cost budget spent")
    assert cost["counts"] == {}  # the four trials already cost more than that


class _Progress(RunnerHooks):
    def __init__(self) -> None:
        self.lines: list[list[str]] = []

    def on_stop_progress(self, lines: list[str]) -> None:
        self.lines.append(lines)


def test_two_processes_on_one_database_stop_together(tmp_path: Path) -> None:
    project, path = _project(tmp_path, list(range(1, 21)))
    rules = StopRules(target=0.4)
    summaries: dict[str, RunSummary] = {}
    progress = _Progress()

    def work(name: str, queue: bool) -> None:
        options = RunOptions(run_programs=True, stop=rules, idle_wait_s=0 if queue else 30)
        summaries[name] = ExperimentRunner(
            project, "e", base_dir=path.parent, options=options, project_path=path,  # type: ignore[arg-type]
            queue=queue, hooks=[progress] if queue else None).run()

    worker = threading.Thread(target=work, args=("worker", False))
    worker.start()
    work("run", True)
    worker.join(timeout=120)
    for summary in summaries.values():  # each judged the shared history and stopped
        assert str(summary.stop_rule).startswith("target reached: best 0.")
    done = [t for t in rows(project) if t.state == "complete"]  # type: ignore[arg-type]
    # x = 4 reached it; what either process held or had started by then still finishes
    assert 4 <= len(done) <= 8 and len(rows(project)) == len(done)  # type: ignore[arg-type]
    # the run's first line: before any trial, or after the worker's first ones (it starts
    # first), short of the target
    [first] = progress.lines[0]
    assert re.fullmatch(r"best (none yet|0\.[123]) of target 0\.4", first), first


def test_duration_and_deadline_stop_at_the_right_trial(tmp_path: Path) -> None:
    """The clock's rules through a real run: a duration of a microsecond lets the first trial
    run (no time spent before it) and stops the run after it; a deadline that passed runs
    nothing more; a deadline far ahead lets the run go on to its end."""
    _, path = _project(tmp_path, [1, 2, 3, 4])
    short = _run(path, "--stop-duration", "1e-6")
    assert short["counts"] == {"complete": 1}
    assert str(short["stop_rule"]).startswith("duration ") and "spent" in str(short["stop_rule"])
    passed = _run(path, "--stop-deadline", "2001-01-01T18:00")
    assert passed["counts"] == {} and passed["stop_rule"] == "deadline 2001-01-01 18:00 passed"
    ahead = _run(path, "--stop-deadline", "2999-01-01T18:00")
    assert ahead["counts"] == {"complete": 3} and ahead["stop_rule"] is None
