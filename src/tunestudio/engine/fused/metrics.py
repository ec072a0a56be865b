"""Losses and metrics of K trials at once: the single trainer's (engine/metrics.py) with a
leading trial axis, so a whole group's evaluation is a few batched operations and one transfer.
Outputs are `(K, N, n_out)`, targets `(K, N)` (or `(N,)` shared by every trial); every value
returned is a `(K,)` tensor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch.nn import functional

from tunestudio.config import RunConfig


class TrialLoss:
    """Per-trial mean data loss `(K,)` of outputs `(K, B, n_out)` against targets `(K, B)` or
    `(B,)`; the same loss as `engine.metrics.make_loss` (computed in float32), each trial with
    its own label smoothing. `configs` are the trials' configs in the order of the stack's
    rows (one loss kind: the shape signature says so)."""

    def __init__(self, configs: Sequence[RunConfig], device: str | torch.device = "cpu",
                 smoothing: torch.Tensor | None = None):
        self.configs = list(configs)
        self.cross_entropy = configs[0].loss_kind == "cross_entropy"
        values = [c.training.label_smoothing for c in configs]
        # (K,) when the trials' label smoothing differs; else one number for all (torch's own
        # kernel, as a lone trial computes it)
        self.smoothing = smoothing if smoothing is not None else \
            torch.tensor(values, dtype=torch.float32, device=device) \
            if len(set(values)) > 1 else None
        self.shared = values[0] if values else 0.0

    def select(self, rows: torch.Tensor) -> TrialLoss:
        """The loss of the trials at `rows` `(R,)` (a stack that dropped its stopped rows)."""
        if self.smoothing is None:
            return self
        kept = [self.configs[i] for i in rows.tolist()]
        return TrialLoss(kept, smoothing=self.smoothing.index_select(0, rows))

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if not self.cross_entropy:
            k, b = output.shape[:2]
            return (output.reshape(k, b).float() - target).square().mean(1)
        k, b, c = output.shape
        target = target.expand(k, b)
        if self.smoothing is not None:  # (1 - e) * nll + e * mean over classes of -log p
            log_p = output.float().log_softmax(2)
            nll = -log_p.gather(2, target.unsqueeze(2)).squeeze(2)
            eps = self.smoothing.view(-1, 1)
            return ((1 - eps) * nll - eps * log_p.mean(2)).mean(1)
        classes_last = output.transpose(1, 2)
        if classes_last.is_contiguous():  # StackedMLP's (K, C, B): no copy
            each = functional.cross_entropy(classes_last.float(), target, reduction="none",
                                            label_smoothing=self.shared)
            return each.mean(1)
        each = functional.cross_entropy(output.reshape(k * b, c).float(), target.reshape(k * b),
                                        reduction="none", label_smoothing=self.shared)
        return each.view(k, b).mean(1)


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
