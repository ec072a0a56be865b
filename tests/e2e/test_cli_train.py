"""`tunestudio train` as a user runs it: a real subprocess on the digits template."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import Completed, tunestudio


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "digits.tuneproj"
    made = tunestudio("new", str(path), "--template", "digits")
    assert made.returncode == 0, made.stderr
    return path


def outcome(out: Completed) -> dict[str, Any]:
    last = out.stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(last)
    assert set(result) == {"status", "message", "metrics", "best", "epochs", "steps",
                           "duration_s", "device"}
    return result


def test_digits_template_reaches_95_percent_on_the_cpu(project: Path) -> None:
    out = tunestudio("train", str(project), "--device", "cpu")
    assert out.returncode == 0, out.stderr
    result = outcome(out)
    assert result["status"] in ("completed", "stopped_early")
    assert result["metrics"]["val_accuracy"] >= 0.95
    assert result["device"] == "cpu" and result["steps"] > 0
    assert "training on cpu" in out.stderr and "val_accuracy" in out.stderr


def test_same_project_trains_identically_twice(project: Path) -> None:
    first = outcome(tunestudio("train", str(project), "--epochs", "3"))
    second = outcome(tunestudio("train", str(project), "--epochs", "3"))
    assert first["epochs"] == 3.0
    assert first["metrics"] == second["metrics"] and first["best"] == second["best"]


def test_failure_is_reported_as_json_and_exit_1(project: Path) -> None:
    doc = json.loads(project.read_text())
    doc["baseline"]["data"]["source"] = {"kind": "csv", "path": "missing.csv",
                                         "target": "label"}
    project.write_text(json.dumps(doc))
    out = tunestudio("train", str(project))
    assert out.returncode == 1
    result = outcome(out)
    assert result["status"] == "failed" and "missing.csv" in result["message"]
    assert "Traceback" not in out.stderr


def test_ctrl_c_stops_cleanly_with_the_result(project: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "tunestudio", "train", str(project),
                             "--epochs", "100000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("epoch 1/"):
                break
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    result = json.loads(stdout.strip().splitlines()[-1])
    assert result["status"] == "stopped" and result["steps"] > 0
