"""Training K configs of one shape signature as one fused model.

Each trial keeps its identity: it is an ordinary `Trial` (engine/trial.py: the group's
*member*) that owns its config, seed, schedule, hooks, resumable state, metrics and outcome,
and receives exactly the events a lone fit would send (`on_fit_start`, `on_step_end`,
`on_evaluate_end`, `on_epoch_end`, `on_fit_end`), with itself as the trainer, so
`request_stop` (pruning, a stop button) works per trial. The group only owns the stacked
weights, the fused optimiser and the step kernel that computes them ("mlp": the stacked MLP
pass; "vmap": `torch.func` over any model).

Per trial: initial weights, torch optimiser, schedule, loss and augmentation (built by
`Trial.build`, as a lone Trainer builds them), batch order (its own generator in its
`TrialState`), learning rate and schedule (plateau included), optimiser hyperparameters,
gradient clipping, L1, label smoothing, augmentation draws, early stopping, pruning and
divergence. A trial that stops leaves the group: its learning rate becomes 0 (its weights
freeze, its series ends) and, once enough rows are dead, the stack is compacted. One trial's
numbers never depend on another's: trials share no reduction across the trial axis but the
sum of their losses, whose gradient is 1 for each. Steps are recorded and train metrics kept
by the same StepRecorder and TrainWindow as a lone fit's, on the trial axis."""

from __future__ import annotations

import contextlib
import functools
import gc
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from tunestudio.config import RunConfig
from tunestudio.engine.augment import BatchAugment
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.checkpoint import State, capture, rng_states, snapshot
from tunestudio.engine.data import Splits
from tunestudio.engine.devices import resolve_device
from tunestudio.engine.events import (
    FitResult,
    FitStatus,
    StepEvent,
    TrainerHooks,
)
from tunestudio.engine.fused import handgrad
from tunestudio.engine.fused.metrics import TrialLoss
from tunestudio.engine.fused.optim import FusedOptimizer
from tunestudio.engine.fused.signature import fuse_signature, fusion_obstacle, hand_fused_mlp
from tunestudio.engine.fused.stacked import FusionError, StackedMLP, StackedModel, VmapStack
from tunestudio.engine.loader_data import load_data
from tunestudio.engine.metrics import (
    EVAL_CHUNK,
    TrainWindow,
    gather_trials,
    trial_metrics,
)
from tunestudio.engine.models import check_output, count_parameters
from tunestudio.engine.runtime import apply_torch_threads
from tunestudio.engine.step_recorder import Divergence, StepRecorder, buffered_for
from tunestudio.engine.trial import (
    Trial,
    all_finite,
    classify,
    determinism,
    first_line,
    is_out_of_memory,
    overriding,
    wait_while_paused,
)
from tunestudio.errors import TuneStudioError
from tunestudio.messages import TRAINED


class GroupOutOfMemoryError(TuneStudioError):
    """The fused group did not fit in device memory. `pending` are the indices (into the
    group's configs) of the trials that did not finish; split them and train again. Trials that
    finished before keep their results (their `on_fit_end` hooks have run)."""

    def __init__(self, message: str, pending: list[int]):
        super().__init__(message)
        self.pending = pending


@dataclass(frozen=True, eq=False)
class _Live:
    """The group's running trials as the step loop reads them: their slots, indices (into the
    group's configs) and rows (in row order), every row's learning rate at every step
    `(R, total + 1)` (0 for a dead row), and whether any rate differs from the step before
    `(total + 1,)` (the (R,) tensor of rates is made only then)."""

    slots: tuple[_Slot, ...]
    indices: list[int]
    rows: list[int]
    table: np.ndarray
    changes: np.ndarray


@dataclass(eq=False)
class _Slot:
    """One trial of the group: its member Trial and its row in the stacked tensors."""

    index: int
    trainer: Trial
    row: int
    on_step: list[Callable[..., Any]]
    result: FitResult | None = None


class FusedTrainer:
    """Trains `configs` (same `fuse_signature`) as one model on one device; `fit()` returns one
    FitResult per config, in order. `seeds[k]` overrides trial k's seed (a search's repeats),
    `hooks[k]` are trial k's observers; the other arguments are `Trainer`'s, shared by the group.
    `kernel` picks how a step is computed: "mlp" (the built-in MLP's stacked batched-matmul
    pass, hand-written where it can be), "vmap" (`torch.func` over any model) or "auto" (the
    MLP pass where it applies, else vmap); "mlp" for another model raises FusionError.

    Raises `FusionError` (from `setup`, before any hook runs) when the configs cannot fuse: the
    caller trains them one at a time. `fit` raises `GroupOutOfMemoryError` when the group does
    not fit in memory (the caller splits it); every other problem becomes the trials' results,
    as with `Trainer.fit`. Device: `(K, B, ...)` batches, `(K, ...)` weights; one host transfer
    per step on the CPU, batched every FLUSH_STEPS steps on an accelerator."""

    def __init__(self, configs: Sequence[RunConfig], *,
                 hooks: Sequence[Sequence[TrainerHooks]] | None = None,
                 base_dir: Path | None = None, device: str | None = None,
                 seeds: Sequence[int] | None = None, stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None, step_events: bool = True,
                 datasets: Splits | None = None,
                 kernel: Literal["auto", "mlp", "vmap"] = "auto"):
        if not configs:
            raise ValueError("a fused group needs at least one config")
        signatures = {fuse_signature(c) for c in configs}
        if len(signatures) > 1:
            raise FusionError("the configs differ in data, model structure, batch size, epochs, "
                              "loss, optimiser kind, evaluation or device, so they cannot fuse")
        for config in configs:
            reason = fusion_obstacle(config)
            if reason is not None:
                raise FusionError(reason)
        hooks = hooks if hooks is not None else [() for _ in configs]
        seeds = seeds if seeds is not None else [c.training.seed for c in configs]
        self.configs = list(configs)
        self.device = device or configs[0].training.device
        self.base_dir = base_dir
        self.stop_event = stop_event
        self.pause_event = pause_event
        self.datasets = datasets
        self.members = [Trial(c, hooks=h, base_dir=base_dir, device=device, seed=s,
                                stop_event=stop_event, pause_event=pause_event,
                                step_events=step_events, datasets=datasets)
                        for c, h, s in zip(configs, hooks, seeds, strict=True)]
        self.step = 0
        self.kernel = kernel
        self.route = ""  # "mlp" (hand-fused) or "vmap", once set up
        self._ready = False
        self._fitted = False
        self._paused_s = 0.0
        self._started = self._training_started = time.perf_counter()
        self._autocast: Callable[[], contextlib.AbstractContextManager[object]] | None = None
        self._slots: list[_Slot] = []
        self._rows: list[_Slot | None] = []
        self._live_rows: _Live | None = None
        # Each member's share of the group's time (see _share_time): slot index -> seconds,
        # the parameters that weigh it, and the group clock up to which it was shared out.
        self._time_share: dict[int, float] = {}
        self._time_weight: dict[int, float] = {}
        self._shared_until = 0.0

    # --- setup -----------------------------------------------------------------------------

    def setup(self) -> None:
        """Data once, each trial's model from its own seed, the stack, the fused optimiser, and
        a dry step (forward, backward, evaluation) that shows now whether the group fits in
        memory and whether `vmap` accepts the model. Raises FusionError, or the error a lone
        Trainer would meet (bad data, a failing model file)."""
        if self._ready:
            return
        apply_torch_threads()
        self.device = resolve_device(self.device)
        cfg = self.configs[0]
        loaded = self.datasets if self.datasets is not None else \
            load_data(cfg.data, self.base_dir, self.device)
        if not isinstance(loaded, Splits):
            raise FusionError("data streamed through a DataLoader trains one trial at a time")
        data = self.datasets = loaded
        models = []
        # Rows of the stack: trials of equal widths side by side (the hand-written pass then
        # computes each width class unpadded); a trial's row is internal, its index is kept.
        self._order = sorted(range(len(self.members)), key=lambda i: _width_key(
            self.members[i].config)) if hand_fused_mlp(cfg) else list(range(len(self.members)))
        for member in self.members:
            # as a lone Trainer builds it: the same seed, the same weights; its own torch
            # optimiser, so that a checkpoint of the trial carries the optimiser's state (see
            # `_sync`) and resumes as a lone trial
            models.append(member.build(data, self.device))
        amp = cfg.training.mixed_precision and self.device.startswith("cuda")
        if amp:
            if not torch.cuda.is_bf16_supported():
                raise FusionError("float16 mixed precision needs one loss scale per trial; on "
                                  "this GPU (no bfloat16) such trials train one at a time")
            self._autocast = lambda: torch.autocast("cuda", dtype=torch.bfloat16)
        self.stack: StackedModel
        by_row = [self.members[i] for i in self._order]
        models = [models[i] for i in self._order]
        mlp = hand_fused_mlp(cfg) and data.normalization is None
        if self.kernel == "mlp" and not mlp:
            raise FusionError("the stacked MLP kernel computes the built-in MLP without batch "
                              "norm or input normalisation only; use the vmap kernel")
        if mlp and self.kernel != "vmap":
            self.route = "mlp"
            dropouts = [getattr(m.config.model, "dropout", 0.0) for m in by_row]
            self.stack = StackedMLP(models, dropouts, self.device,
                                    batch_size=cfg.training.batch_size)
        else:
            self.route = "vmap"
            self.stack = VmapStack(models, self.device)
        self.optimizer = FusedOptimizer([m.config.optimizer for m in by_row],
                                        self.stack.params, self.device)
        clips = [m.config.training.grad_clip_norm for m in by_row]
        self._clip = torch.tensor([math.inf if c is None else c for c in clips],
                                  dtype=torch.float32, device=self.device)
        self._clips = any(c is not None for c in clips)
        # each trial's own augmentation, from its own seed (its generator is in its state, so a
        # checkpoint of the trial carries it)
        augments = [m.augmentation for m in by_row]
        self._augments: list[BatchAugment | None] | None = \
            augments if any(a is not None for a in augments) else None
        row_configs = [m.config for m in by_row]  # each trial's own label smoothing
        self.trial_loss = TrialLoss(row_configs, self.device)
        self._loss_spec = handgrad.LossSpec.of(row_configs, self.device)
        self._hand_written = isinstance(self.stack, StackedMLP) and \
            self.stack.hand_written(self._autocast is not None)
        self._x_train, self._y_train = self._tensor(data.x_train), self._tensor(data.y_train)
        self._x_val, self._y_val = self._tensor(data.x_val), self._tensor(data.y_val)
        self._bounds = batch_bounds(data.n_train, cfg.training.batch_size)
        self._spe = len(self._bounds)
        self._window = TrainWindow(self._spe)
        self._shared = len({m.seed for m in self.members}) == 1  # one batch order for all
        for member in self.members:
            member.autocast = self._autocast
        self._dry_run()
        self._ready = True

    def _tensor(self, a: np.ndarray) -> torch.Tensor:
        a = a if a.flags.writeable and a.flags.c_contiguous else np.array(a)
        return torch.from_numpy(a).to(self.device)

    def _dry_run(self) -> None:
        """One forward and backward pass and one evaluation chunk, weights and buffers restored,
        no optimiser step: out-of-memory and vmap's refusals surface before any trial starts."""
        assert self.datasets is not None
        n = min(self.configs[0].training.batch_size, self.datasets.n_train)
        idx = torch.arange(n, device=self.device)
        saved = [t.clone() for t in self.stack.state()]
        try:
            x = self._x_train.index_select(0, idx)
            with self._autocast() if self._autocast else contextlib.nullcontext():
                out = self.stack.forward(x, True, training=True)
                if self.route == "vmap":  # per-trial batches take vmap's other route
                    k = len(self.members)
                    self.stack.forward(x.expand(k, *x.shape), False, training=True)
            check_output(out[0], n, self.datasets.n_outputs, self.configs[0].task)
            torch.autograd.backward(self.trial_loss(out, self._y_train.index_select(0, idx)).sum())
            if self.datasets.n_val:
                with torch.no_grad():
                    self.stack.forward(self._x_val[:EVAL_CHUNK], True, training=False)
        except FusionError:
            raise
        except Exception as exc:
            if is_out_of_memory(exc) or self.route != "vmap":
                raise
            if not self._runs_alone(x):
                raise
            raise FusionError("torch.func.vmap cannot map this model over trials "
                              f"({first_line(exc)})") \
                from exc
        finally:
            for p in self.stack.params:
                p.grad = None
            with torch.no_grad():
                for t, s in zip(self.stack.state(), saved, strict=True):
                    t.copy_(s)

    def _runs_alone(self, x: torch.Tensor) -> bool:
        """Whether the first trial's own model runs this batch unfused (then vmap is to blame)."""
        model = self.members[0].model
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

    # --- fit -------------------------------------------------------------------------------

    def fit(self) -> list[FitResult]:
        """Train the group; one FitResult per config, in order (see the class docstring)."""
        if self._fitted:
            raise RuntimeError("this FusedTrainer has already run fit(); create a new one")
        self._fitted = True
        self._started = self._training_started = time.perf_counter()
        for member in self.members:
            member.start_clock()
        try:
            with determinism(self.configs[0]):
                self.setup()
                self._train()
        except FusionError:
            if self._slots:
                raise RuntimeError("fusion failed after training began") from None
            raise
        except BaseException as exc:
            open_slots = [s for s in self._slots if s.result is None] if self._slots else []
            pending = [s.index for s in open_slots] if self._slots else \
                list(range(len(self.members)))
            for slot in open_slots:
                for hook in slot.trainer.hooks:
                    with contextlib.suppress(Exception):
                        hook.on_exception(slot.trainer, exc)
            if not isinstance(exc, Exception):
                raise
            if is_out_of_memory(exc):
                self._release()
                if len(pending) > 1:
                    raise GroupOutOfMemoryError(
                        f"a fused group of {len(pending)} trials ran out of memory on "
                        f"{self.device} ({first_line(exc)})", pending) from exc
            status, message, trace = classify(exc, self.configs[0], self.device)
            if not self._slots:
                self._slots = self._new_slots()
            for slot in self._slots:
                if slot.result is None:
                    self._finish(slot, status, message, trace)
        return [s.result for s in self._slots if s.result is not None]

    def _release(self) -> None:
        """Free device memory after running out of it."""
        for name in ("stack", "optimizer", "_window", "_x_train", "_y_train", "_x_val",
                     "_y_val", "_perm"):
            self.__dict__.pop(name, None)
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _new_slots(self) -> list[_Slot]:
        """One slot per member, in the members' order, each at its row of the stack."""
        order = getattr(self, "_order", list(range(len(self.members))))
        row_of = {index: row for row, index in enumerate(order)}
        return [self._new_slot(i, m, row_of[i]) for i, m in enumerate(self.members)]

    def _new_slot(self, index: int, member: Trial, row: int) -> _Slot:
        on_step = overriding(member.hooks, "on_step_end") if member.step_events else []
        slot = _Slot(index, member, row, on_step)
        if self.route == "mlp":  # a checkpoint hook keeps a new best without a sync
            member.capture_later = functools.partial(self._capture_later, slot)
        return slot

    def _capture_later(self, slot: _Slot, epochs_done: int) -> Callable[[], State | None]:
        """A member's state at this epoch's end, made later (`PacedCheckpointHook` keeps a
        new best this way): copies of its rows of the stacked weights and optimiser state, its
        counters and random states now; the full state (`checkpoint.capture`, a snapshot)
        when the returned function is called, on the training thread, after which the
        member's own model and optimiser take the group's current state again."""
        member, row = slot.trainer, slot.row
        with torch.no_grad():
            weights = [p[row:row + 1].clone() for p in self.stack.params]
        optimizer = self.optimizer.copy_row(row)
        counters = member.state.state_dict()
        rng = rng_states(member)

        def later() -> State | None:
            assert member.model is not None and member.optimizer is not None
            now = member.state.state_dict()
            member.state.load_state_dict(counters)
            try:
                with torch.no_grad():
                    for (param, cut), saved in zip(self.stack.slices(0, member.model), weights,
                                                   strict=True):
                        param.copy_(cut(saved))
                self.optimizer.write_back(0, member.optimizer, self.stack, member.model,
                                          optimizer)
                state = capture(member, epochs_done)
                if state is not None:
                    state["rng"] = rng
                    state = snapshot(state)
            finally:
                member.state.load_state_dict(now)
                self._sync(slot)
            return state

        return later

    def _elapsed(self, since: float) -> float:
        return time.perf_counter() - since - self._paused_s

    def _time_of(self, index: int) -> float:
        """Member `index`'s share of the group's time so far (its checkpoints carry it)."""
        self._share_time()
        return self._time_share.get(index, 0.0)

    def _share_time(self) -> None:
        """Share the group's time since the last call among the members still training, in
        proportion to their parameters (a step's cost: the hand-fused MLP computes each width
        unpadded, so a member costs what its own layers cost; vmap members of one signature
        weigh alike). A member's `duration_s` is the sum of its shares: its fair share of the
        group's wall time, which ranks the members as their times alone do, where charging
        each the whole group's time made them all equal and several times too long (case
        37). Set-up before the first step is shared the same way."""
        now = self._elapsed(self._started)
        running = [s.index for s in self._slots if s.result is None]
        weights = [self._time_weight.get(i, 1.0) for i in running]
        total = sum(weights)
        if total > 0:
            span = now - self._shared_until
            for i, w in zip(running, weights, strict=True):
                self._time_share[i] = self._time_share.get(i, 0.0) + span * w / total
        self._shared_until = now

    @property
    def active(self) -> list[_Slot]:
        return [s for s in self._rows if s is not None]

    # --- the loop --------------------------------------------------------------------------

    def _train(self) -> None:
        assert self.datasets is not None
        cfg = self.configs[0]
        data = self.datasets
        epochs = cfg.training.epochs
        self._slots = self._new_slots()
        self._rows = [None] * len(self._slots)
        for slot in self._slots:
            self._rows[slot.row] = slot
        self._window = TrainWindow(self._spe)
        self._recorder = StepRecorder(
            buffered_for(self.device),
            self._emit_step if any(s.on_step for s in self._slots) else None,
            lambda index, d: self._diverge(self._slots[index], d),
            clock=lambda: self._elapsed(self._training_started))
        for slot in self._slots:
            slot.trainer.step_flusher = self._recorder.flush
        self._training_started = time.perf_counter()
        for slot in self._slots:
            member = slot.trainer
            assert member.model is not None
            self._time_weight[slot.index] = float(max(count_parameters(member.model), 1))
            member.time_source = functools.partial(self._time_of, slot.index)
            member.start_fit(data.n_train, data.n_val, epochs * self._spe,
                             self._training_started)
        every, by_step = cfg.evaluation.every, cfg.evaluation.unit == "step"
        sizes = [end - start for start, end in self._bounds]
        self._live_rows = None
        seen: _Live | None = None
        lr_t = torch.empty(0)
        lrs: list[float] = []
        for epoch in range(epochs):
            self._perm = self._permutations(data.n_train)
            for (start, end), n in zip(self._bounds, sizes, strict=True):
                if self._interrupted():
                    return
                self._retire_stopped()
                self._maybe_compact()
                live = self._live()
                if not live.slots:
                    return
                column = min(self.step, live.table.shape[1] - 1)
                if live is not seen or live.changes[column]:
                    seen = live
                    rates = live.table[:, column]
                    lr_t = torch.tensor(rates, dtype=torch.float32, device=self.device)
                    lrs = rates[live.rows].tolist()
                idx = self._perm[..., start:end]
                losses, norms = self._train_step(idx, lr_t, n)
                self.step += 1
                for slot in live.slots:
                    slot.trainer.step = self.step
                self._recorder.record(self.step, epoch, n, lrs, losses, norms, live.indices,
                                      live.rows)
                if by_step and self.step % every == 0:
                    self._evaluate()
            if not by_step and (epoch + 1) % every == 0:
                self._evaluate()
            for slot in self.active:
                calls = overriding(slot.trainer.hooks, "on_epoch_end")
                if any(_needs_state(call, slot.trainer, epoch) for call in calls):
                    self._sync(slot)
                for call in calls:
                    call(slot.trainer, epoch)
        self._recorder.flush()
        if self._interrupted():
            return
        self._retire_stopped()
        due = [s for s in self.active if not s.trainer.evaluated]
        if due:
            self._evaluate()
        self._retire_stopped()
        for slot in self.active:
            self._finish(slot, "completed", TRAINED.format(epochs=epochs,
                                                           steps=slot.trainer.step))

    def _emit_step(self, index: int, event: StepEvent) -> None:
        slot = self._slots[index]
        if slot.result is None:
            for call in slot.on_step:
                call(slot.trainer, event)

    def _live(self) -> _Live:
        """The running rows and their learning-rate table, made again when a row dies or
        moves or a plateau cuts (see `_Live`)."""
        live = self._live_rows
        if live is None:
            total = max(1, self.configs[0].training.epochs * self._spe)
            table = np.zeros((len(self._rows), total + 1))
            for row, slot in enumerate(self._rows):
                schedule = slot.trainer.schedule if slot is not None else None
                if schedule is None:
                    continue
                plan = np.asarray(schedule.planned, dtype=np.float64)[:total + 1]
                table[row, :len(plan)] = plan  # as LRSchedule.lr: the last value after the plan
                table[row, len(plan):] = plan[-1]
                if schedule.plateau is not None:
                    table[row] *= schedule.plateau.scale
            changes = np.ones(total + 1, dtype=bool)
            changes[1:] = (table[:, 1:] != table[:, :-1]).any(axis=0)
            slots = tuple(s for s in self._rows if s is not None)
            live = self._live_rows = _Live(slots, [s.index for s in slots],
                                           [s.row for s in slots], table, changes)
        return live

    def _permutations(self, n_train: int) -> torch.Tensor:
        """This epoch's batch order: `(n,)` shared when every trial has the same seed (their
        generators agree), else `(R, n)`, one row per stacked trial (dead rows repeat row 0)."""
        if self._shared:
            return torch.randperm(n_train, generator=self._slots[0].trainer.state.generator
                                  ).to(self.device)
        rows = [torch.randperm(n_train, generator=s.trainer.state.generator) if s is not None
                else None
                for s in self._rows]
        fill = next(r for r in rows if r is not None)
        return torch.stack([r if r is not None else fill for r in rows]).to(self.device)

    def _train_step(self, idx: torch.Tensor, lr: torch.Tensor, n: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One optimisation step of every stacked trial; per-trial data losses and gradient
        norms before clipping, `(R,)` each, on the device."""
        stack, opt = self.stack, self.optimizer
        shared = self._shared
        if shared:
            xb = self._x_train.index_select(0, idx)
            yb = self._y_train.index_select(0, idx)
        else:
            xb = self._x_train[idx]
            yb = self._y_train[idx]
        if self._augments is not None:
            xb, yb, shared = self._augment(xb, yb, shared)
        if self._hand_written:
            assert isinstance(stack, StackedMLP)
            losses, out = stack.forward_backward(xb, yb, shared, self._loss_spec,
                                                 opt.l1 if opt.has_l1 else None)
        else:
            losses, out = self._autograd_pass(xb, yb, shared)
        grads = [p.grad for p in stack.params if p.grad is not None]
        per_param = torch.stack([torch.linalg.vector_norm(g.flatten(1), dim=1) for g in grads])
        norms = torch.linalg.vector_norm(per_param, dim=0)
        if self._clips:
            coef = (self._clip / (norms + 1e-6)).clamp(max=1.0)
            for g in grads:
                g.mul_(coef.view(-1, *([1] * (g.dim() - 1))))
        opt.step(lr)
        self._window.add(n, losses, out, yb)
        return losses.detach(), norms.detach()

    def _augment(self, xb: torch.Tensor, yb: torch.Tensor, shared: bool
                 ) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Each row's batch augmented by its trial's own augmentation (its own generator, drawn
        exactly as the trial alone draws it); per-row batches `(R, B, ...)` and targets
        `(R, B)` from here. A dead row's batch is left as it is (its outputs are unused)."""
        assert self._augments is not None
        r = len(self._augments)
        rows = xb.expand(r, *xb.shape) if shared else xb
        xb = torch.stack([augment(rows[i]) if augment is not None and self._rows[i] is not None
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

    # --- stopping, divergence, compaction ---------------------------------------------------

    def _interrupted(self) -> bool:
        """The shared stop event ends every running trial ('stopped'); the pause event waits."""
        pause = self.pause_event
        if pause is not None and pause.is_set() and not self._stop_set():
            self._recorder.flush()
            paused = wait_while_paused(pause, self.stop_event, self._stop_set)
            self._paused_s += paused
            for member in self.members:  # each member's wall_s() leaves the pause out too
                member.add_paused(paused)
            self._recorder.restart_clock()
        if not self._stop_set():
            return False
        self._recorder.flush()
        self._retire_stopped()
        for slot in self.active:
            self._finish(slot, "stopped", "stop requested")
        return True

    def _stop_set(self) -> bool:
        return self.stop_event is not None and self.stop_event.is_set()

    def _retire_stopped(self) -> None:
        """Trials whose stop was requested (pruning, early stopping, a hook) leave the group."""
        live = self._live_rows
        for slot in live.slots if live is not None else self.active:
            stop = slot.trainer.stop_requested
            if stop is not None:
                self._recorder.flush()
                if slot.result is None:
                    self._finish(slot, stop[0], stop[1])

    def _diverge(self, slot: _Slot, divergence: Divergence) -> None:
        """A trial's non-finite step, told apart as a lone Trainer does (`Trial.diverged`):
        non-finite data, a model, loss or gradient that was never finite (a failure), or a
        divergence during training (the only one a learning rate causes)."""
        if slot.result is not None:
            return
        member = slot.trainer
        first = self._first_step_checks(member) if divergence.step <= 1 else None
        status, message = member.diverged(divergence, first, (self._x_train, self._y_train))
        self._finish(slot, status, message)

    def _first_step_checks(self, member: Trial) -> list[torch.Tensor | bool]:
        """Whether the training inputs and targets (all of them), and the trial's model output
        and loss on its initial weights (the first batch-size samples), are finite. The member's
        own model still holds its initial weights: it takes the fused ones only at a checkpoint
        or when the trial ends."""
        assert member.model is not None and member.loss_fn is not None
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

    def _finish(self, slot: _Slot, status: FitStatus, message: str,
                trace: str | None = None) -> None:
        member = slot.trainer
        if self._ready and slot.row < len(self._rows) and self._rows[slot.row] is slot:
            with contextlib.suppress(Exception):
                self._sync(slot)
            self._rows[slot.row] = None
            self._live_rows = None
        self._share_time()
        duration = self._time_share.get(slot.index)
        if duration is None:  # ended before the group trained: an equal share of its time
            duration = self._elapsed(self._started) / max(len(self.members), 1)
        duration += member.state.prior_duration_s
        result = member.result(status, message, trace, duration)
        slot.result = result
        for hook in member.hooks:
            hook.on_fit_end(member, result)

    def _sync(self, slot: _Slot) -> None:
        """The trial's own model and torch optimiser take its fused weights and state."""
        member = slot.trainer
        assert member.model is not None and member.optimizer is not None
        self.stack.write_back(slot.row, member.model)
        self.optimizer.write_back(slot.row, member.optimizer, self.stack, member.model)

    def _maybe_compact(self) -> None:
        """Drop dead rows once they are an eighth of the stack (or on the CPU, where every row
        costs its share of the work): fewer rows, less work and memory per step."""
        dead = sum(s is None for s in self._rows)
        if not dead or (self.device != "cpu" and dead < max(1, len(self._rows) // 8)):
            return
        keep = [i for i, s in enumerate(self._rows) if s is not None]
        rows = torch.tensor(keep, dtype=torch.long, device=self.device)
        self.stack.select(rows)
        self.optimizer.select(rows, self.stack.params)
        self._clip = self._clip.index_select(0, rows)
        self.trial_loss = self.trial_loss.select(rows)
        self._loss_spec = self._loss_spec.select(rows)
        if self._augments is not None:
            self._augments = [self._augments[i] for i in keep]
        self._window.select(rows)
        self._rows = [self._rows[i] for i in keep]
        self._live_rows = None
        for row, slot in enumerate(self._rows):
            assert slot is not None
            slot.row = row
        if not self._shared:
            self._perm = self._perm.index_select(0, rows)

    # --- evaluation ------------------------------------------------------------------------

    def _evaluate(self) -> None:
        assert self.datasets is not None
        data, cfg = self.datasets, self.configs[0]
        self._recorder.flush()
        if not self.active:
            return
        values = self._window.values(cfg.task, data.target_std)
        if data.n_val:
            with torch.no_grad(), (self._autocast() if self._autocast
                                   else contextlib.nullcontext()):
                parts = [self.stack.forward(self._x_val[i:i + EVAL_CHUNK], True, training=False)
                         for i in range(0, data.n_val, EVAL_CHUNK)]
                out = torch.cat(parts, dim=1).float()
                values["val_loss"] = self.trial_loss(out, self._y_val)
                values.update(trial_metrics(cfg.task, out, self._y_val, data.target_std, "val"))
        per_row = gather_trials(values)
        epoch = self.step / self._spe
        wall = self._elapsed(self._training_started)
        for slot in self.active:
            member = slot.trainer
            plateau = member.state.plateau
            scale = plateau.scale if plateau is not None else None
            member.report_evaluation(per_row[slot.row], epoch, wall)
            if plateau is not None and plateau.scale != scale:
                self._live_rows = None  # a plateau cut: the planned rates change from here


def _width_key(config: RunConfig) -> tuple[int, ...]:
    """A built-in MLP's hidden widths (the order of rows in a stack)."""
    return tuple(getattr(config.model, "layer_sizes", ()))


def _needs_state(call: Callable[..., Any], member: Trial, epoch: int) -> bool:
    """Whether an `on_epoch_end` hook reads the member's model or optimiser (assumed, unless
    the hook says otherwise through `needs_state(trainer, epoch)`)."""
    ask = getattr(getattr(call, "__self__", None), "needs_state", None)
    return bool(ask(member, epoch)) if callable(ask) else True
