"""The fused optimiser's SGD, Adam and AdamW: each trial's row is stepped by torch's own fused
kernel, the one a lone trial's optimiser runs (engine/optimizers.py), at the row's own
hyperparameters, leaving the padding of narrower rows at zero."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch

from tunestudio.config import AdamOptimizer, AdamWOptimizer, SGDOptimizer
from tunestudio.engine.fused import optim
from tunestudio.engine.fused.optim import FusedOptimizer
from tunestudio.engine.optimizers import OptimizerSpec

WIDTHS = [40, 21, 33]  # rows 1 and 2 narrower: padded to 40 in the stack
# each row's own leading part of the weight and the bias (StackedModel.row_extents): a part
# of another length than its padded row falls differently into the kernel's vectors and tail
EXTENTS = [[width, width] for width in WIDTHS]


def counted_kernel(name: str, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """torch's kernel `name` replaced by one that counts its calls (into the returned list)."""
    kernel = getattr(torch, name)
    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(torch, name, counted)
    return calls


def steps_as_lone(
        specs: Sequence[OptimizerSpec],
        lone: Callable[[list[torch.Tensor], OptimizerSpec], torch.optim.Optimizer],
        calls: list[int], route: str) -> None:
    """Six steps of random gradients of a stack of rows of `WIDTHS` (a weight `(3, 40, 3)`
    and a bias `(3, 40, 1)`; written into the same gradient tensors, which are replaced once)
    by one FusedOptimizer of `specs` (told `EXTENTS`), and of each
    row's own copy by its lone optimiser (`lone(params, spec)`). By the `route` "kernel" each
    fused step makes one of the counted kernel's `calls` per row, and every row ends with its
    lone copy's numbers to the bit; by the formulas none, and within float32's rounding. The
    padding stays zero."""
    kernel = route == "kernel"
    torch.manual_seed(0)
    weight, bias = torch.zeros(3, 40, 3), torch.zeros(3, 40, 1)
    for row, width in enumerate(WIDTHS):
        weight[row, :width] = torch.randn(width, 3)
        bias[row, :width] = torch.randn(width, 1)
    params = [weight, bias]
    own = [[p[row, :width].clone().requires_grad_() for p in params]
           for row, width in enumerate(WIDTHS)]
    optimisers = [lone(own[r], s) for r, s in enumerate(specs)]
    fused = FusedOptimizer(specs, params, "cpu", EXTENTS)
    grads = [torch.zeros_like(p) for p in params]
    for step in range(6):
        if step == 3:  # new gradient tensors (a compacted stack, an autograd pass); the
            # other steps write into the same ones, as the hand-written pass does
            grads = [torch.zeros_like(p) for p in params]
        for row, width in enumerate(WIDTHS):
            for g, mine in zip(grads, own[row], strict=True):
                g[row, :width] = torch.randn(width, g.shape[2])
                mine.grad = g[row, :width].clone()
        for p, g in zip(params, grads, strict=True):
            if p.grad is not g:
                p.grad = g
        before = len(calls)
        fused.step(torch.tensor([s.lr for s in specs], dtype=torch.float64))  # as the loop
        assert len(calls) - before == (len(specs) if kernel else 0)
        for optimiser in optimisers:
            optimiser.step()
    for row, width in enumerate(WIDTHS):
        for p, mine in zip(params, own[row], strict=True):
            if kernel:
                assert torch.equal(p[row, :width], mine.detach())
            else:
                torch.testing.assert_close(p[row, :width], mine.detach(), rtol=1e-5, atol=1e-7)
            assert not p[row, width:].any()


@pytest.mark.parametrize(("spec", "lone"), [(AdamOptimizer, torch.optim.Adam),
                                            (AdamWOptimizer, torch.optim.AdamW)])
@pytest.mark.parametrize("route", ["kernel", "formulas"])
def test_each_row_steps_by_torchs_fused_kernel_as_the_lone_optimiser(
        spec: type[AdamOptimizer], lone: type[torch.optim.Optimizer], route: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both routes: torch's fused kernel per row, each row's own part (the lone trial's
    numbers to the bit), and the formulas that run where this torch has no such kernel for the
    device (or the stack is not contiguous), on every row at once."""
    name = "_fused_adam_" if spec is AdamOptimizer else "_fused_adamw_"
    calls = counted_kernel(name, monkeypatch)
    if route == "formulas":
        monkeypatch.setattr(torch, name, None)
    monkeypatch.setattr(optim, "_KERNELS", {})
    specs = [spec(lr=0.01, weight_decay=0.01), spec(lr=0.003, weight_decay=0.0, beta1=0.8),
             spec(lr=0.02, weight_decay=0.001, beta2=0.99, eps=1e-6)]

    def alone(params: list[torch.Tensor], s: OptimizerSpec) -> torch.optim.Optimizer:
        assert isinstance(s, AdamOptimizer)
        return lone(params, lr=s.lr, weight_decay=s.weight_decay,  # type: ignore[call-arg]
                    betas=(s.beta1, s.beta2), eps=s.eps, fused=route == "kernel")

    steps_as_lone(specs, alone, calls, route)


@pytest.mark.parametrize("route", ["kernel", "formulas"])
def test_each_row_steps_by_torchs_fused_sgd_kernel_as_the_lone_optimiser(
        route: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """SGD with and without momentum, Nesterov and weight decay: by torch's fused kernel each
    row takes the lone fused optimiser's numbers to the bit (the broadcast formulas round in
    another order: within float32's rounding)."""
    calls = counted_kernel("_fused_sgd_", monkeypatch)  # the lone optimisers' kernel too
    monkeypatch.setattr(optim, "_KERNELS", {} if route == "kernel" else {("sgd", "cpu"): None})
    specs = [SGDOptimizer(lr=0.05, momentum=0.9, weight_decay=0.01),
             SGDOptimizer(lr=0.02, momentum=0.0, weight_decay=0.0),
             SGDOptimizer(lr=0.1, momentum=0.8, nesterov=True, weight_decay=0.001)]

    def alone(params: list[torch.Tensor], s: OptimizerSpec) -> torch.optim.Optimizer:
        assert isinstance(s, SGDOptimizer)
        return torch.optim.SGD(params, lr=s.lr, momentum=s.momentum, nesterov=s.nesterov,
                               weight_decay=s.weight_decay, fused=True)

    steps_as_lone(specs, alone, calls, route)


def test_a_stopped_row_keeps_its_weights() -> None:
    """A trial that stopped trains on at learning rate 0 until the stack drops it."""
    params = [torch.randn(2, 3, 4)]
    before = params[0].clone()
    fused = FusedOptimizer([AdamWOptimizer(lr=0.01, weight_decay=0.1)] * 2, params, "cpu")
    params[0].grad = torch.randn(2, 3, 4)
    fused.step(torch.tensor([0.0, 0.01]))
    assert torch.equal(params[0][0], before[0])
    assert not torch.equal(params[0][1], before[1])


@pytest.mark.parametrize("spec", [SGDOptimizer(lr=0.1, momentum=0.9, weight_decay=0.01),
                                  AdamWOptimizer(lr=0.1, weight_decay=0.01)])
def test_the_kernels_step_only_each_rows_own_part(spec: OptimizerSpec) -> None:
    """Told each row's extent, the kernels leave the rest of the row alone: a gradient there
    (none arises in a padded MLP) moves nothing."""
    weight = torch.zeros(2, 6, 3)
    weight[0].normal_()
    weight[1, :4].normal_()
    before = weight.clone()
    fused = FusedOptimizer([spec, spec], [weight], "cpu", [[6], [4]])
    weight.grad = torch.ones_like(weight)
    fused.step(torch.tensor([0.1, 0.1]))
    assert torch.equal(weight[1, 4:], before[1, 4:])
    assert not torch.equal(weight[1, :4], before[1, :4])
    assert not torch.equal(weight[0], before[0])
