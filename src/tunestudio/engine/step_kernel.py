"""The step-kernel contract: how the one training loop (engine.loop) has the steps of its R >= 1
rows (trials) computed. Three kernels implement it: `PlainKernel` (engine.plain_kernel: one
module with torch.optim, autograd, GradScaler, a DataLoader and augmentation; a lone fit) and
`StackKernel` (engine.fused.kernel: the `torch.func` vmap stack, or the stacked MLP pass).
Everything else about training (epochs, learning rates, stops, pauses, evaluations' bookkeeping,
divergence, the trials' outcomes and clocks) is the loop's, the same for every kernel."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch

if TYPE_CHECKING:
    from tunestudio.engine.trial import Trial


class StepKernel(Protocol):
    """Computes steps for rows of trials. `order[row]` is the index (into the loop's members)
    of the trial at each row; `check_grad` says whether a non-finite gradient norm is a
    divergence (a GradScaler skips such steps itself)."""

    device: str
    check_grad: bool

    @property
    def order(self) -> Sequence[int]:
        """The member index of the trial at each row."""

    def batches(self) -> Iterator[tuple[int, Any]]:
        """One epoch's steps, each as (samples per trial, a batch for `step`), drawn in each
        live row's own batch order (its trial's generator)."""

    def set_lr(self, rates: np.ndarray) -> None:
        """The learning rate of every row `(R,)` from the next step on (0 for a dead row)."""

    def step(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor | float]:
        """One optimisation step of every row: data losses `(R,)` and gradient norms before
        clipping (`(R,)`, or a float for one row), on the device."""

    def evaluate(self) -> dict[str, torch.Tensor]:
        """The running train loss and metrics and the validation loss and metrics of every
        row, `(R,)` tensors on the device."""

    def sync(self, row: int, member: Trial) -> None:
        """The trial's own model and torch optimiser take the row's current weights and
        state (a checkpoint or an end reads them)."""

    def retire(self, row: int) -> None:
        """The row's trial has ended: it draws no more batches."""

    def select(self, rows: list[int]) -> None:
        """Keep only `rows` (in this order): the stack drops its ended rows."""

    def first_step_checks(self, row: int) -> Sequence[torch.Tensor | bool] | None:
        """Whether the row's first step's inputs, targets, output and loss were finite."""

    def train_tensors(self) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The training inputs and targets on the device (None: streamed)."""

    def release(self) -> None:
        """Drop what holds device memory (after running out of it)."""
