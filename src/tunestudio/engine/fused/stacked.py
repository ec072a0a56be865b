"""K models as one: weights stacked on a leading trial axis.

Three routes, one interface (`StackedModel`):
- `StackedMLP`, the built-in MLP by hand: each layer is one batched matrix product
  (`torch.baddbmm`), hidden widths padded to the widest trial. Weights are `(K, out, in)`, as
  `nn.Linear` keeps them, and activations flow transposed, `(K, features, B)`: then every
  product's operands are plain or transposed contiguous matrices, which the BLAS takes as they
  are (the `(K, B, H) @ (K, H, n_out)` layout made it copy, and ran 3x slower for a narrow
  output layer on a CPU), and with inputs shared by every trial the first layer of all trials is
  one matrix product `(K*H, F) @ (F, B)` on the weights as stored. A padded
  unit has zero incoming and outgoing weights and zero bias; with an activation that maps 0 to
  0 its output and every gradient through it stay exactly 0, so the trial computes what it
  would alone. For sigmoid (0 -> 0.5) a 0/1 unit mask zeroes the padded outputs instead.
- `VmapStack`, any `nn.Module` (the CNN, a user's model file): parameters and buffers stacked
  as `torch.func.stack_module_state` does, `functional_call` runs the module with one trial's
  slice, and `vmap` maps it over the trial axis (the model-ensembling recipe of torch.func).
- `GroupedConvStack`, a plain CNN (the built-in one) by hand on VmapStack's stacked weights:
  each trial's channels side by side, every convolution one grouped convolution.

Both take inputs `(K, B, ...)` (or `(B, ...)` shared by every trial) and return `(K, B, n_out)`.
Stacking follows HFTA (Wang et al., "Horizontally Fused Training Array", MLSys 2021)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call, vmap
from torch.nn import functional

from tunestudio.engine.fused import handgrad
from tunestudio.engine.input_norm import ImageInput
from tunestudio.errors import TuneStudioError


class FusionError(TuneStudioError):
    """These configs cannot train as one fused model (the message says why); train them one at
    a time instead."""


_ACTIVATIONS: dict[type[nn.Module], Callable[[torch.Tensor], torch.Tensor]] = {
    nn.ReLU: functional.relu, nn.GELU: functional.gelu, nn.SiLU: functional.silu,
    nn.Tanh: torch.tanh, nn.Sigmoid: torch.sigmoid,
}


class StackedModel:
    """Interface of a fused model. `params` are leaf tensors `(K, ...)` (gradients land in
    their `.grad`), `penalised[i]` says whether the L1 penalty applies to `params[i]`."""

    params: list[torch.Tensor]
    penalised: list[bool]

    def forward(self, x: torch.Tensor, shared: bool, training: bool) -> torch.Tensor:
        """Outputs `(K, B, n_out)` of inputs `(K, B, ...)`, or `(B, ...)` when `shared`."""
        raise NotImplementedError

    def select(self, rows: torch.Tensor) -> None:
        """Keep only the trials at `rows` (a 1-d index tensor), in that order."""
        raise NotImplementedError

    def slices(self, row: int, model: nn.Module
               ) -> list[tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]]:
        """For each of `params`, trial `row`'s own parameter in its unfused `model` and how to
        cut that trial's value out of a stacked tensor of the same layout (a weight or an
        optimiser state)."""
        raise NotImplementedError

    def row_extents(self) -> list[list[int]] | None:
        """For each trial's row and each of `params`, how many entries along the parameter's
        first dimension (after the trial axis) are the trial's own, the rest padding that
        stays zero; None where no row is padded. An optimiser may step a row's leading part
        `params[i][row][:extent]` alone: a contiguous cut, unlike one of inner dimensions."""
        return None

    def write_back(self, row: int, model: nn.Module) -> None:
        """Copy trial `row`'s weights (and buffers) into its own unfused `model`."""
        with torch.no_grad():
            for (param, cut), stacked in zip(self.slices(row, model), self.params, strict=True):
                param.copy_(cut(stacked))

    def state(self) -> list[torch.Tensor]:
        """Tensors whose values a dry run must restore (buffers such as batch-norm statistics)."""
        return []


class StackedMLP(StackedModel):
    """The built-in MLP (`Flatten, [Linear, act, (Dropout)]*, Linear`) of each trial; widths may
    differ. `dropouts` is each trial's dropout probability (shape `(K,)` once built)."""

    def __init__(self, models: Sequence[nn.Module], dropouts: Sequence[float], device: str,
                 batch_size: int = 32):
        linears = [[m for m in model.modules() if isinstance(m, nn.Linear)] for model in models]
        depth = {len(layers) for layers in linears}
        if len(depth) != 1:
            raise FusionError("the MLPs have different numbers of layers")
        acts = {type(m) for model in models for m in model.modules()
                if not isinstance(m, nn.Linear | nn.Flatten | nn.Dropout | nn.Sequential)}
        if len(acts) > 1 or (acts and next(iter(acts)) not in _ACTIVATIONS and
                             next(iter(acts)) is not nn.LeakyReLU):
            raise FusionError("the MLPs do not share one supported activation")
        act_type = next(iter(acts)) if acts else nn.ReLU
        self._act: Callable[[torch.Tensor], torch.Tensor] = (
            functional.leaky_relu if act_type is nn.LeakyReLU else _ACTIVATIONS[act_type])
        self.sizes = [[(lin.in_features, lin.out_features) for lin in layers]
                      for layers in linears]
        k = len(models)
        self.params, self.penalised = [], []
        self._masks: list[torch.Tensor | None] = []
        n_layers = len(linears[0])
        for i in range(n_layers):
            fan_in = max(layers[i].in_features for layers in linears)
            fan_out = max(layers[i].out_features for layers in linears)
            weight = torch.zeros(k, fan_out, fan_in)
            bias = torch.zeros(k, fan_out, 1)
            mask = torch.zeros(k, fan_out, 1)
            for row, layers in enumerate(linears):
                lin = layers[i]
                with torch.no_grad():
                    weight[row, :lin.out_features, :lin.in_features] = lin.weight.detach()
                    if lin.bias is not None:
                        bias[row, :lin.out_features, 0] = lin.bias.detach()
                mask[row, :lin.out_features, 0] = 1.0
            self.params += [weight.to(device).requires_grad_(),
                            bias.to(device).requires_grad_()]
            self.penalised += [True, False]
            padded = bool((mask == 0).any())
            needs_mask = padded and i < n_layers - 1 and act_type is nn.Sigmoid
            self._masks.append(mask.to(device) if needs_mask else None)
        self.dropout = torch.tensor(list(dropouts), dtype=torch.float32, device=device)
        self._any_dropout = bool((self.dropout > 0).any())
        self.batch_size = batch_size  # of the training steps: how width classes pay off
        self._pad_classes = act_type is not nn.Sigmoid  # padded units must map 0 to 0
        self.classes = handgrad.width_classes(self.sizes, batch_size, self._pad_classes)
        self._views = handgrad.class_views(self.params, self.classes)
        self._grads: handgrad.GradBuffers | None = None  # the hand-written pass's

    def forward(self, x: torch.Tensor, shared: bool, training: bool) -> torch.Tensor:
        """Outputs `(K, B, n_out)` of inputs `(K, B, ...)`, or `(B, ...)` when `shared` (flattened
        per sample). Evaluating without gradients takes the hand-written pass, which computes no
        padded unit; dropout applies when `training`."""
        if not training and not torch.is_grad_enabled():  # evaluation: no padded unit computed
            return handgrad.forward(self._views, self._act, x, shared)
        k = self.params[0].shape[0]
        n_layers = len(self.params) // 2
        h = x
        for i in range(n_layers):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            if i == 0 and shared:  # (K*H, F) @ (F, B) for all trials at once
                h = torch.addmm(bias.view(-1, 1), weight.view(-1, weight.shape[2]),
                                x.flatten(1).T).view(k, weight.shape[1], -1)
            elif i == 0:
                h = torch.baddbmm(bias, weight, x.flatten(2).transpose(1, 2))
            else:
                h = torch.baddbmm(bias, weight, h)
            if i == n_layers - 1:
                break
            h = self._act(h)
            mask = self._masks[i]
            if mask is not None:
                h = h * mask
            if training and self._any_dropout:
                keep = 1.0 - self.dropout.view(-1, 1, 1)
                h = h * (torch.rand_like(h) < keep) / keep
        return h.transpose(1, 2)

    def hand_written(self, mixed_precision: bool) -> bool:
        """Whether `forward_backward` covers this group (see engine/fused/handgrad.py)."""
        return handgrad.supports(self._act, self._any_dropout, mixed_precision)

    def forward_backward(self, x: torch.Tensor, target: torch.Tensor, shared: bool,
                         loss: handgrad.LossSpec, l1: torch.Tensor | None
                         ) -> tuple[torch.Tensor, torch.Tensor]:
        """A training pass without autograd: gradients into `params[i].grad`; per-trial data
        losses `(K,)` and outputs `(K, B, n_out)` (see `handgrad.forward_backward`)."""
        if self._grads is None or self._grads.shape != self.params[0].shape:
            self._grads = handgrad.GradBuffers(self.params, self.classes)
        return handgrad.forward_backward(self.params, self._act, self._views, self._grads, x,
                                         target, shared, loss, l1)

    def row_extents(self) -> list[list[int]] | None:
        """Each row's layer widths, for its weight `(out, in)` and bias `(out, 1)` of each
        layer (see `StackedModel.row_extents`)."""
        return [[n_out for _, n_out in own for _ in range(2)] for own in self.sizes]

    def select(self, rows: torch.Tensor) -> None:
        """Keep only the trials at `rows` (a 1-d index tensor), in that order; width classes are
        drawn again."""
        with torch.no_grad():
            self.params = [p.index_select(0, rows).detach().requires_grad_() for p in self.params]
            self._masks = [m.index_select(0, rows) if m is not None else None
                           for m in self._masks]
            self.dropout = self.dropout.index_select(0, rows)
        keep = rows.tolist()
        self.sizes = [self.sizes[r] for r in keep]
        self.classes = handgrad.width_classes(self.sizes, self.batch_size, self._pad_classes)
        self._views = handgrad.class_views(self.params, self.classes)
        self._grads = None

    def slices(self, row: int, model: nn.Module
               ) -> list[tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]]:
        """For each stacked weight `(K, out, in)` and bias `(K, out, 1)`, trial `row`'s nn.Linear
        parameter in `model` and the cut of its unpadded part."""
        def weight(n_in: int, n_out: int) -> Callable[[torch.Tensor], torch.Tensor]:
            return lambda t: t[row, :n_out, :n_in]

        def bias(n_out: int) -> Callable[[torch.Tensor], torch.Tensor]:
            return lambda t: t[row, :n_out, 0]

        out: list[tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]] = []
        for lin in (m for m in model.modules() if isinstance(m, nn.Linear)):
            assert lin.bias is not None
            out.append((lin.weight, weight(lin.in_features, lin.out_features)))
            out.append((lin.bias, bias(lin.out_features)))
        return out


class VmapStack(StackedModel):
    """Any module: `torch.func` over stacked parameters and buffers."""

    def __init__(self, models: Sequence[nn.Module], device: str):
        structure = {(type(m).__qualname__,
                      tuple((n, tuple(p.shape)) for n, p in m.named_parameters()),
                      tuple((n, tuple(b.shape)) for n, b in m.named_buffers())) for m in models}
        if len(structure) != 1:
            raise FusionError("the models differ in class or in their parameters' names or "
                              "shapes")
        # As torch.func.stack_module_state, which also wants one class object: a user's model
        # file is loaded afresh for every trial, so its classes are equal but not identical.
        with torch.no_grad():
            named = [dict(m.named_parameters()) for m in models]
            self._names = list(named[0])
            self.params = [torch.stack([p[n] for p in named]).to(device).requires_grad_()
                           for n in self._names]
            buffers = [dict(m.named_buffers()) for m in models]
            self._buffer_names = list(buffers[0])
            self.buffers = [torch.stack([b[n] for b in buffers]).to(device)
                            for n in self._buffer_names]
        self.penalised = [p.dim() >= 3 for p in self.params]  # matrices and kernels, per trial
        self._base = copy.deepcopy(models[0]).to("meta")

        def call(p: tuple[torch.Tensor, ...], b: tuple[torch.Tensor, ...],
                 x: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = functional_call(
                self._base, (dict(zip(self._names, p, strict=True)),
                             dict(zip(self._buffer_names, b, strict=True))), (x,))
            return out

        self._mapped = vmap(call, in_dims=(0, 0, 0), randomness="different")
        self._mapped_shared = vmap(call, in_dims=(0, 0, None), randomness="different")

    def forward(self, x: torch.Tensor, shared: bool, training: bool) -> torch.Tensor:
        """Outputs `(K, B, n_out)` of inputs `(K, B, ...)`, or `(B, ...)` when `shared`, by
        `torch.func.vmap` of the model over the stacked parameters and buffers (dropout drawn apart
        for each trial); `training` sets the module's mode."""
        self._base.train(training)
        fn = self._mapped_shared if shared else self._mapped
        out: torch.Tensor = fn(tuple(self.params), tuple(self.buffers), x)
        return out

    def select(self, rows: torch.Tensor) -> None:
        """Keep only the trials at `rows` (a 1-d index tensor), parameters and buffers, in that
        order."""
        with torch.no_grad():
            self.params = [p.index_select(0, rows).detach().requires_grad_() for p in self.params]
            self.buffers = [b.index_select(0, rows) for b in self.buffers]

    def slices(self, row: int, model: nn.Module
               ) -> list[tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]]:
        """For each stacked parameter, trial `row`'s own parameter of the same name in `model` and
        its row of the stack."""
        return [(model.get_parameter(name), lambda t: t[row]) for name in self._names]

    def write_back(self, row: int, model: nn.Module) -> None:
        """Copy trial `row`'s parameters and buffers into its own unfused `model`."""
        super().write_back(row, model)
        with torch.no_grad():
            for name, b in zip(self._buffer_names, self.buffers, strict=True):
                model.get_buffer(name).copy_(b[row])

    def state(self) -> list[torch.Tensor]:
        """The stacked buffers (batch-norm statistics, for example)."""
        return self.buffers


def _channels_last(grad: torch.Tensor) -> torch.Tensor:
    """`grad` in channels-last memory (a gradient that Flatten's backward gave in the other)."""
    return grad.contiguous(memory_format=torch.channels_last)


def _plain_max_pool(module: nn.Module) -> bool:
    """Whether `module` is max pooling that returns values only."""
    return isinstance(module, nn.MaxPool2d) and not module.return_indices


_ELEMENTWISE = (nn.ReLU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU, nn.ELU,
                nn.Identity)


class GroupedConvStack(VmapStack):
    """A plain convolutional stack (`nn.Sequential` of Conv2d, BatchNorm2d, element-wise
    activations, MaxPool2d/AvgPool2d, Flatten, Linear, Dropout; behind the data's input
    normalisation or not: the built-in CNN) by hand, weights stacked as `VmapStack` keeps them.
    Images flow as `(B, K*C, H, W)`, each trial's channels side by side: a convolution is one
    grouped convolution (groups = K), batch norm, pooling and activations are the plain ones
    over K*C channels (batch norm's statistics are per channel, so each trial's own), and after
    Flatten the features are `(K, B, F)` for batched products. vmap computes the same, but
    moves the trial axis between the batch and the channels at every layer (a copy each time)
    and takes batch norm's and the convolution's slow paths for such strided tensors.

    On the CPU the group's activations are K times a trial's, and the layout decides what they
    cost: they are kept channels-last (`(B, H, W, K*C)` in memory), where max pooling, batch
    norm and a grouped convolution's weight gradient take their vectorised paths (measured on
    the 2-core CPU, one thread, the images template's CNN, 4 trials at batch 64: its layers'
    forward and backward 146 ms per step in (B, K*C, H, W) layout against 85 ms; max pooling
    alone 32 ms against 3); ReLU before max pooling runs after it, on a quarter of the values;
    and the gradient that Flatten's backward hands back is made channels-last (one copy of the
    smallest activation: in the other layout pooling's backward copied its input and its result,
    the largest ones)."""

    @staticmethod
    def applies(model: nn.Module) -> bool:
        """Whether `model` is such a stack (with at least one convolution)."""
        net = model.net if isinstance(model, ImageInput) else model
        if not isinstance(net, nn.Sequential):
            return False
        layers = list(net)
        flat = [i for i, m in enumerate(layers) if isinstance(m, nn.Flatten)]
        if len(flat) != 1 or not any(isinstance(m, nn.Conv2d) for m in layers):
            return False
        image = (nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.AvgPool2d, *_ELEMENTWISE)
        features = (nn.Linear, nn.Dropout, *_ELEMENTWISE)
        for i, m in enumerate(layers):
            if not isinstance(m, image if i < flat[0] else features) and i != flat[0]:
                return False
            if isinstance(m, nn.Conv2d) and (m.padding_mode != "zeros" or m.groups != 1):
                return False
            if isinstance(m, nn.BatchNorm2d) and not (m.affine and m.track_running_stats):
                return False
            if isinstance(m, nn.MaxPool2d) and m.return_indices:
                return False
        flatten = layers[flat[0]]
        return flat[0] > 0 and isinstance(flatten, nn.Flatten) and flatten.start_dim == 1

    def __init__(self, models: Sequence[nn.Module], device: str):
        super().__init__(models, device)
        self._index = {name: i for i, name in enumerate(self._names)}
        self._buffer_index = {name: i for i, name in enumerate(self._buffer_names)}
        wrapped = isinstance(self._base, ImageInput)
        self._prefix = "net." if wrapped else ""
        net = self._base.net if isinstance(self._base, ImageInput) else self._base
        assert isinstance(net, nn.Sequential)
        self._net = net

    def _p(self, name: str) -> torch.Tensor:
        return self.params[self._index[name]]

    def _b(self, name: str) -> torch.Tensor:
        return self.buffers[self._buffer_index[name]]

    def forward(self, x: torch.Tensor, shared: bool, training: bool) -> torch.Tensor:
        """Outputs `(K, B, n_out)` of images `(K, B, C, H, W)`, or `(B, C, H, W)` when `shared`,
        through grouped convolutions over `(B, K*C, H, W)` in channels-last memory and batched
        products after Flatten; `training` sets batch norm's and dropout's mode."""
        k = self.params[0].shape[0]
        x = x.expand(k, *x.shape) if shared else x
        if not x.is_floating_point():
            x = x.float()
        if self._prefix:  # the data's input normalisation, each trial's own, as ImageInput
            mean, std = self._b("mean"), self._b("std")  # (K, 1, C, 1, 1)
            x = torch.addcmul(-mean / std, x, 1.0 / (255.0 * std))
        b, c, height, width = x.shape[1:]
        # (B, K*C, H, W) in channels-last memory, (B, H, W, K*C): one copy
        h = x.permute(1, 3, 4, 0, 2).reshape(b, height, width, k * c).permute(0, 3, 1, 2)
        h = h.contiguous(memory_format=torch.channels_last)
        layers = list(self._net)
        i = 0
        while i < len(layers):
            m, name = layers[i], f"{self._prefix}{i}."
            if isinstance(m, nn.Conv2d):
                w = self._p(name + "weight")
                bias = self._p(name + "bias").reshape(-1) if m.bias is not None else None
                h = functional.conv2d(h, w.reshape(-1, *w.shape[2:]), bias, m.stride,
                                      m.padding, m.dilation, k)
            elif isinstance(m, nn.BatchNorm2d):
                if training:
                    self._b(name + "num_batches_tracked").add_(1)
                momentum = m.momentum
                if momentum is None:  # a cumulative average, as BatchNorm2d takes it then
                    momentum = 1.0 / float(self._b(name + "num_batches_tracked")[0])
                h = functional.batch_norm(
                    h, self._b(name + "running_mean").view(-1),
                    self._b(name + "running_var").view(-1),
                    self._p(name + "weight").reshape(-1), self._p(name + "bias").reshape(-1),
                    training, momentum, m.eps)
            elif isinstance(m, nn.ReLU) and i + 1 < len(layers) and \
                    _plain_max_pool(layers[i + 1]):
                # max pooling first, then ReLU on a quarter of the values: max commutes with
                # a non-decreasing function, and the gradient (routed to the window's first
                # maximum, zero where it is not positive) is the same, so the values are
                # exactly those of ReLU then pooling
                h = functional.relu(layers[i + 1](h))
                i += 1
            elif isinstance(m, nn.Flatten):
                if h.requires_grad:  # its gradient comes back in the layout pooling takes
                    h.register_hook(_channels_last)  # type: ignore[no-untyped-call]
                h = h.reshape(b, k, -1).transpose(0, 1)  # (K, B, F)
            elif isinstance(m, nn.Linear):
                w = self._p(name + "weight")  # (K, out, in)
                if m.bias is not None:
                    h = torch.baddbmm(self._p(name + "bias").unsqueeze(1), h, w.transpose(1, 2))
                else:
                    h = torch.bmm(h, w.transpose(1, 2))
            elif isinstance(m, nn.Dropout):
                h = functional.dropout(h, m.p, training)
            else:  # pooling and element-wise activations, per channel or per value
                h = m(h)
            i += 1
        return h
