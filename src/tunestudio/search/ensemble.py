"""`tunestudio ensemble`, `Experiment.ensemble(k)` and the window's "Ensemble of the best…":
the stored models (best checkpoints) of an experiment's best trials, their predictions averaged
on the validation split, the ensemble's metrics beside each member's, optionally Caruana's
greedy selection instead of the top K, the test split once for the chosen ensemble, and an
export as one model that predicts as the average."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from tunestudio.config import Project, RunConfig
from tunestudio.config.projectfile import write_atomic
from tunestudio.engine import Splits, load_splits
from tunestudio.engine.checkpoint import CheckpointError
from tunestudio.engine.ensemble import (
    EnsembleModel,
    average,
    greedy_selection,
    member_predictions,
    prediction_metrics,
)
from tunestudio.engine.model_export import ExportFormat, export_model
from tunestudio.errors import TuneStudioError
from tunestudio.search.model_export import CHECK_SAMPLES, delivered_model, predict_file
from tunestudio.search.storage import open_store, storage_url
from tunestudio.store import CurrentConfig, EnsembleMember, EnsembleRow, Store, TrialRow

CHECK_TOLERANCE = 1e-5  # an export predicts as the average when no output differs by more
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Member:
    """One trial in the ensemble: its number (the table's #), its objective as stored, its
    metrics recomputed on the validation split as the ensemble's are, and `count`, how many
    times the ensemble holds it (1 for the top K; greedy selection may pick a trial twice)."""

    number: int
    trial_id: int
    objective: float | None
    metrics: dict[str, float]
    count: int = 1


@dataclass(frozen=True)
class EnsembleExport:
    """An ensemble written as one model: the files, the metadata file beside them, and the
    check (`checked` validation samples fed as raw inputs; the largest absolute difference
    of the export's outputs from the average; `agrees`: below 1e-5). `checked` is 0 when no
    check ran (`note` says why)."""

    format: ExportFormat
    files: list[Path]
    metadata: Path
    checked: int = 0
    max_abs_difference: float | None = None
    agrees: bool | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: paths as absolute strings, as the history keeps them."""
        return {"format": self.format, "files": [str(f.resolve()) for f in self.files],
                "metadata": str(self.metadata.resolve()), "checked": self.checked,
                "max_abs_difference": self.max_abs_difference, "agrees": self.agrees,
                "note": self.note}


@dataclass
class Ensemble:
    """The chosen ensemble of an experiment's trials: `members` (in the order chosen),
    `metrics` (the ensemble's on the validation split), `metric` and `direction` (the
    experiment's objective), `best_single` (the member with the best `metric`) and `gain`
    (the ensemble's `metric` minus the best single member's, signed so that a positive gain
    is better whatever the direction). `skipped` maps trial numbers left out to the reason
    (no checkpoint, other data). `test_metrics` is filled by `evaluate_test`."""

    experiment: str
    task: Literal["classification", "regression"]
    method: Literal["top", "greedy"]
    metric: str
    direction: Literal["maximize", "minimize"]
    members: list[Member]
    metrics: dict[str, float]
    skipped: dict[int, str] = field(default_factory=dict)
    test_metrics: dict[str, float] | None = None
    k: int = 0  # K asked for: the top K, or a greedy selection's rounds
    # the history's record (Store.record_ensemble): its id and its number in the experiment;
    # None for an ensemble that is not kept
    record_id: int | None = None
    number: int | None = None
    # what building the model needs again (export, test): not part of the result's meaning
    _models: dict[int, nn.Module] = field(default_factory=dict, repr=False)
    _splits: Splits | None = field(default=None, repr=False)
    _config: RunConfig | None = field(default=None, repr=False)
    _input_shape: tuple[int, ...] = field(default=(), repr=False)
    _url: str | None = field(default=None, repr=False)  # the history it is kept in

    @property
    def best_single(self) -> Member:
        """The member with the best `metric` in `direction` (a member without it ranks last; ties:
        the lowest trial number)."""
        sign = 1.0 if self.direction == "maximize" else -1.0
        return max(self.members, key=lambda m: (sign * m.metrics.get(self.metric, -math.inf),
                                                -m.number))

    @property
    def gain(self) -> float:
        """Ensemble minus best single member on `metric`; positive is better."""
        sign = 1.0 if self.direction == "maximize" else -1.0
        return sign * (self.metrics[self.metric] - self.best_single.metrics[self.metric])

    @property
    def size(self) -> int:
        """Members counted with their multiplicity."""
        return sum(m.count for m in self.members)

    def model(self) -> EnsembleModel:
        """The ensemble as one module on the CPU, in eval mode: it takes the data source's own
        inputs `(B, *input_shape)` and returns the average (see EnsembleModel)."""
        return EnsembleModel([self._models[m.number] for m in self.members], self.task,
                             [m.count for m in self.members]).eval()

    def summary(self) -> str:
        """The result as the CLI prints it: one line per member, the ensemble's, the gain."""
        names = sorted({k for m in self.members for k in m.metrics} | set(self.metrics))
        head = f"{'trial':>8}  {'count':>5}  " + "  ".join(f"{n:>14}" for n in names)
        lines = [] if self.number is None else [
            f"ensemble #{self.number} of '{self.experiment}' (kept in the history: "
            "`tunestudio ensembles PROJECT` lists them)"]
        lines.append(head)
        for m in self.members:
            lines.append(f"{'#' + str(m.number):>8}  {m.count:>5}  " + "  ".join(
                f"{m.metrics.get(n, math.nan):>14.6g}" for n in names))
        lines.append(f"{'ensemble':>8}  {self.size:>5}  " + "  ".join(
            f"{self.metrics.get(n, math.nan):>14.6g}" for n in names))
        best = self.best_single
        verdict = "beats" if self.gain > 0 else "does not beat" if self.gain < 0 else "ties"
        lines.append(f"the ensemble {verdict} the best single trial #{best.number} on "
                     f"{self.metric}: {self.metrics[self.metric]:.6g} vs "
                     f"{best.metrics[self.metric]:.6g} (gain {self.gain:+.6g})")
        for why, numbers in self.skipped_by_reason().items():
            lines.append(f"skipped ({why}): {', '.join(f'#{n}' for n in numbers)}")
        if self.test_metrics is not None:
            lines.append("test split (evaluated once, for this ensemble): " + ", ".join(
                f"{k} {v:.6g}" for k, v in sorted(self.test_metrics.items())))
        return "\n".join(lines)

    def skipped_by_reason(self) -> dict[str, list[int]]:
        """The skipped trials' numbers under the short form of their reason (the detail in
        `skipped` left out): one line each in the summary however many trials share it."""
        grouped: dict[str, list[int]] = {}
        for number, why in sorted(self.skipped.items()):
            grouped.setdefault(why.split(" (", 1)[0], []).append(number)
        return grouped

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the CLI's `--json`)."""
        return {"number": self.number, "experiment": self.experiment, "task": self.task,
                "method": self.method, "k": self.k,
                "metric": self.metric, "direction": self.direction,
                "members": [{"number": m.number, "trial_id": m.trial_id, "count": m.count,
                             "objective": m.objective, "metrics": m.metrics}
                            for m in self.members],
                "metrics": self.metrics, "best_single": self.best_single.number,
                "gain": self.gain, "skipped": {str(k): v for k, v in self.skipped.items()},
                "test_metrics": self.test_metrics}

    def evaluate_test(self) -> dict[str, float]:
        """The ensemble's loss and metrics on the test split, stored in `test_metrics`. The
        test split is for the final choice only: it is evaluated for this ensemble and never
        for its members. Raises TuneStudioError when the project keeps no test split, or
        when this ensemble was already evaluated on it."""
        if self.test_metrics is not None:
            raise TuneStudioError("this ensemble was already evaluated on the test split (it "
                                  "is used once)")
        assert self._splits is not None
        x, y = _raw_split(self._splits, "test")
        if len(y) == 0:
            raise TuneStudioError("the project keeps no test split (data.test_fraction is 0)")
        with torch.inference_mode():
            out = self.model()(x)
        metrics = prediction_metrics(self.task, out, y, self._splits.target_std, "test")
        if self.record_id is not None:
            with Store.open(self._url or "") as store:
                try:
                    store.set_ensemble_test_metrics(self.record_id, metrics)
                except ValueError:  # evaluated meanwhile, by another process
                    raise TuneStudioError(f"ensemble #{self.number} was already evaluated on "
                                          "the test split (it is used once): "
                                          "`tunestudio ensembles PROJECT` shows the result"
                                          ) from None
        self.test_metrics = metrics
        return metrics

    def export(self, out: Path, fmt: ExportFormat = "state_dict", *, check: bool = True
               ) -> EnsembleExport:
        """Write the ensemble as one model to `out` (plus `out` + ".json": members, weights,
        input and output) and, with `check`, load it back (onnxruntime for ONNX) and compare
        its outputs on up to 1,024 raw validation inputs with the average of the members'.
        A state dict loads into `EnsembleModel` built from the members' configs in the
        metadata. Raises ExportError (format, missing optional package) or OSError."""
        model = self.model()
        shape = self._input_shape
        files = export_model(model, torch.zeros((2, *shape)), out, fmt)
        meta = out.with_name(out.name + ".json")
        write_atomic(meta, json.dumps(self._metadata(fmt), indent=2,
                                      default=str).encode("utf-8"))
        if not check:
            return self._kept(EnsembleExport(fmt, files, meta))
        assert self._splits is not None
        x, _ = _raw_split(self._splits, "val")
        x = x[:CHECK_SAMPLES]
        preds = torch.stack([member_predictions(self._models[m.number], x, self.task)
                             for m in self.members])
        reference = average(preds, torch.tensor([m.count for m in self.members])).numpy()
        exported = _predict(fmt, out, model, x)
        if exported is None:
            return self._kept(EnsembleExport(fmt, files, meta, note="not checked: onnxruntime "
                                             "is not installed (pip install onnxruntime)"))
        diff = float(np.max(np.abs(exported - reference))) if reference.size else 0.0
        diff = diff if math.isfinite(diff) else math.inf
        return self._kept(EnsembleExport(fmt, files, meta, len(x), diff,
                                         diff < CHECK_TOLERANCE))

    def _kept(self, done: EnsembleExport) -> EnsembleExport:
        """`done`, recorded with the ensemble in the history when it is kept there."""
        if self.record_id is not None:
            with Store.open(self._url or "") as store:
                store.add_ensemble_export(self.record_id, done.as_dict())
        return done

    def _metadata(self, fmt: ExportFormat) -> dict[str, Any]:
        splits = self._splits
        assert splits is not None
        classes = splits.class_names or (tuple(str(i) for i in range(splits.n_classes))
                                         if splits.n_classes else None)
        return {
            "kind": "ensemble", "format": fmt, "task": self.task, "experiment": self.experiment,
            "method": self.method,
            "input": {"shape": ["batch", *self._input_shape], "dtype": "float32",
                      "note": "inputs as the data source gives them; each member standardises "
                      "or normalises them itself"},
            "output": {"shape": ["batch", splits.n_outputs],
                       "meaning": "mean class probabilities (softmax of each member's logits)"
                       if self.task == "classification"
                       else "mean prediction in the target's units"},
            "class_names": list(classes) if classes else None,
            "members": [{"number": m.number, "trial_id": m.trial_id, "count": m.count,
                         "weight": m.count / self.size, "metrics": m.metrics}
                        for m in self.members],
            "metrics": self.metrics, "gain": self.gain,
        }


def _raw_split(splits: Splits, split: Literal["val", "test"]
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """A split's inputs as the data source gives them (the standardisation undone: what a
    delivered model takes) and its targets in the target's units."""
    x_np, y_np = splits.arrays(split)
    x = np.asarray(x_np)
    if splits.feature_mean is not None and splits.feature_std is not None and len(x):
        flat = x.reshape(len(x), -1) * splits.feature_std + splits.feature_mean
        x = flat.reshape(x.shape)
    y = np.asarray(y_np)
    if splits.task == "regression":
        y = y * splits.target_std + splits.target_mean
    return torch.as_tensor(x.astype(np.float32)), torch.as_tensor(y)


def _predict(fmt: ExportFormat, out: Path, model: EnsembleModel, x: torch.Tensor
             ) -> np.ndarray | None:
    if fmt != "state_dict":
        return predict_file(fmt, out, x)
    # the state dict as a user loads it: into the same architecture, fresh weights replaced
    weights = torch.load(out, map_location="cpu", weights_only=True)
    fresh = _fresh_copy(model)
    fresh.load_state_dict(weights)
    with torch.inference_mode():
        return np.asarray(fresh.eval()(x).float().numpy())


def _fresh_copy(model: EnsembleModel) -> EnsembleModel:
    import copy

    twin = copy.deepcopy(model)
    with torch.no_grad():
        for t in list(twin.parameters()) + list(twin.buffers()):
            t.zero_()
    return twin


def _same_split(a: RunConfig, b: RunConfig) -> bool:
    """Whether two trials validated on the same samples: their data configs, augmentation
    (training only) aside, are equal."""
    return a.data.model_copy(update={"augment": None}) == \
        b.data.model_copy(update={"augment": None})


def _validation_data(config: RunConfig, number: int, base_dir: Path | None) -> Splits:
    try:
        splits = load_splits(config.data, base_dir)
    except Exception as exc:  # a python_dataset, a file gone: say which trial's data
        raise TuneStudioError(f"an ensemble evaluates on the validation split held in memory "
                              f"(array data or an image folder); the data of trial #{number} "
                              f"does not load that way: {exc}") from None
    if splits.n_val == 0:
        raise TuneStudioError("the project keeps no validation split (data.val_fraction is 0)")
    return splits


def candidates(project: Project, experiment: str | None = None, url: str | None = None
               ) -> tuple[str, Literal["maximize", "minimize"], str, list[TrialRow]]:
    """The experiment's name, direction and objective metric, and the trials that count for
    it, best first: complete, not excluded, trained on the current baseline (the rule of the
    best trial), ties by number. Raises TuneStudioError for an unknown or empty experiment."""
    name = experiment or (project.experiments[0].name if project.experiments else None)
    if name is None or name not in {e.name for e in project.experiments}:
        known = ", ".join(e.name for e in project.experiments) or "none"
        raise TuneStudioError(f"the project has no experiment '{name}' (it has: {known})")
    objective = project.experiment(name).search.objective
    direction = objective.resolved_direction
    store = open_store(project, url)
    try:
        exp = store.experiment(name)
        rows = [] if exp is None else store.trials(exp.id)
    finally:
        store.close()
    current = CurrentConfig(project.baseline)
    sign = -1.0 if direction == "maximize" else 1.0
    counted = sorted((r for r in rows if r.counted and current.holds(r)),
                     key=lambda r: (sign * float(r.objective or 0.0), r.number))
    if not counted:
        raise TuneStudioError(f"experiment '{name}' has no complete trial on the current "
                              "baseline to build an ensemble from; run it first")
    return name, direction, str(objective.metric), counted


def build_ensemble(project: Project, top: int, *, experiment: str | None = None,
                   greedy: bool = False, base_dir: Path | None = None, url: str | None = None,
                   progress: Progress | None = None, record: bool = True) -> Ensemble:
    """The ensemble of the experiment's `top` best trials (see `candidates`) that keep a
    checkpoint, or with `greedy`, Caruana's selection with replacement over every such trial
    in `top` rounds (the best round's ensemble). Each member is rebuilt from its checkpoint
    on the CPU and predicts on the validation split as the data source gives it (delivered
    models: they standardise inputs themselves). Trials without a checkpoint, or validated on
    other data, are skipped and listed. `progress` hears one line per step. With `record`,
    the ensemble is kept in the project's history (`Store.ensembles`; `number` and
    `record_id` set): the same ensemble built again is the same record, and comes with the
    test split's result when it holds one. Its test evaluation and exports are recorded
    there too. Raises TuneStudioError (top < 1, no trial, no usable member, data not held in
    memory)."""
    if top < 1:
        raise TuneStudioError(f"an ensemble needs at least 1 member; --top is {top}")
    say = progress or (lambda _line: None)
    name, direction, metric, rows = candidates(project, experiment, url)
    skipped: dict[int, str] = {}
    loaded: list[tuple[TrialRow, RunConfig, nn.Module]] = []
    first: RunConfig | None = None
    splits: Splits | None = None
    shape: tuple[int, ...] = ()
    store = open_store(project, url)
    try:
        for listed in rows:
            if not greedy and len(loaded) == top:
                break
            row = store.trial(listed.id)  # the listed rows leave the config out
            if not row.config_json:
                skipped[row.number] = "no stored config"
                continue
            config = RunConfig.model_validate_json(row.config_json)
            if first is not None and not _same_split(first, config):
                skipped[row.number] = "validated on other data (its data config differs)"
                continue
            try:
                state, model = delivered_model(project, row, config, base_dir, url)
            except (CheckpointError, TuneStudioError) as exc:
                skipped[row.number] = f"no usable checkpoint ({exc})"
                continue
            if first is None:
                first, shape = config, tuple(int(d) for d in state["data"]["input_shape"])
                splits = _validation_data(config, row.number, base_dir)
            say(f"loaded trial #{row.number}")
            loaded.append((row, config, model))
    finally:
        store.close()
    if not loaded or first is None or splits is None:
        raise TuneStudioError(f"none of the {len(rows)} counted trials of '{name}' keeps a "
                              "usable checkpoint: " + "; ".join(
                                  f"#{n}: {why}" for n, why in sorted(skipped.items())))
    task = first.task
    x, y = _raw_split(splits, "val")
    preds = torch.stack([member_predictions(model, x, task) for _, _, model in loaded])
    singles = [prediction_metrics(task, p, y, splits.target_std) for p in preds]
    if metric not in singles[0]:
        raise TuneStudioError(f"the objective '{metric}' is not a metric an ensemble of "
                              f"{task} models reports ({', '.join(singles[0])})")
    if greedy:
        counts = greedy_selection(preds, y, task, metric, direction, top, splits.target_std)
        method: Literal["top", "greedy"] = "greedy"
    else:
        counts, method = torch.ones(len(loaded), dtype=torch.int64), "top"
    chosen = [i for i in range(len(loaded)) if int(counts[i]) > 0]
    say(f"averaging {len(chosen)} trials")
    metrics = prediction_metrics(task, average(preds[chosen], counts[chosen]), y,
                                 splits.target_std)
    members = [Member(loaded[i][0].number, loaded[i][0].id, loaded[i][0].objective,
                      singles[i], int(counts[i])) for i in chosen]
    ensemble = Ensemble(name, task, method, metric, direction, members, metrics, skipped,
                        k=top, _models={loaded[i][0].number: loaded[i][2] for i in chosen},
                        _splits=splits, _config=first, _input_shape=shape)
    if record:
        _record(ensemble, url or storage_url(project))
    return ensemble


def _record(ensemble: Ensemble, url: str) -> EnsembleRow:
    """Keep the ensemble in the history (or find it there, built before: then the test
    split's result it holds comes with it, so the test split stays used once)."""
    with Store.open(url) as store:
        exp = store.experiment(ensemble.experiment)
        assert exp is not None  # its trials were just read
        row = store.record_ensemble(
            exp.id, method=ensemble.method, k=ensemble.k, task=ensemble.task,
            metric=ensemble.metric, direction=ensemble.direction,
            members=[EnsembleMember(m.number, m.trial_id, m.count, m.objective, m.metrics)
                     for m in ensemble.members],
            metrics=ensemble.metrics, best_member=ensemble.best_single.number,
            gain=ensemble.gain, skipped=ensemble.skipped)
    ensemble.record_id, ensemble.number, ensemble._url = row.id, row.number, url
    ensemble.test_metrics = row.test_metrics
    return row
