"""The read-only commands answer at once because they load neither torch nor optuna: each runs
in a fresh process, which then reports what `sys.modules` holds after the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tunestudio.config import from_template, merge_values, save_project
from tunestudio.store import EvalPoint, StepPoint, Store, TrialState, storage_url_for

PROBE = """
import json, sys
from tunestudio.cli import main
rc = main(sys.argv[1:])
sys.stdout.flush()
heavy = sorted(m for m in ("torch", "optuna", "PySide6", "numpy") if m in sys.modules)
print("\\nPROBE " + json.dumps({"rc": rc, "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def project_with_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("latency")
    project = from_template("digits").model_copy(update={
        "storage_url": f"sqlite:///{(folder / 'history.sqlite').as_posix()}"})
    path = folder / "p.tuneproj"
    save_project(project, path)
    exp = project.experiments[0]
    with Store.open(storage_url_for(project)) as store:
        eid = store.ensure_experiment(exp.name, exp.name)
        for n in range(3):
            params = {"optimizer.lr": 0.1 / (n + 1)}
            config = merge_values(project.baseline, params)  # trained on the current baseline
            tid = store.start_trial(eid, number=n, optuna_trial_id=n, params=params,
                                    config_json=config.model_dump_json(), device="cpu", seed=n)
            store.append_steps(tid, [StepPoint(s, s / 4, 1.0 / (s + 1), 0.1, 0.5)
                                     for s in range(8)])
            store.append_evals(tid, [EvalPoint(step=4, epoch=1.0, wall_s=0.1, train_loss=1.0,
                                               val_loss=1.1, metrics={"val_accuracy": 0.5})])
            store.finish_trial(tid, state=TrialState.COMPLETE, objective=0.5 + n / 10,
                               metrics={"val_accuracy": 0.5 + n / 10}, duration_s=1.0)
    return path


def probe(*args: str) -> tuple[int, list[str], str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          timeout=120, check=False)
    line = done.stdout.rstrip().rsplit("\n", 1)[-1]
    assert line.startswith("PROBE "), done.stdout + done.stderr
    result = json.loads(line.removeprefix("PROBE "))
    return result["rc"], result["heavy"], done.stdout


@pytest.mark.parametrize("command", [
    ["validate", "{p}"],
    ["schema"],
    ["info", "{p}"],
    ["trials", "{p}"],
    ["trials", "{p}", "--format", "json", "--experiment", "{e}"],
    ["trials", "{p}", "--format", "csv"],
    ["export", "{p}", "--format", "json"],
    ["export", "{p}", "--format", "csv"],
    ["diff", "{p}", "1", "baseline"],
])
def test_read_only_commands_import_neither_torch_nor_optuna(project_with_history: Path,
                                                            command: list[str]) -> None:
    name = from_template("digits").experiments[0].name
    args = [a.format(p=project_with_history, e=name) for a in command]
    rc, heavy, out = probe(*args)
    assert rc == 0, out
    assert not {"torch", "optuna", "PySide6"} & set(heavy), \
        f"`tunestudio {' '.join(command)}` imported {heavy}"
    if command[0] in ("info", "trials"):  # numpy (a fifth of their time) waits for series
        assert heavy == [], f"`tunestudio {' '.join(command)}` imported {heavy}"


def test_the_probe_sees_torch_when_a_command_loads_it(project_with_history: Path) -> None:
    """The check above can fail: a command that trains loads torch, and the probe says so."""
    _, heavy, out = probe("train", str(project_with_history), "--epochs", "0")
    assert "torch" in heavy, out


def test_info_and_trials_read_the_history(project_with_history: Path) -> None:
    rc, _, out = probe("info", str(project_with_history))
    assert rc == 0, out
    info = json.loads(out.rsplit("\nPROBE ", 1)[0])
    exp = info["experiments"][0]
    assert exp["counts"]["complete"] == 3
    assert exp["best"]["number"] == 2 and exp["best"]["objective"] == pytest.approx(0.7)
    rc, _, out = probe("trials", str(project_with_history), "--format", "json")
    assert rc == 0, out
    rows = json.loads(out.rsplit("\nPROBE ", 1)[0])
    assert [r["number"] for r in rows] == [0, 1, 2]
    assert rows[1]["params"] == {"optimizer.lr": 0.05}


def test_info_answers_from_aggregates_without_reading_the_trials(
        project_with_history: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`info` on a history of plain trials (none repeated, one objective, no plan) reads
    counts and the best trial by SQL, never the trial list: flat at 100,000 trials."""
    from tunestudio.cli import main

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("info read the trial list")

    for name in ("trials", "stream_trials", "environments"):
        monkeypatch.setattr(Store, name, refuse)
    assert main(["info", str(project_with_history)]) == 0
    exp = json.loads(capsys.readouterr().out)["experiments"][0]
    assert exp["counts"]["complete"] == 3 and exp["best"]["number"] == 2
    assert exp["trained_on_other_config"] == 0
