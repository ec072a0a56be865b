"""Validation of the image sources, augmentation and torchvision models, with messages that
name the field and the fix."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tunestudio.config import RunConfig


def message(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as info:
        RunConfig.model_validate(data)
    return str(info.value)


def test_image_folder_fields() -> None:
    ok = RunConfig.model_validate({"data": {"source": {
        "kind": "image_folder", "path": "imgs", "image_size": [32, 32], "channels": 1}},
        "model": {"kind": "cnn"}})
    assert ok.data.source.image_shaped and ok.task == "classification"
    assert "at least 2 items" in message({"data": {"source": {
        "kind": "image_folder", "image_size": [32]}}})
    assert "Input should be 1 or 3" in message({"data": {"source": {
        "kind": "image_folder", "channels": 4}}})
    assert "'auto', 'device' or 'stream'" in message({"data": {"source": {
        "kind": "image_folder", "loading": "gpu"}}})


def test_dataset_file_and_workers() -> None:
    cfg = RunConfig.model_validate({"data": {"source": {"kind": "python_dataset"}},
                                    "training": {"num_workers": 4}})
    assert cfg.data.loader_based and cfg.training.num_workers == 4
    assert "greater than or equal to 0" in message({"training": {"num_workers": -1}})


def test_augmentation_bounds_and_tabular_data() -> None:
    assert "less than 1" in message({"data": {"source": {"kind": "image_folder"},
                                              "augment": {"scale": 1.5}}})
    assert "tabular data" in message({"data": {"source": {"kind": "csv"},
                                               "augment": {"horizontal_flip": True}}})


def test_torchvision_model_fields() -> None:
    cfg = RunConfig.model_validate({"data": {"source": {"kind": "image_folder"}},
                                    "model": {"kind": "torchvision", "name": "efficientnet_b0",
                                              "weights_path": "w.pt", "freeze": "backbone"}})
    assert cfg.model.kind == "torchvision"
    assert "resnet18" in message({"model": {"kind": "torchvision", "name": "alexnet2"}})
    assert "needs image-shaped data" in message({
        "data": {"source": {"kind": "csv"}}, "model": {"kind": "torchvision"}})
    assert "'none', 'backbone' or 'all_but_last'" in message({
        "model": {"kind": "torchvision", "freeze": "head"}})
