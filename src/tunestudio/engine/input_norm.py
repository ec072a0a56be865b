"""Input normalisation kept inside the model: images arrive as uint8 (or float 0..255 after
augmentation) and the model scales them to 0..1 and subtracts the training split's per-channel
mean and divides by its standard deviation. The statistics are buffers of the model, so they
travel with its state dict (checkpoints, exports) and a stored model takes raw images."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class ImageInput(nn.Module):
    """`net` behind per-channel normalisation: `forward(x)` with `x` of shape `(B, C, H, W)`,
    uint8 or float on the 0..255 scale, returns `net((x / 255 - mean) / std)`. `mean` and `std`
    have one value per channel, on the 0..1 scale."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, net: nn.Module, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        if len(mean) != len(std):
            raise ValueError("mean and std need one value per channel each")
        self.net = net
        shape = (1, len(mean), 1, 1)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(shape))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`x` `(B, C, H, W)` on the 0..255 scale (uint8 cast to float32) -> `net((x / 255 - mean) /
        std)`, the net's output."""
        if not x.is_floating_point():
            x = x.to(self.mean.dtype)
        # one multiply-add over the batch; the per-channel factors are tiny
        scale = 1.0 / (255.0 * self.std)
        out: torch.Tensor = self.net(torch.addcmul(-self.mean / self.std, x, scale))
        return out


def with_input_normalization(model: nn.Module,
                             normalization: tuple[Sequence[float], Sequence[float]] | None
                             ) -> nn.Module:
    """`model` itself when there is nothing to normalise, else wrapped in ImageInput."""
    if normalization is None:
        return model
    return ImageInput(model, *normalization)
