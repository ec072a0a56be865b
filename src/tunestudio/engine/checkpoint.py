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
    from tunestudio.engine.trainer import Trainer

FORMAT = 1
LATEST = "latest.pt"
BEST = "best.pt"

State = dict[str, Any]


class CheckpointError(TuneStudioError):
    """A checkpoint file is missing, truncated, corrupt, or was written for another config."""


# --- capture and restore -------------------------------------------------------------------

def capture(trainer: Trainer, epochs_done: int) -> State | None:
    """The full training state after `epochs_done` whole epochs (the trainer's step counter
    must be at that epoch's end). None when the fit cannot be checkpointed now: it has just
    diverged (the buffered steps it flushes first say so) or it has no model."""
    if trainer.model is None or trainer.optimizer is None or trainer.datasets is None:
        return None
    diverged = trainer._recorder.flush()  # the steps before the checkpoint reach the hooks
    if diverged is not None:
        trainer._divergence = diverged
        trainer.request_stop("diverged", diverged.message())
        return None
    schedule = trainer.schedule
    plateau = schedule.plateau if schedule is not None else None
    early = trainer._early
    return {
        "format": FORMAT,
        "config_json": config_json(trainer),
        "seed": trainer.seed,
        "step": trainer.step,
        "epoch": epochs_done,
        "evaluated_at": trainer._evaluated_at,
        "model": _cpu(trainer.model.state_dict()),
        "optimizer": _cpu(trainer.optimizer.state_dict()),
        "scaler": trainer._scaler.state_dict() if trainer._scaler is not None else None,
        "plateau": None if plateau is None else {
            "scale": plateau.scale, "cuts": plateau.cuts, "best": plateau.best,
            "bad": plateau.bad},
        "early_stopping": {"best": early.best, "best_epoch": early.best_epoch,
                           "bad": early.bad},
        "metrics": dict(trainer.metrics),
        "best": dict(trainer.best),
        "best_at": {k: dict(v) for k, v in trainer.best_at.items()},
        "duration_s": trainer.duration_s(),
        "rng": rng_states(trainer),
        "data": data_stats(trainer),
    }


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


def restore(trainer: Trainer, state: Mapping[str, Any]) -> int:
    """Put `state` back into a trainer that is set up and about to train; returns the 0-based
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
    if step != epoch * trainer._spe:
        raise CheckpointError(f"the checkpoint's step {step} is not the end of epoch {epoch} "
                              f"({trainer._spe} steps per epoch)")
    try:
        trainer.model.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        if trainer._scaler is not None and state.get("scaler"):
            trainer._scaler.load_state_dict(state["scaler"])
    except (RuntimeError, KeyError, ValueError) as exc:
        raise CheckpointError(f"the checkpoint does not fit the model: {exc}") from None
    plateau = trainer.schedule.plateau if trainer.schedule is not None else None
    if plateau is not None and state.get("plateau"):
        for name, value in state["plateau"].items():
            setattr(plateau, name, value)
    for name, value in state["early_stopping"].items():
        setattr(trainer._early, name, value)
    trainer.metrics = dict(state["metrics"])
    trainer.best = dict(state["best"])
    trainer.prior_duration_s = float(state.get("duration_s", 0.0))  # the runs before
    # a checkpoint written before best_at was kept: the trial reports its later bests only
    trainer.best_at = {k: dict(v) for k, v in state.get("best_at", {}).items()}
    trainer.step = step
    trainer._evaluated_at = int(state["evaluated_at"])
    _set_rng_states(trainer, state["rng"])
    return epoch


def config_json(trainer: Trainer) -> str:
    """The trainer's config as JSON, made once per config (configs are immutable): a search's
    trial captures its state at every epoch, and the JSON was a fifth of each capture."""
    made = trainer.__dict__.get("_config_json")
    if made is None or made[0] is not trainer.config:
        made = trainer.__dict__["_config_json"] = (trainer.config, trainer.config.model_dump_json())
    return str(made[1])


def data_stats(trainer: Trainer) -> dict[str, Any]:
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


def rng_states(trainer: Trainer) -> dict[str, Any]:
    """Every random generator's state a checkpoint restores: the trainer's batch order (and
    augmentation), torch's (CPU and CUDA), numpy's and Python's."""
    augment = getattr(trainer, "_augment", None)
    kind, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {
        "batch_order": trainer._generator.get_state(),
        "augment": augment.generator.get_state() if augment is not None else None,
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"kind": kind, "keys": torch.from_numpy(np.asarray(keys).astype(np.int64)),
                  "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
        "python": random.getstate(),
    }


def _set_rng_states(trainer: Trainer, rng: Mapping[str, Any]) -> None:
    trainer._generator.set_state(rng["batch_order"])
    augment = getattr(trainer, "_augment", None)
    if augment is not None and rng.get("augment") is not None:
        augment.generator.set_state(rng["augment"])
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
        return self.folder / LATEST

    @property
    def best(self) -> Path:
        return self.folder / BEST

    def on_epoch_end(self, trainer: Trainer, epoch: int) -> None:
        last = epoch + 1 == trainer.config.training.epochs
        if (epoch + 1) % self.every_epochs == 0 or last or self._improved(trainer):
            self._write(trainer, epoch + 1)

    def on_fit_end(self, trainer: Trainer, result: FitResult) -> None:
        # The final evaluation comes after the last epoch's hook when evaluations are sparse;
        # that hook may have written this step's state already, before the evaluation.
        if result.status in ("completed", "stopped_early", "pruned") and trainer._spe and \
                trainer.step % trainer._spe == 0 and self._improved(trainer):
            self._write(trainer, trainer.step // trainer._spe)

    def _improved(self, trainer: Trainer) -> bool:
        if self.monitor is None or trainer._evaluated_at != trainer.step:
            return False
        value = trainer.metrics.get(self.monitor)
        if value is None or not math.isfinite(value):
            return False
        if self.best_value is None:
            return True
        mode = metric_mode(self.monitor)
        return value > self.best_value if mode == "max" else value < self.best_value

    def _write(self, trainer: Trainer, epochs_done: int) -> None:
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
