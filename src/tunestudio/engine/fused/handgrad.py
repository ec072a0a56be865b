"""The stacked MLP's forward and backward pass written out by hand.

On a CPU a small fused group is bound by the number of operations per step, not by arithmetic:
autograd records and replays about twice the operations the chain rule needs (views, expands,
accumulations, a graph per step). Here the pass is the textbook one (e.g. Goodfellow et al.,
"Deep Learning", 2016, section 6.5), per layer with weights `W` `(K, out, in)`, inputs `a`
`(K, in, B)` (transposed, as `StackedMLP` keeps them) and upstream gradient `dz` `(K, out, B)`:

    dW = dz @ a^T,   db = sum_B dz,   da = W^T @ dz,   dz_prev = da * act'(z_prev)

and for the loss, with `p = softmax(z)` over classes and label smoothing `e` over `C` classes,
`dz = (p - (1 - e) onehot - e / C) / B` (cross-entropy), `dz = 2 (z - y) / B` (squared error).
Each trial's gradient is that of its own mean loss, exactly what autograd gives for the sum of
the trials' losses; the values agree with autograd to float rounding (the tests compare them).

Used for the common case: no dropout, no mixed precision (`supports` says when)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch.nn import functional

from tunestudio.config import RunConfig

_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _relu_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return (z > 0).to(z.dtype)


def _leaky_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return torch.where(z > 0, 1.0, 0.01).to(z.dtype)  # nn.LeakyReLU's default slope


def _tanh_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return 1 - h * h


def _sigmoid_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    return h * (1 - h)


def _silu_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(z)
    return s * (1 + z * (1 - s))


def _gelu_grad(z: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    # exact GELU (Hendrycks & Gimpel 2016): Phi(z) + z * phi(z)
    return 0.5 * (1 + torch.erf(z * _SQRT_HALF)) + z * torch.exp(-0.5 * z * z) * _INV_SQRT_2PI


_DERIVATIVES: dict[Callable[..., torch.Tensor], Callable[[torch.Tensor, torch.Tensor],
                                                          torch.Tensor]] = {
    functional.relu: _relu_grad, functional.leaky_relu: _leaky_grad, torch.tanh: _tanh_grad,
    torch.sigmoid: _sigmoid_grad, functional.silu: _silu_grad, functional.gelu: _gelu_grad,
}


@dataclass(frozen=True)
class LossSpec:
    """The data loss of a group: `kind` and cross-entropy's label smoothing."""

    kind: Literal["cross_entropy", "mse"]
    label_smoothing: float = 0.0

    @classmethod
    def of(cls, config: RunConfig) -> LossSpec:
        kind = "cross_entropy" if config.loss_kind == "cross_entropy" else "mse"
        return cls(kind, config.training.label_smoothing)


def supports(activation: Callable[..., torch.Tensor], any_dropout: bool, mixed_precision: bool
             ) -> bool:
    """Whether the hand-written pass covers a stacked MLP with this activation."""
    return activation in _DERIVATIVES and not any_dropout and not mixed_precision


def forward_backward(params: list[torch.Tensor], masks: list[torch.Tensor | None],
                     activation: Callable[..., torch.Tensor], x: torch.Tensor,
                     target: torch.Tensor, shared: bool, loss: LossSpec,
                     l1: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One training pass of K stacked MLPs: sets every `params[i].grad` to the gradient of
    the sum of the trials' mean losses (plus `l1[k] * |W|` of each weight matrix when `l1`
    `(K,)` is given) and returns the per-trial data losses `(K,)` and the outputs
    `(K, B, n_out)`.

    `params` alternate weights `(K, out, in)` and biases `(K, out, 1)`; `masks[i]` `(K, out, 1)`
    zeroes padded units after layer i's activation (or None); `x` is `(B, ...)` when `shared`
    (one batch for every trial), else `(K, B, ...)`; `target` is `(B,)` or `(K, B)` (class
    indices for cross-entropy, values for squared error)."""
    derivative = _DERIVATIVES[activation]
    n_layers = len(params) // 2
    k = params[0].shape[0]
    x0 = x.flatten(1) if shared else x.flatten(2)
    with torch.no_grad():
        inputs: list[torch.Tensor] = []
        pre: list[tuple[torch.Tensor, torch.Tensor]] = []  # (z, act(z)) of hidden layers
        h = x0
        z = x0
        for i in range(n_layers):
            weight, bias = params[2 * i], params[2 * i + 1]
            if i == 0 and shared:  # (K*H, F) @ (F, B): one product for every trial
                z = torch.addmm(bias.view(-1, 1), weight.view(-1, weight.shape[2]),
                                x0.T).view(k, weight.shape[1], -1)
            elif i == 0:
                z = torch.baddbmm(bias, weight, x0.transpose(1, 2))
            else:
                inputs.append(h)
                z = torch.baddbmm(bias, weight, h)
            if i == n_layers - 1:
                break
            act = activation(z)
            pre.append((z, act))
            mask = masks[i]
            h = act * mask if mask is not None else act
        batch = z.shape[2]
        losses, dz = _loss_and_grad(z, target.expand(k, batch), loss)
        for i in range(n_layers - 1, -1, -1):
            weight = params[2 * i]
            if i == 0 and shared:
                grad_w = torch.mm(dz.reshape(-1, batch), x0).view(weight.shape)
            elif i == 0:
                grad_w = torch.bmm(dz, x0)
            else:
                grad_w = torch.bmm(dz, inputs[i - 1].transpose(1, 2))
            if l1 is not None:
                grad_w.addcmul_(weight.sign(), l1.view(-1, 1, 1))
            weight.grad = grad_w
            params[2 * i + 1].grad = dz.sum(2, keepdim=True)
            if i == 0:
                break
            z_prev, act_prev = pre[i - 1]
            dz = torch.bmm(weight.transpose(1, 2), dz).mul_(derivative(z_prev, act_prev))
            mask = masks[i - 1]
            if mask is not None:
                dz.mul_(mask)
    return losses, z.transpose(1, 2)


def _loss_and_grad(z: torch.Tensor, target: torch.Tensor, loss: LossSpec
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-trial mean losses `(K,)` of outputs `z` `(K, n_out, B)` and their gradient
    `(K, n_out, B)` (each trial's own mean, so the batch size divides)."""
    batch = z.shape[2]
    if loss.kind == "cross_entropy":
        log_p = z.log_softmax(1)
        index = target.unsqueeze(1)
        nll = -log_p.gather(1, index).squeeze(1)  # (K, B)
        eps = loss.label_smoothing
        grad = log_p.exp()
        grad.scatter_add_(1, index, torch.full_like(index, -(1.0 - eps), dtype=z.dtype))
        if eps:
            each = (1.0 - eps) * nll - eps * log_p.mean(1)
            grad.sub_(eps / z.shape[1])
        else:
            each = nll
        return each.mean(1), grad.div_(batch)
    err = z[:, 0, :] - target
    return err.square().mean(1), (err * (2.0 / batch)).unsqueeze(1)
