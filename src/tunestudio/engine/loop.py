"""The training loop: K >= 1 trials trained together, a lone fit being K = 1. A step kernel
(engine.step_kernel) computes each step of the trials' rows; this loop owns the rest, the same
for every kernel: epochs, each row's learning rate, stop and pause, evaluations, divergence,
compaction of ended rows, the trials' clocks and outcomes.

Each trial is an ordinary `Trial` (engine/trial.py) that owns its config, seed, schedule,
hooks, resumable state, metrics and outcome, and receives exactly the events a lone fit sends
(`on_fit_start`, `on_step_end`, `on_evaluate_end`, `on_epoch_end`, `on_fit_end`), with itself
as the trainer, so `request_stop` (pruning, a stop button) works per trial. A trial that stops
leaves the group: its learning rate becomes 0 (its weights freeze, its series ends) and, once
enough rows are dead, the stack is compacted. One trial's numbers never depend on another's.
Steps are recorded by one StepRecorder on the trial axis."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch

from tunestudio.engine import checkpoint
from tunestudio.engine.events import FitResult, FitStatus, StepEvent, overriding
from tunestudio.engine.metrics import gather_trials
from tunestudio.engine.models import count_parameters
from tunestudio.engine.step_kernel import StepKernel
from tunestudio.engine.step_recorder import Divergence, StepRecorder, buffered_for
from tunestudio.engine.training_clock import TrainingClock
from tunestudio.engine.trial import (
    Trial,
    classify,
    determinism,
    first_line,
    is_out_of_memory,
    wait_while_paused,
)
from tunestudio.errors import TuneStudioError
from tunestudio.messages import TRAINED

if TYPE_CHECKING:
    from tunestudio.engine.fused.kernel import StackKernel


class Perturbation(Protocol):
    """What changes a running population between steps (engine.pbt.Population): `due` says
    after which steps (`epoch_end`: at the end of an epoch), `apply` changes the loop's
    members (through `TrialLoop.exploit` and `TrialLoop.set_values`), each of them evaluated
    at the current step first."""

    def due(self, step: int, steps_per_epoch: int, total_steps: int,
            epoch_end: bool) -> bool:
        """Whether to change the members after `step` steps (`steps_per_epoch` and
        `total_steps` the run's), at the end of an epoch (`epoch_end`) or mid-epoch."""

    def apply(self, loop: TrialLoop) -> Any:
        """Change the loop's members at its current step."""


class GroupOutOfMemoryError(TuneStudioError):
    """The fused group did not fit in device memory. `pending` are the indices (into the
    group's configs) of the trials that did not finish; split them and train again. Trials that
    finished before keep their results (their `on_fit_end` hooks have run)."""

    def __init__(self, message: str, pending: list[int]):
        super().__init__(message)
        self.pending = pending


@dataclass(frozen=True, eq=False)
class _Live:
    """The running trials as the step loop reads them: their slots, indices and rows (in row
    order), every row's learning rate at every step `(R, total + 1)` (0 for a dead row), and
    whether any rate differs from the step before `(total + 1,)`."""

    slots: tuple[_Slot, ...]
    indices: list[int]
    rows: list[int]
    table: np.ndarray
    changes: np.ndarray


# A lone step's cost that does not grow with the model, in parameters x samples of the work
# that does: 16 digits MLPs of widths 8..512 trained alone on a 2-core CPU took 0.39 s + 4.6 us
# per parameter (3 epochs, batch 64: 5.4e6 parameter-samples); search/fuse_cost.py's probe
# measured 7e6-1e7 under load. A fused member's time share weighs it beside its own work where
# the search gives no measured weights (benchmarks/fused_times.py).
STEP_FIXED_WORK = 5e6


@dataclass(eq=False)
class _Slot:
    """One trial of the loop: its Trial and its row in the kernel; a trial that joined the
    running loop later (a refill) began at the loop's epoch `offset` (its epoch 0), after
    `wall_offset` seconds of the loop's training."""

    index: int
    trial: Trial
    row: int
    on_step: list[Callable[..., Any]]
    result: FitResult | None = None
    offset: int = 0
    wall_offset: float = 0.0


class TrialLoop:
    """Trains `members` (built on one device, of one shape signature when K > 1) with the
    kernel `setup()` returns; `run()` gives one FitResult per member, in order. `resume` (a
    checkpoint state, K = 1 only) continues the trial from its epoch. Exceptions of the types in
    `passthrough` raised by `setup` propagate (the caller trains the members otherwise).

    Never raises for a training problem: bad data, a failing user file, divergence and stop
    requests come back as the results; running out of memory too for one trial, while a group
    of more raises `GroupOutOfMemoryError` (the caller splits it). KeyboardInterrupt and other
    BaseExceptions propagate after the `on_exception` hooks.

    `refill(n)` (with `rebuild`) keeps the group full: at the end of each epoch where fewer
    than the group's first K trials still train, it is asked for up to `n` new members (built
    on the device like the others, of the group's signature; none: the group shrinks as
    before), each with its `time_weights` entry (None where the loop was given none). Each
    starts at its own epoch 0 with its own weights, batch order and optimiser state, exactly
    as alone, and the running members go on in a kernel that `rebuild(members)` makes of them
    all (their state synced into their own models and optimisers first); the time spent
    asking is charged to none of them. This is an asynchronous search's shape: a freed slot
    trains a trial asked after the results before it. Used with evaluations by epoch only,
    without a perturbation or a resume."""

    def __init__(self, members: Sequence[Trial], setup: Callable[[], StepKernel], *,
                 stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None,
                 resume: Mapping[str, Any] | None = None,
                 passthrough: tuple[type[Exception], ...] = (),
                 time_weights: Sequence[float] | None = None,
                 perturbation: Perturbation | None = None,
                 restore: Callable[[], int] | None = None,
                 refill: Callable[[int], Sequence[tuple[Trial, float | None]]] | None = None,
                 rebuild: Callable[[list[Trial]], StepKernel] | None = None):
        if resume is not None and len(members) != 1:
            raise ValueError("only a lone trial resumes from a checkpoint")
        self.members = list(members)
        self.setup = setup
        self.stop_event = stop_event
        self.pause_event = pause_event
        self.resume = resume
        self.passthrough = passthrough
        if perturbation is None and any(m.config.hyper_schedule for m in members):
            from tunestudio.engine.pbt import ConfigSchedules

            perturbation = ConfigSchedules([m.config for m in members])
        # population-based training's, or the members' own hyperparameter schedules, or None
        self.perturbation = perturbation
        # puts a whole group's saved state back once it is set up; returns the epoch to go on
        # from (a population resumed from its checkpoint, engine.pbt.restore_population)
        self.restore = restore
        # what each member's step would cost alone, in any unit (see _share_time)
        self.time_weights = list(time_weights) if time_weights is not None else None
        self.refill, self.rebuild = refill, rebuild
        self.size = len(self.members)  # the rows a refill keeps the group at
        self.kernel: StepKernel | None = None
        self.step = 0
        self._paused_s = 0.0
        self._training_started = time.perf_counter()
        self._clock = TrainingClock()  # the members' training time (see _share_time)
        self._slots: list[_Slot] = []
        self._rows: list[_Slot | None] = []
        self._live_rows: _Live | None = None
        # Each member's share of the loop's time (see _share_time): slot index -> seconds,
        # the parameters that weigh it, and the loop clock up to which it was shared out.
        self._time_share: dict[int, float] = {}
        self._time_weight: dict[int, float] = {}
        self._shared_until = 0.0

    def run(self) -> list[FitResult]:
        """Train; one FitResult per member (see the class docstring)."""
        self._training_started = time.perf_counter()
        self._clock.start()
        for member in self.members:
            member.start_clock()
        try:
            with determinism(self.members[0].config):
                self.kernel = self.setup()
                self._train()
        except self.passthrough as exc:
            if self._slots:
                raise RuntimeError(f"{first_line(exc)} (after training began)") from exc
            raise
        except BaseException as exc:
            open_slots = [s for s in self._slots if s.result is None]
            if not self._slots:
                open_slots = self._slots = [_Slot(i, m, i, []) for i, m in
                                            enumerate(self.members)]
            for slot in open_slots:
                for hook in slot.trial.hooks:
                    with contextlib.suppress(Exception):
                        hook.on_exception(slot.trial, exc)
            if not isinstance(exc, Exception):
                raise
            device = self.members[0].device
            if is_out_of_memory(exc):
                self._release()
                if len(open_slots) > 1:
                    raise GroupOutOfMemoryError(
                        f"a fused group of {len(open_slots)} trials ran out of memory on "
                        f"{device} ({first_line(exc)})", [s.index for s in open_slots]
                    ) from exc
            status, message, trace = classify(exc, self.members[0].config, device)
            for slot in open_slots:
                self._finish(slot, status, message, trace)
        finally:
            self._detach()
        return [s.result for s in self._slots if s.result is not None]

    def _detach(self) -> None:
        """Drop the members' links back to this loop and its kernel (their clock, step
        flusher, later captures), so that a finished loop is freed as soon as its trainer is
        let go: those links made reference cycles that only Python's cyclic collector breaks,
        and between its full collections a fused search held every finished group's models
        and optimiser states (487 MB after six groups of 16 digits MLPs)."""
        for member in self.members:
            if member.time_source is not None:
                spent = member.time_source()
                member.time_source = lambda spent=spent: spent
            member.step_flusher = None
            member.capture_later = None
        self.__dict__.pop("_recorder", None)  # its callbacks are this loop's own methods

    def _release(self) -> None:
        """Free device memory after running out of it."""
        if self.kernel is not None:
            self.kernel.release()
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    @property
    def active(self) -> list[_Slot]:
        """The slots of the trials still training, in row order."""
        return [s for s in self._rows if s is not None]

    # --- the loop --------------------------------------------------------------------------

    def _train(self) -> None:
        kernel = self.kernel
        assert kernel is not None
        first = self.members[0]
        cfg = first.config
        epochs, spe = cfg.training.epochs, first.steps_per_epoch
        assert first.datasets is not None
        data = first.datasets
        row_of = {index: row for row, index in enumerate(kernel.order)}
        self._slots = [
            _Slot(i, m, row_of[i], overriding(m.hooks, "on_step_end") if m.step_events else [])
            for i, m in enumerate(self.members)]
        self._rows = [None] * len(self._slots)
        for slot in self._slots:
            self._rows[slot.row] = slot
        self._recorder = StepRecorder(
            buffered_for(kernel.device),
            self._emit_step if any(s.on_step for s in self._slots) else None,
            lambda index, d: self._diverge(self._slots[index], d),
            check_grad=kernel.check_grad, clock=lambda: self._elapsed(self._training_started))
        self._clock.use_cpu_time(kernel.device, torch.get_num_threads(),
                                 cfg.training.num_workers)
        self._training_started = time.perf_counter()
        for slot in self._slots:
            self._start_member(slot, data.n_train, data.n_val, epochs * spe,
                               self._training_started)
        start_epoch = 0
        if self.resume is not None:
            start_epoch = checkpoint.restore(first, self.resume)
            self.step = first.step
        elif self.restore is not None:
            start_epoch = self.restore()
            self.step = first.step
        every, by_step = cfg.evaluation.every, cfg.evaluation.unit == "step"
        refills = self.refill is not None and self.rebuild is not None and not by_step and \
            self.perturbation is None and self.resume is None and self.restore is None
        seen: _Live | None = None
        lrs: list[float] = []
        epoch = start_epoch
        while any(epoch - s.offset < epochs for s in self.active):
            kernel = self.kernel
            assert kernel is not None
            for n, batch in kernel.batches():
                if self._interrupted():
                    return
                self._retire_stopped()
                if not any(self._rows):
                    return
                self._maybe_compact()
                live = self._live(epochs * spe)
                column = min(self.step, live.table.shape[1] - 1)
                if live is not seen or live.changes[column]:
                    seen = live
                    rates = live.table[:, column]
                    kernel.set_lr(rates)
                    lrs = rates[live.rows].tolist()
                losses, norms = kernel.step(batch)
                self.step += 1
                for slot in live.slots:
                    slot.trial.step = self.step - slot.offset * spe
                self._recorder.record(self.step, epoch, n, lrs, losses, norms, live.indices,
                                      live.rows)
                if by_step and self.step % every == 0:
                    self._evaluate()
                if self._perturbation_due(epochs * spe, False):
                    self._perturb()
            if not by_step:
                due = [s for s in self.active
                       if (epoch - s.offset + 1) % every == 0 and not s.trial.evaluated]
                if due:  # once per step
                    self._evaluate(due)
            if self._perturbation_due(epochs * spe, True):
                self._perturb()
            for slot in self.active:
                calls = overriding(slot.trial.hooks, "on_epoch_end")
                if any(_needs_state(call, slot.trial, epoch - slot.offset) for call in calls):
                    kernel.sync(slot.row, slot.trial)
                for call in calls:
                    call(slot.trial, epoch - slot.offset)
            epoch += 1
            if any(epoch - s.offset >= epochs for s in self.active) or refills:
                if not self._end_fits(epoch, epochs):
                    return
                if refills:
                    self._refill(epoch)
        if self.active:  # a resumed trial whose epochs were all done
            self._end_fits(epoch, epochs)

    def _end_fits(self, epoch: int, epochs: int) -> bool:
        """Before the loop's `epoch`: the members that trained their `epochs` are evaluated
        (unless they were at this step) and complete; stopped members leave. False when the
        run was interrupted (every member then ended as stopped)."""
        self._recorder.flush()
        if self._interrupted():
            return False
        self._retire_stopped()
        ending = [s for s in self.active if epoch - s.offset >= epochs]
        due = [s for s in ending if not s.trial.evaluated]
        if due:
            self._evaluate(due)
        self._retire_stopped()
        for slot in ending:
            if slot.result is None:
                self._finish(slot, "completed",
                             TRAINED.format(epochs=epochs, steps=slot.trial.step))
        return True

    # --- refills: new members in the freed rows ---------------------------------------------

    def _refill(self, epoch: int) -> None:
        """At the start of the loop's `epoch`: new members, asked for the rows that ended
        (`refill`), join at their own epoch 0; the kernel is made again of every running
        member (`rebuild`), the running ones' rows synced into their own models and
        optimisers first."""
        assert self.refill is not None and self.rebuild is not None
        kernel = self.kernel
        assert kernel is not None
        free = self.size - len(self.active)
        if free <= 0 or self._stop_set():
            return
        self._share_time()  # the time so far is the running members'
        asked: list[tuple[Trial, float | None]] = []
        refill = self.refill
        # asking (the sampler, the bookkeeping it waits for) trains no member: left out of
        # their wall clocks as a pause is, and shared out to none of them
        self.hold(lambda: asked.extend(refill(free)))
        self._shared_until = self._clock.elapsed()
        new = asked[:free]
        if not new:
            return
        if (self.time_weights is None) != all(w is None for _, w in new):
            raise ValueError("a refilled member needs a time weight where the group has them")
        running = self.active
        for slot in running:
            kernel.sync(slot.row, slot.trial)
        first = self.members[0]
        assert first.datasets is not None
        data, spe = first.datasets, first.steps_per_epoch
        wall = self._elapsed(self._training_started)
        joined = []
        for member, weight in new:
            if self.time_weights is not None:
                assert weight is not None
                self.time_weights.append(weight)
            slot = _Slot(len(self._slots), member, -1,
                         overriding(member.hooks, "on_step_end") if member.step_events else [],
                         offset=epoch, wall_offset=wall)
            self.members.append(member)
            self._slots.append(slot)
            joined.append(slot)
            self._start_member(slot, data.n_train, data.n_val,
                               member.config.training.epochs * spe, time.perf_counter())
        slots = running + joined
        self.kernel = None
        kernel = self.kernel = self.rebuild([s.trial for s in slots])
        row_of = {index: row for row, index in enumerate(kernel.order)}
        self._rows = [None] * len(slots)
        for i, slot in enumerate(slots):
            slot.row = row_of[i]
            self._rows[slot.row] = slot
        self._live_rows = None
        if self._recorder.emit is None and any(s.on_step for s in joined):
            self._recorder.emit = self._emit_step

    def _start_member(self, slot: _Slot, n_train: int, n_val: int, total: int,
                      started: float) -> None:
        """Link a member to this loop (its step flusher, its share of the time, its weight in
        that share) and start its fit (`total` steps, its first step at `started`)."""
        member = slot.trial
        assert member.model is not None
        member.step_flusher = self._recorder.flush
        self._time_weight[slot.index] = self.time_weights[slot.index] \
            if self.time_weights is not None else \
            STEP_FIXED_WORK + count_parameters(member.model) * member.config.training.batch_size
        member.time_source = functools.partial(self._time_of, slot.index)
        member.start_fit(n_train, n_val, total, started)

    # --- population-based training ----------------------------------------------------------

    def _perturbation_due(self, total: int, epoch_end: bool) -> bool:
        perturbation = self.perturbation
        return perturbation is not None and perturbation.due(
            self.step, self.members[0].steps_per_epoch, total, epoch_end)

    def _perturb(self) -> None:
        """Every running member evaluated at this step (the ranking reads it), then the
        perturbation applied; the members it stopped (population-based training's pruning)
        leave at once, their rows dropped from the stack before the next step."""
        assert self.perturbation is not None
        self._recorder.flush()
        if getattr(self.perturbation, "needs_evaluation", True) and \
                any(not s.trial.evaluated for s in self.active):
            self._evaluate()
        self._retire_stopped()
        if self.active:
            self.perturbation.apply(self)
            if any(s.trial.stop_requested is not None for s in self.active):
                self._retire_stopped()
                if self.active:
                    self._maybe_compact(force=True)

    def hold(self, wait: Callable[[], None]) -> None:
        """Call `wait` (it blocks while other trials train: a population of lone trials, one
        training at a time; or it asks for a refill's trials) with this loop's clocks stopped,
        as during a pause: the members' training times leave the wait out."""
        self._recorder.flush()
        started = time.perf_counter()
        try:
            wait()
        finally:
            held = time.perf_counter() - started
            self._paused_s += held
            self._clock.add_paused(held)
            for member in self.members:
                member.add_paused(held)
            self._recorder.restart_clock()

    def _stack(self) -> StackKernel:
        from tunestudio.engine.fused.kernel import StackKernel

        if not isinstance(self.kernel, StackKernel):
            raise TypeError("population-based training needs a fused group's stacked kernel")
        return self.kernel

    def exploit(self, source: _Slot, target: _Slot) -> None:
        """`target` takes `source`'s row of weights (and buffers) and optimiser state, and its
        hyperparameters with its schedule's position (the step is shared; the plateau
        controller's state is copied). `target` keeps its identity, seed, batch order and its
        own history of evaluations."""
        self._stack().copy_row(source.row, target.row)
        plateau = source.trial.schedule.plateau if source.trial.schedule else None
        self.set_values(target, {}, config=source.trial.config, plateau=plateau)

    def set_values(self, slot: _Slot, values: Mapping[str, Any], *,
                   config: Any = None, plateau: Any = None) -> None:
        """The member's hyperparameters become `values` (dotted path -> value, merged into
        its config, or into `config` when given) from the next step on: its optimiser's numbers
        on its row, its own torch optimiser's param groups, and its LR schedule (planned from
        the new config at the same step; the plateau controller's state kept, or `plateau`'s).
        Raises InvalidConfigError for values its config refuses."""
        from tunestudio.config import merge_values
        from tunestudio.engine.fused.kernel import StackKernel
        from tunestudio.engine.schedules import LRSchedule

        member = slot.trial
        base = config if config is not None else member.config
        new = merge_values(base, dict(values)) if values else base
        if isinstance(self.kernel, StackKernel):  # else the trial's own optimiser trains
            self.kernel.set_optimizer(slot.row, new.optimizer)
        member.config = new
        if member.optimizer_built:  # else it is built from the new config when first used
            assert member.optimizer is not None
            spec = new.optimizer.model_dump()
            for group in member.optimizer.param_groups:
                for key in ("lr", "weight_decay", "momentum", "eps", "alpha"):
                    if key in group and key in spec:
                        group[key] = spec[key]
                if "betas" in group and "beta1" in spec:
                    group["betas"] = (spec["beta1"], spec["beta2"])
        old = member.schedule
        assert old is not None and member.datasets is not None
        schedule = LRSchedule(new, member.datasets.n_train)
        keep = plateau if plateau is not None else old.plateau
        if schedule.plateau is not None and keep is not None:
            for name in ("scale", "cuts", "best", "bad"):
                setattr(schedule.plateau, name, getattr(keep, name))
        member.schedule = schedule
        member.state.plateau = schedule.plateau
        self._live_rows = None  # the LR table is made again from the new plans

    def _emit_step(self, index: int, event: StepEvent) -> None:
        slot = self._slots[index]
        if slot.result is None:
            if slot.offset:  # the loop's step, epoch and clock, as the member's own
                event = dataclasses.replace(
                    event, step=event.step - slot.offset * slot.trial.steps_per_epoch,
                    epoch=event.epoch - slot.offset, wall_s=event.wall_s - slot.wall_offset)
            for call in slot.on_step:
                call(slot.trial, event)

    def _live(self, total: int) -> _Live:
        """The running rows and their learning-rate table (as LRSchedule.lr: the last planned
        value after the plan, times the plateau's scale), made again when a row dies or moves
        or a plateau cuts (see `_Live`)."""
        live = self._live_rows
        if live is None:
            spe = self.members[0].steps_per_epoch
            late = max((s.offset for s in self._rows if s is not None), default=0) * spe
            total = max(1, total) + late
            table = np.zeros((len(self._rows), total + 1))
            for row, slot in enumerate(self._rows):
                schedule = slot.trial.schedule if slot is not None else None
                if slot is None or schedule is None:
                    continue
                begin = slot.offset * spe  # a later member's plan starts at its first step
                plan = np.asarray(schedule.planned, dtype=np.float64)[:total + 1 - begin]
                table[row, :begin] = plan[0]
                table[row, begin:begin + len(plan)] = plan
                table[row, begin + len(plan):] = plan[-1]
                if schedule.plateau is not None:
                    table[row] *= schedule.plateau.scale
            changes = np.ones(total + 1, dtype=bool)
            changes[1:] = (table[:, 1:] != table[:, :-1]).any(axis=0)
            slots = tuple(s for s in self._rows if s is not None)
            live = self._live_rows = _Live(slots, [s.index for s in slots],
                                           [s.row for s in slots], table, changes)
        return live

    # --- stopping, divergence, compaction ---------------------------------------------------

    def _interrupted(self) -> bool:
        """The shared stop event ends every running trial ('stopped'); the pause event waits
        (waking at once on a stop, or once every trial asked to stop)."""
        pause = self.pause_event
        if pause is not None and pause.is_set() and not self._stop_set():
            self._recorder.flush()
            paused = wait_while_paused(pause, self.stop_event, self._all_stopping)
            self._paused_s += paused
            self._clock.add_paused(paused)
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

    def _all_stopping(self) -> bool:
        return self._stop_set() or all(s.trial.stop_requested is not None
                                       for s in self.active)

    def _retire_stopped(self) -> None:
        """Trials whose stop was requested (pruning, early stopping, a hook) leave the group."""
        live = self._live_rows
        for slot in live.slots if live is not None else self.active:
            stop = slot.trial.stop_requested
            if stop is not None:
                self._recorder.flush()
                if slot.result is None:
                    self._finish(slot, stop[0], stop[1])

    def _diverge(self, slot: _Slot, divergence: Divergence) -> None:
        """A trial's non-finite step, told apart by `Trial.diverged`: non-finite data, a model,
        loss or gradient that was never finite (a failure), or a divergence during training
        (the only one a learning rate causes)."""
        if slot.result is not None:
            return
        member, kernel = slot.trial, self.kernel
        assert kernel is not None
        if slot.offset:  # the member's own step and epoch
            divergence = dataclasses.replace(
                divergence, step=divergence.step - slot.offset * member.steps_per_epoch,
                epoch=divergence.epoch - slot.offset)
        member.note_divergence(divergence)
        first = kernel.first_step_checks(slot.row) if divergence.step <= 1 else None
        status, message = member.diverged(divergence, first, kernel.train_tensors())
        self._finish(slot, status, message)

    def _finish(self, slot: _Slot, status: FitStatus, message: str,
                trace: str | None = None) -> None:
        member, kernel = slot.trial, self.kernel
        if kernel is not None and slot.row < len(self._rows) and self._rows[slot.row] is slot:
            with contextlib.suppress(Exception):
                kernel.sync(slot.row, member)
            kernel.retire(slot.row)
            self._rows[slot.row] = None
            self._live_rows = None
        self._share_time()
        duration = self._time_share.get(slot.index)
        if duration is None:  # ended before training: an equal share of the time
            duration = self._clock.elapsed() / max(len(self.members), 1)
        duration += member.state.prior_duration_s
        result = member.result(status, message, trace, duration)
        slot.result = result
        for hook in member.hooks:
            hook.on_fit_end(member, result)
        # Its end (hooks storing the result, writing files) trains no member: not shared out
        # to those still running, else members ending at one step were charged each other's
        # ends, in the order they ended.
        self._shared_until = self._clock.elapsed()

    @property
    def eager_compaction(self) -> bool:
        """Whether a dead row leaves the stack at once (on the CPU every row costs its share
        of the work; an accelerator computes a few dead rows at no cost worth a copy)."""
        assert self.kernel is not None
        return self.kernel.device == "cpu"

    def _maybe_compact(self, force: bool = False) -> None:
        """Drop dead rows once they are an eighth of the stack (or on the CPU, where every row
        costs its share of the work; or whenever `force`: a pruned member's row must stop
        costing work): fewer rows, less work and memory per step."""
        assert self.kernel is not None
        dead = sum(s is None for s in self._rows)
        if not dead or (not force and not self.eager_compaction
                        and dead < max(1, len(self._rows) // 8)):
            return
        keep = [i for i, s in enumerate(self._rows) if s is not None]
        self.kernel.select(keep)
        self._rows = [self._rows[i] for i in keep]
        self._live_rows = None
        for row, slot in enumerate(self._rows):
            assert slot is not None
            slot.row = row

    # --- clocks ----------------------------------------------------------------------------

    def _elapsed(self, since: float) -> float:
        return time.perf_counter() - since - self._paused_s

    def _time_of(self, index: int) -> float:
        """Member `index`'s share of the loop's time so far (its checkpoints carry it)."""
        self._share_time()
        return self._time_share.get(index, 0.0)

    def _share_time(self) -> None:
        """Share the loop's time since the last call among the members still training, in
        proportion to what a step of each would cost alone: `time_weights` when given (the
        search's measured cost model), else a fixed part per member, STEP_FIXED_WORK, beside
        its own work, parameters x batch size (the hand-fused MLP computes each width unpadded,
        so a member costs what its own layers cost; vmap members of one signature weigh alike).
        By parameters alone, a group of widths 8 to 512 spread its time 441x where alone they
        take 4-5x: a lone step's fixed cost (Python, launches, the optimiser's loop) weighs as
        much as a narrow member's work. A member's `duration_s` is the sum of its shares: its
        fair share of the group's wall time, which ranks the members as their times alone do,
        where charging each the whole group's time made them all equal and several times too
        long (case 37). Set-up before the first step is shared the same way; a lone trial's is its
        whole time. The loop's time is its `TrainingClock`: on a CPU trained by this thread
        alone its CPU time, so work on other threads (the search's bookkeeping, the window) is
        charged to no member."""
        now = self._clock.elapsed()
        running = [s.index for s in self._slots if s.result is None]
        weights = [self._time_weight.get(i, 1.0) for i in running]
        total = sum(weights)
        if total > 0:
            span = now - self._shared_until
            for i, w in zip(running, weights, strict=True):
                self._time_share[i] = self._time_share.get(i, 0.0) + span * w / total
        self._shared_until = now

    # --- evaluation ------------------------------------------------------------------------

    def _evaluate(self, slots: Sequence[_Slot] | None = None) -> None:
        """Evaluate the stack and report to `slots` (default: every running member), each at
        its own epoch and training time."""
        self._recorder.flush()
        if not self.active:
            return
        assert self.kernel is not None
        per_row = gather_trials(self.kernel.evaluate())
        spe = self.members[0].steps_per_epoch
        wall = self._elapsed(self._training_started)
        for slot in self.active if slots is None else [s for s in slots if s.result is None]:
            member = slot.trial
            plateau = member.state.plateau
            scale = plateau.scale if plateau is not None else None
            member.report_evaluation(per_row[slot.row], member.step / spe,
                                     wall - slot.wall_offset)
            if plateau is not None and plateau.scale != scale:
                self._live_rows = None  # a plateau cut: the planned rates change from here


def _needs_state(call: Callable[..., Any], member: Trial, epoch: int) -> bool:
    """Whether an `on_epoch_end` hook reads the member's model or optimiser (assumed, unless
    the hook says otherwise through `needs_state(trainer, epoch)`)."""
    ask = getattr(getattr(call, "__self__", None), "needs_state", None)
    return bool(ask(member, epoch)) if callable(ask) else True
