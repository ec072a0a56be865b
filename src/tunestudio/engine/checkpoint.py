"""Checkpoints of a training run: everything a fit needs to continue exactly where it was
(model, optimiser, gradient scaler, LR schedule, early stopping, the batch-order generator and
every RNG state, step and epoch, the data's normalisation statistics), written atomically and
read back with `torch.load(weights_only=True)` only: a checkpoint holds tensors and plain Python
values, never pickled objects, so loading one cannot run code.

A checkpoint is taken at the end of an epoch; a resumed fit starts the next epoch with the
same generator and RNG states, so on the CPU in deterministic mode it reproduces the
uninterrupted run exactly. `CheckpointHook` is the per-fit observer that writes them; a caller
(a search, a fused group) decides where the files go and what happens before each write."""

from __future__ import annotations

import contextlib
import math
import os
import random
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tunestudio.config import metric_mode
from tunestudio.engine.events import FitResult, TrainerHooks
from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.engine.trial import Trial

FORMAT = 1
LATEST = "latest.pt"
BEST = "best.pt"

State = dict[str, Any]


class CheckpointError(TuneStudioError):
    """A checkpoint file is missing, truncated, corrupt, or was written for another config."""


# --- capture and restore -------------------------------------------------------------------

def capture(trainer: Trial, epochs_done: int) -> State | None:
    """The full training state after `epochs_done` whole epochs (the trial's step counter
    must be at that epoch's end): the trial's own state (`TrialState.state_dict`), its model,
    optimiser and gradient scaler, every global RNG state and the data's statistics. None when
    the fit cannot be checkpointed now: it has just diverged (the buffered steps it flushes
    first say so) or it has no model."""
    if trainer.model is None or not trainer.has_optimizer or trainer.datasets is None:
        return None
    if not trainer.flush_steps():  # the steps before the checkpoint reach the hooks
        return None
    own = trainer.state.state_dict()
    return {
        **own,
        "format": FORMAT,
        "config_json": config_json(trainer),
        "seed": trainer.seed,
        "epoch": epochs_done,
        "model": _cpu(trainer.model.state_dict()),
        **_optimizer_part(trainer),
        "scaler": trainer.scaler.state_dict() if trainer.scaler is not None else None,
        "duration_s": trainer.duration_s(),
        "rng": {**own["rng"], **global_rng_states()},
        "data": data_stats(trainer),
    }


def _optimizer_part(trainer: Trial) -> State:
    """The optimiser in a checkpoint: torch.optim's `state_dict()` under "optimizer" when the
    trial built its torch optimiser; else (a fused member, whose group keeps its optimiser's
    numbers) only the per-parameter state, by index, under "optimizer_state": building a torch
    optimiser to save it would import torch._dynamo (about 1 s) into a fused search that
    otherwise never needs it. `restore` reads either: the param groups it lacks are those of
    the config, which the checkpoint's config must match."""
    if trainer.optimizer_built:
        assert trainer.optimizer is not None
        return {"optimizer": _cpu(trainer.optimizer.state_dict())}
    return {"optimizer_state": _cpu(trainer.optimizer_state_by_index())}


_ATOMS = frozenset({int, float, bool, str, bytes, type(None)})  # immutable: kept, not copied


def snapshot(state: State | None) -> State | None:
    """The state with its own copies of every tensor: `capture` shares the CPU model's and
    optimiser's storage, which training goes on changing while the state is kept or written."""
    def own(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return value.clone()
        if isinstance(value, dict):
            return {k: own(v) for k, v in value.items()}
        # A type test of each item in C (`map(type, ...)`): Python's RNG state holds 625
        # ints, which a Python-level test per item made a large share of each capture.
        if isinstance(value, list | tuple) and not _ATOMS.issuperset(map(type, value)):
            return type(value)(own(v) for v in value)
        return value  # numbers, strings and their tuples (Python's RNG state) never change

    return None if state is None else own(state)


def restore(trainer: Trial, state: Mapping[str, Any]) -> int:
    """Put `state` back into a trial that is set up and about to train; returns the 0-based
    epoch to continue with. Raises CheckpointError when the state was saved for another
    config or seed, or does not fit the model (a changed architecture)."""
    assert trainer.model is not None and trainer.optimizer is not None
    if state.get("format") != FORMAT:
        raise CheckpointError(f"the checkpoint has format {state.get('format')!r}; this "
                              f"TuneStudio reads format {FORMAT}")
    if state.get("config_json") != config_json(trainer) or \
            state.get("seed") != trainer.seed:
        raise CheckpointError("the checkpoint was saved for another config or seed")
    epoch, step = int(state["epoch"]), int(state["step"])
    spe = trainer.steps_per_epoch
    if step != epoch * spe:
        raise CheckpointError(f"the checkpoint's step {step} is not the end of epoch {epoch} "
                              f"({spe} steps per epoch)")
    try:
        trainer.model.load_state_dict(state["model"])
        optimizer = state.get("optimizer")
        if optimizer is None:  # saved without a torch optimiser (see _optimizer_part)
            optimizer = {"state": state["optimizer_state"],
                         "param_groups": trainer.optimizer.state_dict()["param_groups"]}
        trainer.optimizer.load_state_dict(optimizer)
        if trainer.scaler is not None and state.get("scaler"):
            trainer.scaler.load_state_dict(state["scaler"])
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint does not fit the model: {exc}") from None
    trainer.restore(state)
    set_global_rng_states(state["rng"])
    return epoch


def config_json(trainer: Trial) -> str:
    """The trainer's config as JSON, made once per config (configs are immutable): a search's
    trial captures its state at every epoch, and the JSON was a fifth of each capture."""
    made = trainer.__dict__.get("_config_json")
    if made is None or made[0] is not trainer.config:
        made = trainer.__dict__["_config_json"] = (trainer.config, trainer.config.model_dump_json())
    return str(made[1])


def data_stats(trainer: Trial) -> dict[str, Any]:
    """The data's statistics a model needs at inference: the regression target's mean and
    standard deviation, the per-channel normalisation `(mean, std)` fitted on the training
    split (image sources; the model applies it, and it is in the model's weights too), the
    per-feature standardisation `(mean, std)` of array features (flattened), and
    the input shape and output count the model was built for."""
    data = trainer.datasets
    assert data is not None
    norm = getattr(data, "normalization", None)
    feature_mean = getattr(data, "feature_mean", None)
    feature_std = getattr(data, "feature_std", None)
    return {"target_mean": float(getattr(data, "target_mean", 0.0)),
            "target_std": float(getattr(data, "target_std", 1.0)),
            "input_shape": list(data.input_shape),
            "n_outputs": int(data.n_outputs),
            "class_names": list(getattr(data, "class_names", None) or []),
            "normalization": None if norm is None else
            {"mean": [float(v) for v in norm[0]], "std": [float(v) for v in norm[1]]},
            "standardization": None if feature_mean is None or feature_std is None else
            {"mean": [float(v) for v in feature_mean], "std": [float(v) for v in feature_std]}}


def _cpu(value: Any) -> Any:
    """Tensors moved to the CPU (a checkpoint loads on any device)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cpu(v) for v in value)
    return value


def rng_states(trainer: Trial) -> dict[str, Any]:
    """Every random generator's state a checkpoint restores: the trial's batch order (and
    augmentation), torch's (CPU and CUDA), numpy's and Python's."""
    return {**trainer.state.state_dict()["rng"], **global_rng_states()}


def global_rng_states() -> dict[str, Any]:
    """The process's random generators' states: torch's (CPU and CUDA), numpy's, Python's."""
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"kind": kind, "keys": torch.from_numpy(np.asarray(keys).astype(np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
        "python": random.getstate(),
    }


def set_global_rng_states(rng: Mapping[str, Any]) -> None:
    """Put back what `global_rng_states` gave."""
    torch.set_rng_state(rng["torch"])
    if rng.get("cuda") and torch.cuda.is_available() and \
            len(rng["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(rng["cuda"])
    n = rng["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["cached"]))
    random.setstate(_tuples(rng["python"]))


def _tuples(value: Any) -> Any:
    """random.setstate wants tuples all the way down."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list | tuple) else value


# --- files ---------------------------------------------------------------------------------

def save(state: Mapping[str, Any], path: Path) -> None:
    """Write atomically (temporary file, fsync, rename): a kill during the write leaves the
    previous checkpoint intact. Raises OSError when the disk is full or not writable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            torch.save(dict(state), fh)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def copy(source: Path, target: Path) -> None:
    """Atomic copy of a checkpoint file."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    tmp.replace(target)


def _first_sentence(exc: Exception, limit: int = 200) -> str:
    """What went wrong, without the advice torch appends ("This is an internal miniz error. If
    you are seeing this error, ..."): the first line up to its first full stop, whole words
    within `limit` characters."""
    lines = str(exc).strip().splitlines()
    text = lines[0].split(". ", 1)[0].rstrip(".") if lines else type(exc).__name__
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def load(source: Path | Any, what: str = "checkpoint") -> State:
    """Read a checkpoint (a path or a binary file object) with `weights_only=True`, onto the
    CPU. Raises CheckpointError naming the problem: missing, truncated or corrupt, or not a
    TuneStudio checkpoint."""
    if isinstance(source, Path) and not source.is_file():
        raise CheckpointError(f"the {what} {source} is missing")
    try:
        state = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ...
        name = source if isinstance(source, Path) else what
        raise CheckpointError(f"the {what} {name} cannot be read (truncated or corrupt: "
                              f"{type(exc).__name__}: {_first_sentence(exc)})") from None
    if not isinstance(state, dict) or "model" not in state or "format" not in state:
        raise CheckpointError(f"the {what} is not a TuneStudio checkpoint")
    return state


# --- the hook ------------------------------------------------------------------------------

class CheckpointHook(TrainerHooks):
    """Writes `folder/latest.pt` every `every_epochs` epochs (and after the last one) and copies
    it to `folder/best.pt` when the evaluation just done is the best so far on `monitor`
    (None: no best file). `before_save()` runs before each write, after the checkpoint's steps
    reached the other hooks: a search flushes its buffered series there, so that a checkpoint
    never gets ahead of the stored steps. A resumed fit passes the best value so far
    (`best_value`). Nothing here is specific to one trial: any fit may use it."""

    def __init__(self, folder: Path, *, monitor: str | None, every_epochs: int = 1,
                 before_save: Callable[[], None] | None = None,
                 best_value: float | None = None) -> None:
        self.folder = folder
        self.monitor = monitor
        self.every_epochs = max(1, every_epochs)
        self.before_save = before_save
        self.best_value = best_value
        self.saved_step = -1
        self.best_step = -1
        self.error: str | None = None  # the last write failure (a full disk), for a note

    @property
    def latest(self) -> Path:
        """The path of the latest state's checkpoint (`latest.pt` in the folder)."""
        return self.folder / LATEST

    @property
    def best(self) -> Path:
        """The path of the best state's checkpoint (`best.pt` in the folder)."""
        return self.folder / BEST

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        """Write a checkpoint after every `every_epochs` epochs, after the last epoch, and whenever
        the monitored metric improved (`epoch` counts from 0)."""
        last = epoch + 1 == trainer.config.training.epochs
        if (epoch + 1) % self.every_epochs == 0 or last or self._improved(trainer):
            self._write(trainer, epoch + 1)

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        """Write the final state where the fit ended at an epoch's end (completed, stopped early or
        pruned) after an evaluation that improved the monitored metric, which the last epoch's hook
        may have missed."""
        # The final evaluation comes after the last epoch's hook when evaluations are sparse;
        # that hook may have written this step's state already, before the evaluation.
        spe = trainer.steps_per_epoch
        if result.status in ("completed", "stopped_early", "pruned") and spe and \
                trainer.step % spe == 0 and self._improved(trainer):
            self._write(trainer, trainer.step // spe)

    def _improved(self, trainer: Trial) -> bool:
        if self.monitor is None or not trainer.evaluated:
            return False
        value = trainer.metrics.get(self.monitor)
        if value is None or not math.isfinite(value):
            return False
        if self.best_value is None:
            return True
        mode = metric_mode(self.monitor)
        return value > self.best_value if mode == "max" else value < self.best_value

    def _write(self, trainer: Trial, epochs_done: int) -> None:
        improved = self._improved(trainer)
        state = capture(trainer, epochs_done)
        if state is None:
            return
        if improved:
            self.best_value = trainer.metrics[self.monitor or ""]
        state["best_value"] = self.best_value
        try:
            if self.before_save is not None:
                self.before_save()
            save(state, self.latest)
            if improved:
                copy(self.latest, self.best)
                self.best_step = trainer.step
        except OSError as exc:  # a full disk costs the checkpoint, not the trial
            self.error = f"the checkpoint could not be written to {self.folder}: {exc}"
            return
        self.saved_step = trainer.step
