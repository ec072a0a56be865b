"""torchvision architectures by name, built without downloading anything (`weights=None`),
with the classifier head sized to the task's outputs and the first convolution sized to the
data's channels."""

from __future__ import annotations

from torch import nn

from tunestudio.config import TorchvisionModel
from tunestudio.engine.finetune import ModelError, first_conv
from tunestudio.engine.torchvision_import import import_torchvision


def build_torchvision(spec: TorchvisionModel, input_shape: tuple[int, ...], n_outputs: int
                      ) -> nn.Module:
    """`torchvision.models.get_model(spec.name, weights=None, num_classes=n_outputs)` for
    images `(C, H, W)`. With C other than 3, the first convolution takes C channels; its
    random weights are those of the 3-channel one summed over the channels (for grey images
    the same as feeding the grey image three times). Raises ModelError for samples that are
    not images."""
    if len(input_shape) != 3:
        raise ModelError(f"a torchvision model needs images (C, H, W), but samples have shape "
                         f"{input_shape}; use an MLP for tabular data")
    torchvision = import_torchvision()
    model: nn.Module = torchvision.models.get_model(spec.name, weights=None,
                                                    num_classes=n_outputs)
    channels = input_shape[0]
    if channels != 3:
        adapt_first_conv(model, channels)
    return model


def adapt_first_conv(model: nn.Module, channels: int) -> None:
    """Replace the model's first Conv2d by one taking `channels` inputs (weights summed over
    the old input channels and, for more than one channel, spread evenly)."""
    name, conv = first_conv(model)
    new = nn.Conv2d(channels, conv.out_channels, conv.kernel_size,  # type: ignore[arg-type]
                    conv.stride, conv.padding, conv.dilation,  # type: ignore[arg-type]
                    conv.groups, conv.bias is not None, conv.padding_mode)
    new.weight.data.copy_(conv.weight.data.sum(dim=1, keepdim=True).expand_as(new.weight)
                          / channels)
    if conv.bias is not None and new.bias is not None:
        new.bias.data.copy_(conv.bias.data)
    parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
    setattr(parent, name.rpartition(".")[2], new)
