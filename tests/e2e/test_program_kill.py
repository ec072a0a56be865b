"""kill -9 of TuneStudio (the run and its worker) while two program trials run in parallel:
their programs, in process groups of their own, outlive it. The next `tunestudio run` stops
them before anything else, keeps the finished trial as it was, and runs the two interrupted
trials again with their checkpoint folders (they resume after the epoch they had saved)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from program_helpers import pid_alive, program_project, rows
from tunestudio.config import FloatDimension
from tunestudio.config.program import ProgramParameter
from tunestudio.search.program import programs_dir

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="stopping orphans is verified through /proc")

SRC = Path(__file__).resolve().parents[2] / "src"
# Trial 0 runs through at once. Any other trial, on its first run, saves epoch 1 in its
# checkpoint folder and then waits while the file `hold` exists (as a long epoch would); run
# again, it resumes after the epoch it saved and does not wait.
SCRIPT = """
    import os, pathlib, time
    from tunestudio import trial
    p = trial.params(lr=0.1)
    done = trial.checkpoint_dir() / "epochs-done.txt"
    first = int(done.read_text()) + 1 if done.exists() else 1
    if trial.resuming():
        print(f"resuming after epoch {first - 1}")
    for epoch in range(first, 4):
        done.write_text(str(epoch))
        trial.report(epoch, val_acc=round(p["lr"] * epoch / 10, 4))
        if epoch == 1 and trial.number() != 0 and not trial.resuming():
            end = time.monotonic() + 300
            while pathlib.Path("hold").exists() and time.monotonic() < end:
                time.sleep(0.05)
    print("finished")
"""


def start_run(path: Path, workers: int, *more: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    # a session of its own: kill -9 of its group kills the run and the worker it spawns,
    # and nothing else (each program trial runs in a session of its own)
    return subprocess.Popen([sys.executable, "-m", "tunestudio", "run", str(path),
                             "--workers", str(workers), *more], cwd=path.parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def test_kill_nine_during_parallel_program_trials(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, SCRIPT, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.1)], trials=3)
    hold = tmp_path / "hold"
    hold.write_text("")
    folder = programs_dir(project.id)
    orphans: list[int] = []
    first = start_run(path, workers=2)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and first.poll() is None:
            saved = [f for f in folder.glob("*/checkpoint/epochs-done.txt") if f.stat().st_size]
            done = [r for r in rows(project) if r.state == "complete"] \
                if folder.is_dir() else []
            running = list(folder.glob("*/process.json"))
            if len(saved) == 2 and len(done) == 1 and len(running) == 2:
                break
            time.sleep(0.1)
        assert first.poll() is None, "the run ended before the kill"
        orphans = [json.loads(f.read_text())["pgid"] for f in folder.glob("*/process.json")]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        time.sleep(0.5)
        assert len(orphans) == 2 and all(pid_alive(pid) for pid in orphans)  # outlived it
        before = {r.number: r for r in rows(project)}
        [finished] = [r for r in before.values() if r.state == "complete"]

        # the two interrupted trials are all this run trains (a run adds its budget anew)
        again = start_run(path, 1, "--trials", "2")
        try:
            out, _ = again.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            again.kill()
            out, _ = again.communicate()
            raise AssertionError(f"the second run hung:\n{out}") from None
        assert again.returncode == 0, out
        assert "stopped 2 program trial(s) left running" in out
        assert not any(pid_alive(pid) for pid in orphans)
        after = {r.number: r for r in rows(project)}
        assert sorted(after) == [0, 1, 2]
        assert [r.state for r in after.values()] == ["complete"] * 3
        kept = after[finished.number]  # the finished trial as it was
        assert (kept.id, kept.objective, kept.finished_at) == (
            finished.id, finished.objective, finished.finished_at)
        for number, row in after.items():
            if number == finished.number:
                continue
            assert row.id == before[number].id  # the same trial, run again
            log = (folder / str(row.optuna_trial_id) / "log.txt").read_text()
            assert "resuming after epoch 1" in log and log.count("finished") == 1
        assert not list(folder.glob("*/process.json"))
    finally:
        hold.unlink(missing_ok=True)
        for pgid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
