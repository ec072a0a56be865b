"""What a step computes: multiply-accumulates counted by engine.step_work."""

from __future__ import annotations

from typing import cast

import numpy as np
import torch
from torch import nn

from tunestudio.engine.step_work import macs_per_sample, step_macs


def test_dense_and_convolution_layers_count_their_multiply_accumulates() -> None:
    """Linear: in x out per sample; a convolution: each output element in_channels / groups x
    the kernel's size (3x3, 8 -> 16 channels, 10x10 outputs: 16*100*8*9); the rest is free."""
    mlp = nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10))
    assert macs_per_sample(mlp, torch.zeros(1, 64)) == 64 * 100 + 100 * 10
    conv = nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16),
                         nn.Conv2d(16, 16, 3, padding=1, groups=4))
    assert macs_per_sample(conv, torch.zeros(1, 8, 10, 10)) == \
        16 * 100 * 8 * 9 + 16 * 100 * 4 * 9


def test_counting_leaves_the_model_and_the_random_streams_as_they_were() -> None:
    """One forward pass in evaluation mode: the model's training flags, its batch norm
    statistics and the generator's next draws are those it would have had without it."""
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
    model.train()
    model[2].eval()  # a flag of its own, kept
    stats = cast(torch.Tensor, model[1].running_mean).clone()  # a BatchNorm1d's buffer
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    assert macs_per_sample(model, torch.ones(1, 4)) == 4 * 8 + 8 * 2
    assert torch.equal(torch.rand(3), expected)
    assert [m.training for m in model] == [True, True, False, True]
    assert torch.equal(cast(torch.Tensor, model[1].running_mean), stats)


def test_a_model_that_cannot_take_the_sample_is_not_counted() -> None:
    model = nn.Linear(5, 2)
    assert macs_per_sample(model, torch.zeros(1, 4)) is None
    assert step_macs([model], [32], np.zeros((10, 4), dtype=np.float32)) is None


def test_a_steps_count_is_each_trials_batch_times_its_model() -> None:
    """Members of a group count each at its own batch size; uint8 images go in as the trial's
    batches do (the model scales them); no sample, no count."""
    narrow, wide = nn.Linear(3, 4), nn.Linear(3, 40)
    x = np.zeros((7, 3), dtype=np.float32)
    assert step_macs([narrow, wide], [32, 8], x) == 32 * 12 + 8 * 120
    assert step_macs([narrow], [32], x[:0]) is None
    images = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    pixels = np.full((2, 3, 2, 2), 255, dtype=np.uint8)
    assert step_macs([nn.Sequential(_Scale(), images)], [4], pixels) == 4 * 24


class _Scale(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.float() / 255
