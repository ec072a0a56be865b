"""A Lightning module tuned through TuneStudioCallback with the real Lightning: its steps and
validations become the trial's curves, and a pruned trial's fit stops Lightning's own way
(`trainer.should_stop`) and returns by itself."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

from program_helpers import program_project, rows, run
from tunestudio.config import CategoricalDimension, PrunerConfig
from tunestudio.config.program import ProgramParameter
from tunestudio.search.program import programs_dir
from tunestudio.search.storage import open_store

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("lightning") is None,
                       reason="lightning is not installed (pip install -e '.[lightning]')"),
    pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups"),
]

# A user's Lightning script: a linear regression on a fixed generated set.
LIGHTNING_SCRIPT = """
    from tunestudio import trial
    # first: beside a CPU-only torch it prepares torchvision, which Lightning imports
    from tunestudio.trial_lightning import TuneStudioCallback, last_checkpoint

    import lightning
    import torch
    from lightning.pytorch.callbacks import ModelCheckpoint
    from torch.nn import functional as F
    from torch.utils.data import DataLoader, TensorDataset

    p = trial.params(lr=0.1, epochs=4)
    torch.manual_seed(0)
    x = torch.randn(320, 4)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0]) + 0.1 * torch.randn(320)
    train, val = TensorDataset(x[:256], y[:256]), TensorDataset(x[256:], y[256:])


    class Regression(lightning.LightningModule):
        def __init__(self, lr):
            super().__init__()
            self.linear = torch.nn.Linear(4, 1)
            self.lr = lr

        def training_step(self, batch, batch_idx):
            x, y = batch
            loss = F.mse_loss(self.linear(x).squeeze(-1), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, batch_idx):
            x, y = batch
            loss = F.mse_loss(self.linear(x).squeeze(-1), y)
            self.log("val_loss", loss)
            self.log("val_score", 1 / (1 + loss))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.lr)


    callback = TuneStudioCallback()
    trainer = lightning.Trainer(
        max_epochs=p["epochs"], accelerator="cpu", devices=1, logger=False,
        enable_progress_bar=False, enable_model_summary=False,
        callbacks=[callback, ModelCheckpoint(dirpath=trial.checkpoint_dir(), save_last=True)])
    trainer.fit(Regression(p["lr"]), DataLoader(train, batch_size=64),
                DataLoader(val, batch_size=64), ckpt_path=last_checkpoint())
    (trial.output_dir() / "fit.txt").write_text(f"{callback.pruned} {trainer.current_epoch}")
"""


def test_a_lightning_module_is_tuned_through_the_callback(tmp_path: Path) -> None:
    # one variable at a time: the baseline (lr 0.1, which learns) first, then lr 1e-5, which
    # barely moves and is pruned against the first trial's curve
    project, path = program_project(
        tmp_path, LIGHTNING_SCRIPT,
        [CategoricalDimension(path="params.lr", choices=[0.1, 1e-5])],
        parameters=[ProgramParameter(name="lr", default=0.1),
                    ProgramParameter(name="epochs", type="int", default=4)],
        strategy="ovat", trials=None, metric="val_score", grace_s=60.0,
        pruner=PrunerConfig(kind="median", startup_trials=1, warmup_evaluations=0))
    summary = run(project, path)
    good, bad = sorted(rows(project), key=lambda t: t.number)
    assert (good.state, bad.state) == ("complete", "pruned"), (good.message, bad.message)
    assert summary.best_number == good.number
    assert good.objective is not None and good.objective > 0.9
    store = open_store(project)
    try:
        steps = store.step_series([good.id, bad.id])
        evals = store.eval_series([good.id, bad.id])
    finally:
        store.close()
    # every training step (4 batches x 4 epochs) with its loss and the optimiser's LR
    good_steps, good_evals = steps[good.id], evals[good.id]
    assert list(good_steps.step) == list(range(1, 17))
    assert list(good_steps.lr) == pytest.approx([0.1] * 16)
    assert all(math.isfinite(loss) for loss in good_steps.loss)
    assert list(good_evals.epoch) == [1.0, 2.0, 3.0, 4.0]
    assert {"val_score", "train_loss"} <= set(good_evals.metrics)
    assert good_evals.val_loss[-1] < good_evals.val_loss[0]
    # pruned early: Lightning stopped after the epoch of the validation that learnt it, and
    # the script went on to its last line by itself (it was not killed)
    pruned_at = len(evals[bad.id].epoch)
    assert 1 <= pruned_at < 4
    fit = programs_dir(project.id) / str(bad.optuna_trial_id) / "output" / "fit.txt"
    assert fit.read_text() == f"True {pruned_at}"
    fit_good = programs_dir(project.id) / str(good.optuna_trial_id) / "output" / "fit.txt"
    assert fit_good.read_text() == "False 4"
