"""A PyTorch Lightning callback that reports a `Trainer.fit` to TuneStudio, built on the trial
client (`tunestudio.trial`):

    from tunestudio import trial
    from tunestudio.trial_lightning import TuneStudioCallback

    params = trial.params(lr=1e-3, hidden=64)
    model = MyModule(**params)
    trainer = lightning.Trainer(max_epochs=20, callbacks=[TuneStudioCallback()])
    trainer.fit(model, train_loader, val_loader)

Each training step reports its loss (the `loss` the step returned), the learning rate of the
first optimiser and the epoch as a fraction; each validation reports the metrics logged with
`self.log` (`trainer.callback_metrics`: val_acc, val_loss, ...), so the objective the search
optimises is the name you log. When TuneStudio prunes the trial, the callback sets
`trainer.should_stop` (Lightning's own way to end a fit, as its EarlyStopping does): the fit
returns at the end of that epoch and `callback.pruned` is True. Outside TuneStudio it reports
nowhere and never stops a fit.

`last_checkpoint()` gives the `ckpt_path` for `fit` when the trial runs again after an
interruption, with a `ModelCheckpoint(dirpath=trial.checkpoint_dir(), save_last=True)`.

Requires the `lightning` package (`pip install tunestudio[lightning]`)."""

from __future__ import annotations

import contextlib
import importlib.util
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tunestudio import trial


def _prepare_torchvision() -> None:
    """Lightning imports torchmetrics, which imports torchvision where it is installed; beside
    a CPU-only torch, PyPI's torchvision fails its own import. TuneStudio's engine knows how
    to import it there (engine/torchvision_import.py), so Lightning loads too."""
    if "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is None:
        return
    from tunestudio.engine.torchvision_import import (
        TorchvisionUnavailableError,
        import_torchvision,
    )

    # where it fails, Lightning's own import then says what is wrong
    with contextlib.suppress(TorchvisionUnavailableError):
        import_torchvision()


_prepare_torchvision()

import torch  # noqa: E402  (after torchvision is prepared)
from lightning.pytorch import Callback, LightningModule, Trainer  # noqa: E402

__all__ = ["TuneStudioCallback", "last_checkpoint"]


def _scalar(value: Any) -> float | None:
    """A logged number as a float; None for what is not one number."""
    if isinstance(value, torch.Tensor):
        return float(value.detach().item()) if value.numel() == 1 else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class TuneStudioCallback(Callback):
    """Reports steps and validations to TuneStudio and stops the fit once the trial is pruned.
    `every_n_steps`: report one training step in that many (≥ 1; validations always)."""

    def __init__(self, every_n_steps: int = 1) -> None:
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be at least 1, got {every_n_steps}")
        self.every_n_steps = every_n_steps
        self.pruned = False
        self._epoch_done = 0.0  # the fraction of the current epoch trained

    def on_train_batch_end(self, trainer: Trainer, pl_module: LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        batches = trainer.num_training_batches
        fraction = (batch_idx + 1) / batches if isinstance(batches, int) and batches > 0 \
            and math.isfinite(batches) else 0.0
        self._epoch_done = trainer.current_epoch + min(1.0, fraction)
        step = trainer.global_step
        if step % self.every_n_steps:
            return
        loss = _scalar(outputs.get("loss") if isinstance(outputs, Mapping) else outputs)
        lr = None
        if trainer.optimizers:
            lr = _scalar(trainer.optimizers[0].param_groups[0].get("lr"))
        trial.report_step(step, loss, lr=lr, epoch=self._epoch_done)

    def on_validation_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if trainer.sanity_checking:
            return
        metrics = {name: number for name, value in trainer.callback_metrics.items()
                   if (number := _scalar(value)) is not None}
        if not metrics:
            return
        epoch = self._epoch_done if self._epoch_done > trainer.current_epoch \
            else trainer.current_epoch + 1.0
        if trial.report(epoch, step=trainer.global_step, **metrics):
            self.pruned = True
            trainer.should_stop = True


def last_checkpoint(name: str = "last.ckpt") -> str | None:
    """The checkpoint to resume from (`trainer.fit(..., ckpt_path=last_checkpoint())`): the
    file `name` in the trial's checkpoint folder when this trial runs again and saved one
    before; None otherwise (a fresh start)."""
    path = Path(trial.checkpoint_dir()) / name
    return str(path) if trial.resuming() and path.is_file() else None
