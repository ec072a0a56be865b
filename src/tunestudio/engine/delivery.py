"""A trained model as it is delivered: it takes the inputs a user has and gives predictions in
the target's units. During training, array features arrive standardised with the training
split's statistics and regression targets are standardised too (engine/data.py); images are
normalised inside the model already (engine/input_norm.py). An exported model that left the
standardisation to its user was wrong when used as delivered (the digits model: 90.1 % on raw
inputs in onnxruntime, 99.2 % standardised), so the export wraps it here, with the statistics
as buffers that travel in every format (state dict, TorchScript, ONNX)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class DeliveredModel(nn.Module):
    """`net` between the input's standardisation and the output's: `forward(x)` with `x` of
    shape `(B, *input_shape)` in the data source's own units returns
    `net((x - feature_mean) / feature_std) * target_std + target_mean`, shape `(B, outputs)`.
    `feature_mean` and `feature_std` are flattened per feature, length prod(input_shape);
    the target's pair is (0, 1) for classification (logits pass through)."""

    feature_mean: torch.Tensor
    feature_std: torch.Tensor
    target_mean: torch.Tensor
    target_std: torch.Tensor

    def __init__(self, net: nn.Module, input_shape: Sequence[int],
                 feature_mean: Sequence[float] | None, feature_std: Sequence[float] | None,
                 target_mean: float = 0.0, target_std: float = 1.0) -> None:
        super().__init__()
        shape = (1, *input_shape)
        width = 1
        for d in input_shape:
            width *= int(d)
        mean = torch.zeros(width) if feature_mean is None else torch.tensor(feature_mean)
        std = torch.ones(width) if feature_std is None else torch.tensor(feature_std)
        if mean.numel() != width or std.numel() != width:
            raise ValueError(f"the standardisation has {mean.numel()} values for an input of "
                             f"{width} features")
        self.net = net
        self.register_buffer("feature_mean", mean.float().reshape(shape))
        self.register_buffer("feature_std", std.float().reshape(shape))
        self.register_buffer("target_mean", torch.tensor(float(target_mean)))
        self.register_buffer("target_std", torch.tensor(float(target_std)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw inputs `x` of shape `(B, *input_shape)` (cast to float32) -> predictions of shape
        `(B, outputs)` in the target's units (logits for classification)."""
        out: torch.Tensor = self.net((x.float() - self.feature_mean) / self.feature_std)
        return out * self.target_std + self.target_mean


def needs_delivery(standardization: object, task: str, target_mean: float,
                   target_std: float) -> bool:
    """Whether a model trained on these statistics must be wrapped to be used as delivered:
    standardised features, or a regression target that was standardised."""
    return standardization is not None or (
        task == "regression" and (target_mean != 0.0 or target_std != 1.0))
