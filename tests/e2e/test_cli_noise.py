"""Verdicts that know the noise, as a user meets them: `rerun --top N --seeds K`, the trials
table's mean ± std and noise column, and `info`'s one-variable-at-a-time verdicts from a real
search where one knob clearly matters and another does not."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import tunestudio
from tiny_projects import tiny_project
from tunestudio.config import Budget, FloatDimension, load_project, save_project


def test_rerun_top_trials_with_seeds(tmp_path: Path) -> None:
    project = tiny_project({"budget": Budget(trials=4)}, epochs=2, fraction=0.2)
    name = project.experiments[0].name
    path = tmp_path / "p.tuneproj"
    save_project(project, path)
    assert tunestudio("run", str(path), "--quiet").returncode == 0
    once = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    top = sorted((r for r in once if r["state"] == "complete"),
                 key=lambda r: -r["objective"])[:2]

    done = tunestudio("rerun", str(path), "--top", "2", "--seeds", "3", "--quiet")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert [r["source_trial"] for r in result["reran"]] == [r["number"] for r in top]
    for r in result["reran"]:
        assert r["state"] == "complete" and r["seeds"] == 3
        assert isinstance(r["objective"], float) and isinstance(r["objective_std"], float)
    assert sorted(r["noise"] for r in result["reran"])[0] == "best"
    assert {r["noise"] for r in result["reran"]} <= {"best", "within noise", "beyond noise"}
    names = [e.name for e in load_project(path).experiments]
    assert [r["experiment"] for r in result["reran"]] == names[-2:]
    assert names[-1] == f"{name}-trial-{top[1]['number']}-x3-seeds"
    assert " ± " in done.stderr  # the summary shows mean ± std

    again = tunestudio("rerun", str(path), "--top", "2", "--seeds", "3", "--quiet")
    assert json.loads(again.stdout.splitlines()[-1])["reran"] == result["reran"]  # no retrain
    rows = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    assert len(rows) == 4 + 2 * 3  # each seed a trial of its own, so they can train fused
    seeded = [r for r in rows if r["experiment"] == names[-1]]
    assert sorted(r["params"]["training.seed"] for r in seeded) == [0, 1, 2]
    assert {r["trial_id"] for r in seeded} == set(result["reran"][-1]["trial_ids"])
    table = tunestudio("trials", str(path), "--experiment", names[-1]).stdout
    assert "noise" in table.splitlines()[0] and len(table.splitlines()) == 4


def test_ovat_verdict_one_knob_matters_the_other_does_not(tmp_path: Path) -> None:
    dims = [
        # an LR 300x too small barely learns in 3 epochs: clearly matters
        FloatDimension(path="optimizer.lr", low=1e-6, high=1e-1, log=True,
                       values=[1e-5, 0.003]),
        # weight decay 0.0004 against 0.0005 over 3 epochs: no real effect
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True,
                       values=[0.0004, 0.0005]),
    ]
    project = tiny_project({"strategy": "ovat", "dimensions": dims, "repeats": 3,
                            "budget": Budget(trials=None)}, epochs=3, fraction=0.3)
    path = tmp_path / "ovat.tuneproj"
    save_project(project, path)
    run = tunestudio("run", str(path), "--quiet")
    assert run.returncode == 0, run.stderr
    info = json.loads(tunestudio("info", str(path)).stdout)
    [exp] = info["experiments"][:1]
    verdicts = {v["knob"]: v for v in exp["ovat"]}
    assert verdicts["optimizer.lr"]["exceeds_noise"] is True, verdicts
    assert verdicts["optimizer.weight_decay"]["exceeds_noise"] is False, verdicts
    assert verdicts["optimizer.lr"]["best_value"] == 0.003
    # the verdicts name their test, its p-values and the threshold, which is a setting
    assert verdicts["optimizer.lr"]["test"] == "Welch's t-test"
    assert verdicts["optimizer.lr"]["p_value"] < 0.05 <= verdicts["optimizer.weight_decay"][
        "p_value"]
    noise = exp["noise_test"]
    assert noise["test"].startswith("Welch's t-test") and noise["alpha"] == 0.05
    assert noise["p_values"] and str(noise["best"]) not in noise["p_values"]
    assert all(0.0 <= p <= 1.0 for p in noise["p_values"].values())
    assert sorted(int(n) for n, p in noise["p_values"].items() if p >= 0.05) == exp[
        "within_noise_of_best"]
    loose = json.loads(tunestudio("info", str(path), "--noise-alpha", "0.5").stdout)
    assert loose["experiments"][0]["noise_test"]["alpha"] == 0.5
    assert sorted(int(n) for n, p in noise["p_values"].items() if p >= 0.5) == loose[
        "experiments"][0]["within_noise_of_best"]
    trials = json.loads(tunestudio("trials", str(path), "--format", "json").stdout)
    marks = {r["number"]: r["noise"] for r in trials}
    assert list(marks.values()).count("best") == 1
    lr_trial = next(r for r in trials if r["params"]["optimizer.lr"] == 1e-5)
    assert marks[lr_trial["number"]] == "beyond noise"
