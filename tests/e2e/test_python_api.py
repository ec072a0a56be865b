"""The Python API on a real project: `trials_frame()` holds exactly what `tunestudio trials
--format json` lists, curves hold every stored point, and errors say what to do."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import tunestudio as ts
from tiny_projects import tiny_project
from tunestudio.config import Budget, save_project
from tunestudio.errors import TuneStudioError


@pytest.fixture
def ran(tmp_path: Path) -> ts.Project:
    path = tmp_path / "p.tuneproj"
    save_project(tiny_project({"budget": Budget(trials=3)}, epochs=2, fraction=0.2), path)
    project = ts.load_project(path)
    summary = project.experiment().run(device="cpu", progress=False)
    assert summary.counts == {"complete": 3}
    return project


def _same(a: object, b: object) -> bool:
    if b is None:
        return a is None or (isinstance(a, float) and math.isnan(a))
    return bool(a == b)


def test_trials_frame_equals_the_cli_json(ran: ts.Project) -> None:
    listed = json.loads(subprocess.run(
        [sys.executable, "-m", "tunestudio", "trials", str(ran.path), "--format", "json"],
        capture_output=True, text=True, timeout=120, check=True).stdout)
    frame = ran.experiment().trials_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(listed) == 3
    for record in listed:
        row = frame.loc[record["number"]]
        for key, value in record.items():
            if key == "experiment":
                continue
            if key in ("params", "metrics"):
                for name, v in value.items():  # exact: the stored values, unrounded
                    assert _same(row[f"{key}_{name}"], v), (key, name)
            else:
                assert _same(row[key], value), key
    assert {"state", "objective", "duration_s", "seed", "params_optimizer.lr"} <= set(frame)


def test_curves_best_and_trial(ran: ts.Project) -> None:
    exp = ran.experiment()
    best = exp.best()
    assert best is not None
    assert best.objective == max(t.objective for t in exp.trials() if t.objective is not None)
    steps, evaluations = exp.trial(best.number).curves()
    assert len(steps) == best.row.metrics["steps"] and len(evaluations) == 2
    assert list(steps.columns) == ["repeat", "step", "epoch", "loss", "lr", "grad_norm"]
    assert "val_accuracy" in evaluations and evaluations["epoch"].tolist() == [1.0, 2.0]


def test_clear_errors(ran: ts.Project, monkeypatch: pytest.MonkeyPatch) -> None:
    exp = ran.experiment()
    with pytest.raises(TuneStudioError, match="fuse=0"):
        exp.run(trials=1, fuse=0, progress=False)
    with pytest.raises(TuneStudioError, match="no trial #99"):
        exp.trial(99)
    with pytest.raises(TuneStudioError, match="no experiment named 'nope'"):
        ran.experiment("nope")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(TuneStudioError, match=r"tunestudio\[notebook\]"):
        exp.trials_frame()


def test_load_model_returns_the_trained_model(ran: ts.Project) -> None:
    import torch

    from tunestudio.search.stored_model import load_stored_model

    best = ran.experiment().best()
    assert best is not None
    model = best.load_model()
    assert isinstance(model, torch.nn.Module) and not model.training
    stored = load_stored_model(ran.config, best.row.id, base_dir=ran.path.parent)
    assert stored.trainer.model is not None
    for mine, theirs in zip(model.state_dict().values(),
                            stored.trainer.model.state_dict().values(), strict=True):
        assert torch.equal(mine, theirs)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)  # digits: 8x8 images, 10 classes


def test_load_model_of_a_trial_without_checkpoint_says_so(tmp_path: Path) -> None:
    from tunestudio.config import CheckpointSettings

    project = tiny_project({"budget": Budget(trials=2)}, epochs=2, fraction=0.2)
    project = project.model_copy(update={"checkpoints": CheckpointSettings(keep_best=1)})
    path = tmp_path / "k.tuneproj"
    save_project(project, path)
    exp = ts.load_project(path).experiment()
    exp.run(progress=False)
    best = exp.best()
    assert best is not None
    other = next(t for t in exp.trials() if t.number != best.number)
    best.load_model()
    with pytest.raises(TuneStudioError, match=f"#{other.number}"):
        other.load_model()


def test_run_fuse_overrides_the_experiments_setting(tmp_path: Path) -> None:
    """run(fuse=False) trains one trial at a time in an experiment set to fuse; run(fuse=True)
    lets --fuse auto decide in one set to off; fuse=K fuses K."""
    from tunestudio.config import FloatDimension

    lr = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)

    def experiment(setting: str, name: str) -> ts.Experiment:
        path = tmp_path / f"{name}.tuneproj"
        save_project(tiny_project({"fuse": setting, "fuse_trials": 2, "dimensions": [lr]},
                                  epochs=2, fraction=0.2), path)
        return ts.load_project(path).experiment()

    def groups(exp: ts.Experiment) -> list[str | None]:
        return [t.row.group_id for t in exp.trials()]

    fusing = experiment("fixed", "fixed")
    fusing.run(trials=2, device="cpu", fuse=False, progress=False)
    assert groups(fusing) == [None, None]
    alone = experiment("off", "off")
    # fuse=True is --fuse auto: its cost model decides (for two tiny trials, one at a time,
    # its probe would not pay), and says so where the experiment's 'off' says nothing
    summary = alone.run(trials=2, device="cpu", fuse=True, progress=False)
    assert summary.fusing is not None and summary.fusing.startswith("fuse auto")
    alone.run(trials=2, device="cpu", fuse=2, progress=False)
    first, second = groups(alone)[:2], groups(alone)[2:]
    assert None not in second and len(set(second)) == 1 and set(first).isdisjoint(second)


def test_import_tunestudio_stays_light() -> None:
    code = ("import sys, tunestudio as ts\n"
            "print(sorted(m for m in ('torch', 'optuna', 'pandas', 'tunestudio.api')"
            " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    assert out == "[]"


def test_the_notebook_extra_gives_tqdm_its_widget() -> None:
    """In a notebook `run()`'s tqdm.auto bar is tqdm.notebook's, an ipywidgets progress bar
    (the notebook extra installs ipywidgets; without it tqdm raises 'IProgress not found')."""
    from tqdm.notebook import tqdm

    bar = tqdm(total=4, desc="lr", unit="trial", display=False)
    bar.update(4)
    widget = bar.container.children[1]
    assert type(widget).__name__ == "FloatProgress" and widget.max == 4
    bar.close()
