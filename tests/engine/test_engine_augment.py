"""Augmentation on the device: every sample gets its own random draw, seeded runs repeat,
integer crops and flips keep pixel values, and only the training split is changed."""

from __future__ import annotations

import pytest
import torch

from tunestudio.config import AugmentConfig, DataConfig, ImageFolderData
from tunestudio.engine.augment import BatchAugment, make_augment
from tunestudio.engine.dataset import DataError


def batch(n: int = 16) -> torch.Tensor:
    """`n` copies of one asymmetric 1x6x6 uint8 image."""
    image = torch.arange(36, dtype=torch.uint8).reshape(1, 1, 6, 6) * 7
    return image.expand(n, 1, 6, 6).contiguous()


def test_each_sample_gets_its_own_draw() -> None:
    for config in (AugmentConfig(horizontal_flip=True), AugmentConfig(crop_padding=2),
                   AugmentConfig(rotation=20.0, translate=0.1, scale=0.1)):
        out = BatchAugment(config, (6, 6), "cpu", seed=0)(batch())
        distinct = {tuple(o.flatten().tolist()) for o in out}
        assert len(distinct) >= 2, config  # one draw per batch would give a single image


@pytest.mark.parametrize("hw", [(28, 28), (32, 24), (7, 11)])
def test_the_sampling_grid_is_affine_grids(hw: tuple[int, int]) -> None:
    """The grid made from the cached pixel centres is torch's `affine_grid` (align_corners
    False), non-square images included, to float rounding; and a float64 batch gets its own."""
    from torch.nn import functional

    augment = BatchAugment(AugmentConfig(rotation=20.0, scale=0.2, translate=0.1,
                                         crop_padding=2, horizontal_flip=True), hw, "cpu", 0)
    for dtype in (torch.float32, torch.float64, torch.float32):
        theta = augment.matrices(40, torch.device("cpu"), dtype)
        expected = functional.affine_grid(theta, [40, 3, *hw], align_corners=False)
        got = augment.grid(theta)
        assert got.shape == expected.shape and got.dtype == dtype
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-6)


def test_flip_and_crop_keep_pixel_values() -> None:
    x = batch()
    flipped = BatchAugment(AugmentConfig(horizontal_flip=True), (6, 6), "cpu", 1)(x)
    for image in flipped:
        assert torch.equal(image, x[0].float()) or torch.equal(image, x[0].float().flip(-1))
    cropped = BatchAugment(AugmentConfig(crop_padding=1), (6, 6), "cpu", 1)(x)
    allowed = set(x[0].float().flatten().tolist()) | {0.0}
    assert set(cropped.flatten().tolist()) <= allowed
    assert cropped.shape == (16, 1, 6, 6) and cropped.dtype == torch.float32


def test_seeded_draws_repeat() -> None:
    config = AugmentConfig(crop_padding=2, horizontal_flip=True, rotation=10.0)
    a = BatchAugment(config, (6, 6), "cpu", seed=3)(batch())
    b = BatchAugment(config, (6, 6), "cpu", seed=3)(batch())
    c = BatchAugment(config, (6, 6), "cpu", seed=4)(batch())
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_off_or_tabular() -> None:
    assert make_augment(AugmentConfig(), (1, 6, 6), "cpu", 0) is None
    with pytest.raises(DataError, match="needs images"):
        make_augment(AugmentConfig(horizontal_flip=True), (30,), "cpu", 0)
    with pytest.raises(ValueError, match="tabular data"):
        DataConfig.model_validate({"source": {"kind": "builtin", "name": "iris"},
                                   "augment": {"rotation": 10}})
    DataConfig(source=ImageFolderData(), augment=AugmentConfig(rotation=10))  # images: fine


def test_validation_is_not_augmented() -> None:
    """The trainer augments inside train_batch only: the fit's own evaluations and
    evaluate_split after it see the validation images as they are (the val_loss reported is
    the trained model's on the raw images), while training differs from an unaugmented run."""
    import numpy as np
    from engine_helpers import Recorder, tiny
    from torch.nn import functional

    from tunestudio.engine import Splits, Trainer
    from tunestudio.engine.evaluation import evaluate_split

    plain = Trainer(tiny({"training.epochs": 1, "training.device": "cpu"}))
    evals = Recorder()
    strong = Trainer(tiny({"training.epochs": 1, "training.device": "cpu",
                           "data.augment.rotation": 90.0, "data.augment.crop_padding": 3}),
                     hooks=[evals])
    for trainer in (plain, strong):
        trainer.setup()
    assert strong.augmentation is not None and plain.augmentation is None
    assert evaluate_split(plain, "val") == evaluate_split(strong, "val")  # same initial model
    first, second = plain.fit(), strong.fit()
    assert first.metrics["train_loss"] != second.metrics["train_loss"]
    data, model = strong.datasets, strong.model
    assert isinstance(data, Splits) and model is not None
    assert evals.evals[-1].step == second.steps  # the last evaluation is of the final model
    model.eval()
    with torch.no_grad():
        raw = functional.cross_entropy(model(torch.as_tensor(np.asarray(data.x_val)).float()),
                                       torch.as_tensor(np.asarray(data.y_val))).item()
    assert evals.evals[-1].val_loss == pytest.approx(raw, rel=1e-5)
    assert evaluate_split(strong, "val")["val_loss"] == pytest.approx(raw, rel=1e-5)


def test_augmented_data_fuses_and_loader_data_trains_alone() -> None:
    from engine_helpers import tiny

    from tunestudio.engine.fused import fusion_obstacle

    assert fusion_obstacle(tiny()) is None
    assert fusion_obstacle(tiny({"data.augment.horizontal_flip": True})) is None
    assert fusion_obstacle(tiny({"data.source": {"kind": "image_folder"}})) is None
    streamed = tiny({"data.source": {"kind": "image_folder", "loading": "stream"}})
    assert "DataLoader" in (fusion_obstacle(streamed) or "")
    loader = tiny({"data.source": {"kind": "python_dataset"}})
    assert "DataLoader" in (fusion_obstacle(loader) or "")
