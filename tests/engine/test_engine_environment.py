"""The environment record of a trial: versions, device, user file hashes, git."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy
import pytest
import torch

from tunestudio.config import CsvData, DataConfig, PythonModel, from_template
from tunestudio.engine.environment import git_state, trial_environment, user_files


def _config(model_path: str = "net.py", data_path: str = "data.csv"):  # type: ignore[no-untyped-def]
    base = from_template("digits").baseline
    return base.model_copy(update={
        "model": PythonModel(path=model_path),
        "data": DataConfig(source=CsvData(path=data_path, target="y")),
    })


def test_versions_and_device_are_recorded(tmp_path: Path) -> None:
    env = trial_environment(from_template("digits").baseline, device="cpu", base_dir=tmp_path)
    assert env["torch"] == str(torch.__version__) and env["numpy"] == numpy.__version__
    assert env["cuda"] == torch.version.cuda
    assert env["device"] == "cpu" and env["device_name"] and env["os"]
    assert env["files"] == {}  # the built-in data set and model name no file


def test_user_files_are_hashed_and_a_change_shows(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text("x = 1\n")
    (tmp_path / "data.csv").write_text("a,y\n1,0\n")
    files = user_files(_config(), tmp_path)
    assert files["model.path"]["sha256"] == hashlib.sha256(b"x = 1\n").hexdigest()
    assert files["data.source.path"]["sha256"] == hashlib.sha256(b"a,y\n1,0\n").hexdigest()
    (tmp_path / "net.py").write_text("x = 22\n")  # another size: a new cache key
    assert user_files(_config(), tmp_path)["model.path"]["sha256"] == \
        hashlib.sha256(b"x = 22\n").hexdigest()


def test_a_missing_file_is_recorded_not_raised(tmp_path: Path) -> None:
    files = user_files(_config(model_path="gone.py"), tmp_path)
    assert files["model.path"]["sha256"] is None and files["model.path"]["error"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_and_dirty_flag(tmp_path: Path) -> None:
    assert git_state(tmp_path) is None  # not a repository
    assert git_state(None) is None

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c",
                        "user.email=t@t", *args], check=True, capture_output=True)

    git("init", "-q")
    assert git_state(tmp_path) is None  # no commit yet
    (tmp_path / "net.py").write_text("x = 1\n")
    git("add", "net.py")
    git("commit", "-q", "-m", "one")
    state = git_state(tmp_path)
    assert state is not None and len(state["commit"]) == 40 and state["dirty"] is False
    (tmp_path / "net.py").write_text("x = 2\n")
    assert git_state(tmp_path) == {"commit": state["commit"], "dirty": True}


def test_no_git_on_the_path_is_tolerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert git_state(tmp_path) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_run_asks_git_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.engine import environment

    calls: list[Path | None] = []
    real = environment.git_state

    def counted_git_state(folder: Path | None) -> dict[str, Any] | None:
        calls.append(folder)
        return real(folder)

    monkeypatch.setattr(environment, "git_state", counted_git_state)
    run = environment.RunGitState(tmp_path)
    config = from_template("digits").baseline
    first = trial_environment(config, device="cpu", base_dir=tmp_path, git=run)
    second = trial_environment(config, device="cpu", base_dir=tmp_path, git=run)
    assert calls == [tmp_path] and first["git"] == second["git"] is None
