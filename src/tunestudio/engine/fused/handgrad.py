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

Trials of different widths are computed class by class (`width_classes`: runs of trials with
equal layer sizes, neighbouring runs merged where a class's own cost exceeds its padding's), each
without the padding of the stacked weights: a group of widths 64, 128 and 256 costs what its
trials cost alone, not three times the widest, and ten widths from 16 to 34 one class.

Used for the common case: no dropout, no mixed precision (`supports` says when)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import torch
from torch.nn import functional

from tunestudio.config import RunConfig
from tunestudio.engine.fused.partition import cheapest_parts

# Each activation's backward, `(upstream gradient, z, act(z)) -> gradient at z`: the kernels
# autograd itself runs for these activations (one fused operation each, and autograd's numbers),
# in their `out=` form writing into the upstream gradient, a fresh product the pass owns (in a
# wide group these passes are memory-bound: no new `(K, H, B)` tensor is 1.5-2x faster).
_aten = torch.ops.aten
Backward = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
_BACKWARDS: dict[Callable[..., torch.Tensor], Backward] = {
    functional.relu: lambda g, z, h: _aten.threshold_backward.grad_input(
        g, h, 0.0, grad_input=g),
    functional.leaky_relu: lambda g, z, h: _aten.leaky_relu_backward.grad_input(
        g, z, 0.01, False, grad_input=g),
    torch.tanh: lambda g, z, h: _aten.tanh_backward.grad_input(g, h, grad_input=g),
    torch.sigmoid: lambda g, z, h: _aten.sigmoid_backward.grad_input(g, h, grad_input=g),
    functional.silu: lambda g, z, h: _aten.silu_backward.grad_input(g, z, grad_input=g),
    functional.gelu: lambda g, z, h: _aten.gelu_backward.grad_input(
        g, z, approximate="none", grad_input=g),
}
# The activations whose backward reads only their output: applied in place on `z`, which the
# pass then need not keep (the same kernels, the same numbers; half the memory traffic).
_IN_PLACE: dict[Callable[..., torch.Tensor], Callable[[torch.Tensor], torch.Tensor]] = {
    functional.relu: torch.relu_, torch.tanh: torch.tanh_, torch.sigmoid: torch.sigmoid_,
}


@dataclass(frozen=True, eq=False)
class LossSpec:
    """The data loss of a group: `kind` and cross-entropy's label smoothing, one number for
    every trial or a `(K,)` tensor, each trial's own (in the order of the stack's rows)."""

    kind: Literal["cross_entropy", "mse"]
    label_smoothing: float | torch.Tensor = 0.0

    @classmethod
    def of(cls, configs: Sequence[RunConfig], device: str | torch.device = "cpu") -> LossSpec:
        """The loss of trials with these configs (one loss kind), in the stack's row order."""
        if configs[0].loss_kind != "cross_entropy":
            return cls("mse")
        values = [c.training.label_smoothing for c in configs]
        if len(set(values)) == 1:
            return cls("cross_entropy", values[0])
        return cls("cross_entropy", torch.tensor(values, dtype=torch.float32, device=device))

    def select(self, rows: torch.Tensor) -> LossSpec:
        """The loss of the trials at `rows` `(R,)` (a stack that dropped its stopped rows)."""
        if not isinstance(self.label_smoothing, torch.Tensor):
            return self
        return LossSpec(self.kind, self.label_smoothing.index_select(0, rows))


def supports(activation: Callable[..., torch.Tensor], any_dropout: bool, mixed_precision: bool
             ) -> bool:
    """Whether the hand-written pass covers a stacked MLP with this activation."""
    return activation in _BACKWARDS and not any_dropout and not mixed_precision


@dataclass(frozen=True)
class WidthClass:
    """Rows `start:stop` of a stack computed together, each layer at `sizes` (`(in, out)` per
    layer): the rows' own sizes, or the widest of merged rows (narrower rows padded to it)."""

    start: int
    stop: int
    sizes: tuple[tuple[int, int], ...]


# A class's own cost per step, in hidden units times samples of a batch (measured on a
# 2-core CPU: about 24 us per class and step against about 6.6 ns per unit and sample).
CLASS_COST_UNIT_SAMPLES = 3600


def width_classes(sizes: list[list[tuple[int, int]]], batch_size: int = 32,
                  pad: bool = True) -> list[WidthClass]:
    """Runs of neighbouring rows computed together (rows sorted by width). Rows of equal layer
    sizes always share a class; with `pad`, neighbouring runs merge into one class padded to
    its widest when that costs less: each class costs a fixed number of operations per step,
    worth CLASS_COST_UNIT_SAMPLES / `batch_size` hidden units, and each row the units of its
    class (`partition.cheapest_parts` over the runs). Padding is exact for activations
    that map 0 to 0 (a padded unit has zero weights in and out: its output and gradients stay
    0); sigmoid (0 -> 0.5) asks for `pad=False`."""
    runs: list[WidthClass] = []
    for row, own in enumerate(sizes):
        key = tuple(own)
        if runs and runs[-1].sizes == key and runs[-1].stop == row:
            runs[-1] = WidthClass(runs[-1].start, row + 1, key)
        else:
            runs.append(WidthClass(row, row + 1, key))
    if not pad or len(runs) < 2:
        return runs
    fixed = CLASS_COST_UNIT_SAMPLES / max(1, batch_size)

    def merged(first: int, last: int) -> WidthClass:
        layers = zip(*(run.sizes for run in runs[first:last + 1]), strict=True)
        widest = tuple((max(i for i, _ in layer), max(o for _, o in layer)) for layer in layers)
        return WidthClass(runs[first].start, runs[last].stop, widest)

    def units(cls: WidthClass) -> int:
        return (cls.stop - cls.start) * sum(o for _, o in cls.sizes[:-1])

    return [merged(start, stop - 1) for start, stop in cheapest_parts(
        len(runs), lambda start, stop: fixed + units(merged(start, stop - 1)))]


class ClassViews:
    """One width class's views of the stacked weights: trial rows `start:stop`, each layer cut
    to the class's sizes, so no unit beyond the class's widest is computed."""

    def __init__(self, params: list[torch.Tensor], cls: WidthClass):
        self.cls = cls
        rows = slice(cls.start, cls.stop)
        self.weights = [params[2 * i][rows, :n_out, :n_in]
                        for i, (n_in, n_out) in enumerate(cls.sizes)]
        self.biases = [params[2 * i + 1][rows, :n_out] for i, (_, n_out) in enumerate(cls.sizes)]
        # every row of the stack, no padding (rows that stayed after a compaction may be
        # narrower than the stack): gradients are the class's own tensors
        self.covers_params = params[0].shape[0] == cls.stop - cls.start and all(
            w.shape == params[2 * i].shape for i, w in enumerate(self.weights))
        # the first layer is then one (K*H, F) matrix of the weights
        self.whole_first = self.covers_params and self.weights[0].is_contiguous()


def _first_layer(layers: ClassViews, x0: torch.Tensor, shared: bool) -> torch.Tensor:
    weight, bias = layers.weights[0], layers.biases[0]
    n = weight.shape[0]
    if shared and layers.whole_first:  # (K*H, F) @ (F, B): one product for every trial
        return torch.addmm(bias.reshape(-1, 1), weight.reshape(-1, weight.shape[2]),
                           x0.T).view(n, weight.shape[1], -1)
    if shared:
        return torch.baddbmm(bias, weight, x0.T.expand(n, *x0.T.shape))
    return torch.baddbmm(bias, weight, x0[layers.cls.start:layers.cls.stop].transpose(1, 2))


class GradBuffers:
    """Zero tensors shaped as a stack's params that a pass writes its gradients into, class
    block by class block (views made once); a padded stack's padded entries are never written
    and stay 0. Kept from step to step: allocating and zeroing them each step would cost more,
    and the optimiser cuts its rows' views of the same tensors once (`FusedOptimizer`)."""

    def __init__(self, params: list[torch.Tensor], classes: list[WidthClass]):
        self.tensors = [torch.zeros_like(p) for p in params]
        self.shape = params[0].shape
        self.blocks = [[(self.tensors[2 * i][cls.start:cls.stop, :n_out, :n_in],
                         self.tensors[2 * i + 1][cls.start:cls.stop, :n_out])
                        for i, (n_in, n_out) in enumerate(cls.sizes)] for cls in classes]


def class_views(params: list[torch.Tensor], classes: list[WidthClass]) -> list[ClassViews]:
    """Each width class's views of `params` (valid while the tensors are updated in place;
    made without autograd history, as the passes here record none)."""
    with torch.no_grad():
        return [ClassViews(params, cls) for cls in classes]


def forward(views: list[ClassViews], activation: Callable[..., torch.Tensor], x: torch.Tensor,
            shared: bool) -> torch.Tensor:
    """Outputs `(K, B, n_out)` of the stack, each width class (`class_views`) computed
    without padding (no gradient is recorded)."""
    x0 = x.flatten(1) if shared else x.flatten(2)
    outs = []
    act: Callable[..., torch.Tensor] = _IN_PLACE.get(activation, activation)
    with torch.no_grad():
        for layers in views:
            h = _first_layer(layers, x0, shared)
            for weight, bias in zip(layers.weights[1:], layers.biases[1:], strict=True):
                h = torch.baddbmm(bias, weight, act(h))
            outs.append(h)
    z = outs[0] if len(outs) == 1 else torch.cat(outs)
    return z.transpose(1, 2)


def forward_backward(params: list[torch.Tensor], activation: Callable[..., torch.Tensor],
                     views: list[ClassViews], grads: GradBuffers | None,
                     x: torch.Tensor, target: torch.Tensor, shared: bool, loss: LossSpec,
                     l1: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One training pass of K stacked MLPs: sets every `params[i].grad` to the gradient of
    the sum of the trials' mean losses (plus `l1[k] * |W|` of each weight matrix when `l1`
    `(K,)` is given) and returns the per-trial data losses `(K,)` and the outputs
    `(K, B, n_out)`.

    `params` alternate weights `(K, out, in)` and biases `(K, out, 1)`, padded to the widest
    trial; `views` are those of the runs of rows with equal sizes (`class_views`), each
    computed without its padding. The gradients are written into `grads` (`GradBuffers` of
    `params` and the same classes: the same tensors at every step), which more than one class
    needs; without it they are new tensors. `x` is `(B, ...)` when `shared`
    (one batch for every trial), else `(K, B, ...)`; `target` is `(B,)` or `(K, B)` (class
    indices for cross-entropy, values for squared error)."""
    backward = _BACKWARDS[activation]
    act: Callable[..., torch.Tensor] = _IN_PLACE.get(activation, activation)  # z is act(z)
    k = params[0].shape[0]
    x0 = x.flatten(1) if shared else x.flatten(2)
    with torch.no_grad():
        kept: list[tuple[list[torch.Tensor], list[torch.Tensor]]] = []  # (z, act(z)) per layer
        outs = []
        for layers in views:
            zs, acts = [_first_layer(layers, x0, shared)], []
            for weight, bias in zip(layers.weights[1:], layers.biases[1:], strict=True):
                acts.append(act(zs[-1]))
                zs.append(torch.baddbmm(bias, weight, acts[-1]))
            kept.append((zs, acts))
            outs.append(zs[-1])
        z = outs[0] if len(outs) == 1 else torch.cat(outs)
        batch = z.shape[2]
        losses, dz_all = _loss_and_grad(z, target.expand(k, batch), loss)
        whole = len(views) == 1 and views[0].covers_params
        assert whole or grads is not None, "several width classes write into GradBuffers"
        for c, (layers, (zs, acts)) in enumerate(zip(views, kept, strict=True)):
            cls = layers.cls
            rows = slice(cls.start, cls.stop)
            dz = dz_all if whole else dz_all[rows]
            for i in range(len(layers.weights) - 1, -1, -1):
                weight = layers.weights[i]
                # each class writes its gradients straight into its block of the buffers
                # (`out=`, one call where a product and a copy took two)
                block_w = block_b = None
                if grads is not None:
                    block_w, block_b = grads.blocks[c][i]
                if i > 0:
                    grad_w = torch.bmm(dz, acts[i - 1].transpose(1, 2), out=block_w)
                elif shared and layers.whole_first:  # one (K*H, B) @ (B, F) product; its
                    # block is a whole buffer (the class covers the stack), so a (K*H, F) view
                    flat = None if block_w is None else block_w.view(-1, x0.shape[1])
                    grad_w = torch.mm(dz.reshape(-1, batch), x0, out=flat).view(weight.shape)
                elif shared:
                    grad_w = torch.bmm(dz, x0.expand(weight.shape[0], *x0.shape), out=block_w)
                else:
                    grad_w = torch.bmm(dz, x0[rows], out=block_w)
                if l1 is not None:
                    grad_w.addcmul_(weight.sign(), l1[rows].view(-1, 1, 1))
                grad_b = torch.sum(dz, 2, keepdim=True, out=block_b)
                if grads is None:
                    params[2 * i].grad, params[2 * i + 1].grad = grad_w, grad_b
                if i > 0:
                    dz = backward(torch.bmm(weight.transpose(1, 2), dz), zs[i - 1], acts[i - 1])
        if grads is not None:
            for param, grad in zip(params, grads.tensors, strict=True):
                if param.grad is not grad:
                    param.grad = grad
    return losses, z.transpose(1, 2)


def _loss_and_grad(z: torch.Tensor, target: torch.Tensor, loss: LossSpec
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-trial mean losses `(K,)` of outputs `z` `(K, n_out, B)` and their gradient
    `(K, n_out, B)` (each trial's own mean, so the batch size divides)."""
    batch = z.shape[2]
    if loss.kind == "cross_entropy":
        log_p = z.log_softmax(1)
        index = target.unsqueeze(1)
        # -log p of each sample's class, (K, B): nll_loss's values (a gather and a negation,
        # both exact), at a fifth of its cost for a (K, C, B) input on a CPU
        nll = log_p.gather(1, index).view(z.shape[0], batch).neg_()
        eps = loss.label_smoothing
        grad = log_p.exp()
        if isinstance(eps, torch.Tensor):  # each trial its own: (K,) viewed over (K, C, B)
            e = eps.view(-1, 1, 1)
            grad.scatter_add_(1, index, (e - 1.0).expand(index.shape).to(grad.dtype))
            each = (1.0 - e[:, 0]) * nll - e[:, 0] * log_p.mean(1)
            grad.sub_(e / z.shape[1])
            return each.mean(1), grad.div_(batch)
        grad.scatter_add_(1, index, _filled(index.shape, -(1.0 - eps), z))
        if eps:
            each = (1.0 - eps) * nll - eps * log_p.mean(1)
            grad.sub_(eps / z.shape[1])
        else:
            each = nll
        return each.mean(1), grad.div_(batch)
    err = z[:, 0, :] - target
    return err.square().mean(1), (err * (2.0 / batch)).unsqueeze(1)


_fills: dict[tuple[tuple[int, ...], float, torch.dtype, torch.device], torch.Tensor] = {}


def _filled(shape: torch.Size, value: float, like: torch.Tensor) -> torch.Tensor:
    """A constant tensor of `shape`, made once per shape and value (one per batch size of a
    group), not at every step."""
    key = (tuple(shape), value, like.dtype, like.device)
    tensor = _fills.get(key)
    if tensor is None:
        if len(_fills) > 64:
            _fills.clear()
        tensor = _fills[key] = torch.full(shape, value, dtype=like.dtype, device=like.device)
    return tensor
