"""Every trial records what it ran on: `trials --format json` holds the environment, and a user
model file edited between two runs shows two different hashes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import Budget, FloatDimension, PythonModel, save_project

NET = ("import torch\n"
       "def build_model(input_shape, n_outputs):\n"
       "    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, n_outputs))\n")




def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)


def test_a_model_file_changed_between_trials_shows_two_hashes(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=1), "dimensions": [
        FloatDimension(path="optimizer.lr", low=1e-3, high=1e-1, log=True)]}, epochs=2)
    project = project.model_copy(update={"baseline": project.baseline.model_copy(
        update={"model": PythonModel(path="net.py")})})
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    model_file = tmp_path / "net.py"
    model_file.write_text(NET)
    has_git = shutil.which("git") is not None
    if has_git:
        _git(tmp_path, "init", "-q")
        _git(tmp_path, "add", "net.py", "p.tuneproj")
        _git(tmp_path, "commit", "-q", "-m", "first")

    assert tunestudio("run", str(path), "--quiet").returncode == 0
    model_file.write_text(NET + "# a wider model next time\n")
    assert tunestudio("run", str(path), "--quiet").returncode == 0

    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert [r["state"] for r in rows] == ["complete", "complete"]
    first, second = (r["environment"] for r in rows)
    for env in (first, second):
        assert env["python"] == ".".join(map(str, sys.version_info[:3]))
        assert env["torch"] and env["numpy"] and env["os"] and env["tunestudio"]
        assert env["device"] == "cpu" and env["device_name"]
        assert "cuda" in env and "driver" in env
    hashes = [env["files"]["model.path"]["sha256"] for env in (first, second)]
    assert len(hashes[0]) == 64 and hashes[0] != hashes[1]
    assert first["files"]["model.path"]["path"] == "net.py"
    diff = tunestudio("diff", str(path), str(rows[0]["number"]), str(rows[1]["number"]))
    assert diff.returncode == 0, diff.stderr
    assert "the trials ran in different environments:" in diff.stdout
    assert f"! model.path (contents): {hashes[0][:12]} vs {hashes[1][:12]}" in diff.stdout
    as_json = json.loads(tunestudio("diff", str(path), str(rows[0]["number"]),
                                    str(rows[1]["number"]), "--format", "json").stdout)
    assert "files.model.path.sha256" in {d["field"] for d in as_json["environment_differences"]}
    if has_git:
        assert len(first["git"]["commit"]) == 40
        assert first["git"]["commit"] == second["git"]["commit"]
        assert (first["git"]["dirty"], second["git"]["dirty"]) == (False, True)
    else:  # pragma: no cover - git missing on this machine
        pytest.skip("git is not installed; the git part was not checked")
