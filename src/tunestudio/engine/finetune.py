"""Fine-tuning: loading a local checkpoint into a model and freezing part of it.

A checkpoint is read with `torch.load(weights_only=True)` (tensors and plain containers only,
never arbitrary pickled objects) or, for `.safetensors`, with the safetensors package. It may
be a state dict, or a dict holding one under `model`, `state_dict` or `model_state_dict`; keys
of a model saved inside TuneStudio's input normalisation (`net.`) or DataParallel (`module.`)
are matched to the bare network. A classifier head of another size stays freshly initialised
(the usual transfer-learning step: a new head for the new classes); any other mismatch is an
error naming the keys.

Frozen parameters stop requiring gradients, and frozen BatchNorm layers become
FrozenBatchNorm (fixed statistics and affine parameters, as torchvision's FrozenBatchNorm2d and
Detectron do), so a frozen part changes neither its weights nor its running statistics."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tunestudio.engine.data_files import resolve_path
from tunestudio.errors import TuneStudioError

_NESTED_KEYS = ("model", "state_dict", "model_state_dict")
_PREFIXES = ("net.", "module.")
_NORMALIZATION_KEYS = frozenset({"mean", "std"})
_BODY_CONTAINERS = ("features", "trunk_output")  # torchvision's sequences of blocks


class ModelError(TuneStudioError):
    """The model cannot be built for this data, or its checkpoint does not fit it."""


def first_conv(model: nn.Module) -> tuple[str, nn.Conv2d]:
    """The qualified name and module of the model's first nn.Conv2d (in `named_modules` order);
    raises ModelError where there is none."""
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            return name, module
    raise ModelError("the model has no Conv2d layer to take the images' channels")


def head_name(model: nn.Module) -> str:
    """Qualified name of the classifier head: the model's last nn.Linear."""
    names = [str(name) for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not names:
        raise ModelError("the model has no nn.Linear output layer, so its head cannot be told "
                         "from its backbone; freeze 'none' or end the model with nn.Linear")
    return names[-1]


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a checkpoint file (see the module docstring). Raises ModelError for a
    file that is not a readable checkpoint, saying what it holds instead."""
    if path.suffix == ".safetensors":
        try:
            from safetensors.torch import load_file
        except ImportError:
            raise ModelError(f"'{path}' is a safetensors file but the safetensors package is "
                             "not installed: pip install safetensors") from None
        try:
            return dict(load_file(str(path)))
        except Exception as exc:
            raise ModelError(f"'{path}' is not a readable safetensors file ({exc})") from None
    try:
        loaded: Any = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"'{path}' is not a readable weights file ({text}); save one with "
                         "torch.save(model.state_dict(), path)") from None
    if isinstance(loaded, Mapping):
        for key in _NESTED_KEYS:
            if isinstance(loaded.get(key), Mapping):
                loaded = loaded[key]
                break
    if not isinstance(loaded, Mapping) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()):
        raise ModelError(f"'{path}' holds no state dict (a mapping of names to tensors, "
                         "directly or under 'model' / 'state_dict'); save one with "
                         "torch.save(model.state_dict(), path)")
    return dict(loaded)


def _strip_prefixes(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    for prefix in _PREFIXES:
        keys = [k for k in state if k not in _NORMALIZATION_KEYS]
        if keys and all(k.startswith(prefix) for k in keys):
            state = {k[len(prefix):]: v for k, v in state.items()
                     if k not in _NORMALIZATION_KEYS}
    return state


def load_weights(model: nn.Module, raw_path: str, base_dir: Path | None) -> list[str]:
    """Load the checkpoint at `raw_path` (relative to `base_dir`) into `model` in place;
    returns the keys left as initialised (a resized head). Raises ModelError naming the keys
    that do not fit."""
    path = resolve_path(raw_path, base_dir, "weights file", "model.weights_path", ModelError)
    state = _strip_prefixes(read_state_dict(path))
    own = model.state_dict()
    head = head_name(model) if any(isinstance(m, nn.Linear) for m in model.modules()) else ""
    conv_key = f"{first_conv(model)[0]}.weight" if any(
        isinstance(m, nn.Conv2d) for m in model.modules()) else ""
    skipped: list[str] = []
    wrong: list[str] = []
    for key, value in list(state.items()):
        mine = own.get(key)
        if mine is None or mine.shape == value.shape:
            continue
        if key == conv_key and value.dim() == 4 and value.shape[0] == mine.shape[0] \
                and value.shape[2:] == mine.shape[2:]:
            # an RGB checkpoint for other channels: the same rule as building the model
            state[key] = value.sum(dim=1, keepdim=True).expand_as(mine) / mine.shape[1]
        elif head and key.startswith(f"{head}."):
            skipped.append(key)
            del state[key]
        else:
            wrong.append(f"{key} {tuple(value.shape)} vs {tuple(mine.shape)}")
    missing = [k for k in own if k not in state and not k.endswith("num_batches_tracked")
               and k not in skipped]
    unexpected = [k for k in state if k not in own and not k.endswith("num_batches_tracked")]
    if wrong or missing or unexpected:
        parts = []
        if wrong:
            parts.append(f"shapes differ: {', '.join(wrong[:4])}")
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {', '.join(missing[:3])})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {', '.join(unexpected[:3])})")
        raise ModelError(f"the weights in '{path}' do not fit this model: {'; '.join(parts)}. "
                         "Check model.name / the model file against the checkpoint")
    model.load_state_dict(state, strict=False)
    return skipped


class FrozenBatchNorm(nn.Module):
    """Batch normalisation with fixed statistics and affine parameters (buffers, not
    parameters), for inputs `(B, C, ...)`: y = (x - running_mean) / sqrt(running_var + eps)
    * weight + bias. The state dict keys match nn.BatchNorm's."""

    weight: torch.Tensor
    bias: torch.Tensor
    running_mean: torch.Tensor
    running_var: torch.Tensor

    def __init__(self, bn: nn.modules.batchnorm._BatchNorm) -> None:
        super().__init__()
        n = bn.num_features
        self.eps = bn.eps
        for name, value, default in (("weight", bn.weight, 1.0), ("bias", bn.bias, 0.0),
                                     ("running_mean", bn.running_mean, 0.0),
                                     ("running_var", bn.running_var, 1.0)):
            tensor = value.detach().clone() if value is not None else torch.full((n,), default)
            self.register_buffer(name, tensor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`x` `(B, C, ...)` -> the same shape, each channel scaled and shifted by the fixed
        statistics."""
        shape = (1, -1) + (1,) * (x.dim() - 2)
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        shift = self.bias - self.running_mean * scale
        return x * scale.view(shape) + shift.view(shape)


def blocks(model: nn.Module, head: str) -> list[str]:
    """Names of the backbone's blocks in order: the top-level children that hold parameters,
    with torchvision's `features` / `trunk_output` sequences opened into their blocks; the
    child holding the head is not a block."""
    top = head.split(".", 1)[0]
    names: list[str] = []
    for name, child in model.named_children():
        if name == top or not any(True for _ in child.parameters()):
            continue
        if name in _BODY_CONTAINERS and isinstance(child, nn.Sequential):
            names += [f"{name}.{sub}" for sub, grand in child.named_children()
                      if any(True for _ in grand.parameters())]
        else:
            names.append(name)
    return names


def freeze(model: nn.Module, mode: str, trainable_blocks: int = 1) -> int:
    """Freeze `model` in place: 'none', 'backbone' (all but the head) or 'all_but_last' (all
    but the last `trainable_blocks` blocks and the head). Returns the number of frozen
    parameters (elements). Raises ModelError when the head cannot be found."""
    if mode == "none":
        return 0
    head = head_name(model)
    keep = [head]
    top = head.split(".", 1)[0]
    if top != head:
        keep.append(top)  # the head's container (e.g. a classifier with dropout) learns too
    if mode == "all_but_last":
        keep += blocks(model, head)[-trainable_blocks:]
    frozen = 0

    def trainable(name: str) -> bool:
        return any(name == k or name.startswith(f"{k}.") for k in keep)

    for name, param in model.named_parameters():
        if not trainable(name):
            param.requires_grad_(False)
            frozen += param.numel()
    for name, module in list(model.named_modules()):
        if isinstance(module, nn.modules.batchnorm._BatchNorm) and not trainable(name):
            parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
            setattr(parent, name.rpartition(".")[2], FrozenBatchNorm(module))
    return frozen
