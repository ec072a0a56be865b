"""The networks of the config: an MLP, a small CNN for image-shaped data, a torchvision
architecture, or the user's own `build_model(input_shape, n_outputs)`; then the chosen weight
initialisation, or, for the last two, a local checkpoint and freezing (engine.finetune)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from torch import nn

from tunestudio.config import CNNModel, MLPModel, PythonModel, TorchvisionModel
from tunestudio.engine import user_code
from tunestudio.engine.data_files import resolve_path
from tunestudio.engine.finetune import ModelError, freeze, load_weights
from tunestudio.errors import UserCodeError

ModelSpec = MLPModel | CNNModel | TorchvisionModel | PythonModel

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU, "silu": nn.SiLU,
    "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
}
# The gain torch's init functions should assume for each activation.
GainName = Literal["relu", "leaky_relu", "tanh", "sigmoid"]
_GAIN_NAME: dict[str, GainName] = {"relu": "relu", "leaky_relu": "leaky_relu", "gelu": "relu",
                                   "silu": "relu", "tanh": "tanh", "sigmoid": "sigmoid"}


__all__ = ["ModelError", "build_model", "check_output", "count_parameters", "initialise"]


def build_model(spec: ModelSpec, input_shape: tuple[int, ...], n_outputs: int,
                base_dir: Path | None = None) -> nn.Module:
    """The model of `spec` for inputs `(B, *input_shape)` and `n_outputs` outputs: the built-in MLP
    or CNN, initialised as `spec.init` says, or a torchvision or user model, fine-tuned as the spec
    says (`base_dir` resolves a user file's relative path). Raises ModelError or UserCodeError where
    the model cannot be built for this data."""
    model: nn.Module
    if isinstance(spec, MLPModel):
        model = _mlp(spec, input_shape, n_outputs)
    elif isinstance(spec, CNNModel):
        model = _cnn(spec, input_shape, n_outputs)
    else:
        if isinstance(spec, TorchvisionModel):
            from tunestudio.engine.torchvision_models import build_torchvision

            model = build_torchvision(spec, input_shape, n_outputs)
        else:
            model = _user_model(spec, input_shape, n_outputs, base_dir)
        return _fine_tuned(model, spec, base_dir)
    initialise(model, spec.init, spec.activation)
    return model


def _fine_tuned(model: nn.Module, spec: TorchvisionModel | PythonModel,
                base_dir: Path | None) -> nn.Module:
    """Weights from `spec.weights_path` when set, then the frozen part frozen."""
    if spec.weights_path:
        load_weights(model, spec.weights_path, base_dir)
    freeze(model, spec.freeze, spec.trainable_blocks)
    if not any(p.requires_grad for p in model.parameters()):
        raise ModelError("nothing is left to train after freezing; use freeze 'backbone' or "
                         "raise trainable_blocks")
    return model


def _mlp(spec: MLPModel, input_shape: tuple[int, ...], n_outputs: int) -> nn.Sequential:
    width = 1
    for d in input_shape:
        width *= d
    layers: list[nn.Module] = [nn.Flatten()]
    for size in spec.layer_sizes:
        layers.append(nn.Linear(width, size))
        if spec.batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(_ACTIVATIONS[spec.activation]())
        if spec.dropout:
            layers.append(nn.Dropout(spec.dropout))
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)


def _cnn(spec: CNNModel, input_shape: tuple[int, ...], n_outputs: int) -> nn.Sequential:
    """Blocks of conv (same padding), batch norm, activation and 2x2 max pooling; pooling is
    skipped once the image is too small to halve, so any depth fits small images like 8x8."""
    if len(input_shape) != 3:
        raise ModelError(f"a CNN needs image-shaped data (C, H, W), but samples have shape "
                         f"{input_shape}; use an MLP for tabular data")
    channels, height, width = input_shape
    layers: list[nn.Module] = []
    for out in spec.channels:
        layers.append(nn.Conv2d(channels, out, spec.kernel_size, padding=spec.kernel_size // 2,
                                bias=not spec.batch_norm))
        if spec.batch_norm:
            layers.append(nn.BatchNorm2d(out))
        layers.append(_ACTIVATIONS[spec.activation]())
        if height >= 2 and width >= 2:
            layers.append(nn.MaxPool2d(2))
            height, width = height // 2, width // 2
        channels = out
    layers += [nn.Flatten(), nn.Linear(channels * height * width, spec.hidden),
               _ACTIVATIONS[spec.activation]()]
    if spec.dropout:
        layers.append(nn.Dropout(spec.dropout))
    layers.append(nn.Linear(spec.hidden, n_outputs))
    return nn.Sequential(*layers)


def initialise(model: nn.Module, scheme: str, activation: str) -> None:
    """Re-initialise linear and conv weights (biases to 0); 'default' keeps torch's own."""
    if scheme == "default":
        return
    gain_name = _GAIN_NAME[activation]
    for module in model.modules():
        if not isinstance(module, nn.Linear | nn.Conv2d):
            continue
        w = module.weight
        if scheme == "kaiming_normal":
            nn.init.kaiming_normal_(w, nonlinearity=gain_name)
        elif scheme == "kaiming_uniform":
            nn.init.kaiming_uniform_(w, nonlinearity=gain_name)
        elif scheme == "xavier_normal":
            nn.init.xavier_normal_(w, gain=nn.init.calculate_gain(gain_name))
        elif scheme == "xavier_uniform":
            nn.init.xavier_uniform_(w, gain=nn.init.calculate_gain(gain_name))
        elif scheme == "orthogonal":
            nn.init.orthogonal_(w, gain=nn.init.calculate_gain(gain_name))
        else:
            raise ModelError(f"unknown initialisation '{scheme}'")
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _user_model(spec: PythonModel, input_shape: tuple[int, ...], n_outputs: int,
                base_dir: Path | None) -> nn.Module:
    path = resolve_path(spec.path, base_dir, "model file", "model.path", UserCodeError)
    func = user_code.load_function(path, spec.function, "model")
    what = f"{spec.function}(input_shape={input_shape}, n_outputs={n_outputs}) in '{path}'"
    model = user_code.call(func, what, tuple(input_shape), n_outputs)
    if not isinstance(model, nn.Module):
        raise UserCodeError(f"{what} must return a torch.nn.Module, got {type(model).__name__}")
    if not any(p.requires_grad for p in model.parameters()):
        raise UserCodeError(f"{what} returned a model without trainable parameters")
    return model


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters (elements of the tensors with `requires_grad`)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def check_output(output: torch.Tensor, batch: int, n_outputs: int, task: str) -> None:
    """A wrong output shape gives a confusing loss error deep in torch; say what is expected."""
    ok = output.shape == (batch, n_outputs) or (task == "regression" and
                                                output.shape in ((batch,), (batch, 1)))
    if not ok:
        expected = f"({batch}, {n_outputs})" if task == "classification" else f"({batch}, 1)"
        raise ModelError(f"the model returned shape {tuple(output.shape)} for a batch of "
                         f"{batch}; expected {expected}: its last layer needs n_outputs="
                         f"{n_outputs} units")
