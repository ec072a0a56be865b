"""`tunestudio ensemble` end to end (in process): the top K of a searched digits CNN beside
each member, the test split once, an export checked against the average; bad input is a clear
error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import tunestudio as _cli
from tiny_projects import tiny_cnn_project
from tunestudio.config import save_project


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli-ensemble")
    path = root / "cnn.tuneproj"
    save_project(tiny_cnn_project(trials=3), path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(root / "data"))
        assert _cli("run", str(path), "--quiet").returncode == 0
    return path, root / "data"


def test_ensemble_reports_members_gain_test_and_a_checked_export(
        searched: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data))
    out = tmp_path / "ensemble.pt"
    done = _cli("ensemble", str(path), "--top", "3", "--test", "--export", str(out),
                "--format", "torchscript", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert len(result["members"]) == 3 and result["method"] == "top"
    best = max(m["metrics"]["val_accuracy"] for m in result["members"])
    assert result["gain"] == pytest.approx(result["metrics"]["val_accuracy"] - best)
    assert set(result["test_metrics"]) == {"test_loss", "test_accuracy"}
    export = result["export"]
    assert export["agrees"] is True and export["max_abs_difference"] < 1e-5
    assert out.is_file() and Path(export["metadata"]).is_file()
    text = _cli("ensemble", str(path), "--top", "2", "--greedy")
    assert text.returncode == 0, text.stderr
    assert "ensemble" in text.stdout and "the best single trial #" in text.stdout
    assert "gain" in text.stdout


def test_bad_input_is_a_clear_error(searched: tuple[Path, Path],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data))
    zero = _cli("ensemble", str(path), "--top", "0")
    assert zero.returncode == 1 and "at least 1 member" in zero.stderr
    unknown = _cli("ensemble", str(path), "--top", "2", "--experiment", "nope")
    assert unknown.returncode != 0 and "nope" in unknown.stderr
    fmt = _cli("ensemble", str(path), "--top", "2", "--format", "onnx")
    assert fmt.returncode == 2 and "give --export too" in fmt.stderr


def test_built_ensembles_are_listed_with_their_test_result_used_once(
        searched: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data))
    first = _cli("ensemble", str(path), "--top", "2", "--test", "--json")
    assert first.returncode == 0, first.stderr
    built = json.loads(first.stdout)
    again = _cli("ensemble", str(path), "--top", "2", "--test", "--json")
    assert again.returncode == 0, again.stderr
    assert f"ensemble #{built['number']} was evaluated on the test split before" in again.stderr
    assert json.loads(again.stdout)["test_metrics"] == built["test_metrics"]
    listed = _cli("ensembles", str(path), "--json")
    assert listed.returncode == 0, listed.stderr
    [(name, kept)] = json.loads(listed.stdout).items()
    [mine] = [e for e in kept if e["number"] == built["number"]]
    assert mine["method"] == "top" and mine["k"] == 2
    assert [m["number"] for m in mine["members"]] == [m["number"] for m in built["members"]]
    assert mine["metrics"] == built["metrics"] and mine["gain"] == built["gain"]
    assert mine["test_metrics"] == built["test_metrics"] and mine["exports"] == []
    table = _cli("ensembles", str(path)).stdout
    members = " ".join(f"#{m['number']}" for m in built["members"])
    assert f"{name}: {len(kept)} ensemble(s)" in table and members in table
    info = json.loads(_cli("info", str(path)).stdout)
    assert info["experiments"][0]["ensembles"]["count"] == len(kept)
