"""A step that is not finite says where it came from (the nan-first-step case): non-finite
inputs or targets, a model whose output (or loss, or gradient) is non-finite before any weight
update, or a divergence during training; only the last one is the learning rate's doing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_helpers import tiny

from tunestudio.config import (
    ConstantSchedule,
    DataConfig,
    DatasetFileData,
    MLPModel,
    RunConfig,
    TrainingConfig,
    load_project,
)
from tunestudio.engine import Trainer

CASE = Path(__file__).parents[1] / "cases" / "nan-first-step"

DATASETS = """
import torch
from torch.utils.data import TensorDataset

def make_datasets(split_seed):
    g = torch.Generator().manual_seed(split_seed)
    x = torch.randn(48, 6, generator=g)
    y = x.sum(dim=1, keepdim=True)
    BREAK
    return TensorDataset(x[:40], y[:40]), TensorDataset(x[40:], y[40:])
"""

MODEL = """
import torch

class Net(torch.nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.fc = torch.nn.Linear(n_in, n_out)
        self.extra = torch.nn.Parameter(torch.ones(1))

    def forward(self, x):
        out = self.fc(x.flatten(1))
        BREAK

def build_model(input_shape, n_outputs):
    return Net(input_shape[0], n_outputs)
"""


def _fit(tmp_path: Path, data_break: str = "pass", model_break: str = "return out"
         ) -> tuple[str, str]:
    (tmp_path / "datasets.py").write_text(DATASETS.replace("BREAK", data_break))
    (tmp_path / "model.py").write_text(MODEL.replace("BREAK", model_break))
    config = RunConfig(
        data=DataConfig(source=DatasetFileData(path="datasets.py", task="regression")),
        model={"kind": "python", "path": "model.py"},
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=2, batch_size=8, device="cpu"),
        early_stopping={"monitor": "val_loss"},
    )
    result = Trainer(config, base_dir=tmp_path).fit()
    return result.status, result.message


def test_the_case_names_the_models_output_not_the_learning_rate() -> None:
    project = load_project(CASE / "build_model_nan.tuneproj")
    config = project.baseline.model_copy(update={
        "training": project.baseline.training.model_copy(update={"device": "cpu"})})
    result = Trainer(config, base_dir=CASE).fit()
    assert result.status == "failed"
    assert "model's output was non-finite" in result.message
    assert "before any weight update" in result.message
    assert "my_model.py" in result.message and "build_model_nan" in result.message
    assert "lower the learning rate" not in result.message


def test_a_wrong_output_size_is_still_named(tmp_path: Path) -> None:
    project = load_project(CASE / "build_model.tuneproj")
    config = project.baseline.model_copy(update={
        "training": project.baseline.training.model_copy(update={"device": "cpu"})})
    result = Trainer(config, base_dir=CASE).fit()
    assert result.status == "failed" and "expected (64, 3)" in result.message


def test_the_case_through_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tunestudio", "train",
                          str(CASE / "build_model_nan.tuneproj"), "--device", "cpu"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    outcome = json.loads(out.stdout.splitlines()[-1])
    assert outcome["status"] == "failed" and "model's output" in outcome["message"]


@pytest.mark.parametrize(("data_break", "cause"), [
    ("x[:, 0] = float('nan')", "training inputs hold non-finite values"),
    ("y[:] = float('inf')", "training targets hold non-finite values"),
])
def test_non_finite_data_is_named(tmp_path: Path, data_break: str, cause: str) -> None:
    status, message = _fit(tmp_path, data_break=data_break)
    assert status == "failed" and cause in message
    assert "lower the learning rate" not in message


def test_a_finite_output_with_a_non_finite_loss_is_the_loss(tmp_path: Path) -> None:
    status, message = _fit(tmp_path, model_break="return out * 0 + 1e30")  # squared: inf
    assert status == "failed" and "loss was non-finite on finite model outputs" in message


def test_a_non_finite_gradient_before_any_update_is_the_backward_pass(tmp_path: Path) -> None:
    # sqrt at 0: the value is 0, its derivative infinite
    status, message = _fit(
        tmp_path, model_break="return out + torch.sqrt(self.extra - self.extra.detach())")
    assert status == "failed" and "gradient was non-finite on a finite loss" in message


def test_a_divergence_during_training_still_points_at_the_learning_rate() -> None:
    result = Trainer(tiny({"optimizer.kind": "sgd", "optimizer.lr": 10.0,
                           "optimizer.momentum": 0.9, "training.epochs": 20,
                           "model": MLPModel(width=32, depth=1).model_dump()})).fit()
    assert result.status == "diverged"
    assert result.message.startswith("diverged during training")
    assert "lower the learning rate" in result.message



def test_the_case_in_a_fused_group_names_the_models_output() -> None:
    """`tunestudio run` fuses by default: each trial of the group says what a lone one says."""
    from tunestudio.engine.fused import FusedTrainer

    project = load_project(CASE / "build_model_nan.tuneproj")
    base = project.baseline
    configs = [base.model_copy(update={
        "optimizer": base.optimizer.model_copy(update={"lr": lr}),
        "training": base.training.model_copy(update={"device": "cpu"})})
        for lr in (1e-3, 3e-3)]
    for result in FusedTrainer(configs, device="cpu", base_dir=CASE).fit():
        assert result.status == "failed", result.message
        assert "model's output was non-finite" in result.message
        assert "my_model.py" in result.message and "build_model_nan" in result.message
        assert "lower the learning rate" not in result.message


def test_a_divergence_in_a_fused_group_still_points_at_the_learning_rate() -> None:
    from tunestudio.engine.fused import FusedTrainer

    configs = [tiny({"optimizer.kind": "sgd", "optimizer.lr": lr, "optimizer.momentum": 0.9,
                     "training.epochs": 20, "training.device": "cpu",
                     "model": MLPModel(width=32, depth=1).model_dump()}) for lr in (10.0, 9.0)]
    for result in FusedTrainer(configs, device="cpu").fit():
        assert result.status == "diverged", result.message
        assert "lower the learning rate" in result.message
