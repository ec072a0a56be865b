"""A run of the user's program loads neither torch nor scikit-learn (seconds of start-up per
process: the run's and each worker's), and the three-call client the program imports loads
only the standard library: each is checked in a fresh process, which then reports what
`sys.modules` holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from program_helpers import program_project
from tunestudio.config import FloatDimension
from tunestudio.config.program import ProgramParameter

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("torch", "sklearn", "scipy", "pandas", "numpy", "optuna", "pydantic", "sqlalchemy")
REPORT = f"""
sys.stdout.flush()
heavy = sorted(m for m in {HEAVY!r} if m in sys.modules)
print("\\nPROBE " + json.dumps({{"rc": rc, "heavy": heavy}}))
"""
RUN = """
import json, sys
from tunestudio.cli import main
rc = main(["run", sys.argv[1], "--quiet"])
""" + REPORT
CLIENT = """
import json, sys
from tunestudio import trial
params = trial.params(lr=0.1)
rc = int(trial.report(1, val_acc=0.5))  # False outside TuneStudio: 0
""" + REPORT
SCRIPT = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.1)
    print(f"epoch 1 val_acc={1 - p.parse_args().lr:.4f}")
"""


def probe(code: str, *args: str, cwd: Path) -> tuple[int, list[str], str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}  # these sources, from any folder
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=300, check=False, cwd=cwd, env=env)
    line = done.stdout.rstrip().rsplit("\n", 1)[-1]
    assert line.startswith("PROBE "), done.stdout + done.stderr
    result = json.loads(line.removeprefix("PROBE "))
    return result["rc"], result["heavy"], done.stdout + done.stderr


def test_a_program_run_loads_neither_torch_nor_scikit_learn(tmp_path: Path) -> None:
    _, path = program_project(tmp_path, SCRIPT, [FloatDimension(path="params.lr", low=0.01,
                                                                high=0.5)],
                              parameters=[ProgramParameter(name="lr", default=0.1)], trials=2)
    rc, heavy, out = probe(RUN, str(path), cwd=tmp_path)
    assert rc == 0, out
    assert '"complete": 2' in out
    assert {"optuna", "sqlalchemy", "pydantic"} <= set(heavy), heavy  # the probe sees imports
    assert not {"torch", "sklearn", "scipy", "pandas"} & set(heavy), heavy


def test_the_three_call_client_loads_only_the_standard_library(tmp_path: Path) -> None:
    rc, heavy, out = probe(CLIENT, cwd=tmp_path)
    assert rc == 0 and heavy == [], out
