"""`--workers 2` with a program baseline: each slot's program given its slot and its share
of the CPU threads (and, with GPUs, its GPU)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from program_helpers import program_project, rows
from tunestudio.config import FloatDimension
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunOptions
from tunestudio.search.plan import WORKER_ATTR
from tunestudio.search.program import programs_dir
from tunestudio.search.program.slots import SLOT_ENV, Slot
from tunestudio.search.storage import storage_url

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

SCRIPT = """
    import json, os, time
    start = time.time()
    time.sleep(0.2)
    seen = {k: os.environ.get(k) for k in ("TUNESTUDIO_SLOT", "OMP_NUM_THREADS")}
    seen.update(start=start, end=time.time())
    with open(os.path.join(os.environ["TUNESTUDIO_OUTPUT_DIR"], "seen.json"), "w") as f:
        json.dump(seen, f)
    print("val_acc=0.5")
"""


def test_a_slot_of_two_gives_its_program_half_the_threads(tmp_path: Path) -> None:
    """The run of `--workers 2` is slot 0 of 2 (the workers it spawns are told theirs through
    TUNESTUDIO_SLOT, read by Slot.from_env below)."""
    project, _ = program_project(
        tmp_path, SCRIPT, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=2)
    summary = ExperimentRunner(project, "e", base_dir=tmp_path,
                               options=RunOptions(workers=2, run_programs=True)).run()
    assert summary.counts == {"complete": 2}
    seen = [json.loads(f.read_text()) for f in programs_dir(project.id).glob("*/output/seen.json")]
    assert [s["TUNESTUDIO_SLOT"] for s in seen] == ["0/2", "0/2"]
    assert {s["OMP_NUM_THREADS"] for s in seen} == {str(max(1, (os.cpu_count() or 1) // 2))}


def test_one_slot_leaves_the_environment_alone() -> None:
    assert Slot().program_env({"CUDA_VISIBLE_DEVICES": "0,1"}, {}) == {}
    env = Slot(3, 4).program_env({"CUDA_VISIBLE_DEVICES": "2,5"}, {"OMP_NUM_THREADS": "8"})
    assert env["CUDA_VISIBLE_DEVICES"] == "5" and "OMP_NUM_THREADS" not in env
    assert Slot.from_env({SLOT_ENV: "1/3"}) == Slot(1, 3) and Slot.from_env({}) == Slot()


# Each trial marks its slot, then waits (up to 30 s from the first mark) until both slots
# have started a trial: the run's worker must take a trial while the run's first one trains.
BOTH_SLOTS = """
    import argparse, os, pathlib, time
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.5)
    a = p.parse_args()
    marks = pathlib.Path(os.environ["MARKS"])
    slot = os.environ.get("TUNESTUDIO_SLOT", "none").replace("/", "of")
    (marks / f"{slot}-{os.getpid()}").touch()
    first = min(m.stat().st_mtime for m in marks.iterdir())
    while time.time() < first + 30 and len({m.name.split("-")[0] for m in marks.iterdir()}) < 2:
        time.sleep(0.05)
    print(f"val_acc={a.lr}")
"""


def test_two_workers_run_the_budget_exactly_both_slots_training(tmp_path: Path) -> None:
    """`--workers 2`: the worker the run spawns (before the run opens its store) pops only
    the trials the run queued: 6 trials for a budget of 6, each number once, in both slots."""
    marks = tmp_path / "marks"
    marks.mkdir()
    project, path = program_project(
        tmp_path, BOTH_SLOTS, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=6,
        env={"MARKS": str(marks)})
    summary = ExperimentRunner(project, "e", base_dir=tmp_path, project_path=path,
                               options=RunOptions(workers=2, run_programs=True)).run()
    assert summary.counts == {"complete": 6}  # the whole run's: the worker's trials included
    found = rows(project)
    assert sorted(r.number for r in found) == list(range(6))
    assert len({r.optuna_trial_id for r in found}) == 6
    study = optuna.load_study(study_name="e", storage=storage_url(project))
    assert [t.number for t in study.get_trials(deepcopy=False)] == list(range(6))
    assert {t.state for t in study.get_trials(deepcopy=False)} == {TrialState.COMPLETE}
    assert {m.name.split("-")[0] for m in marks.iterdir()} == {"0of2", "1of2"}
    assert len({t.user_attrs[WORKER_ATTR] for t in study.get_trials(deepcopy=False)}) == 2
