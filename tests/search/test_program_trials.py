"""Program trials through the real runner: each a child process whose printed lines become
the trial's curves, pruned by Optuna's median pruner, and whose every way of going wrong ends
as a failed trial with a message naming the cause, nothing left running, the search going on."""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
import threading
from pathlib import Path

import pytest

from program_helpers import pid_alive, program_project, rows, run
from tunestudio.config import CategoricalDimension, FloatDimension, PrunerConfig
from tunestudio.config.program import ProgramParameter
from tunestudio.engine import EvalEvent
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions
from tunestudio.search.program import programs_dir
from tunestudio.search.program.checks import ProgramNotTrustedError
from tunestudio.search.storage import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

CURVES = """
    import argparse, math, time
    p = argparse.ArgumentParser()
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--epochs", type=int, default=6)
    a = p.parse_args()
    quality = max(0.05, 1 - abs(math.log10(a.lr) + 2) / 3)  # best at lr = 0.01
    for epoch in range(1, a.epochs + 1):
        print(f"step {epoch * 10} loss={1 / epoch:.3f} lr={a.lr}")
        acc = quality * (1 - 0.5 ** epoch)
        print(f"epoch {epoch} train_loss={1 / epoch:.4f} val_acc={acc:.4f}")
        time.sleep(0.3)  # an epoch takes time: a pruned trial is stopped before its end
"""


def test_printed_metrics_become_curves_pruning_and_a_best_trial(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, CURVES, [FloatDimension(path="params.lr", low=1e-5, high=1.0, log=True)],
        parameters=[ProgramParameter(name="lr", default=0.01),
                    ProgramParameter(name="epochs", type="int", default=6)],
        trials=10, pruner=PrunerConfig(kind="median", startup_trials=2, warmup_evaluations=1))
    summary = run(project, path)
    trials = rows(project)
    assert len(trials) == 10
    states = {t.state for t in trials}
    assert states <= {"complete", "pruned"} and "pruned" in states, [t.message for t in trials]
    store = open_store(project)
    try:
        evals = store.eval_series([t.id for t in trials])
        steps = store.step_series([t.id for t in trials])
    finally:
        store.close()
    for t in trials:
        curve = evals[t.id]
        assert len(curve) >= 2  # every trial's curve is stored, a pruned one's up to its end
        assert list(curve.epoch[:2]) == [1.0, 2.0]
        assert len(curve.metrics["val_acc"]) == len(curve)
        assert steps[t.id].step[0] == 10 and steps[t.id].lr[0] == pytest.approx(t.params[
            "params.lr"])
        if t.state == "complete":
            assert len(curve) == 6 and t.objective == pytest.approx(curve.metrics["val_acc"][-1])
            assert t.device == "program"
        else:
            assert len(curve) < 6 and "pruned after evaluation" in t.message
    complete = [t for t in trials if t.state == "complete"]
    best = max(complete, key=lambda t: t.objective or 0.0)
    assert summary.best_trial_id == best.id and summary.best_objective == best.objective
    logs = sorted(programs_dir(project.id).glob("*/log.txt"))
    assert len(logs) == 10 and "epoch 1 train_loss=" in logs[0].read_text()
    store = open_store(project)
    try:
        environments = store.environments()
    finally:
        store.close()
    script = hashlib.sha256((tmp_path / "train.py").read_bytes()).hexdigest()
    assert {e["files"]["program.command"]["sha256"] for e in environments.values()} == {script}


FAILURES = """
    import argparse, os, signal, subprocess, sys, time
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="ok")
    a = p.parse_args()
    out = os.environ["TUNESTUDIO_OUTPUT_DIR"]
    def note_pid(pid):
        with open(os.path.join(out, "pids"), "a") as f:
            f.write(f"{pid}\\n")
    note_pid(os.getpid())
    print("epoch 1 val_loss=0.5", flush=True)
    if a.mode == "crash":
        raise RuntimeError("boom in the user's code")
    if a.mode == "hang":  # deaf to Ctrl+C and to SIGTERM: only a kill ends it
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(300)
    if a.mode == "nan":
        print("epoch 2 val_acc=nan", flush=True)
        time.sleep(300)
    if a.mode == "silent":
        print("epoch 2 val_loss=0.3 (no accuracy today)")
        sys.exit(0)
    if a.mode == "binary":  # 100 MB of bytes that are no UTF-8, in long lines, then no objective
        sys.stdout.flush()
        junk = bytes(b for b in range(128, 256)) * 8192
        for _ in range(100):
            sys.stdout.buffer.write(junk + b"\\n")
        sys.stdout.buffer.write(b"the end \\xff\\xfe\\n")
        sys.stdout.flush()
        sys.exit(0)
    if a.mode == "leftover":
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
        note_pid(child.pid)
    print("epoch 2 val_acc=0.75")
"""


def test_each_failure_is_a_failed_trial_with_its_cause_and_nothing_left(
        tmp_path: Path) -> None:
    modes = ["crash", "hang", "nan", "silent", "binary", "leftover", "ok"]
    project, path = program_project(
        tmp_path, FAILURES, [CategoricalDimension(path="params.mode", choices=modes)],
        parameters=[ProgramParameter(name="mode", type="str", default="ok")],
        # 20 s: the 100 MB of the binary case take ~4 s to pass through the capture on a quiet
        # machine and more than 10 s at load 15 (it then timed out instead)
        strategy="grid", trials=None, timeout_s=20.0)
    summary = run(project, path)
    by_mode = {t.params["params.mode"]: t for t in rows(project)}
    assert set(by_mode) == set(modes)
    causes = {
        "crash": ["the program exited with code 1", "RuntimeError: boom in the user's code"],
        "hang": ["timed out: still running after 20 s"],
        "nan": ["reported val_acc = nan at evaluation 1", "KeyboardInterrupt"],
        "silent": ["never reported the objective 'val_acc'", "val_loss"],
        "binary": ["never reported the objective 'val_acc'", "the end \ufffd\ufffd"],
        "leftover": ["left processes of its group running"],
    }
    for mode, words in causes.items():
        trial = by_mode[mode]
        assert trial.state == "failed", (mode, trial.message)
        for word in words:
            assert word in trial.message, (mode, trial.message)
    assert "Its last lines of output:\nepoch 1 val_loss=0.5" in by_mode["hang"].message
    assert by_mode["ok"].state == "complete" and by_mode["ok"].objective == 0.75
    assert summary.counts == {"failed": 6, "complete": 1}
    folders = programs_dir(project.id)
    pids = [int(x) for f in folders.glob("*/output/pids") for x in f.read_text().split()]
    assert len(pids) == len(modes) + 1  # the leftover's child too
    assert not [pid for pid in pids if pid_alive(pid)]
    logs = {json.loads((f.parent / "params.json").read_text())["mode"]: f
            for f in folders.glob("*/log.txt")}
    size = logs["binary"].stat().st_size
    assert 16 * 2**20 < size < 17 * 2**20  # the head kept whole, the tail, not 100 MB
    assert b"bytes of output left out" in logs["binary"].read_bytes()


def test_a_program_runs_only_on_an_explicit_command(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, "open('ran', 'w').write('yes')\nprint('val_acc=1')\n",
        [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=1)
    with pytest.raises(ProgramNotTrustedError, match="tunestudio run"):
        run(project, path, trusted=False)
    assert not (tmp_path / "ran").exists()
    (tmp_path / "train.py").unlink()
    with pytest.raises(Exception, match="no such file"):
        run(project, path)


class _PauseOnce(RunnerHooks):
    """Pauses the run at the first evaluation and resumes it `for_s` later."""

    def __init__(self, pause: threading.Event, for_s: float):
        self.pause, self.for_s = pause, for_s

    def on_evaluate(self, trial_id: int, ev: EvalEvent) -> None:
        if ev.epoch == 1.0:
            self.pause.set()
            threading.Timer(self.for_s, self.pause.clear).start()


def test_a_paused_program_is_suspended_and_its_pause_is_not_timed(tmp_path: Path) -> None:
    script = """
        import time
        for epoch in range(1, 6):
            time.sleep(0.2)
            print(f"epoch {epoch} val_acc={epoch / 10} clock={time.monotonic():.3f}", flush=True)
    """
    project, path = program_project(
        tmp_path, script, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=1, timeout_s=4.0)
    pause = threading.Event()
    runner = ExperimentRunner(project, "e", base_dir=path.parent,
                              options=RunOptions(run_programs=True),
                              hooks=[_PauseOnce(pause, 5.0)], pause_event=pause,
                              project_path=path)
    assert runner.run().counts == {"complete": 1}
    log = next(programs_dir(project.id).glob("*/log.txt")).read_text()
    clocks = [float(line.rsplit("=", 1)[1]) for line in log.splitlines()]
    assert max(b - a for a, b in itertools.pairwise(clocks)) > 4.0


CLOSES_OUTPUT_FIRST = """
    import os, sys, time
    print("epoch 1 val_acc=0.5", flush=True)
    os.close(1)  # the output ends here; the program exits a moment later
    time.sleep(0.3)
"""


def test_a_trial_ends_when_its_program_exits_not_a_poll_later(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the program's output has ended, the trial waits on the program's exit itself:
    with an event poll of a minute, the trial still ends as soon as the program has exited."""
    from tunestudio.search.program import fit

    monkeypatch.setattr(fit, "POLL_S", 60.0)
    project, path = program_project(
        tmp_path, CLOSES_OUTPUT_FIRST, [FloatDimension(path="params.lr", low=0.1, high=1.0)],
        parameters=[ProgramParameter(name="lr", default=0.5)], trials=1)
    summary = run(project, path)
    assert summary.counts == {"complete": 1}
    assert summary.duration_s < 30  # a poll of the events would have waited the minute
