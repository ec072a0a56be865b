"""Programs that use the three calls (`from tunestudio import trial`): their reports become the
trial's curves, `report` answers True once the trial is pruned and the program returns by
itself, and an interrupted trial runs again with its checkpoint folder, knowing it resumes.
A `module:function` runs with the values as keyword arguments."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from program_helpers import program_project, rows, run
from tunestudio.config import FloatDimension, PrunerConfig
from tunestudio.config.program import ProgramParameter
from tunestudio.engine import EvalEvent
from tunestudio.search import RunnerHooks
from tunestudio.search.program import programs_dir
from tunestudio.search.program.slots import Slot
from tunestudio.search.storage import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

CLIENT = """
    import math, os, time
    from tunestudio import trial
    p = trial.params(lr=0.01, epochs=6)
    quality = max(0.05, 1 - abs(math.log10(p["lr"]) + 2) / 3)
    done = trial.checkpoint_dir() / "epochs-done.txt"
    first = int(done.read_text()) + 1 if done.exists() else 1
    if trial.resuming():
        print(f"resuming after epoch {first - 1}")
    for epoch in range(first, p["epochs"] + 1):
        trial.report_step(epoch * 10, 1 / epoch, lr=p["lr"], grad_norm=0.5, epoch=epoch - 1)
        done.write_text(str(epoch))
        if trial.report(epoch, step=epoch * 10, val_acc=quality * (1 - 0.5 ** epoch)):
            (trial.output_dir() / "pruned-at").write_text(str(epoch))
            break
        time.sleep(0.3)
    print("printed lines are not read once the client reports: val_acc=99")
"""

LR = [ProgramParameter(name="lr", default=0.01), ProgramParameter(name="epochs", type="int",
                                                                  default=6)]


def test_reports_prune_and_the_program_returns_by_itself(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, CLIENT, [FloatDimension(path="params.lr", low=1e-5, high=1.0, log=True)],
        parameters=LR, trials=8,
        pruner=PrunerConfig(kind="median", startup_trials=2, warmup_evaluations=1))
    run(project, path)
    trials = rows(project)
    pruned = [t for t in trials if t.state == "pruned"]
    assert pruned and {t.state for t in trials} == {"complete", "pruned"}
    store = open_store(project)
    try:
        steps = store.step_series([t.id for t in trials])
        evals = store.eval_series([t.id for t in trials])
    finally:
        store.close()
    for t in trials:
        assert list(steps[t.id].grad_norm[:2]) == [0.5, 0.5]
        assert list(evals[t.id].step[:2]) == [10, 20]
        assert 99.0 not in evals[t.id].metrics["val_acc"]
    for t in pruned:  # told by its report, it stopped at once and wrote why
        marker = programs_dir(project.id) / str(t.optuna_trial_id) / "output" / "pruned-at"
        assert marker.read_text() == str(len(evals[t.id]))
        assert "interrupt" not in t.message


class _StopAfter(RunnerHooks):
    def __init__(self, stop: threading.Event, evaluations: int):
        self.stop, self.left = stop, evaluations

    def on_evaluate(self, trial_id: int, ev: EvalEvent) -> None:
        self.left -= 1
        if self.left == 0:
            self.stop.set()


def test_an_interrupted_trial_runs_again_with_its_checkpoint_folder(tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, CLIENT, [FloatDimension(path="params.lr", low=1e-3, high=0.1, log=True)],
        parameters=LR, trials=1)
    stop = threading.Event()
    first = run(project, path, hooks=[_StopAfter(stop, 2)], stop=stop)
    assert first.stopped and [t.state for t in rows(project)] == ["interrupted"]
    (folder,) = programs_dir(project.id).iterdir()
    assert int((folder / "checkpoint" / "epochs-done.txt").read_text()) >= 2
    again = run(project, path)
    (trial,) = rows(project)
    assert again.counts == {"complete": 1} and trial.state == "complete"
    log = (folder / "log.txt").read_text()
    assert "resuming after epoch" in log
    assert not (folder / "checkpoint").exists()  # the trial is over: its checkpoints go


def test_a_function_is_called_with_the_values(tmp_path: Path) -> None:
    (tmp_path / "model_fit.py").write_text(
        "def fit(lr, epochs):\n"
        "    print(f'fitting with lr={lr} for {epochs} epochs')\n"
        "    return {'val_acc': 1 - abs(lr - 0.01), 'val_loss': lr}\n")
    project, path = program_project(
        tmp_path, "", [FloatDimension(path="params.lr", low=1e-3, high=0.1, log=True)],
        parameters=LR, trials=2, command="model_fit:fit")
    summary = run(project, path)
    assert summary.counts == {"complete": 2}
    for t in rows(project):
        assert t.objective == pytest.approx(1 - abs(t.params["params.lr"] - 0.01))


class _ExitedProcess:
    """A program's first process that has exited and left nothing running."""

    def group_alive(self) -> bool:
        return False

    def stop(self, grace_s: float, interrupt: bool = True) -> str | None:
        return None

    def wait_output(self, timeout_s: float) -> None:
        return None


@pytest.mark.parametrize("client", [True, False])
def test_lines_still_queued_at_exit_follow_the_clients_rule(tmp_path: Path, client: bool
                                                              ) -> None:
    """Output lines still queued when the program exits (read after its exit: a busy machine)
    are read as metrics only where no client reported; a client's reports replace them, as
    while it runs (the client program above prints `val_acc=99` last, and a completed trial
    once had it as a seventh evaluation)."""
    from tunestudio.search.program.files import TrialFiles
    from tunestudio.search.program.fit import _ProgramFit

    project, _ = program_project(tmp_path, CLIENT, [], parameters=LR)
    fit = _ProgramFit(project.baseline, [], TrialFiles(tmp_path / "trial"), 0, "val_acc",
                      tmp_path, threading.Event(), threading.Event(), 0, Slot())
    fit.events.put(("line", "printed lines are not read once the client reports: val_acc=99"))
    status, _ = fit._ended(_ExitedProcess(), 0, client)  # type: ignore[arg-type]
    if client:
        assert "val_acc" not in fit.metrics and status == "failed"  # it reported nothing
    else:
        assert fit.best["val_acc"] == 99.0 and status == "completed"
