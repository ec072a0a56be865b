"""Losses and metrics of K trials at once: the single trainer's (engine/metrics.py) with a
leading trial axis, so a whole group's evaluation is a few batched operations and one transfer.
Outputs are `(K, N, n_out)`, targets `(K, N)` (or `(N,)` shared by every trial); every value
returned is a `(K,)` tensor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch.nn import functional

from tunestudio.config import RunConfig

TrialLossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def make_trial_loss(config: RunConfig) -> TrialLossFn:
    """Per-trial mean data loss `(K,)` of outputs `(K, B, n_out)` against targets `(K, B)` or
    `(B,)`; the same loss as `engine.metrics.make_loss` (computed in float32)."""
    smoothing = config.training.label_smoothing
    if config.loss_kind == "cross_entropy":
        def cross_entropy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
            k, b, c = output.shape
            target = target.expand(k, b)
            classes_last = output.transpose(1, 2)
            if classes_last.is_contiguous():  # StackedMLP's (K, C, B): no copy
                each = functional.cross_entropy(classes_last.float(), target,
                                                reduction="none", label_smoothing=smoothing)
                return each.mean(1)
            each = functional.cross_entropy(output.reshape(k * b, c).float(),
                                            target.reshape(k * b), reduction="none",
                                            label_smoothing=smoothing)
            return each.view(k, b).mean(1)
        return cross_entropy

    def mse(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        k, b = output.shape[:2]
        return (output.reshape(k, b).float() - target).square().mean(1)

    return mse


def trial_metrics(task: Literal["classification", "regression"], output: torch.Tensor,
                  target: torch.Tensor, target_std: float, prefix: str
                  ) -> dict[str, torch.Tensor]:
    """accuracy, or mse/mae/r2, per trial (as `engine.metrics.metric_tensors` per trial)."""
    k, n = output.shape[:2]
    target = target.expand(k, n)
    if task == "classification":
        correct = output.argmax(dim=2) == target
        return {f"{prefix}_accuracy": correct.float().mean(1)}
    pred = output.reshape(k, n).float()
    err = pred - target
    sse = err.square().sum(1)
    sst = (target - target.mean(1, keepdim=True)).square().sum(1)
    r2 = torch.where(sst > 0, 1 - sse / sst.clamp_min(1e-12), torch.zeros_like(sse))
    return {f"{prefix}_mse": err.square().mean(1) * target_std**2,
            f"{prefix}_mae": err.abs().mean(1) * target_std,
            f"{prefix}_r2": r2}


def gather_trials(values: dict[str, torch.Tensor]) -> list[dict[str, float]]:
    """One device-to-host transfer for every value of every trial: K dicts name -> float."""
    if not values:
        return []
    table = torch.stack([v.detach().float() for v in values.values()], dim=1).cpu().tolist()
    names = list(values)
    return [dict(zip(names, (float(x) for x in row), strict=True)) for row in table]
