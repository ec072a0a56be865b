"""`tunestudio export-model` and the trial menu's "Export model…": a trial's stored model (its
best checkpoint) written as a state dict, TorchScript or ONNX, with a JSON file beside it that
says what the model takes and gives (input shape, class names, normalisation, config), and a
check that the exported model predicts as the stored one on the validation split."""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from tunestudio.config import Project, RunConfig
from tunestudio.config.projectfile import write_atomic
from tunestudio.engine import Splits, build_model
from tunestudio.engine.checkpoint import CheckpointError, State
from tunestudio.engine.delivery import DeliveredModel, needs_delivery
from tunestudio.engine.input_norm import with_input_normalization
from tunestudio.engine.model_export import ExportFormat, export_model
from tunestudio.errors import TuneStudioError
from tunestudio.search.storage import open_store
from tunestudio.search.stored_model import (
    load_stored_model,
    trial_state,
    trials_with_checkpoints,
    without_pretrained,
)
from tunestudio.store import TrialRow

CHECK_SAMPLES = 1024  # validation samples the exported model is compared on


@dataclass(frozen=True)
class ModelExport:
    """What was written: the model file(s) and the metadata file; how many validation samples
    the exported model was checked on, the largest absolute difference of its outputs from the
    stored model's, and whether every predicted class (classification) agrees. `checked` is 0
    when no check ran (`note` says why)."""

    trial_id: int
    number: int
    format: ExportFormat
    files: list[Path]
    metadata: Path
    checked: int = 0
    max_abs_difference: float | None = None
    same_predictions: bool | None = None
    note: str = ""


def find_trial(project: Project, number: int | None, experiment: str | None = None,
               url: str | None = None) -> TrialRow:
    """Trial #`number` of the experiment (default: the project's first); with `number` None,
    its best complete trial trained on the current baseline (as `tunestudio info` reports
    it). Raises TuneStudioError naming what exists."""
    from tunestudio.store import CurrentConfig

    name = experiment or (project.experiments[0].name if project.experiments else None)
    store = open_store(project, url)
    try:
        exp = store.experiment(name) if name else None
        if exp is None:
            raise TuneStudioError(f"the experiment '{name}' has no trials yet; run it first")
        trials = store.trials(exp.id)
        if number is None:
            direction = project.experiment(exp.name).search.objective.resolved_direction \
                if exp.name in {e.name for e in project.experiments} else "maximize"
            best = CurrentConfig(project.baseline).best(trials, direction)
            if best is None:
                raise TuneStudioError(
                    f"experiment '{name}' has no complete trial on the current baseline, so "
                    "there is no best trial to export; name one with --trial N (it has: "
                    f"{', '.join(str(r.number) for r in trials) or 'none'})")
            return store.trial(best.id)
        rows = [r for r in trials if r.number == number]
        if not rows:
            numbers = ", ".join(str(r.number) for r in trials) or "none"
            raise TuneStudioError(f"experiment '{name}' has no trial #{number} (it has: "
                                  f"{numbers})")
        return store.trial(rows[-1].id)
    finally:
        store.close()


def _study_name(project: Project, row: TrialRow, url: str | None) -> str:
    store = open_store(project, url)
    try:
        return next((e.study_name for e in store.experiments() if e.id == row.experiment_id),
                    "")
    finally:
        store.close()


def model_from_state(config: RunConfig, state: State, base_dir: Path | None = None
                     ) -> nn.Module:
    """The trial's model rebuilt from its checkpoint alone (no data loaded), in eval mode on
    the CPU: the architecture from the config, the input shape and normalisation from the
    checkpoint's data statistics, the weights from the checkpoint. Raises TuneStudioError
    when the weights do not fit (the model file changed)."""
    data = state["data"]
    model = _architecture(config, tuple(data["input_shape"]), int(data["n_outputs"]),
                          data.get("normalization"), base_dir)
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as exc:
        raise TuneStudioError(f"the checkpoint does not fit the model built from the trial's "
                              f"config (did the model file change?): {exc}") from None
    return model.eval()


def _architecture(config: RunConfig, input_shape: tuple[int, ...], n_outputs: int,
                  norm: dict[str, list[float]] | None, base_dir: Path | None) -> nn.Module:
    model = build_model(without_pretrained(config).model, input_shape, n_outputs, base_dir)
    return with_input_normalization(model, None if norm is None else
                                    (norm["mean"], norm["std"]))


def delivered(model: nn.Module, config: RunConfig, data: dict[str, Any]) -> nn.Module:
    """`model` (trained on standardised features and targets) wrapped in DeliveredModel when
    its data were standardised, so that it takes the data source's own inputs and predicts in
    the target's units; itself otherwise (images normalise inside the model already). `data`
    is a checkpoint's data statistics (engine.checkpoint.data_stats, or the export's JSON)."""
    standardization = data.get("standardization")
    t_mean = float(data.get("target_mean") or 0.0)
    t_std = float(data.get("target_std") or 1.0)
    if not needs_delivery(standardization, config.task, t_mean, t_std):
        return model
    return DeliveredModel(model, tuple(int(d) for d in data["input_shape"]),
                          None if standardization is None else standardization["mean"],
                          None if standardization is None else standardization["std"],
                          t_mean if config.task == "regression" else 0.0,
                          t_std if config.task == "regression" else 1.0).eval()


def delivered_model(project: Project, row: TrialRow, config: RunConfig,
                    base_dir: Path | None = None, url: str | None = None
                    ) -> tuple[State, nn.Module]:
    """Trial `row`'s stored model (its best checkpoint) rebuilt on the CPU in eval mode from
    `config` (the trial's, parsed from `row.config_json`) and wrapped as it is delivered (see
    `delivered`: it takes the data source's own inputs and predicts in the target's units),
    with the checkpoint's state. Raises CheckpointError (no stored model) or TuneStudioError
    (the weights do not fit the model built from the config)."""
    state = trial_state(project, row, url)
    return state, delivered(model_from_state(config, state, base_dir), config, state["data"])


def export_trial_model(project: Project, number: int | None, out: Path, fmt: ExportFormat, *,
                       experiment: str | None = None, base_dir: Path | None = None,
                       url: str | None = None, check: bool = True) -> ModelExport:
    """Export trial #`number`'s stored model (None: the experiment's best trial, see
    `find_trial`) to `out` (plus `out` + ".json", the metadata). With `check`, the exported
    file is loaded back (onnxruntime for ONNX, when installed) and compared with the stored
    model on up to 1,024 validation samples. Raises CheckpointError (no stored model; it names
    the trials that keep one), ExportError (format, missing optional package) or
    TuneStudioError."""
    row = find_trial(project, number, experiment, url)
    if not row.config_json:
        raise TuneStudioError(f"trial #{row.number} has no stored config")
    config = RunConfig.model_validate_json(row.config_json)
    try:
        state, model = delivered_model(project, row, config, base_dir, url)
    except CheckpointError as exc:
        kept = trials_with_checkpoints(project, _study_name(project, row, url), url)
        raise CheckpointError(f"{exc}. Trials of this experiment that keep a checkpoint: "
                              f"{', '.join(f'#{n}' for n in kept) or 'none'}") from None
    shape = tuple(state["data"]["input_shape"])
    files = export_model(model, torch.zeros((2, *shape)), out, fmt)
    meta = out.with_name(out.name + ".json")
    # atomic: a reader (the window's export, a watching script) never sees it half-written
    write_atomic(meta, json.dumps(_metadata(project, row, config, state, fmt), indent=2,
                                  default=str).encode("utf-8"))
    result = ModelExport(row.id, row.number, fmt, files, meta)
    if not check:
        return result
    return _checked(project, row, fmt, out, result, base_dir, url)


def _metadata(project: Project, row: TrialRow, config: RunConfig, state: State,
              fmt: ExportFormat) -> dict[str, Any]:
    data = state["data"]
    regression = config.task == "regression"
    wrapped = needs_delivery(data.get("standardization"), config.task,
                             float(data.get("target_mean") or 0.0),
                             float(data.get("target_std") or 1.0))
    if data.get("normalization"):
        takes = "images: pixel values 0..255; the model normalises them itself"
    elif data.get("standardization"):
        takes = ("features as the data source gives them; the model standardises them itself "
                 "with the training split's statistics (`standardization`)")
    elif wrapped or not config.data.standardize:
        takes = "features as the data source gives them (not standardised in training)"
    else:  # a checkpoint written before it kept the features' statistics
        takes = ("features standardised with the training split's statistics, which this "
                 "checkpoint does not hold: train the trial again to export a model that "
                 "standardises them itself")
    return {
        "project": project.name, "trial_id": row.id, "trial_number": row.number,
        "format": fmt, "task": config.task,
        "input": {"shape": ["batch", *data["input_shape"]], "dtype": "float32",
                  "note": takes},
        "output": {"shape": ["batch", data["n_outputs"]],
                   "meaning": "class logits" if not regression
                   else "prediction in the target's units" if wrapped
                   else "standardised prediction: value * target_std + target_mean"},
        "standardization": data.get("standardization"),
        "delivered": wrapped,
        "class_names": data.get("class_names") or None,
        "target_mean": data.get("target_mean"), "target_std": data.get("target_std"),
        "normalization": data.get("normalization"),
        "checkpoint": {"step": state["step"], "epoch": state["epoch"],
                       "metrics": state["metrics"]},
        "objective": row.objective, "params": row.params,
        "config": json.loads(row.config_json or "{}"),
    }


def _checked(project: Project, row: TrialRow, fmt: ExportFormat, out: Path,
             result: ModelExport, base_dir: Path | None, url: str | None) -> ModelExport:
    stored = load_stored_model(project, row.id, base_dir=base_dir, url=url)
    data = stored.trainer.datasets
    if not isinstance(data, Splits) or data.n_val == 0:
        return _note(result, "not checked: the validation split is not held in memory")
    x_np = np.asarray(data.x_val[:CHECK_SAMPLES])
    x = torch.as_tensor(x_np).float()
    assert stored.trainer.model is not None
    with torch.inference_mode():
        reference = stored.trainer.model.cpu()(x).float().numpy()
    raw = x  # the exported model takes the data source's own inputs
    meta = json.loads(result.metadata.read_text(encoding="utf-8"))
    if meta.get("delivered"):
        if data.feature_mean is not None and data.feature_std is not None:
            flat = x_np.reshape(len(x_np), -1) * data.feature_std + data.feature_mean
            raw = torch.as_tensor(flat.reshape(x_np.shape)).float()
        if stored.config.task == "regression":
            reference = reference * data.target_std + data.target_mean
    exported = _predict(fmt, out, stored.config, raw, base_dir)
    if exported is None:
        return _note(result, "not checked: onnxruntime is not installed (pip install "
                     "onnxruntime)")
    diff = float(np.max(np.abs(exported - reference))) if reference.size else 0.0
    same = None
    if stored.config.task == "classification":
        same = bool(np.array_equal(exported.argmax(axis=1), reference.argmax(axis=1)))
    return ModelExport(result.trial_id, result.number, fmt, result.files, result.metadata,
                       len(x_np), diff if math.isfinite(diff) else math.inf, same)


def _predict(fmt: ExportFormat, out: Path, config: RunConfig, x: torch.Tensor,
             base_dir: Path | None) -> np.ndarray | None:
    if fmt != "state_dict":
        return predict_file(fmt, out, x)
    # the state dict as a user loads it: the architecture from the metadata beside it
    weights = torch.load(out, map_location="cpu", weights_only=True)
    meta = json.loads(out.with_name(out.name + ".json").read_text(encoding="utf-8"))
    shape = tuple(int(v) for v in meta["input"]["shape"][1:])
    model = _architecture(config, shape, int(meta["output"]["shape"][1]),
                          meta.get("normalization"), base_dir)
    if meta.get("delivered"):
        model = delivered(model, config, {**meta, "input_shape": shape})
    model.load_state_dict(weights)
    with torch.inference_mode():
        return np.asarray(model.eval()(x).float().numpy())


def predict_file(fmt: ExportFormat, out: Path, x: torch.Tensor) -> np.ndarray | None:
    """The outputs `(N, K)` (float32) of a TorchScript or ONNX file `out` for the inputs `x`
    `(N, *input_shape)`, run on the CPU as a user loads it; None for ONNX when onnxruntime is
    not installed (the check is then skipped, not failed). A state dict needs its
    architecture: the callers load those themselves. Raises ValueError for "state_dict"."""
    if fmt == "torchscript":
        with warnings.catch_warnings():  # deprecated, but the format users deploy
            warnings.simplefilter("ignore", DeprecationWarning)
            loaded = torch.jit.load(  # type: ignore[no-untyped-call]
                str(out), map_location="cpu")
        with torch.inference_mode():
            return np.asarray(loaded(x).float().numpy())
    if fmt == "onnx":
        try:
            import onnxruntime
        except ImportError:
            return None
        session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        return np.asarray(session.run(None, {"input": x.numpy()})[0])
    raise ValueError(f"predict_file reads TorchScript or ONNX files, not {fmt}")


def _note(result: ModelExport, note: str) -> ModelExport:
    return ModelExport(result.trial_id, result.number, result.format, result.files,
                       result.metadata, note=note)
