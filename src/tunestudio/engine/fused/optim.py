"""Optimisers over stacked weights with per-trial hyperparameters.

Every parameter is `(K, ...)`; every hyperparameter is a `(K,)` tensor broadcast over the
trailing dimensions, so each trial follows its own update. The formulas are torch.optim's
(default settings: no dampening, no amsgrad, uncentred RMSprop), checked against it on one
trial by the tests:
- SGD: d = g + wd*p; buf = mu*buf + d; p -= lr * (d + mu*buf if nesterov else buf).
- Adam (Kingma & Ba 2015): g += wd*p; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2;
  p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
- AdamW (Loshchilov & Hutter 2019): p *= 1 - lr*wd, then Adam without wd in g.
- RMSprop (Hinton 2012): g += wd*p; s = a*s + (1-a)*g^2; buf = mu*buf + g/(sqrt(s)+eps);
  p -= lr*buf (with mu = 0 this is p -= lr*g/(sqrt(s)+eps)).
A trial with learning rate 0 keeps its weights (that is how a stopped trial freezes).

SGD, Adam and AdamW step each trial's row with torch's own fused kernel (`torch._fused_sgd_`,
`torch._fused_adam_`, `torch._fused_adamw_`, what a lone trial's optimiser runs:
`engine/optimizers.py`) where this torch has it for the device: one pass over a row's tensors
with the row's own hyperparameters, the lone trial's numbers exactly. Written out with
broadcast (K, 1, ...) hyperparameters Adam's update is a dozen passes over the stack, each
allocating a stack-sized temporary: it took 62 % of a fused step of 16 digits MLPs of widths
64-357 on a CPU (100 ms against 8-15 ms per row). SGD's four foreach passes (each a loop over
the parameters on a CPU) rounded differently from the lone kernel (`(mu*buf + g) + wd*p`
against `mu*buf + (g + wd*p)`) and took 34 us a step for 4 one-layer MLPs of width 256 against
21 us by rows. Padded entries have zero weights and gradients, so the kernels leave them at
zero. The kernels read their tensors as contiguous (a row of a contiguous stack is, and so is
its leading part along the first dimension; a cut of inner dimensions is not, and a CPU kernel
given one writes beside it), so a row is passed whole or cut to its own leading part."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from tunestudio.config import (
    AdamOptimizer,
    AdamWOptimizer,
    RMSpropOptimizer,
    SGDOptimizer,
)
from tunestudio.engine.fused.stacked import StackedModel
from tunestudio.engine.optimizers import OptimizerSpec


def _per_trial(values: Sequence[float], device: str) -> torch.Tensor:
    return torch.tensor(list(values), dtype=torch.float32, device=device)


def _view(t: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    return t.view(-1, *([1] * (p.dim() - 1)))


@dataclass(frozen=True)
class SavedRow:
    """One trial's optimiser state at some step: `state` as `FusedOptimizer.state` (name ->
    tensors per parameter, the trial's rows), the step count and whether it uses momentum."""

    state: dict[str, list[torch.Tensor]]
    steps: int
    has_momentum: bool


class FusedOptimizer:
    """One optimiser kind for K trials. `specs[k]` is trial k's optimiser config (all of one
    kind); `params` the stacked weights `(K, ...)`; `extents` what of each row is the trial's
    own (`StackedModel.row_extents`: the kernels step only that part). Raises ValueError for
    mixed kinds."""

    def __init__(self, specs: Sequence[OptimizerSpec], params: Sequence[torch.Tensor],
                 device: str, extents: list[list[int]] | None = None):
        kinds = {s.kind for s in specs}
        if len(kinds) != 1:
            raise ValueError(f"one optimiser kind per fused group, got {sorted(kinds)}")
        self.kind = kinds.pop()
        self.params = list(params)
        self.extents = extents
        # each row's optimiser steps (Adam's bias correction): a row that joined a running
        # group later (`TrialLoop`'s refill) or took a saved state counts its own
        self.row_steps = [0] * (params[0].shape[0] if params else 0)
        self.weight_decay = _per_trial([s.weight_decay for s in specs], device)
        self.l1 = _per_trial([s.l1 for s in specs], device)
        self.hyper: dict[str, torch.Tensor] = {}
        if isinstance(specs[0], SGDOptimizer):
            sgd = [s for s in specs if isinstance(s, SGDOptimizer)]
            self.hyper["momentum"] = _per_trial([s.momentum for s in sgd], device)
            self.hyper["nesterov"] = _per_trial([float(s.nesterov) for s in sgd], device)
            names = ["buf"]
        elif isinstance(specs[0], AdamOptimizer | AdamWOptimizer):
            adam = [s for s in specs if isinstance(s, AdamOptimizer)]
            self.hyper["beta1"] = _per_trial([s.beta1 for s in adam], device)
            self.hyper["beta2"] = _per_trial([s.beta2 for s in adam], device)
            self.hyper["eps"] = _per_trial([s.eps for s in adam], device)
            names = ["exp_avg", "exp_avg_sq"]
        else:
            rms = [s for s in specs if isinstance(s, RMSpropOptimizer)]
            self.hyper["alpha"] = _per_trial([s.alpha for s in rms], device)
            self.hyper["momentum"] = _per_trial([s.momentum for s in rms], device)
            self.hyper["eps"] = _per_trial([s.eps for s in rms], device)
            names = ["square_avg", "buf"]
        self.state = {name: [torch.zeros_like(p, memory_format=torch.preserve_format)
                             for p in self.params] for name in names}
        # each row's hyperparameters as the config holds them (float64): the kernels take
        # them as numbers, as a lone trial's optimiser does (float32 copies of a weight decay
        # of 0.01 or a beta2 of 0.999 moved Adam's weights by an ulp within 4 steps)
        self._numbers = [self._numbers_of(s) for s in specs]
        self._broadcast()
        self.has_l1 = bool((self.l1 > 0).any())
        self._any_nesterov = "nesterov" in self.hyper and bool(self.hyper["nesterov"].any())
        self.has_weight_decay = bool((self.weight_decay > 0).any())
        # torch's fused SGD or Adam kernel, row by row (None: the broadcast formulas below)
        self._kernel = _fused_kernel(self.kind, device)
        self._rows: list[_Row] = []
        self._rows_made = False
        # the rows' kernel arguments, with the gradient tensors they were cut from
        self._lists: tuple[tuple[str, ...], list[torch.Tensor | None], list[Any]] | None = None

    def select(self, rows: torch.Tensor, params: Sequence[torch.Tensor],
               extents: list[list[int]] | None = None) -> None:
        """Keep the trials at `rows`; `params` are the model's new (selected) weights, and
        `extents` their rows' own parts (see the class)."""
        self.params = list(params)
        self.extents = extents
        self.weight_decay = self.weight_decay.index_select(0, rows)
        self.l1 = self.l1.index_select(0, rows)
        self.hyper = {k: v.index_select(0, rows) for k, v in self.hyper.items()}
        self.state = {k: [s.index_select(0, rows) for s in v] for k, v in self.state.items()}
        self._numbers = [self._numbers[i] for i in rows.tolist()]
        self.row_steps = [self.row_steps[i] for i in rows.tolist()]
        self._broadcast()
        self._rows_made = False

    @torch.no_grad()
    def copy_state(self, source: int, target: int) -> None:
        """Trial `target` takes trial `source`'s optimiser state (momentum, moments)."""
        for tensors in self.state.values():
            for t in tensors:
                t[target].copy_(t[source])
        self.row_steps[target] = self.row_steps[source]

    @torch.no_grad()
    def set_row(self, row: int, spec: OptimizerSpec) -> None:
        """Trial `row`'s hyperparameters become `spec`'s (its kind must be the group's; the
        learning rate is passed to `step`). Raises ValueError for another kind."""
        if spec.kind != self.kind:
            raise ValueError(f"trial {row} trains with {self.kind}, not {spec.kind}")
        self.weight_decay[row] = spec.weight_decay
        self.l1[row] = spec.l1
        values = spec.model_dump()
        for name, tensor in self.hyper.items():
            tensor[row] = float(values[name])
        self._numbers[row] = self._numbers_of(spec)
        self._broadcast()
        self._rows_made = False  # Adam's rows keep their numbers: made again with these
        self.has_l1 = bool((self.l1 > 0).any())
        self._any_nesterov = "nesterov" in self.hyper and bool(self.hyper["nesterov"].any())
        self.has_weight_decay = bool((self.weight_decay > 0).any())

    def _numbers_of(self, spec: OptimizerSpec) -> dict[str, float]:
        """`spec`'s weight decay and the group's other hyperparameters (`hyper`'s names)."""
        values = spec.model_dump()
        return {"weight_decay": float(spec.weight_decay),
                **{name: float(values[name]) for name in self.hyper}}

    def _broadcast(self) -> None:
        """The fixed hyperparameters viewed to broadcast over each parameter (made once, not
        at every step)."""
        self._wd_views = [_view(self.weight_decay, p) for p in self.params]
        self._mom_views = [_view(self.hyper["momentum"], p) for p in self.params] \
            if "momentum" in self.hyper else []
        self._lr_seen: torch.Tensor | None = None  # `_lr_views`' tensor, and its views
        self._lr_each: list[torch.Tensor] = []
        self._lr_cast: tuple[torch.Tensor | None, torch.Tensor] = (None, torch.empty(0))

    @torch.no_grad()
    def copy_row(self, row: int) -> SavedRow:
        """Trial `row`'s optimiser state as it is now (copies), for `write_back` later."""
        momentum = self.hyper.get("momentum")
        return SavedRow({name: [t[row:row + 1].clone() for t in tensors]
                         for name, tensors in self.state.items()}, self.row_steps[row],
                        momentum is not None and float(momentum[row]) != 0.0)

    @torch.no_grad()
    def write_back(self, row: int, state_of: MutableMapping[torch.Tensor, dict[str, Any]],
                   stack: StackedModel, model: nn.Module, saved: SavedRow | None = None
                   ) -> None:
        """Trial `row`'s state into `state_of` (the trial's torch optimiser's `state` over
        `model`'s parameters, or what it takes when built: `Trial.optimizer_state`), in
        torch.optim's layout, so that its checkpoint resumes as a lone trial would; with
        `saved` (`copy_row`), that earlier state instead (row 0 of its copies)."""
        if saved is None:
            momentum = self.hyper.get("momentum")
            saved = SavedRow(self.state, self.row_steps[row],
                             momentum is not None and float(momentum[row]) != 0.0)
        else:
            row = 0
        step = torch.tensor(float(saved.steps))
        has_momentum = saved.has_momentum
        for i, (param, cut) in enumerate(stack.slices(row, model)):
            def own(stacked: torch.Tensor, cut: Callable[[torch.Tensor], torch.Tensor] = cut
                    ) -> torch.Tensor:
                return cut(stacked).contiguous().clone()  # torch's fused kernels want this

            if self.kind == "sgd":
                state = {"momentum_buffer": own(saved.state["buf"][i])} \
                    if has_momentum else {}
            elif self.kind in ("adam", "adamw"):
                state = {"step": step.clone(), "exp_avg": own(saved.state["exp_avg"][i]),
                         "exp_avg_sq": own(saved.state["exp_avg_sq"][i])}
            else:
                state = {"step": step.clone(),
                         "square_avg": own(saved.state["square_avg"][i])}
                if has_momentum:
                    state["momentum_buffer"] = own(saved.state["buf"][i])
            if state:
                state_of[param] = state

    @torch.no_grad()
    def load_row(self, row: int, state_of: Mapping[torch.Tensor, Mapping[str, Any]],
                 stack: StackedModel, model: nn.Module) -> None:
        """`write_back`'s inverse: trial `row` takes the state in `state_of` (torch.optim's
        layout over `model`'s parameters, `Trial.optimizer_state`), its step count included;
        a parameter without state keeps zeros (a trial that has not stepped yet). Raises
        KeyError where a state lacks a tensor this optimiser kind keeps."""
        names = {"buf": "momentum_buffer", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq",
                 "square_avg": "square_avg"}
        steps = 0
        for i, (param, cut) in enumerate(stack.slices(row, model)):
            state = state_of.get(param)
            if not state:
                continue
            for name, tensors in self.state.items():
                own = state.get(names[name])
                if own is None and name == "buf":
                    continue  # no momentum: the buffer stays at zero
                if own is None:
                    raise KeyError(f"the saved optimiser state lacks '{names[name]}'")
                cut(tensors[i]).copy_(own.reshape(cut(tensors[i]).shape))
            if "step" in state:
                steps = int(float(state["step"]))
        self.row_steps[row] = steps
        self._rows_made = False

    @torch.no_grad()
    def step(self, lr: torch.Tensor) -> None:
        """One update with per-trial learning rates `lr` `(K,)`; gradients in `p.grad`. On a
        CPU, float64 rates step each row by a lone trial's own numbers (its optimiser takes
        them as Python floats); the formulas compute at the weights' precision either way."""
        self.step_without_grad(lr)

    def step_without_grad(self, lr: torch.Tensor) -> None:
        """`step` for a caller already in `torch.no_grad()` (the hand-written pass's step runs
        in one: a no_grad context per call was 2 % of its time)."""
        self.row_steps = [n + 1 for n in self.row_steps]
        if self.kind == "sgd":
            if self._kernel is not None:
                self._sgd_rows(lr)
            else:
                self._sgd(self._at_precision(lr))
        elif self.kind in ("adam", "adamw"):
            if self._kernel is not None:
                self._adam_rows(lr)
            else:
                self._adam(self._at_precision(lr), decoupled=self.kind == "adamw")
        else:
            self._rmsprop(self._at_precision(lr))

    def _at_precision(self, lr: torch.Tensor) -> torch.Tensor:
        """`lr` in the weights' dtype, for the broadcast formulas (the same tensor while the
        loop passes the same rates: `_lr_views` keeps its views by it)."""
        dtype = self.params[0].dtype
        if lr.dtype == dtype:
            return lr
        if self._lr_cast[0] is not lr:
            self._lr_cast = (lr, lr.to(dtype))
        return self._lr_cast[1]

    def _grad(self, p: torch.Tensor, decoupled: bool = False) -> torch.Tensor:
        g = p.grad
        assert g is not None
        if self.has_weight_decay and not decoupled:
            g = g.add(p * _view(self.weight_decay, p))
        return g

    def _lr_views(self, lr: torch.Tensor) -> list[torch.Tensor]:
        """`lr` `(K,)` viewed against each param; kept while the loop passes the same tensor
        (it makes a new one only when a rate changes)."""
        if self._lr_seen is not lr:
            self._lr_seen, self._lr_each = lr, [_view(lr, p) for p in self.params]
        return self._lr_each

    def _sgd(self, lr: torch.Tensor) -> None:
        nest = self.hyper["nesterov"]
        if not self._any_nesterov:  # buf = mu*buf + g + wd*p; p -= lr*buf, in place
            # torch's foreach ops: four calls for every param at once, each element computed
            # by the same operations, in the same order, as one call per param would
            live = [i for i, p in enumerate(self.params) if p.grad is not None]
            lrs = self._lr_views(lr)
            params = [self.params[i] for i in live]
            grads = [g for g in (p.grad for p in params) if g is not None]
            bufs = [self.state["buf"][i] for i in live]
            torch._foreach_mul_(bufs, [self._mom_views[i] for i in live])
            torch._foreach_add_(bufs, grads)
            if self.has_weight_decay:
                torch._foreach_addcmul_(bufs, params, [self._wd_views[i] for i in live])
            torch._foreach_addcmul_(params, bufs, [lrs[i] for i in live], value=-1.0)
            return
        for p, buf, m in zip(self.params, self.state["buf"], self._mom_views, strict=True):
            if p.grad is None:
                continue
            d = self._grad(p)
            buf.mul_(m).add_(d)
            update = torch.where(_view(nest, p) > 0, d + m * buf, buf)
            p.sub_(update * _view(lr, p))

    def _adam(self, lr: torch.Tensor, decoupled: bool) -> None:
        b1, b2, eps = self.hyper["beta1"], self.hyper["beta2"], self.hyper["eps"]
        counts = set(self.row_steps)
        t: float | torch.Tensor = float(counts.pop()) if len(counts) == 1 else \
            torch.tensor(self.row_steps, dtype=b1.dtype, device=b1.device)
        bc1 = 1 - b1.pow(t)
        bc2_sqrt = (1 - b2.pow(t)).sqrt()
        step_size = lr / bc1
        for p, m, v in zip(self.params, self.state["exp_avg"], self.state["exp_avg_sq"],
                           strict=True):
            if p.grad is None:
                continue
            if decoupled and self.has_weight_decay:
                p.mul_(1 - _view(lr * self.weight_decay, p))
            g = self._grad(p, decoupled)
            m.lerp_(g, _view(1 - b1, p))
            v.mul_(_view(b2, p)).add_(g * g * _view(1 - b2, p))
            denom = (v.sqrt() / _view(bc2_sqrt, p)).add_(_view(eps, p))
            p.sub_(m / denom * _view(step_size, p))

    def _row_views(self) -> list[_Row]:
        """Each row's views of the weights and the optimiser's state, with its
        hyperparameters as numbers (made again after `select` or `set_row`)."""
        if not self._rows_made:
            self._rows = []
            self._lists = None
            for row in range(self.params[0].shape[0]):
                # each parameter's own leading part, where the row is padded (None: whole)
                extents: Sequence[int | None] = self.extents[row] \
                    if self.extents is not None else [None] * len(self.params)
                cuts = [None if e is None or p.dim() < 2 or e >= p.shape[1] else e
                        for p, e in zip(self.params, extents, strict=True)]
                self._rows.append(_Row(
                    row, [_leading(p[row], cut) for p, cut in zip(self.params, cuts, strict=True)],
                    {name: [_leading(t[row], cut) for t, cut in zip(tensors, cuts, strict=True)]
                     for name, tensors in self.state.items()},
                    self._numbers[row], cuts))
            self._step_tensors = [torch.zeros((), dtype=torch.float32,
                                              device=self.params[0].device)
                                  for _ in self._rows]
            self._rows_made = True
            # the kernel reads its tensors as contiguous: another layout takes the formulas
            if not all(t.is_contiguous() for row in self._rows
                       for t in (*row.params, *(t for ts in row.state.values() for t in ts))):
                self._kernel = None
        return self._rows

    def _rates(self, lr: torch.Tensor) -> Sequence[float | torch.Tensor]:
        """Each row's learning rate for its kernel call: on the CPU as numbers, as a lone
        trial's optimiser passes them (its numbers to the bit); elsewhere 0-d views, which need
        no synchronisation."""
        return lr.tolist() if lr.device.type == "cpu" else list(lr.unbind())

    def _row_lists(self, rows: list[_Row], names: tuple[str, ...]
                   ) -> list[tuple[list[torch.Tensor], list[torch.Tensor],
                                   tuple[list[torch.Tensor], ...]]]:
        """Each row's kernel arguments: its parameters, gradients and `names` state tensors,
        of the parameters that have a gradient. Made again only when a gradient is another
        tensor than at the last step (the hand-written pass writes into the same buffers every
        step), so a step of K rows does not cut 4K views again."""
        grads = [p.grad for p in self.params]
        cached = self._lists
        if cached is not None and cached[0] == names and len(cached[1]) == len(grads) and \
                all(a is b for a, b in zip(cached[1], grads, strict=True)):
            return cached[2]
        used = [i for i, g in enumerate(grads) if g is not None]
        whole = [_contiguous(g) for g in grads]
        lists = [([row.params[i] for i in used], [row.grad(whole, i) for i in used],
                  tuple([row.state[name][i] for i in used] for name in names)) for row in rows]
        if all(g is None or g is w for g, w in zip(grads, whole, strict=True)):
            self._lists = (names, grads, lists)  # views of the gradients themselves
        return lists

    def _sgd_rows(self, lr: torch.Tensor) -> None:
        """SGD, each row by torch's fused kernel at its own learning rate, weight decay and
        momentum. Momentum buffers start at zero, so the kernel's first step (`mu*0 + d`) is
        the lone optimiser's (which starts its buffer at `d`) to the bit."""
        rows = self._row_views()
        kernel = self._kernel
        if kernel is None:
            self._sgd(self._at_precision(lr))
            return
        rates = self._rates(lr)
        for row, (params, grads, (bufs,)) in zip(rows, self._row_lists(rows, ("buf",)),
                                                 strict=True):
            momentum = row.hyper["momentum"]
            kernel(params, grads, bufs if momentum != 0.0 else [],
                   weight_decay=row.hyper["weight_decay"], momentum=momentum, lr=rates[row.index],
                   dampening=0.0, nesterov=row.hyper["nesterov"] > 0, maximize=False,
                   is_first_step=False)

    def _adam_rows(self, lr: torch.Tensor) -> None:
        """Adam or AdamW, each row by torch's fused kernel at its own learning rate."""
        rows = self._row_views()
        kernel = self._kernel
        if kernel is None:
            self._adam(self._at_precision(lr), decoupled=self.kind == "adamw")
            return
        rates = self._rates(lr)
        lists = self._row_lists(rows, ("exp_avg", "exp_avg_sq"))
        for row, (params, grads, (exp_avg, exp_avg_sq)) in zip(rows, lists, strict=True):
            count = self._step_tensors[row.index]
            count.fill_(float(self.row_steps[row.index]))
            kernel(params, grads, exp_avg, exp_avg_sq, [],
                   [count] * len(params), amsgrad=False, lr=rates[row.index],
                   beta1=row.hyper["beta1"], beta2=row.hyper["beta2"],
                   weight_decay=row.hyper["weight_decay"], eps=row.hyper["eps"], maximize=False)

    def _rmsprop(self, lr: torch.Tensor) -> None:
        alpha, mom, eps = self.hyper["alpha"], self.hyper["momentum"], self.hyper["eps"]
        for p, s, buf in zip(self.params, self.state["square_avg"], self.state["buf"],
                             strict=True):
            if p.grad is None:
                continue
            g = self._grad(p)
            s.mul_(_view(alpha, p)).add_(g * g * _view(1 - alpha, p))
            avg = s.sqrt().add_(_view(eps, p))
            buf.mul_(_view(mom, p)).add_(g / avg)
            p.sub_(buf * _view(lr, p))


def _leading(t: torch.Tensor, cut: int | None) -> torch.Tensor:
    """`t`'s first `cut` entries along its first dimension (all of it for None)."""
    return t if cut is None else t[:cut]


def _contiguous(t: torch.Tensor | None) -> torch.Tensor | None:
    return t if t is None or t.is_contiguous() else t.contiguous()


@dataclass
class _Row:
    """One trial's row of the stacked weights and of the optimiser's state (views: `(...)`
    per parameter, by state name as `FusedOptimizer.state`), and its fixed hyperparameters."""

    index: int
    params: list[torch.Tensor]
    state: dict[str, list[torch.Tensor]]
    hyper: dict[str, float]  # weight_decay and `FusedOptimizer.hyper`'s names, as numbers
    cuts: list[int | None]  # per parameter, the row's own leading part (None: whole)

    def grad(self, grads: Sequence[torch.Tensor | None], i: int) -> torch.Tensor:
        """This row's part of parameter `i`'s stacked gradient."""
        g = grads[i]
        assert g is not None
        cut = self.cuts[i]
        return g[self.index] if cut is None else g[self.index, :cut]


def _fused_kernel(kind: str, device: str) -> Callable[..., object] | None:
    """torch's fused SGD (`kind` 'sgd'), Adam or AdamW kernel when this torch has one for the
    device and it runs a step there (checked once per device on a tiny tensor), else None."""
    names = {"sgd": "_fused_sgd_", "adam": "_fused_adam_", "adamw": "_fused_adamw_"}
    if kind not in names:
        return None
    key = (kind, str(torch.device(device).type))
    if key not in _KERNELS:
        kernel = getattr(torch, names[kind], None)
        if kernel is not None:
            try:
                p = torch.ones(2, device=device)
                # the rate as a step passes it (`FusedOptimizer._rates`): a number on the CPU,
                # elsewhere a 0-d tensor (the kernel's other overload)
                lr: float | torch.Tensor = 0.1 if key[1] == "cpu" else \
                    torch.full((1,), 0.1, device=device)[0]
                if kind == "sgd":
                    kernel([p], [p.clone()], [torch.zeros_like(p)], weight_decay=0.0,
                           momentum=0.9, lr=lr, dampening=0.0, nesterov=False,
                           maximize=False, is_first_step=False)
                else:
                    kernel([p], [p.clone()], [torch.zeros_like(p)], [torch.zeros_like(p)], [],
                           [torch.ones((), device=device)], amsgrad=False, lr=lr,
                           beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False)
                if not bool(torch.isfinite(p).all()) or bool((p == 1).any()):
                    kernel = None
            except (RuntimeError, TypeError, NotImplementedError):
                kernel = None
        _KERNELS[key] = kernel
    return _KERNELS[key]


_KERNELS: dict[tuple[str, str], Callable[..., object] | None] = {}
