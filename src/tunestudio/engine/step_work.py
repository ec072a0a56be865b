"""How much arithmetic a training step does: the multiply-accumulates of its dense and
convolution layers, which decide whether a step is worth a second CPU thread
(`runtime.apply_step_threads`).

A layer's forward multiply-accumulates per sample are those of its weights applied once per
output position: `in * out` for `nn.Linear`, `out_elements * in_channels / groups * prod(kernel)`
for `nn.ConvNd` (e.g. the counting of Molchanov et al., "Pruning Convolutional Neural Networks
for Resource Efficient Inference", ICLR 2017, appendix). Other layers (activations, norms,
pooling) are left out: next to these they are a few percent. Backward costs about twice the
forward; the figure here is the forward's, the unit the threshold is stated in."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

_COUNTED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def layer_macs(module: nn.Module, output: torch.Tensor) -> float:
    """Forward multiply-accumulates of one call of a `nn.Linear` or `nn.ConvNd` that gave
    `output` (any batch size: the count is of the whole call), else 0."""
    if isinstance(module, nn.Linear):
        return float(output.numel()) * module.in_features
    if isinstance(module, nn.Conv1d | nn.Conv2d | nn.Conv3d):
        per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
        return float(output.numel()) * per_output
    return 0.0


def macs_per_sample(model: nn.Module, sample: torch.Tensor) -> float | None:
    """Forward multiply-accumulates of `model` for one sample, `sample` shaped `(1, ...)` as the
    model takes its input (module docstring for what counts), measured by one forward pass in
    evaluation mode without gradients, the model's training flags and the random number
    generators' states put back after it (the trial's draws are those it would make without
    the count). None when that pass fails (a model file that wants other input): the caller
    then keeps its default."""
    total = 0.0

    def hook(module: nn.Module, _inputs: object, output: object) -> None:
        nonlocal total
        if isinstance(output, torch.Tensor):
            total += layer_macs(module, output)

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, _COUNTED)]
    modes = [(m, m.training) for m in model.modules()]
    devices = [sample.device] if sample.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            model.eval()
            model(sample)
    except Exception:  # a user model that cannot take this sample: no count
        return None
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return total


def step_macs(models: Sequence[nn.Module], batch_sizes: Sequence[int],
              x_train: np.ndarray | torch.Tensor) -> float | None:
    """Forward multiply-accumulates of one step of trials training `models` side by side (one
    model and batch size per trial; a fused group's members), counted on the first training
    sample of `x_train` `(N, ...)`; None when a model cannot be counted or there is no
    sample."""
    if len(x_train) == 0:
        return None
    first = x_train[:1]
    # a copy: the splits' arrays are read-only, shared by every trial
    sample = first if isinstance(first, torch.Tensor) else torch.tensor(np.asarray(first))
    device = next((p.device for m in models for p in m.parameters()), torch.device("cpu"))
    sample = sample.to(device)  # as the trial's batches come (uint8 images: the model scales)
    total = 0.0
    counts: dict[int, float | None] = {}
    for model, batch in zip(models, batch_sizes, strict=True):
        key = id(model)
        if key not in counts:
            counts[key] = macs_per_sample(model, sample)
        per_sample = counts[key]
        if per_sample is None:
            return None
        total += per_sample * batch
    return total
