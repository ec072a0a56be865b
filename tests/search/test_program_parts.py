"""The parts of a program trial on their own: metric lines read, values passed the way the
program asks, the log bounded, the client's answers outside TuneStudio."""

from __future__ import annotations

import json
import math
import os
import queue
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tunestudio import trial
from tunestudio.config.program import ParamValue, ProgramConfig, ProgramParameter
from tunestudio.search.program import TrialFiles
from tunestudio.search.program.command import Launch, build_launch
from tunestudio.search.program.metric_lines import MetricLineParser
from tunestudio.search.program.process import OutputLog, ProgramProcess


def test_default_pattern_reads_pairs_and_counters() -> None:
    parse = MetricLineParser().parse
    line = parse("epoch 3 train_loss=0.41 val_acc=0.93")
    assert line is not None and line.values == {"epoch": 3.0, "train_loss": 0.41,
                                                "val_acc": 0.93}
    assert line.epoch == 3.0 and line.loss == 0.41
    line = parse("Epoch 3/20 - loss: 0.5 - val/f1: 8e-1 lr=1.5E-3 step=120")
    assert line is not None and line.values == {"epoch": 3.0, "loss": 0.5, "val/f1": 0.8,
                                                "lr": 0.0015, "step": 120.0}
    assert line.step == 120
    nan = parse("val_acc=nan val_loss=inf")
    assert nan is not None and math.isnan(nan.values["val_acc"])
    assert parse("Downloading http://host:8080/data (12 files)") is None
    assert parse("loading model=resnet18") is None  # a value that is no number


def test_a_project_pattern_replaces_the_default() -> None:
    pairs = MetricLineParser(r"\[(?P<key>\w+)\] (?P<value>[\d.]+)")
    assert pairs.parse("[val_acc] 0.9 and [loss] 0.2") is not None
    assert pairs.parse("[val_acc] 0.9 and [loss] 0.2").values == {  # type: ignore[union-attr]
        "val_acc": 0.9, "loss": 0.2}
    named = MetricLineParser(r"accuracy (?P<val_acc>[\d.]+)%")
    assert named.parse("accuracy 93.5% val_loss=3").values == {  # type: ignore[union-attr]
        "val_acc": 93.5}


def program(**kw: object) -> ProgramConfig:
    return ProgramConfig(**{"command": "python train.py --epochs 3", "parameters": [
        ProgramParameter(name="lr", default=0.01),
        ProgramParameter(name="batch_size", type="int", default=64),
        ProgramParameter(name="amp", type="bool", default=False),
        ProgramParameter(name="opt", type="str", default="adam", flag="-o")], **kw})


def launch(tmp_path: Path, prog: ProgramConfig, values: dict[str, ParamValue]) -> Launch:
    files = TrialFiles(tmp_path / "7")
    files.prepare()
    return build_launch(prog, values, base_dir=tmp_path, files=files, trial_number=7,
                        resuming=False, objective="val_acc", address="127.0.0.1:1", token="t")


def args(tmp_path: Path, prog: ProgramConfig, values: dict[str, ParamValue]) -> list[str]:
    return launch(tmp_path, prog, values).argv[1:]


VALUES: dict[str, ParamValue] = {"lr": 0.003, "batch_size": 32, "amp": True, "opt": "sgd"}


def test_values_reach_the_program_as_it_asks(tmp_path: Path) -> None:
    assert args(tmp_path, program(), VALUES) == [
        "train.py", "--epochs", "3", "--lr", "0.003", "--batch-size", "32", "--amp", "-o",
        "sgd"]
    assert args(tmp_path, program(), {**VALUES, "amp": False})[-3:] == ["32", "-o", "sgd"]
    assert args(tmp_path, program(flag_style="underscores", bool_flags="value"), VALUES)[
        3:] == ["--lr", "0.003", "--batch_size", "32", "--amp", "true", "-o", "sgd"]
    assert args(tmp_path, program(pass_values="key_value"), VALUES)[3:] == [
        "lr=0.003", "batch_size=32", "amp=true", "opt=sgd"]
    made = launch(tmp_path, program(pass_values="env", env_prefix="T_"), VALUES)
    assert made.argv[1:] == ["train.py", "--epochs", "3"]
    assert (made.env["T_LR"], made.env["T_BATCH_SIZE"], made.env["T_AMP"]) == (
        "0.003", "32", "true")
    made = launch(tmp_path, program(pass_values="json_file"), VALUES)
    assert made.argv[4] == "--config" and json.loads(Path(made.argv[5]).read_text()) == VALUES
    env = made.env
    assert json.loads(env[trial.PARAMS_ENV]) == VALUES and env["PYTHONUNBUFFERED"] == "1"
    assert env[trial.CHECKPOINT_ENV] == str(tmp_path / "7" / "checkpoint")


def test_the_log_keeps_its_head_and_tail_within_bounds(tmp_path: Path) -> None:
    log = OutputLog(tmp_path / "log.txt", head_limit=100, tail_limit=50)
    for i in range(100):
        log.write(f"{i:09d}\n".encode())  # 10 bytes a line, 1000 in all
    log.close()
    text = (tmp_path / "log.txt").read_text()
    assert text.startswith("000000000\n") and text.endswith("000000099\n")
    assert "[... 850 bytes of output left out; the last 50 follow ...]" in text
    assert len(text) < 250


def test_the_client_outside_tunestudio_changes_nothing(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (trial.PARAMS_ENV, trial.ADDRESS_ENV, trial.CHECKPOINT_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert not trial.active()
    assert trial.params({"lr": 0.1}, epochs=3) == {"lr": 0.1, "epochs": 3}
    assert trial.report(1, val_acc=0.5) is False
    trial.report_step(1, 0.3, lr=0.1)
    assert trial.checkpoint_dir() == Path("checkpoints") and (tmp_path / "checkpoints").is_dir()
    assert trial.number() is None and not trial.resuming()


def test_the_client_converts_passed_values_to_the_defaults_types(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(trial.PARAMS_ENV, json.dumps({"lr": 1, "epochs": 4.0, "amp": "true",
                                                      "extra": "x"}))
    assert trial.params(lr=0.1, epochs=3, amp=False) == {"lr": 1.0, "epochs": 4, "amp": True,
                                                          "extra": "x"}
    monkeypatch.setenv(trial.PARAMS_ENV, json.dumps({"epochs": "many"}))
    with pytest.raises(trial.TrialError, match="parameter 'epochs'"):
        trial.params(epochs=3)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_program_hears_the_interrupt_when_tunestudio_ignores_ctrl_c(tmp_path: Path) -> None:
    """Started in the background by a shell (`tunestudio run ... &`), TuneStudio ignores Ctrl+C
    and its children would inherit that: the stop's interrupt must still reach the program
    (it ends on it, with its own KeyboardInterrupt), not only the kill after the grace."""
    script = "import time\nprint('ready', flush=True)\ntime.sleep(60)\n"
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    launch = Launch([sys.executable, "-c", script], dict(os.environ), tmp_path)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = ProgramProcess(launch, OutputLog(tmp_path / "log.txt"), events)
    finally:
        signal.signal(signal.SIGINT, before)
    try:
        assert events.get(timeout=60) == ("line", "ready")
        assert process.stop(grace_s=30.0) == "interrupt"
        process.wait_output(10.0)
        assert any("KeyboardInterrupt" in line for line in process.last_lines)
    finally:
        process.stop(1.0)
        process.close()
