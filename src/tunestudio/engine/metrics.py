"""Losses and metrics, computed on the training device and gathered in one transfer, so that an
evaluation costs one device synchronisation however many metrics it reports. Regression metrics
are in the target's own units (the model learns standardised targets); R2 is unit-free."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Literal

import torch
from torch import nn
from torch.nn import functional

from tunestudio.config import RunConfig

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
AutocastFactory = Callable[[], contextlib.AbstractContextManager[object]]
EVAL_CHUNK = 8192  # samples per forward pass when evaluating, to bound memory


def make_loss(config: RunConfig, half_outputs: bool = False) -> LossFn:
    """The data loss of the config; `half_outputs` (mixed precision) computes it in float32."""
    smoothing = config.training.label_smoothing
    if config.loss_kind == "cross_entropy":
        if not half_outputs and not smoothing:
            return functional.cross_entropy

        def cross_entropy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            return functional.cross_entropy(output.float(), target, label_smoothing=smoothing)

        return cross_entropy

    def mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return functional.mse_loss(output.reshape(-1).float(), target)

    return mse


def metric_tensors(task: Literal["classification", "regression"], output: torch.Tensor,
                   target: torch.Tensor, target_std: float, prefix: str
                   ) -> dict[str, torch.Tensor]:
    """accuracy, or mse/mae/r2, of outputs against targets, as 0-d tensors on the device."""
    if task == "classification":
        correct = output.argmax(dim=1) == target
        return {f"{prefix}_accuracy": correct.float().mean()}
    pred = output.reshape(-1).float()
    err = pred - target
    sse = err.square().sum()
    sst = (target - target.mean()).square().sum()
    r2 = torch.where(sst > 0, 1 - sse / sst.clamp_min(1e-12), torch.zeros_like(sse))
    return {f"{prefix}_mse": err.square().mean() * target_std**2,
            f"{prefix}_mae": err.abs().mean() * target_std,
            f"{prefix}_r2": r2}


def gather(values: dict[str, torch.Tensor]) -> dict[str, float]:
    """One device-to-host transfer for all values."""
    if not values:
        return {}
    numbers = torch.stack([v.detach().float() for v in values.values()]).cpu().tolist()
    return dict(zip(values, (float(n) for n in numbers), strict=True))


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, autocast: AutocastFactory | None = None
            ) -> torch.Tensor:
    """Outputs for all of `x` in eval mode, in chunks; the model's mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with autocast() if autocast is not None else contextlib.nullcontext():
            if len(x) <= EVAL_CHUNK:
                whole: torch.Tensor = model(x)
                return whole.float()
            parts = [model(x[i:i + EVAL_CHUNK]) for i in range(0, len(x), EVAL_CHUNK)]
            return torch.cat(parts).float()
    finally:
        model.train(was_training)


def evaluate_tensors(model: nn.Module, x: torch.Tensor, y: torch.Tensor, config: RunConfig,
                     loss_fn: LossFn, target_std: float, prefix: str,
                     autocast: AutocastFactory | None = None) -> dict[str, torch.Tensor]:
    """Loss and metrics of the model on one split, still on the device."""
    with torch.inference_mode():
        output = predict(model, x, autocast)
        values = {f"{prefix}_loss": loss_fn(output, y)}
        values.update(metric_tensors(config.task, output, y, target_std, prefix))
    return values
