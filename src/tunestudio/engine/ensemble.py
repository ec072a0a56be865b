"""Ensembles of trained models: the average of their predictions (class probabilities, the
softmax of each member's logits, for classification; values for regression), its metrics, the
greedy ensemble selection with replacement of Caruana et al. (2004, "Ensemble selection from
libraries of models"), and one module that predicts as the average, for export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from torch.nn import functional

from tunestudio.engine.metrics import EVAL_CHUNK, trial_metrics

Task = Literal["classification", "regression"]
_EPS = 1e-12  # keeps log(0) finite when a member is certain and wrong


def member_predictions(model: nn.Module, x: torch.Tensor, task: Task) -> torch.Tensor:
    """One member's predictions on `x` `(N, *input_shape)`, in eval mode and in chunks:
    class probabilities `(N, C)` (softmax of its logits) or values `(N, 1)`, float32."""
    model.eval()
    parts = []
    with torch.inference_mode():
        for i in range(0, max(len(x), 1), EVAL_CHUNK):
            out = model(x[i:i + EVAL_CHUNK]).float()
            parts.append(functional.softmax(out, dim=1) if task == "classification" else out)
    return torch.cat(parts)


def average(predictions: torch.Tensor, counts: torch.Tensor | None = None) -> torch.Tensor:
    """The ensemble's predictions: the mean over members of `predictions` `(M, N, K)`, each
    member counted `counts[m]` times (`(M,)`, a greedy selection's multiplicities; None:
    once each). Returns `(N, K)`. Raises ValueError for an empty ensemble."""
    m = predictions.shape[0]
    w = torch.ones(m) if counts is None else counts.float()
    if m == 0 or float(w.sum()) <= 0:
        raise ValueError("an ensemble needs at least one member")
    w = (w / w.sum()).to(predictions)
    return torch.einsum("m,mnk->nk", w, predictions)


def prediction_metrics(task: Task, prediction: torch.Tensor, target: torch.Tensor,
                       target_std: float = 1.0, prefix: str = "val") -> dict[str, float]:
    """Loss and metrics of predictions `(N, K)` against targets `(N,)`: for classification
    (probabilities, rows summing to 1) `{prefix}_loss` (the cross entropy of the
    probabilities, natural log) and `{prefix}_accuracy`; for regression (values in the
    target's units, targets too) `{prefix}_loss` (the mean squared error of standardised
    values, as a trial's loss) and `{prefix}_mse`, `_mae`, `_r2` in the target's units."""
    with torch.inference_mode():
        if task == "classification":
            picked = prediction.gather(1, target.long().reshape(-1, 1)).squeeze(1)
            values = {f"{prefix}_loss": -(picked.clamp_min(_EPS).log()).mean()}
            values.update(trial_metrics(task, prediction.unsqueeze(0), target, 1.0, prefix))
        else:
            values = {name: v[0] for name, v in trial_metrics(
                task, prediction.unsqueeze(0).float(), target.float(), 1.0, prefix).items()}
            values[f"{prefix}_loss"] = values[f"{prefix}_mse"] / max(target_std, _EPS) ** 2
    return {name: float(v.reshape(-1)[0]) for name, v in values.items()}


def greedy_selection(predictions: torch.Tensor, target: torch.Tensor, task: Task,
                     metric: str, direction: Literal["maximize", "minimize"], rounds: int,
                     target_std: float = 1.0) -> torch.Tensor:
    """Caruana et al.'s ensemble selection with replacement: starting from the empty
    ensemble, each of `rounds` rounds adds the member of the library `predictions`
    `(M, N, K)` whose addition gives the best `metric` (a key of `prediction_metrics`, e.g.
    "val_accuracy"); ties go to the lower loss, then the lower index, so the result is
    deterministic. The ensemble of the best round is returned (later rounds may only add
    noise), as the count of each member `(M,)` (int64, summing to that round's size).
    Raises ValueError for an empty library, `rounds` < 1 or an unknown metric."""
    m = predictions.shape[0]
    if m == 0 or rounds < 1:
        raise ValueError("greedy selection needs a library of at least one member and at "
                         "least one round")
    sign = 1.0 if direction == "maximize" else -1.0
    loss_name = metric.split("_", 1)[0] + "_loss"
    counts = torch.zeros(m, dtype=torch.int64)
    total = torch.zeros_like(predictions[0])
    best_counts, best_key = counts.clone(), None
    for r in range(1, rounds + 1):
        round_best: tuple[tuple[float, float, int], int] | None = None
        for i in range(m):
            scores = prediction_metrics(task, (total + predictions[i]) / r, target,
                                        target_std, metric.split("_", 1)[0])
            if metric not in scores:
                raise ValueError(f"unknown metric '{metric}' for {task}; known: "
                                 f"{', '.join(scores)}")
            key = (-sign * scores[metric], scores[loss_name], i)
            if round_best is None or key < round_best[0]:
                round_best = (key, i)
        assert round_best is not None
        chosen = round_best[1]
        counts[chosen] += 1
        total = total + predictions[chosen]
        if best_key is None or round_best[0][:2] < best_key:
            best_key, best_counts = round_best[0][:2], counts.clone()
    return best_counts


class EnsembleModel(nn.Module):
    """One module that predicts as the ensemble: `forward(x)` with `x` `(B, *input_shape)` (the
    inputs each member takes, e.g. delivered models taking the data source's own units)
    returns the weighted mean of the members' class probabilities `(B, C)` (softmax of each
    member's logits) for classification, or of their values `(B, 1)` for regression. The
    weights (a buffer, summing to 1) travel in every export format."""

    weights: torch.Tensor

    def __init__(self, members: Sequence[nn.Module], task: Task,
                 counts: Sequence[float] | None = None) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        w = torch.ones(len(members)) if counts is None else \
            torch.tensor([float(c) for c in counts])
        if len(w) != len(members) or float(w.sum()) <= 0 or bool((w < 0).any()):
            raise ValueError("the ensemble's counts must be one non-negative number per member, "
                             "not all zero")
        self.members = nn.ModuleList(members)
        self.classification = task == "classification"
        self.register_buffer("weights", (w / w.sum()).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs `x` `(B, *input_shape)` -> the weighted mean over members of their class
        probabilities `(B, C)` (softmax of the logits) for classification, or of their values `(B,
        1)` for regression, in float32."""
        total: torch.Tensor | None = None
        for i, member in enumerate(self.members):
            out = member(x).float()
            if self.classification:
                out = functional.softmax(out, dim=1)
            part = out * self.weights[i]
            total = part if total is None else total + part
        assert total is not None
        return total
