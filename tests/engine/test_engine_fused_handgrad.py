"""The stacked MLP's hand-written training pass gives autograd's losses, outputs and gradients,
for every activation, both losses, padded widths, several layers, L1 and both input layouts."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tunestudio.engine.fused import handgrad
from tunestudio.engine.fused.stacked import StackedMLP

ACTIVATIONS = [nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.SiLU, nn.GELU]


def mlp(widths: list[int], act: type[nn.Module], n_in: int = 6, n_out: int = 4) -> nn.Module:
    layers: list[nn.Module] = [nn.Flatten()]
    fan_in = n_in
    for width in widths:
        layers += [nn.Linear(fan_in, width), act()]
        fan_in = width
    layers.append(nn.Linear(fan_in, n_out))
    return nn.Sequential(*layers)


def autograd_pass(stack: StackedMLP, x: torch.Tensor, y: torch.Tensor, shared: bool,
                  loss: handgrad.LossSpec, l1: torch.Tensor | None
                  ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    for p in stack.params:
        p.grad = None
    out = stack.forward(x, shared, training=True)
    k, b = out.shape[:2]
    if loss.kind == "cross_entropy":  # each trial with its own label smoothing
        eps = loss.label_smoothing
        each = torch.stack([nn.functional.cross_entropy(
            out[i], y.expand(k, b)[i], reduction="none",
            label_smoothing=float(eps[i] if isinstance(eps, torch.Tensor) else eps))
            for i in range(k)])
    else:
        each = (out.reshape(k, b) - y).square()
    losses = each.mean(1)
    total = losses.sum()
    if l1 is not None:
        total = total + (l1 * torch.stack([p.abs().flatten(1).sum(1) for p in
                                           stack.params[::2]]).sum(0)).sum()
    total.backward()  # type: ignore[no-untyped-call]  # torch: Tensor.backward is unannotated
    grads = [p.grad.clone() for p in stack.params if p.grad is not None]
    return losses.detach(), out.detach(), grads


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.__name__)
@pytest.mark.parametrize("shared", [True, False], ids=["shared", "own-batches"])
def test_hand_written_pass_equals_autograd(act: type[nn.Module], shared: bool) -> None:
    torch.manual_seed(0)
    models = [mlp([5, 3], act), mlp([7, 2], act), mlp([7, 3], act)]  # padded to 7 and 3
    stack = StackedMLP(models, [0.0] * 3, "cpu")
    x = torch.randn(9, 6) if shared else torch.randn(3, 9, 6)
    y = torch.randint(0, 4, (9,)) if shared else torch.randint(0, 4, (3, 9))
    l1 = torch.tensor([0.0, 1e-3, 2e-2])
    for spec in (handgrad.LossSpec("cross_entropy"), handgrad.LossSpec("cross_entropy", 0.1),
                 handgrad.LossSpec("cross_entropy", torch.tensor([0.2, 0.0, 0.05]))):
        want_loss, want_out, want_grads = autograd_pass(stack, x, y, shared, spec, l1)
        loss, out = stack.forward_backward(x, y, shared, spec, l1)
        assert torch.allclose(loss, want_loss, rtol=1e-5, atol=1e-7)
        assert torch.allclose(out, want_out, rtol=1e-5, atol=1e-6)
        for p, want in zip(stack.params, want_grads, strict=True):
            assert p.grad is not None
            assert torch.allclose(p.grad, want, rtol=1e-4, atol=1e-6), (act, spec)


def test_padded_units_get_no_gradient() -> None:
    torch.manual_seed(1)
    stack = StackedMLP([mlp([2], nn.Sigmoid), mlp([5], nn.Sigmoid)], [0.0, 0.0], "cpu")
    x, y = torch.randn(8, 6), torch.randint(0, 4, (8,))
    stack.forward_backward(x, y, True, handgrad.LossSpec("cross_entropy"), None)
    grad_in, grad_out = stack.params[0].grad, stack.params[2].grad
    assert grad_in is not None and grad_out is not None
    assert torch.count_nonzero(grad_in[0, 2:]) == 0  # trial 0's three padded units
    assert torch.count_nonzero(grad_out[0, :, 2:]) == 0


def test_squared_error_pass_equals_autograd() -> None:
    torch.manual_seed(2)
    stack = StackedMLP([mlp([4], nn.ReLU, n_out=1), mlp([6], nn.ReLU, n_out=1)], [0.0, 0.0],
                       "cpu")
    x, y = torch.randn(10, 6), torch.randn(10)
    spec = handgrad.LossSpec("mse")
    want_loss, want_out, want_grads = autograd_pass(stack, x, y, True, spec, None)
    loss, out = stack.forward_backward(x, y, True, spec, None)
    assert torch.allclose(loss, want_loss, rtol=1e-5)
    assert torch.allclose(out, want_out, rtol=1e-5, atol=1e-6)
    for p, want in zip(stack.params, want_grads, strict=True):
        assert torch.allclose(p.grad, want, rtol=1e-4, atol=1e-6)  # type: ignore[arg-type]


def test_dropout_and_mixed_precision_take_autograd() -> None:
    stack = StackedMLP([mlp([4], nn.ReLU)], [0.2], "cpu")
    assert not stack.hand_written(mixed_precision=False)
    plain = StackedMLP([mlp([4], nn.ReLU)], [0.0], "cpu")
    assert plain.hand_written(mixed_precision=False)
    assert not plain.hand_written(mixed_precision=True)


def test_evaluation_forward_computes_each_width_class_as_the_padded_stack() -> None:
    torch.manual_seed(3)
    stack = StackedMLP([mlp([3], nn.Sigmoid), mlp([3], nn.Sigmoid), mlp([8], nn.Sigmoid)],
                       [0.0] * 3, "cpu")
    assert [(c.start, c.stop) for c in stack.classes] == [(0, 2), (2, 3)]
    x = torch.randn(11, 6)
    padded = stack.forward(x, True, training=True).detach()  # masked padded units
    with torch.no_grad():
        by_class = stack.forward(x, True, training=False)
    assert torch.allclose(by_class, padded, rtol=1e-5, atol=1e-6)


def test_width_classes_merge_only_where_padding_costs_less() -> None:
    def rows(widths: list[int]) -> list[list[tuple[int, int]]]:
        return [[(64, w), (w, 10)] for w in widths]

    spans = [(c.start, c.stop, c.sizes[0][1]) for c in
             handgrad.width_classes(rows(list(range(16, 36, 2))), batch_size=32)]
    assert spans == [(0, 10, 34)]  # ten narrow widths: one class, padded to 34
    spans = [(c.start, c.stop, c.sizes[0][1]) for c in
             handgrad.width_classes(rows([64] * 4 + [256] * 4), batch_size=128)]
    assert spans == [(0, 4, 64), (4, 8, 256)]  # padding 64 -> 256 would cost more
    exact = handgrad.width_classes(rows([16, 18, 20]), batch_size=32, pad=False)
    assert [(c.start, c.stop) for c in exact] == [(0, 1), (1, 2), (2, 3)]
