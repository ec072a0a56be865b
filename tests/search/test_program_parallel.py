"""`--workers 2` with a program baseline: each slot's program given its slot and its share
of the CPU threads (and, with GPUs, its GPU)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from program_helpers import program_project
from tunestudio.config import FloatDimension
from tunestudio.config.program import ProgramParameter
from tunestudio.search import ExperimentRunner, RunOptions
from tunestudio.search.program import programs_dir
from tunestudio.search.program.slots import SLOT_ENV, Slot

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
