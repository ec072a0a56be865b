"""The stacked step kernels (see engine.step_kernel): K trials of one shape signature as one
model, weights stacked on a leading trial axis. "mlp": the built-in MLP's stacked
batched-matmul pass (hand-written where it can be); "vmap": `torch.func` over any model.

Per trial (row): initial weights, torch optimiser, schedule, loss and augmentation (built by
`Trial.build`, as alone), batch order (its own generator), learning rate, optimiser
hyperparameters, gradient clipping, L1, label smoothing and augmentation draws. Rows share no
reduction but the sum of their losses, whose gradient is 1 for each."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import numpy as np
import torch

from tunestudio.engine.augment import BatchAugment
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.checkpoint import State, capture, rng_states, snapshot
from tunestudio.engine.data import Splits
from tunestudio.engine.fused import handgrad
from tunestudio.engine.fused.metrics import TrialLoss
from tunestudio.engine.fused.optim import FusedOptimizer
from tunestudio.engine.fused.signature import hand_fused_mlp
from tunestudio.engine.fused.stacked import (
    FusionError,
    GroupedConvStack,
    StackedMLP,
    StackedModel,
    VmapStack,
)
from tunestudio.engine.metrics import EVAL_CHUNK, TrainWindow, trial_metrics
from tunestudio.engine.models import check_output
from tunestudio.engine.optimizers import OptimizerSpec
from tunestudio.engine.trial import Trial, all_finite, first_line, is_out_of_memory

# the dims of a stacked tensor `(K, ...)` of each rank that hold one trial's values: each
# trial's gradient norm reduces them in one call (no flattened view first)
_TRIAL_DIMS = {rank: tuple(range(1, rank)) for rank in range(2, 9)}
# a training set up to this size is copied in each epoch's order once (see `batches`); a larger
# one (images cached on a device) is gathered batch by batch, as the extra copy would cost its
# size in memory
EPOCH_COPY_BYTES = 64 * 2**20


class StackKernel:
    """Steps of `members` (each built with `Trial.build` on `device`, same signature) as one
    stacked model on `data` `(K, B, ...)` batches. `kernel`: "mlp", "vmap" or "auto" (the MLP
    pass where it applies, the grouped-convolution pass for a plain CNN, else vmap); `route`
    says which ("mlp", "conv" or "vmap"). Raises FusionError when the members
    cannot fuse (float16 mixed precision; "mlp" for another model; vmap refusing the model),
    found by a dry step (forward, backward, evaluation; weights restored) that also shows
    whether the group fits in memory (`dry_run=False` leaves it out: a group made again of
    members that trained before, no larger than one that ran). A member that trained before
    (its model and `optimizer_state` hold its state: `sync`) goes on from that state, with its
    own optimiser step count."""

    def __init__(self, members: Sequence[Trial], data: Splits, device: str,
                 kernel: Literal["auto", "mlp", "vmap"] = "auto", dry_run: bool = True):
        cfg = members[0].config
        self.device = device
        self.check_grad = True
        self._data = data
        # Rows of the stack: trials of equal widths side by side (the hand-written pass then
        # computes each width class unpadded); a trial's row is internal, its index is kept.
        self.order = sorted(range(len(members)), key=lambda i: _width_key(members[i].config)) \
            if hand_fused_mlp(cfg) else list(range(len(members)))
        self.rows: list[Trial | None] = [members[i] for i in self.order]
        # each member's row while the stack holds it (an ended member's too, until compacted)
        self._row_of = {members[i]: row for row, i in enumerate(self.order)}
        by_row = [m for m in self.rows if m is not None]
        self._autocast: Callable[[], contextlib.AbstractContextManager[object]] | None = None
        if cfg.training.mixed_precision and device.startswith("cuda"):
            if not torch.cuda.is_bf16_supported():
                raise FusionError("float16 mixed precision needs one loss scale per trial; on "
                                  "this GPU (no bfloat16) such trials train one at a time")
            self._autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)
        models = [m.model for m in by_row]
        assert all(m is not None for m in models)
        mlp = hand_fused_mlp(cfg) and data.normalization is None
        if kernel == "mlp" and not mlp:
            raise FusionError("the stacked MLP kernel computes the built-in MLP without batch "
                              "norm or input normalisation only; use the vmap kernel")
        self.stack: StackedModel
        if mlp and kernel != "vmap":
            self.route = "mlp"
            dropouts = [getattr(m.config.model, "dropout", 0.0) for m in by_row]
            self.stack = StackedMLP(models, dropouts, device,  # type: ignore[arg-type]
                                    batch_size=cfg.training.batch_size)
        elif kernel == "auto" and GroupedConvStack.applies(models[0]):  # type: ignore[arg-type]
            self.route = "conv"
            self.stack = GroupedConvStack(models, device)  # type: ignore[arg-type]
        else:
            self.route = "vmap"
            self.stack = VmapStack(models, device)  # type: ignore[arg-type]
        self.optimizer = FusedOptimizer([m.config.optimizer for m in by_row],
                                        self.stack.params, device, self.stack.row_extents())
        for row, member in enumerate(by_row):  # a member that trained before goes on
            saved = member.optimizer_state()
            if saved:
                assert member.model is not None
                self.optimizer.load_row(row, saved, self.stack, member.model)
        clips = [m.config.training.grad_clip_norm for m in by_row]
        self._clip = torch.tensor([math.inf if c is None else c for c in clips],
                                  dtype=torch.float32, device=device)
        self._clips = any(c is not None for c in clips)
        # each trial's own augmentation, from its own seed (its generator is in its state, so a
        # checkpoint of the trial carries it)
        augments = [m.augmentation for m in by_row]
        self._augments: list[BatchAugment | None] | None = \
            augments if any(a is not None for a in augments) else None
        row_configs = [m.config for m in by_row]  # each trial's own label smoothing
        self.trial_loss = TrialLoss(row_configs, device)
        self._loss_spec = handgrad.LossSpec.of(row_configs, device)
        self.hand_written = isinstance(self.stack, StackedMLP) and \
            self.stack.hand_written(self._autocast is not None)
        self._x_train, self._y_train = self._tensor(data.x_train), self._tensor(data.y_train)
        self._x_val, self._y_val = self._tensor(data.x_val), self._tensor(data.y_val)
        bounds = batch_bounds(data.n_train, cfg.training.batch_size)
        self._bounds = [(start, end, end - start) for start, end in bounds]
        self._window = TrainWindow(len(bounds))
        # On the CPU a group's image activations are K times a trial's and outgrow the caches:
        # the grouped-convolution pass evaluates in chunks of a training batch (4 trials of the
        # images template's CNN, 200 validation images: 174 ms in one chunk, 122 in 64s)
        self._eval_chunk = cfg.training.batch_size if self.route == "conv" and \
            device == "cpu" else EVAL_CHUNK
        # one batch order for all while their generators agree (one seed, the same epoch)
        generators = [m.state.generator.get_state() for m in by_row]
        self._shared = len({m.seed for m in by_row}) == 1 and \
            all(torch.equal(g, generators[0]) for g in generators[1:])
        self._perm = torch.empty(0)
        self._epoch_x: torch.Tensor | None = None  # this epoch's shared order applied (batches)
        self._epoch_y: torch.Tensor | None = None
        self._lr = torch.zeros(len(by_row), device=device)
        for member in by_row:
            member.autocast = self._autocast
            if self.route == "mlp":  # a checkpoint hook keeps a new best without a sync
                member.capture_later = functools.partial(self._capture_later, member)
        if dry_run:
            self._dry_run()

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        a = a if a.flags.writeable and a.flags.c_contiguous else np.array(a)
        return torch.from_numpy(a).to(self.device)

    def _dry_run(self) -> None:
        """One forward and backward pass and one evaluation chunk, weights and buffers restored,
        no optimiser step: out-of-memory and vmap's refusals surface before any trial starts."""
        data, cfg = self._data, self._data_config()
        n = min(cfg.training.batch_size, data.n_train)
        idx = torch.arange(n, device=self.device)
        saved = [t.clone() for t in self.stack.state()]
        x = self._x_train.index_select(0, idx)
        try:
            with self._autocast() if self._autocast else contextlib.nullcontext():
                out = self.stack.forward(x, True, training=True)
                if self.route != "mlp":  # per-trial batches take another route
                    self.stack.forward(x.expand(len(self.rows), *x.shape), False,
                                       training=True)
            check_output(out[0], n, data.n_outputs, cfg.task)
            torch.autograd.backward(self.trial_loss(out, self._y_train.index_select(0, idx)).sum())
            if data.n_val:
                with torch.no_grad():
                    self.stack.forward(self._x_val[:EVAL_CHUNK], True, training=False)
        except FusionError:
            raise
        except Exception as exc:
            if is_out_of_memory(exc) or self.route != "vmap" or not self._runs_alone(x):
                raise
            raise FusionError("torch.func.vmap cannot map this model over trials "
                              f"({first_line(exc)})") from exc
        finally:
            for p in self.stack.params:
                p.grad = None
            with torch.no_grad():
                for t, s in zip(self.stack.state(), saved, strict=True):
                    t.copy_(s)

    def _data_config(self) -> Any:
        first = next(m for m in self.rows if m is not None)
        return first.config

    def _runs_alone(self, x: torch.Tensor) -> bool:
        """Whether the first trial's own model runs this batch unfused (then vmap is to blame)."""
        model = next(m for m in self.rows if m is not None).model
        assert model is not None
        try:
            with torch.no_grad():
                model.eval()
                model(x)
            return True
        except Exception:
            return False
        finally:
            model.train()

    # --- the contract ------------------------------------------------------------------------

    def batches(self) -> Iterator[tuple[int, Any]]:
        """One epoch's steps as (samples per trial, `(start, end)` of the epoch's order): the order
        is drawn once for all rows where their seeds agree (`(n,)`), else per row (`(R, n)`); a
        small training set is gathered into the epoch's order once, each batch then a slice of
        it."""
        self._perm = self._permutations()
        self._epoch_x = self._epoch_y = None
        if self._shared and self._x_train.nbytes + self._y_train.nbytes <= EPOCH_COPY_BYTES:
            # the epoch's order applied once: each step's batch is then a slice of it, where
            # two gathers a step cost ~4 % of a small group's step on a CPU (the same values)
            self._epoch_x = self._x_train.index_select(0, self._perm)
            self._epoch_y = self._y_train.index_select(0, self._perm)
        for start, end, n in self._bounds:
            yield n, (start, end)

    def _permutations(self) -> torch.Tensor:
        """This epoch's batch order: `(n,)` shared when every trial has the same seed (their
        generators agree), else `(R, n)`, one row per stacked trial (dead rows repeat row 0)."""
        n_train = self._data.n_train
        if self._shared:  # drawn once; every live member's generator moves on alike
            live = [m for m in self.rows if m is not None]
            perm = torch.randperm(n_train, generator=live[0].state.generator)
            state = live[0].state.generator.get_state()
            for member in live[1:]:
                member.state.generator.set_state(state)
            return perm.to(self.device)
        rows = [torch.randperm(n_train, generator=m.state.generator) if m is not None else None
                for m in self.rows]
        fill = next(r for r in rows if r is not None)
        return torch.stack([r if r is not None else fill for r in rows]).to(self.device)

    def set_lr(self, rates: np.ndarray) -> None:
        """Each row's learning rate from the loop's table (float64): kept as float64 on a CPU,
        where the optimiser's kernels take them as numbers as a lone trial's optimiser does
        (float32 rates stepped 0.01 as 0.0099999998)."""
        dtype = torch.float64 if torch.device(self.device).type == "cpu" else torch.float32
        self._lr = torch.tensor(rates, dtype=dtype, device=self.device)

    def step(self, batch: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimisation step of every row on the batch `(start, end)` at the rates of `set_lr`:
        data losses `(R,)` and gradient norms before clipping `(R,)`, on the device."""
        start, end = batch
        if self._epoch_x is not None and self._epoch_y is not None:
            return self._train_on(self._epoch_x[start:end], self._epoch_y[start:end], True,
                                  self._lr, end - start)
        return self.train_step(self._perm[..., start:end], self._lr, end - start)

    def evaluate(self) -> dict[str, torch.Tensor]:
        """The running training loss and metrics and, where there is a validation split, the
        validation loss and metrics of every row, `(R,)` tensors on the device (the fused forward in
        chunks, no gradients)."""
        data, task = self._data, self._data_config().task
        values = self._window.values(task, data.target_std)
        if data.n_val:
            with torch.no_grad(), (self._autocast() if self._autocast
                                   else contextlib.nullcontext()):
                chunk = self._eval_chunk
                parts = [self.stack.forward(self._x_val[i:i + chunk], True, training=False)
                         for i in range(0, data.n_val, chunk)]
                out = torch.cat(parts, dim=1).float()
                values["val_loss"] = self.trial_loss(out, self._y_val)
                values.update(trial_metrics(task, out, self._y_val, data.target_std, "val"))
        return values

    def sync(self, row: int, member: Trial) -> None:
        """The trial's own model and optimiser state take row `row`'s current weights, buffers and
        optimiser state."""
        assert member.model is not None
        self.stack.write_back(row, member.model)
        self.optimizer.write_back(row, member.optimizer_state(), self.stack, member.model)

    def retire(self, row: int) -> None:
        """The row's trial has ended: it draws no more batches."""
        self.rows[row] = None

    # --- population-based training -------------------------------------------------------------

    def copy_row(self, source: int, target: int) -> None:
        """Row `target` takes row `source`'s weights, buffers and optimiser state (an exploit of
        population-based training; the rows have one architecture)."""
        with torch.no_grad():
            for t in [*self.stack.params, *self.stack.state()]:
                t[target].copy_(t[source])
        self.optimizer.copy_state(source, target)

    def set_optimizer(self, row: int, spec: OptimizerSpec) -> None:
        """Row `row` takes the optimiser numbers of `spec` (same kind) from the next step on;
        its learning rate comes from the loop (`set_lr`)."""
        self.optimizer.set_row(row, spec)

    def select(self, rows: list[int]) -> None:
        """Keep only `rows` (in this order) of the stack, its optimiser, losses, augmentations,
        metric window, learning rates and batch orders."""
        keep = torch.tensor(rows, dtype=torch.long, device=self.device)
        self.stack.select(keep)
        self.optimizer.select(keep, self.stack.params, self.stack.row_extents())
        self._clip = self._clip.index_select(0, keep)
        self.trial_loss = self.trial_loss.select(keep)
        self._loss_spec = self._loss_spec.select(keep)
        if self._augments is not None:
            self._augments = [self._augments[i] for i in rows]
        self._window.select(keep)
        self._row_of = {m: new for new, m in enumerate(self.rows[i] for i in rows)
                        if m is not None}
        self.rows = [self.rows[i] for i in rows]
        self._lr = self._lr.index_select(0, keep)
        if not self._shared and self._perm.dim() == 2:
            self._perm = self._perm.index_select(0, keep)

    def first_step_checks(self, row: int) -> list[torch.Tensor | bool]:
        """Whether the training inputs and targets (all of them), and the trial's model output
        and loss on its initial weights (the first batch-size samples), are finite. The
        member's own model still holds its initial weights: it takes the fused ones only at a
        checkpoint or when the trial ends."""
        member = self.rows[row]
        assert member is not None and member.model is not None and member.loss_fn is not None
        n = min(member.config.training.batch_size, int(self._x_train.shape[0]))
        x, y = self._x_train[:n], self._y_train[:n]
        was_training = member.model.training
        member.model.eval()
        try:
            with torch.no_grad():
                out = member.model(x)
                loss = member.loss_fn(out, y)
        finally:
            member.model.train(was_training)
        return [all_finite(self._x_train), all_finite(self._y_train), all_finite(out),
                all_finite(loss)]

    def train_tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The training inputs and targets on the device."""
        return self._x_train, self._y_train

    def release(self) -> None:
        """Drop the stack, its optimiser and the data tensors (after running out of device
        memory)."""
        for name in ("stack", "optimizer", "_window", "_x_train", "_y_train", "_x_val",
                     "_y_val", "_perm", "_epoch_x", "_epoch_y"):
            self.__dict__.pop(name, None)

    # --- the step ----------------------------------------------------------------------------

    def train_step(self, idx: torch.Tensor, lr: torch.Tensor, n: int
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimisation step of every stacked trial on the training samples `idx` (`(n,)`
        shared, or `(R, n)`) at the learning rates `lr` `(R,)`; per-trial data losses and
        gradient norms before clipping, `(R,)` each, on the device."""
        shared = self._shared
        if shared:
            xb = self._x_train.index_select(0, idx)
            yb = self._y_train.index_select(0, idx)
        else:
            xb = self._x_train[idx]
            yb = self._y_train[idx]
        return self._train_on(xb, yb, shared, lr, n)

    def _train_on(self, xb: torch.Tensor, yb: torch.Tensor, shared: bool, lr: torch.Tensor,
                  n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """`train_step` on the batch itself: `(n, ...)` inputs and `(n,)` targets when
        `shared`, else `(R, n, ...)` and `(R, n)`."""
        stack, opt = self.stack, self.optimizer
        if self._augments is not None:
            xb, yb, shared = self._augment(xb, yb, shared)
        if self.hand_written:
            assert isinstance(stack, StackedMLP)
            with torch.no_grad():  # one context for the whole step: nothing records a graph
                losses, out = stack.forward_backward(xb, yb, shared, self._loss_spec,
                                                     opt.l1 if opt.has_l1 else None)
                norms = self._clip_and_step(lr)
        else:
            losses, out = self._autograd_pass(xb, yb, shared)
            with torch.no_grad():
                norms = self._clip_and_step(lr)
        self._window.add(n, losses, out, yb)
        return losses.detach(), norms.detach()

    def _clip_and_step(self, lr: torch.Tensor) -> torch.Tensor:
        """Per-trial gradient norms `(R,)` before clipping, the gradients clipped where the
        trials clip, and the optimiser's step; in `torch.no_grad()`."""
        grads = [p.grad for p in self.stack.params if p.grad is not None]
        per_param = torch.stack([torch.linalg.vector_norm(g, dim=_TRIAL_DIMS.get(g.dim()) or
                                                          tuple(range(1, g.dim())))
                                 for g in grads])
        norms: torch.Tensor = torch.linalg.vector_norm(per_param, dim=0)
        if self._clips:
            coef = (self._clip / (norms + 1e-6)).clamp(max=1.0)
            for g in grads:
                g.mul_(coef.view(-1, *([1] * (g.dim() - 1))))
        self.optimizer.step_without_grad(lr)
        return norms

    def _augment(self, xb: torch.Tensor, yb: torch.Tensor, shared: bool
                 ) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Each row's batch augmented by its trial's own augmentation (its own generator, drawn
        exactly as the trial alone draws it); per-row batches `(R, B, ...)` and targets
        `(R, B)` from here. A dead row's batch is left as it is (its outputs are unused)."""
        assert self._augments is not None
        r = len(self._augments)
        rows = xb.expand(r, *xb.shape) if shared else xb
        xb = torch.stack([augment(rows[i]) if augment is not None and self.rows[i] is not None
                          else rows[i].float() for i, augment in enumerate(self._augments)])
        return xb, yb.expand(r, *yb.shape) if shared else yb, False

    def _autograd_pass(self, xb: torch.Tensor, yb: torch.Tensor, shared: bool
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """Forward and backward through autograd (any model, dropout, mixed precision):
        gradients in the params' `.grad`; per-trial data losses `(R,)`, outputs `(R, B, n_out)`."""
        stack, opt = self.stack, self.optimizer
        for p in stack.params:
            p.grad = None
        if self._autocast is not None:
            with self._autocast():
                out = stack.forward(xb, shared, training=True)
        else:
            out = stack.forward(xb, shared, training=True)
        losses = self.trial_loss(out, yb)
        total = losses.sum()
        if opt.has_l1:
            penalty = torch.stack([p.abs().flatten(1).sum(1) for p, pen in
                                   zip(stack.params, stack.penalised, strict=True) if pen]).sum(0)
            total = total + (opt.l1 * penalty).sum()
        torch.autograd.backward(total)
        return losses, out

    # --- a checkpoint kept later --------------------------------------------------------------

    def _capture_later(self, member: Trial, epochs_done: int) -> Callable[[], State | None]:
        """A member's state at this epoch's end, made later (`PacedCheckpointHook` keeps a
        new best this way): copies of its rows of the stacked weights and optimiser state, its
        counters and random states now; the full state (`checkpoint.capture`, a snapshot)
        when the returned function is called, on the training thread, after which the
        member's own model and optimiser take the group's current state again."""
        row = self._row_of[member]
        with torch.no_grad():
            weights = [p[row:row + 1].clone() for p in self.stack.params]
        optimizer = self.optimizer.copy_row(row)
        counters = member.state.state_dict()
        rng = rng_states(member)

        def later() -> State | None:
            assert member.model is not None
            now = member.state.state_dict()
            member.state.load_state_dict(counters)
            try:
                with torch.no_grad():
                    for (param, cut), saved in zip(self.stack.slices(0, member.model), weights,
                                                   strict=True):
                        param.copy_(cut(saved))
                self.optimizer.write_back(0, member.optimizer_state(), self.stack, member.model,
                                          optimizer)
                state = capture(member, epochs_done)
                if state is not None:
                    state["rng"] = rng
                    state = snapshot(state)
            finally:
                member.state.load_state_dict(now)
                if member in self._row_of:
                    self.sync(self._row_of[member], member)
            return state

        return later


def _width_key(config: Any) -> tuple[int, ...]:
    """A built-in MLP's hidden widths (the order of rows in a stack)."""
    return tuple(getattr(config.model, "layer_sizes", ()))
