"""Ensembles of an experiment's best trials (a digits CNN searched once for the module): the
members are the best trials that count, with their stored metrics; the average is the mean of
the stored models' probabilities; excluded trials and trials without a checkpoint are left
out; the test split is used once; the ONNX export predicts as the average; the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional

from tiny_projects import tiny_cnn_project
from tunestudio.config import Project, save_project
from tunestudio.engine import Splits
from tunestudio.engine import model_export as engine_export
from tunestudio.errors import TuneStudioError
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.ensemble import _raw_split, build_ensemble
from tunestudio.search.stored_model import load_stored_model
from tunestudio.store import TrialRow


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, Path]:
    root = tmp_path_factory.mktemp("ensemble")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(root / "data"))
        project = tiny_cnn_project(trials=5)
        ExperimentRunner(project, project.experiments[0].name).run()
    path = root / "cnn.tuneproj"
    save_project(project, path)
    return project, path, root / "data"


@pytest.fixture
def project(searched: tuple[Project, Path, Path], monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(searched[2]))
    return searched[0]


def _ranked(project: Project) -> list[TrialRow]:
    store = open_store(project)
    rows = [r for r in store.trials() if r.counted]
    store.close()
    return sorted(rows, key=lambda r: (-float(r.objective or 0.0), r.number))


def test_top_k_averages_the_stored_models_probabilities(project: Project) -> None:
    ranked = _ranked(project)
    assert len(ranked) == 5
    ens = build_ensemble(project, 3)
    assert [m.number for m in ens.members] == [r.number for r in ranked[:3]]
    # each member's metrics, recomputed from its best checkpoint, are the trial's stored ones
    for member, row in zip(ens.members, ranked, strict=False):
        assert member.metrics["val_accuracy"] == pytest.approx(row.objective, abs=1e-6)
    # the average, computed another way: each stored model on the standardised split
    probs = []
    for row in ranked[:3]:
        stored = load_stored_model(project, row.id)
        data = stored.trainer.datasets
        assert isinstance(data, Splits) and stored.trainer.model is not None
        with torch.inference_mode():
            logits = stored.trainer.model(torch.as_tensor(np.asarray(data.x_val)))
        probs.append(functional.softmax(logits, dim=1))
    mean = torch.stack(probs).mean(0)
    assert isinstance(data, Splits)  # as each stored model's was, above
    y = torch.as_tensor(np.asarray(data.y_val))
    accuracy = float((mean.argmax(1) == y).float().mean())
    assert ens.metrics["val_accuracy"] == pytest.approx(accuracy, abs=1e-9)
    best = max(m.metrics["val_accuracy"] for m in ens.members)
    assert ens.gain == pytest.approx(ens.metrics["val_accuracy"] - best)
    verdict = "beats" if ens.gain > 0 else "ties" if ens.gain == 0 else "does not beat"
    assert f"the ensemble {verdict} the best single trial #{ranked[0].number}" in ens.summary()
    assert f"(gain {ens.gain:+.6g})" in ens.summary()


def test_the_test_split_is_evaluated_once_for_the_chosen_ensemble(project: Project) -> None:
    ens = build_ensemble(project, 2, greedy=True)
    assert ens.method == "greedy" and 1 <= ens.size <= 2
    got = ens.evaluate_test()
    assert set(got) == {"test_loss", "test_accuracy"} and 0.0 <= got["test_accuracy"] <= 1.0
    assert "test split (evaluated once" in ens.summary()
    with pytest.raises(TuneStudioError, match="already evaluated on the test split"):
        ens.evaluate_test()


def test_onnx_export_predicts_as_the_average(project: Project, tmp_path: Path) -> None:
    if engine_export.onnx_missing():
        pytest.skip("onnx/onnxscript not installed (pip install 'tunestudio[onnx]')")
    import onnxruntime

    ens = build_ensemble(project, 2)
    out = tmp_path / "ensemble.onnx"
    done = ens.export(out, "onnx")
    assert done.checked > 50 and done.agrees is True and done.max_abs_difference is not None
    assert done.max_abs_difference < 1e-5
    meta = json.loads(done.metadata.read_text())
    assert [m["number"] for m in meta["members"]] == [m.number for m in ens.members]
    assert meta["input"]["shape"] == ["batch", 1, 8, 8]
    # raw inputs (the data source's own units) in, the ensemble's probabilities out
    assert ens._splits is not None
    x, y = _raw_split(ens._splits, "val")
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    probs = session.run(None, {"input": x.numpy()})[0]
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    accuracy = float((probs.argmax(axis=1) == y.numpy()).mean())
    assert accuracy == pytest.approx(ens.metrics["val_accuracy"])


def test_excluded_trials_and_trials_without_a_checkpoint_are_left_out(
        project: Project) -> None:
    from tunestudio.search.artifacts import CheckpointPlan, checkpoint_file
    from tunestudio.search.storage import optuna_storage, storage_url

    ranked = _ranked(project)
    store = open_store(project)
    exp = store.experiment(project.experiments[0].name)
    assert exp is not None
    store.exclude_trials(exp.id, [ranked[0].number], "a bug in the data loader")
    try:
        ens = build_ensemble(project, 2)
    finally:
        store.include_trials(exp.id, [ranked[0].number])
        store.close()
    assert [m.number for m in ens.members] == [r.number for r in ranked[1:3]]
    # a trial whose checkpoint is gone is listed and skipped; the next one takes its place
    second = ranked[1]
    assert second.optuna_trial_id is not None
    frozen = optuna_storage(storage_url(project)).get_trial(second.optuna_trial_id)
    file = checkpoint_file(CheckpointPlan.for_project(project), frozen)
    moved = file.rename(file.with_name(file.name + ".away"))
    try:
        ens = build_ensemble(project, 2)
    finally:
        moved.rename(file)
    assert [m.number for m in ens.members] == [ranked[0].number, ranked[2].number]
    assert "no usable checkpoint" in ens.skipped[second.number]
    assert f"skipped (no usable checkpoint): #{second.number}\n" in ens.summary() + "\n"


def test_the_api_gives_the_ensemble(searched: tuple[Project, Path, Path],
                                    project: Project) -> None:
    import tunestudio as ts

    exp = ts.load_project(searched[1]).experiment()
    ens = exp.ensemble(3)
    assert [m.number for m in ens.members] == [r.number for r in _ranked(project)[:3]]
    assert ens.metrics["val_accuracy"] == build_ensemble(project, 3).metrics["val_accuracy"]
    with pytest.raises(TuneStudioError, match="at least 1 member"):
        exp.ensemble(0)


def test_a_built_ensemble_is_kept_with_its_test_result_once_and_its_exports(
        searched: tuple[Project, Path, Path], project: Project, tmp_path: Path) -> None:
    import tunestudio as ts

    ranked = _ranked(project)
    ens = build_ensemble(project, 4)
    assert ens.number is not None and ens.record_id is not None
    assert f"ensemble #{ens.number} of " in ens.summary()
    store = open_store(project)
    try:
        kept = store.ensemble(ens.record_id)
    finally:
        store.close()
    assert (kept.number, kept.method, kept.k) == (ens.number, "top", 4)
    assert [(m.number, m.trial_id, m.count) for m in kept.members] == \
        [(r.number, r.id, 1) for r in ranked[:4]]
    assert kept.metrics == pytest.approx(ens.metrics)
    assert kept.members[0].metrics == pytest.approx(ens.members[0].metrics)
    assert kept.gain == pytest.approx(ens.gain) and kept.best_member == ens.best_single.number
    assert kept.test_metrics is None and kept.exports == ()
    got = ens.evaluate_test()
    # built again (here through the API): the same record, with its test result, used once
    again = ts.load_project(searched[1]).experiment().ensemble(4)
    assert again.number == ens.number and again.test_metrics == pytest.approx(got)
    with pytest.raises(TuneStudioError, match="already evaluated on the test split"):
        again.evaluate_test()
    done = again.export(tmp_path / "top4.pt")
    [listed] = [e for e in ts.load_project(searched[1]).experiment().ensembles()
                if e.number == ens.number]
    assert listed.test_metrics == pytest.approx(got) and listed.tested_at is not None
    [export] = listed.exports
    assert export["format"] == "state_dict" and export["agrees"] is True
    assert export["files"] == [str((tmp_path / "top4.pt").resolve())]
    assert export["metadata"] == str(done.metadata.resolve())
    assert export["max_abs_difference"] == pytest.approx(done.max_abs_difference)
    unkept = build_ensemble(project, 4, record=False)
    assert unkept.number is None and unkept.test_metrics is None


def test_a_regression_ensemble_averages_values_in_the_target_units(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.config import Budget, PrunerConfig, from_template

    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = from_template("regression")
    base, exp = project.baseline, project.experiments[0]
    project = Project.model_validate(project.model_copy(update={
        "baseline": base.model_copy(update={
            "training": base.training.model_copy(update={"epochs": 3, "device": "cpu"}),
            "data": base.data.model_copy(update={"fraction": 0.3})}),
        "experiments": [exp.model_copy(update={"search": exp.search.model_copy(update={
            "budget": Budget(trials=2), "pruner": PrunerConfig(kind="none")})})]}).model_dump())
    ExperimentRunner(project, exp.name).run()
    store = open_store(project)
    rows = {r.number: store.trial(r.id) for r in store.trials()}
    store.close()
    ens = build_ensemble(project, 2)
    assert ens.task == "regression" and ens.metric == "val_r2" and len(ens.members) == 2
    for member in ens.members:  # recomputed in the target's units: the stored metrics
        stored = rows[member.number].metrics
        for name in ("val_loss", "val_mse", "val_mae", "val_r2"):
            assert member.metrics[name] == pytest.approx(stored[name], rel=1e-4, abs=1e-6)
    assert ens._splits is not None
    x, y = _raw_split(ens._splits, "val")
    with torch.inference_mode():
        mean = torch.stack([ens._models[m.number](x) for m in ens.members]).mean(0)
    mse = float(((mean.reshape(-1) - y) ** 2).mean())
    assert ens.metrics["val_mse"] == pytest.approx(mse, rel=1e-5)
    done = ens.export(tmp_path / "ensemble.pt")
    assert done.agrees is True and done.max_abs_difference is not None
    assert done.max_abs_difference < 1e-5

