"""The data loss of K trials at once, each with its own label smoothing: the lone trial's
(engine/metrics.make_loss) with a leading trial axis. Outputs are `(K, N, n_out)`, targets
`(K, N)` (or `(N,)` shared by every trial); the loss is a `(K,)` tensor. The metrics on the
trial axis are engine/metrics.py's `trial_metrics`, one set for lone and fused trials."""

from __future__ import annotations

from collections.abc import Sequence

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
