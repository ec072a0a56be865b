"""export-model: a trial's stored model as a state dict, TorchScript and ONNX; each predicts as
the stored model on the validation split (ONNX through onnxruntime); ONNX without its packages
is a message saying how to install them."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from tiny_projects import tiny_project
from tunestudio.config import Budget, Project
from tunestudio.engine import Splits
from tunestudio.engine import model_export as engine_export
from tunestudio.engine.model_export import ExportError
from tunestudio.search import ExperimentRunner, open_store
from tunestudio.search.model_export import delivered, export_trial_model, model_from_state
from tunestudio.search.stored_model import load_stored_model


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, int, Path]:
    root = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNESTUDIO_DATA_DIR", str(root / "data"))
        project = tiny_project({"budget": Budget(trials=1)}, epochs=2)
        ExperimentRunner(project, project.experiments[0].name).run()
        store = open_store(project)
        [row] = store.trials()
        store.close()
    return project, row.number, root / "data"


def _validation(project: Project, number: int) -> tuple[np.ndarray, np.ndarray]:
    """The validation inputs as the data source gives them (not standardised: what a user of
    the exported model has) and the stored model's outputs on them, in the target's units."""
    store = open_store(project)
    [row] = [r for r in store.trials() if r.number == number]
    store.close()
    stored = load_stored_model(project, row.id)
    data = stored.trainer.datasets
    assert isinstance(data, Splits) and stored.trainer.model is not None
    x = torch.as_tensor(np.asarray(data.x_val)).float()
    with torch.inference_mode():
        out = stored.trainer.model(x).numpy() * data.target_std + data.target_mean
    raw = x.numpy()
    if data.feature_mean is not None and data.feature_std is not None:
        flat = raw.reshape(len(raw), -1) * data.feature_std + data.feature_mean
        raw = flat.reshape(raw.shape).astype(np.float32)
    return raw, out


@pytest.mark.parametrize("fmt", ["state_dict", "torchscript", "onnx"])
def test_each_format_predicts_as_the_stored_model(
        searched: tuple[Project, int, Path], fmt: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, number, data_dir = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data_dir))
    if fmt == "onnx" and engine_export.onnx_missing():
        pytest.skip("onnx/onnxscript not installed (pip install 'tunestudio[onnx]')")
    out = tmp_path / f"model.{fmt}"
    done = export_trial_model(project, number, out, fmt)  # type: ignore[arg-type]
    assert out.is_file() and out.stat().st_size > 1000
    meta = json.loads(done.metadata.read_text())
    assert meta["trial_number"] == number and meta["input"]["shape"] == ["batch", 1, 8, 8]
    # the model takes the features as the data source gives them (it standardises them)
    assert meta["delivered"] is True and len(meta["standardization"]["mean"]) == 64
    assert "standardises them itself" in meta["input"]["note"]
    assert done.checked > 50 and done.same_predictions is True
    x, reference = _validation(project, number)
    if fmt == "state_dict":
        from tunestudio.config import RunConfig

        weights = torch.load(out, weights_only=True)
        config = RunConfig.model_validate(meta["config"])
        inner = {k.removeprefix("net."): v for k, v in weights.items() if k.startswith("net.")}
        state = {"model": inner, "data": {"input_shape": [1, 8, 8], "n_outputs": 10}}
        bare = model_from_state(config, state)
        assert not any(m.training for m in bare.modules())  # rebuilt to predict
        # as the metadata says: the network behind the training split's standardisation
        model = delivered(bare, config, {**meta, "input_shape": [1, 8, 8]})
        model.load_state_dict(weights)
        with torch.inference_mode():
            predicted = model(torch.as_tensor(x)).numpy()
    elif fmt == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # (torch.jit.load has no annotations)
            loaded = torch.jit.load(str(out))  # type: ignore[no-untyped-call]
        with torch.inference_mode():
            predicted = loaded(torch.as_tensor(x)).numpy()
    else:
        if importlib.util.find_spec("onnxruntime") is None:
            pytest.skip("onnxruntime not installed")
        import onnxruntime

        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        predicted = session.run(None, {"input": x})[0]
    assert predicted.shape == reference.shape
    assert np.array_equal(predicted.argmax(axis=1), reference.argmax(axis=1))
    # float32 round-off only: the inputs were un-standardised for the test and are
    # standardised again inside the model, logits reach ~20 (7.6e-6 absolute seen)
    tolerance = 1e-3 if fmt == "onnx" else 1e-5
    np.testing.assert_allclose(predicted, reference, rtol=tolerance, atol=tolerance)


def test_onnx_without_its_packages_says_how_to_install_them(
        searched: tuple[Project, int, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, number, data_dir = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data_dir))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxscript" else real(name, *a))
    with pytest.raises(ExportError, match=r"onnxscript.*pip install 'tunestudio\[onnx\]'"):
        export_trial_model(project, number, tmp_path / "m.onnx", "onnx")


def test_an_unknown_trial_names_those_that_exist(
        searched: tuple[Project, int, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, _, data_dir = searched
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(data_dir))
    with pytest.raises(Exception, match="no trial #99"):
        export_trial_model(project, 99, tmp_path / "m.pt", "state_dict")


def test_a_regression_model_predicts_in_the_targets_units_from_raw_features(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Targets and features standardised in training: the exported model undoes both."""
    from tunestudio.config import from_template

    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path / "data"))
    project = from_template("regression")
    base = project.baseline
    baseline = base.model_copy(update={
        "training": base.training.model_copy(update={"epochs": 2, "device": "cpu"}),
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 0.0})})
    exp = project.experiments[0]
    search = exp.search.model_copy(update={"budget": Budget(trials=1)})
    project = Project.model_validate(project.model_copy(update={
        "baseline": baseline,
        "experiments": [exp.model_copy(update={"search": search})]}).model_dump())
    ExperimentRunner(project, exp.name).run()
    out = tmp_path / "model.pt"
    done = export_trial_model(project, 0, out, "torchscript")
    meta = json.loads(done.metadata.read_text())
    assert meta["delivered"] is True and meta["output"]["meaning"] == \
        "prediction in the target's units"
    assert done.checked > 0 and done.max_abs_difference is not None
    x, reference = _validation(project, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        loaded = torch.jit.load(str(out))  # type: ignore[no-untyped-call]
    with torch.inference_mode():
        predicted = loaded(torch.as_tensor(x)).numpy()
    assert np.abs(reference).max() > 10  # in the target's units, not standardised
    assert np.allclose(predicted, reference, rtol=1e-5, atol=1e-4)
    assert done.max_abs_difference < 1e-3
