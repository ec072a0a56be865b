"""The CUDA leg of the engine: what only a GPU exercises (steps read in batches, mixed
precision, pinned host memory for a DataLoader). Each test runs where torch sees a CUDA device
and is skipped, saying why, elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from engine_helpers import Recorder, tiny
from image_helpers import write_dataset_file, write_folder

from tunestudio.config import (
    CNNModel,
    ConstantSchedule,
    DataConfig,
    DatasetFileData,
    RunConfig,
    TrainingConfig,
)
from tunestudio.engine import Trainer, resolve_device
from tunestudio.engine.loader_data import LoaderSplits, load_data, train_loader

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (torch.cuda.is_available() is False)")


def test_auto_resolves_to_the_gpu_and_every_step_is_reported_in_order() -> None:
    assert resolve_device("auto") == "cuda:0"
    recorder = Recorder()
    result = Trainer(tiny({"training.device": "auto"}), hooks=[recorder]).fit()
    assert result.status == "completed" and result.device == "cuda:0"
    assert [s.step for s in recorder.steps] == list(range(1, result.steps + 1))
    assert len(recorder.evals) == 3


def test_mixed_precision_trains_on_the_gpu() -> None:
    result = Trainer(tiny({"training.device": "cuda", "training.mixed_precision": True,
                           "training.epochs": 5})).fit()
    assert result.status == "completed", result.message
    assert result.metrics["val_accuracy"] > 0.5


def test_a_divergence_is_found_at_its_step_on_the_gpu() -> None:
    result = Trainer(tiny({"training.device": "cuda", "optimizer.kind": "sgd",
                           "optimizer.lr": 10.0, "optimizer.momentum": 0.9,
                           "training.epochs": 20})).fit()
    assert result.status == "diverged" and "during training" in result.message
    assert f"at step {result.steps} " in result.message


def test_a_loader_source_pins_host_memory_for_the_gpu(tmp_path: Path) -> None:
    write_folder(tmp_path / "imgs")
    path = write_dataset_file(tmp_path / "imgs", tmp_path / "datasets.py")
    config = RunConfig(
        data=DataConfig(source=DatasetFileData(path=str(path))),
        model=CNNModel(channels=[4], hidden=8),
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=2, batch_size=8, device="cuda"),
    )
    data = load_data(config.data, None, "cuda:0")
    assert isinstance(data, LoaderSplits)
    loader = train_loader(data, 8, 0, "cuda:0", torch.Generator().manual_seed(0))
    assert loader.pin_memory
    result = Trainer(config).fit()
    assert result.status == "completed" and result.device == "cuda:0", result.message
