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


def trial_metrics(task: Literal["classification", "regression"], output: torch.Tensor,
                  target: torch.Tensor, target_std: float, prefix: str
                  ) -> dict[str, torch.Tensor]:
    """accuracy, or mse/mae/r2, of K trials at once: outputs `(K, N, n_out)` against targets
    `(K, N)` (or `(N,)`, shared by every trial); `(K,)` tensors on the device. The one set of
    formulas: a lone trial's are these with K = 1 (`metric_tensors`)."""
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


def metric_tensors(task: Literal["classification", "regression"], output: torch.Tensor,
                   target: torch.Tensor, target_std: float, prefix: str
                   ) -> dict[str, torch.Tensor]:
    """accuracy, or mse/mae/r2, of outputs `(N, n_out)` against targets `(N,)`, as 0-d tensors
    on the device (`trial_metrics` of one trial)."""
    values = trial_metrics(task, output.unsqueeze(0), target, target_std, prefix)
    return {name: value[0] for name, value in values.items()}


class TrainWindow:
    """The outputs the recent training steps of K trials produced anyway, kept on the device
    for the running train metrics: the last epoch's worth (`steps_per_epoch` steps) is used;
    older steps are dropped in bulk, so adding a step stays O(1)."""

    def __init__(self, steps_per_epoch: int):
        self.steps_per_epoch = steps_per_epoch
        self._steps: list[tuple[int, torch.Tensor, torch.Tensor, torch.Tensor]] = []

    def add(self, n: int, losses: torch.Tensor, outputs: torch.Tensor,
            targets: torch.Tensor) -> None:
        """One step of `n` samples per trial: data losses `(K,)`, outputs `(K, n, n_out)`,
        targets `(n,)` (shared) or `(K, n)`."""
        steps = self._steps
        steps.append((n, losses.detach(), outputs.detach(), targets))
        if len(steps) > 2 * self.steps_per_epoch:
            del steps[:-self.steps_per_epoch]

    def clear(self) -> None:
        """Drop every kept step (and the device memory it holds)."""
        self._steps = []

    def select(self, rows: torch.Tensor) -> None:
        """Keep the trials at `rows` `(R,)` (a stack that dropped its stopped rows)."""
        self._steps = [(n, loss.index_select(0, rows), out.index_select(0, rows),
                        target if target.dim() == 1 else target.index_select(0, rows))
                       for n, loss, out, target in self._steps]

    def values(self, task: Literal["classification", "regression"], target_std: float
               ) -> dict[str, torch.Tensor]:
        """`train_loss` (the sample-weighted mean of the steps' losses) and the train metrics
        of the last epoch's steps, `(K,)` each; empty before any step."""
        del self._steps[:-self.steps_per_epoch]
        steps = self._steps
        if not steps:
            return {}
        ns = torch.tensor([w[0] for w in steps], dtype=torch.float32, device=steps[0][1].device)
        losses = torch.stack([w[1].float() for w in steps])  # (S, K)
        values = {"train_loss": (losses * ns[:, None]).sum(0) / ns.sum()}
        outputs = torch.cat([w[2] for w in steps], dim=1)
        targets = torch.cat([w[3] for w in steps], dim=-1)
        values.update(trial_metrics(task, outputs.float(), targets, target_std, "train"))
        return values


def gather(values: dict[str, torch.Tensor]) -> dict[str, float]:
    """One device-to-host transfer for all values (0-d tensors)."""
    if not values:
        return {}
    numbers = torch.stack([v.detach().float() for v in values.values()]).cpu().tolist()
    return dict(zip(values, (float(n) for n in numbers), strict=True))


def gather_trials(values: dict[str, torch.Tensor]) -> list[dict[str, float]]:
    """One device-to-host transfer for every value `(K,)` of every trial: K dicts
    name -> float."""
    if not values:
        return []
    table = torch.stack([v.detach().float() for v in values.values()], dim=1).cpu().tolist()
    names = list(values)
    return [dict(zip(names, (float(x) for x in row), strict=True)) for row in table]


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
