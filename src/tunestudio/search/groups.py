"""Fused trial groups in a search: ask the sampler for several trials at once, group them by
shape signature, train each group as one fused model (engine/fused), and finish every trial as
an ordinary one, in Optuna's tables and ours (plus the group id).

- How many at once: `fuse` 'fixed' (or `--fuse K`) asks K; 'auto' asks what a short probe of
  the device found worth fusing (at most `fuse_trials`), and fuses only where its cost model
  (search/fuse_cost.py: a group against its members alone, pruning included) expects it to
  pay: else the run trains one trial at a time, and the members of a group that would cost
  more fused (wide ones) train alone; the run says what it chose; 'off' trains one at a time.
- Trials of one ask that differ in what shapes the computation (model structure, batch size,
  epochs, ...) train in separate groups; a group of one trains alone, as without fusing.
- Where `--fuse auto` trains one trial at a time and the fused MLP pass times its trials'
  steps no slower than the lone loop (on a CPU), each trains as a group of one there.
- A group that does not fit in memory is split in half and trained again, never failed.
- A group that cannot fuse at all (a user model `vmap` rejects, float16 on an old GPU) trains
  its trials one at a time; the reason is said once per run.
- A trial that ends inside its group (pruned, stopped early, diverged) is finished at once, so a
  crash later in the group keeps it.
- A fused trial's checkpoints hold its own weights and optimiser state in torch.optim's
  layout: an interrupted one goes on from its last resume file alone, on the lone loop."""

from __future__ import annotations

import contextlib
import functools
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

import optuna

from tunestudio.config import (
    InvalidConfigError,
    MLPModel,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    merge_values,
)
from tunestudio.engine import FitResult, TrainerHooks, Trial
from tunestudio.engine.data import Splits
from tunestudio.engine.paced_checkpoint import PacedCheckpointHook
from tunestudio.messages import N_
from tunestudio.search.events import TrialFinished
from tunestudio.search.fuse_cost import (
    CPU_GROUP_PARAMS,
    Member,
    StepCost,
    capped_parts,
    member_of,
    split_group,
)
from tunestudio.search.round_asks import (
    AskPlan,
    GroupAsks,
    RoundAsks,
    ask_plan,
    startup_shapes,
)
from tunestudio.search.round_shapes import RoundShapeSampler, shape_choices
from tunestudio.search.trial_run import (
    Prepared,
    Training,
    TrialContext,
    _device_name,
    _TrialHooks,
    finish,
    release_kernel,
    start,
    train,
    train_with_engine,
    trial_saver,
)
from tunestudio.store import SeriesWriter

NO_GAIN_LINE = N_("FuseChoice", "fuse auto: one trial at a time (the device probe found no gain "
                  "in training trials fused)")
UNFITTED_LINE = N_("FuseChoice", "fuse auto: groups of up to {k} trials (the device probe's; its "
                   "cost model could not be fitted: {error})")
GROUP_ATTR = "ts_group"  # Optuna user attr: the fused group a trial trained in


@dataclass(frozen=True)
class FusePolicy:
    """How a run fuses: `mode` 'auto' (probe the device, at most `cap`), 'fixed' (`cap`
    trials per ask) or 'off'."""

    mode: Literal["auto", "fixed", "off"]
    cap: int

    @property
    def enabled(self) -> bool:
        """Whether the run may fuse at all: not 'off', and more than one trial per group allowed."""
        return self.mode != "off" and self.cap > 1


def fuse_policy(search: SearchDefinition, override: str | None = None) -> FusePolicy:
    """The experiment's setting, or the command line's `--fuse auto|off|K` when given."""
    value = (override or search.fuse).strip().lower()
    if value == "off":
        return FusePolicy("off", 1)
    if value.isdigit():
        return FusePolicy("fixed", int(value))
    if value == "fixed":
        return FusePolicy("fixed", search.fuse_trials)
    if value == "auto":
        return FusePolicy("auto", search.fuse_trials)
    raise ValueError(f"fuse must be auto, off or a number of trials, not '{value}'")


def run_alone_reason(ctx: TrialContext) -> str | None:
    """Why no trial of this run can fuse, or None."""
    if ctx.baseline.program is not None:
        return "program trials never fuse: each runs as a process of its own"
    if ctx.fit is not train_with_engine:
        return "a custom training function trains one trial at a time"
    if ctx.search.repeats > 1:
        return (f"each trial trains {ctx.search.repeats} times with other seeds, one repeat "
                "after another; such trials train one at a time")
    return None


@dataclass(frozen=True)
class AutoFuse:
    """`--fuse auto`'s cost model for the groups of a run (see search/fuse_cost.py): `cost`
    per step, `data` the splits its members' work is counted on."""

    cost: StepCost
    data: Splits


_costs: dict[tuple[str, str, int, str], StepCost] = {}  # probed once per process and space


@dataclass(frozen=True)
class FuseChoice:
    """What a run fuses: trials asked at once (1: one at a time), the auto cost model (None
    for a fixed K) and the line that says so (None: nothing to say)."""

    size: int
    auto: AutoFuse | None = None
    line: str | None = None
    members: int | None = None  # at most this many trials per fused group (None: `size`)
    # one at a time (`size` 1) as groups of one on the fused MLP pass, which times these
    # trials' steps no slower than the lone loop (`fuse_cost.lone_bound`)
    fused_pass: bool = False


def choose_fusing(ctx: TrialContext, policy: FusePolicy, total: int | None) -> FuseChoice:
    """The fixed policy's K (`group_members`); for 'auto', groups of up to
    `fuse_cost.PROBE_GROUP` trials per shape (fewer where the device probe finds memory or
    throughput short, off the CPU), probed and judged at the size of the largest round the run
    asks (`ask_plan`: a model-based sampler asks a quarter of its budget at a time), at the
    size of `fuse_cost.group_sizes` (that K, halved down to 2) whose groups the cost model
    expects to take the least time against one trial at a time (`best_group_size`: a smaller
    group can keep more of the pruning), kept only where that is at most `fuse_cost.MARGIN`
    (`estimate_run`; a time budget is judged on 8 rounds). The model comes
    from this process's earlier probe of the space, the user's cache
    (`fuse_cost.cached_cost`) or a probe of the device, whose group timings a run of `total`
    trials skips where they would cost more than a share of the most fusing could save
    (`fuse_cost.short_run`; one trial at a time, said). Where the space's trials are no
    slower alone on the fused MLP pass than on the lone loop (`fuse_cost.lone_bound`), the
    model's lone timings are that pass's and one trial at a time trains there (`fused_pass`:
    groups of one). A model that cannot be
    fitted (the probe's group fails) leaves the groups as they were, said. `members` is K:
    no group of the run holds more (`GroupTraining`)."""
    from tunestudio.engine.data import load_splits
    from tunestudio.search.fuse_cost import (
        PROBE_GROUP,
        ShortRun,
        cached_cost,
        cost_key,
        evaluations_of,
        lone_bound,
        probe_cost,
        space_members,
        trained_share,
    )

    if policy.mode != "auto":
        k = group_members(ctx, policy)
        return FuseChoice(k * space_shapes(ctx) if k > 1 else 1, members=k)
    config = ctx.baseline
    device = _device_name(ctx.device or config.training.device)
    shapes = space_shapes(ctx)
    if device == "cpu":  # no memory to size for: the cost model's probe alone decides
        k = min(policy.cap, PROBE_GROUP)
    else:
        k = min(group_members(ctx, policy), PROBE_GROUP)
    if k <= 1:
        return FuseChoice(1, line=NO_GAIN_LINE)
    size = k * shapes
    n_obj = len(ctx.study.directions)
    plan = ask_plan(ctx.search, n_obj, size, total, ctx.slot.count, _startup_shapes(ctx))
    # a group holds no more than a round asks: a model-based search of 12 trials asks at most
    # 5 at a time, and timing groups of 16 cost three times its own groups' timing, for
    # groups it never trains
    k = max(2, min(k, max(plan.first, plan.then), total if total is not None else k))
    pruner = ctx.search.pruner if n_obj == 1 else ctx.search.pruner.model_copy(
        update={"kind": "none"})  # Optuna prunes single-objective studies only
    try:
        data = ctx.data.get(config.data, ctx.base_dir) or load_splits(config.data, ctx.base_dir)
        drawn = space_members(ctx.search, config, data)
        spe = max(1, drawn[0][1].steps // max(1, drawn[0][0].training.epochs))
        evaluations = evaluations_of(config, spe)
        key = (config.model_dump_json(), json.dumps([d.model_dump(mode="json") for d in
                                                     ctx.search.dimensions]), k, device)
        stored = cost_key(key)

        # Where a trial's steps alone are timed no slower on the fused pass than on the lone
        # loop (`lone_bound`), the lone timings are that pass's, and one trial at a time
        # trains there too (as groups of one): a run never builds a torch optimiser, whose
        # first one imports torch._dynamo (about 1 s here), and its lone loop is never timed
        # (the regression template's 12 trials: about 0.9 s of lone timings, then one at a
        # time as --fuse off trains, 6.3 s against off's 5.9 s)
        bound = lone_bound([c for c, _ in drawn], device)
        lone: Literal["loop", "fused"] = "fused" if bound else "loop"
        known = _costs.get(key) or cached_cost(stored)
        if known is not None and known.lone == lone:
            cost: StepCost | ShortRun = known  # this process's earlier model, or the cache's
        else:
            cost = probe_cost(drawn, data, k, base_dir=ctx.base_dir, device=device,
                              trials=total, key=stored,
                              share=trained_share(pruner, evaluations), lone=lone)
        if isinstance(cost, ShortRun):  # its group timings would not pay: not kept
            return FuseChoice(1, line=cost.line(fused_pass=bound), fused_pass=bound)
    except Exception as exc:  # the groups themselves will meet it, and say so
        return FuseChoice(size, line=UNFITTED_LINE.format(k=k, error=str(exc)), members=k)
    return _judged(ctx, cost, data, drawn, k, shapes, size, total, pruner, evaluations, key,
                   stored)


def _judged(ctx: TrialContext, cost: StepCost, data: Splits,
            drawn: list[tuple[RunConfig, Member]], k: int, shapes: int, size: int,
            total: int | None, pruner: PrunerConfig, evaluations: int,
            key: tuple[str, str, int, str], stored: str) -> FuseChoice:
    """`choose_fusing`'s verdict by the model `cost` of the space (kept for this process
    and in the user's cache): the group
    size of `fuse_cost.group_sizes(k)` whose estimate is lowest, where that pays (else one
    at a time, on the fused pass where the model's lone timings are its). `shapes`:
    the space's shape signatures; `size`: the trials a round asks at most before the run's
    rounds cap K (its time budget is judged on 8 such rounds)."""
    from tunestudio.search.fuse_cost import (
        FuseEstimate,
        best_group_size,
        estimate_run,
        store_cost,
    )

    config = ctx.baseline
    device = _device_name(ctx.device or config.training.device)
    n_obj = len(ctx.study.directions)
    budget = total if total is not None else 8 * size
    budget = -(-budget // max(1, ctx.slot.count))  # this slot's share of the run
    members = [m for _, m in drawn]
    params = CPU_GROUP_PARAMS if _param_budget(device, config) else None
    startup = _startup_shapes(ctx)

    def estimate(members_k: int) -> FuseEstimate:
        at = ask_plan(ctx.search, n_obj, members_k * shapes, total, ctx.slot.count, startup)
        return estimate_run(cost, members, at, budget, members_k, pruner, evaluations,
                            budget=params)

    weighed, chosen = best_group_size(estimate, k)
    if _costs.get(key) is not cost:
        _costs[key] = cost
        store_cost(stored, cost)
    auto = AutoFuse(cost, data)
    line = chosen.line(weighed)
    if chosen.size <= 1:
        return FuseChoice(1, auto, line, members=k, fused_pass=cost.lone == "fused")
    return FuseChoice(chosen.size * shapes, auto, line, members=chosen.size)


def _startup_shapes(ctx: TrialContext) -> int:
    """How many shapes the run's start-up round draws at least (`round_asks.startup_shapes`)."""
    return startup_shapes(shape_choices(ctx.search, ctx.baseline))


MAX_SHAPES = 8  # an ask covers at most this many shape signatures' worth of groups


def group_members(ctx: TrialContext, policy: FusePolicy) -> int:
    """Trials per fused group, K: the policy's (fixed), or the device probe's within it (auto:
    what fits the accelerator's memory). A run asks K times the number of shape signatures its
    space spans at once (a batch-size dimension with three choices makes three groups of one
    ask), so that each group still gets about K trials; a group never holds more than K."""
    if policy.mode != "auto":
        return policy.cap
    from tunestudio.engine.fused.probe import probe_group_size

    config = ctx.baseline
    return probe_group_size(config, policy.cap, base_dir=ctx.base_dir,
                            device=_device_name(ctx.device or config.training.device))


def space_shapes(ctx: TrialContext) -> int:
    """How many shape signatures the search's dimensions span (each dimension's grid values
    merged into the baseline; capped at MAX_SHAPES)."""
    from tunestudio.engine.fused import fuse_signature

    count = 1
    for dim in ctx.search.dimensions:
        signatures = set()
        for value in dim.grid_values():
            try:
                signatures.add(fuse_signature(merge_values(ctx.baseline, {dim.path: value})))
            except InvalidConfigError:
                continue
        count *= max(1, len(signatures))
    return min(count, MAX_SHAPES)


def _hidden_units(members: list[tuple[Prepared, int]]) -> list[int]:
    """Each member's hidden units (an MLP's layer sizes summed; 0 for other models): the width
    order that groups neighbouring trials."""
    return [sum(p.config.model.layer_sizes) if p.config is not None and
            isinstance(p.config.model, MLPModel) else 0 for p, _ in members]


def _param_budget(device: str, config: RunConfig) -> bool:
    """Whether `--fuse auto` caps a group's parameters (CPU_GROUP_PARAMS): on a CPU, for the
    hand-fused MLP, whose step sweeps every member's weights and optimiser state. Not for
    other models: 4 CNNs of 1.25 M parameters (the images template's, wider) trained fused in
    0.87 of their time alone on this 2-core CPU, where the cap would train each alone."""
    from tunestudio.engine.fused import hand_fused_mlp

    return device == "cpu" and hand_fused_mlp(config)


class _MemberHooks(_TrialHooks):
    """A fused trial's hooks: those of a lone trial, and its bookkeeping the moment it ends."""

    def __init__(self, ctx: TrialContext, run: Training,
                 ended: Callable[[Training, FitResult], None]):
        super().__init__(ctx, run.trial_id, run.writer, 0, run.pruning)
        self.run, self.ended = run, ended

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        super().on_fit_end(trainer, result)
        self.ended(self.run, result)


# what `--fuse auto` says when its cost model trains members of a round's group alone
WIDEST_ALONE_LINE = ("fuse auto: trials whose fused steps would cost more than their own (the "
                     "widest of a group) train one at a time")
ALL_ALONE_LINE = ("fuse auto: a fused group of these trials would take longer than training "
                  "them one at a time; they train one at a time")


def alone_line(fused: int, alone: int) -> str | None:
    """What `--fuse auto` says when its cost model splits a group into `fused` members and
    `alone` ones: None when none trains alone; the widest members, when some stay fused; else
    the whole group (CNNs on a CPU, whose steps are arithmetic that a group computes per
    member: saying "the widest" of members of one width was wrong)."""
    if not alone:
        return None
    if fused:
        return WIDEST_ALONE_LINE
    return ALL_ALONE_LINE


class GroupTraining:
    """Trains asked batches of prepared trials group by group on the calling thread; the
    bookkeeping of each trial (Optuna told, row finished) runs on `books`."""

    def __init__(self, ctx: TrialContext, books: ThreadPoolExecutor,
                 tally: Callable[[TrialFinished], None], say: Callable[[str], None],
                 auto: AutoFuse | None = None, members: int | None = None):
        self.ctx, self.books, self.tally, self.say = ctx, books, tally, say
        self.auto = auto  # --fuse auto's cost model: per group, who trains fused
        self.members = members  # at most this many trials per group (None: any)
        self._counts: dict[str, float] = {}  # parameters by model spec (fuse_cost.member_of)
        self.finishing: list[Future[TrialFinished]] = []
        self._said: set[str] = set()
        self._savers: dict[int, PacedCheckpointHook] = {}  # by store id, until finished
        self._lock = threading.Lock()
        # the run's asks, from which a running group refills its freed rows (None: it does not)
        self.asks: RoundAsks | None = None
        self._ended_ids: set[int] = set()  # store ids of the trials whose fit ended
        self._resumed: list[Training] = []  # asked for a refill but resuming: they train alone

    def say_once(self, text: str) -> None:
        """Say `text` to the run's observers, unless this group training said it before."""
        if text not in self._said:
            self._said.add(text)
            self.say(text)

    def run_batch(self, batch: list[tuple[Prepared, int]], total: int | None,
                  asked_before: int = 0) -> None:
        """Train an asked batch group by group; `asked_before`: trials the run asked before
        it (the cost model's pruner may act on a group once the trials trained before it, in
        this batch too, are its start-up)."""
        from tunestudio.engine.fused import fuse_signature, signature_difference

        trained = asked_before  # trials whose groups trained before the next group
        groups: dict[str, list[tuple[Prepared, int]]] = {}
        for prepared, index in batch:
            assert prepared.config is not None
            groups.setdefault(fuse_signature(prepared.config), []).append((prepared, index))
        if len(groups) > 1:
            firsts = [g[0][0].config for g in groups.values()]
            fields = sorted({f for c in firsts[1:] for f in
                             signature_difference(firsts[0], c)})  # type: ignore[arg-type]
            self.say_once(f"trials that differ in {', '.join(fields) or 'their shape'} train "
                          "in separate fused groups")
        for members in [chunk for group in groups.values() for part in self._by_width(group)
                        for chunk in self._capped(part)]:
            if self.ctx.stop_event.is_set():
                return
            runs = [start(self.ctx, prepared, index, total) for prepared, index in members]
            resuming = [r for r in runs if r.resume is not None]
            if resuming:  # an interrupted trial goes on from its checkpoint, alone
                if len(runs) > 1:  # worth saying only when it leaves a group
                    self.say_once("trials that resume from a checkpoint train alone")
                for run in resuming:
                    self.train_alone(run)
                runs = [r for r in runs if r.resume is None]
            fused, alone = self._by_cost(runs, trained)
            trained += len(members)
            for run in alone:  # on the fused MLP's pass where it has one (train_group)
                self.train_group([run])
            if fused:
                self.train_group(fused)

    def _by_cost(self, runs: list[Training], trained: int
                 ) -> tuple[list[Training], list[Training]]:
        """Under `--fuse auto`, the members of a group that its cost model trains alone (wide
        ones whose fused steps cost more than their own), said once; else all fused. `trained`:
        trials whose groups trained before this one (the pruner's start-up once enough)."""
        auto = self.auto
        if auto is None or len(runs) < 2:
            return runs, []
        seen = [member_of(r.prepared.config, auto.data, self._counts)  # type: ignore[arg-type]
                for r in runs]
        keep, _, _ = split_group(auto.cost, [m.work for m in seen], [m.shape for m in seen])
        fused = [runs[i] for i in keep]
        alone = [r for i, r in enumerate(runs) if i not in set(keep)]
        line = alone_line(len(fused), len(alone))
        if line is not None:
            self.say_once(line)
        return fused, alone

    def _by_width(self, members: list[tuple[Prepared, int]]) -> list[list[tuple[Prepared, int]]]:
        """On the CPU, MLPs of very different widths that train padded (dropout takes autograd
        over the padded stack) train in separate groups when that saves work: every trial of
        such a group computes at the group's widest, and the CPU's time grows with the units
        computed, while a group's own cost per step is fixed (see `split_by_width`). On the
        hand-written pass every width is computed unpadded, and elsewhere (a GPU is bound by
        launches, not units), so they stay one group."""
        from tunestudio.engine.fused import hand_fused_mlp, unpadded_widths

        config = members[0][0].config
        assert config is not None
        device = _device_name(self.ctx.device or config.training.device)
        if device != "cpu" or not hand_fused_mlp(config) or len(members) < 2 or \
                all(p.config is not None and unpadded_widths(p.config) for p, _ in members):
            return [members]
        return [[members[i] for i in part] for part in split_by_width(_hidden_units(members))]

    def _capped(self, members: list[tuple[Prepared, int]]) -> list[list[tuple[Prepared, int]]]:
        """A group cut into groups of neighbouring widths (`fuse_cost.capped_parts`) of at most
        K trials, what the run was sized for (the device's memory, the probe's timings; a group
        of 62 MLPs of widths 78-504 took 7.7 s on a 2-core CPU where groups of 16 took 6.1 s
        and the 62 alone 7.5 s), and under `--fuse auto` on a CPU of at most CPU_GROUP_PARAMS
        parameters (MLPs; see `_param_budget`)."""
        cap = self.members
        config = members[0][0].config
        assert config is not None
        device = _device_name(self.ctx.device or config.training.device)
        auto = self.auto if _param_budget(device, config) else None
        if len(members) < 2 or (cap is None and auto is None):
            return [members]
        params = None if auto is None else [
            member_of(p.config, auto.data, self._counts).params  # type: ignore[arg-type]
            for p, _ in members]
        parts = capped_parts(_hidden_units(members), cap or len(members), params,
                             CPU_GROUP_PARAMS if auto is not None else None)
        return [[members[i] for i in part] for part in parts]

    def _ended(self, run: Training, result: FitResult) -> None:
        self._ended_ids.add(run.trial_id)
        done = self.books.submit(self._finish_member, run, result)
        done.add_done_callback(lambda f: self.tally(f.result()))
        with self._lock:
            self.finishing.append(done)

    def _finish_member(self, run: Training, result: FitResult) -> TrialFinished:
        """A member's bookkeeping, once its checkpoint's last write (on the checkpoint thread)
        is on disk: `finish` uploads it and discards the working files."""
        saver = self._savers.pop(run.trial_id, None)
        if saver is not None:
            saver.wait()
        return finish(self.ctx, run, [result])

    def train_alone(self, run: Training, grouped: bool = False) -> None:
        """Train one trial on the lone training loop (`grouped`: it was in a group that could not
        train, so its stored group is cleared), then hand its results to the bookkeeping thread,
        which records them and tallies them; the future joins `finishing`."""
        if grouped:  # it was in a group that could not train: it trained alone after all
            self.books.submit(self.ctx.store.set_group, [run.trial_id], None)
        results = train(self.ctx, run)
        done = self.books.submit(finish, self.ctx, run, results)
        done.add_done_callback(lambda f: self.tally(f.result()))
        with self._lock:
            self.finishing.append(done)

    def train_group(self, runs: list[Training], split: bool = False) -> None:
        """One fused group; split in half on out-of-memory. A group of one trains alone, on
        the hand-fused MLP's pass where its model has one (a fused round's trial of a batch size
        of its own, a member the cost model trains alone): on this 2-core CPU it trained the
        headline's and the digits template's MLPs in 0.75-1.0 of the lone loop's time with
        torch.optim (the same accuracy), and a fused search then never builds a torch
        optimiser, whose first one imports torch._dynamo (about 1 s of the search's
        start-up). A group of one left by an out-of-memory split trains on the lone loop."""
        from tunestudio.engine.fused import (
            FusedTrainer,
            FusionError,
            GroupOutOfMemoryError,
            hand_fused_mlp,
        )

        config0 = runs[0].prepared.config
        assert config0 is not None
        if len(runs) == 1 and (split or not hand_fused_mlp(config0)):
            self.train_alone(runs[0], grouped=split)
            return
        ctx = self.ctx
        group_id = uuid.uuid4().hex[:12]
        if len(runs) > 1:
            self.books.submit(self._record_group, runs, group_id)
        members = [c for c in (r.prepared.config for r in runs) if c is not None]
        runs = list(runs)  # a refill adds the trials it asked (an out-of-memory split sees them)
        refill = functools.partial(self._refill, runs, group_id, GroupAsks()) \
            if self.asks is not None and len(runs) > 1 and not split else None
        trainer = FusedTrainer(
            members, hooks=[self._hooks(run, alone=len(runs) == 1) for run in runs],
            base_dir=ctx.base_dir, device=_device_name(ctx.device or config0.training.device),
            stop_event=ctx.stop_event, pause_event=ctx.pause_event,
            datasets=ctx.data.get(config0.data, ctx.base_dir),
            time_weights=self._time_weights(members), refill=refill)
        try:
            trainer.fit()
            release_kernel(trainer.kernel)  # its tensors now, not when the cyclic collector runs
        except FusionError as exc:
            self.say_once(f"these trials cannot train fused: {exc}; they train one at a time")
            for run in runs:
                self.train_alone(run, grouped=True)
        except GroupOutOfMemoryError as exc:
            pending = [runs[i] for i in exc.pending]
            self.say_once(f"{exc}; the group is split in half and trained again")
            for run in pending:
                self._restart_series(run)
            half = len(pending) // 2
            self.train_group(pending[:half], split=True)
            self.train_group(pending[half:], split=True)
        finally:
            resumed, self._resumed = self._resumed, []
        for run in resumed:  # asked for a refill, but back from the queue with a checkpoint
            self.train_alone(run)

    def _refill(self, runs: list[Training], group_id: str, state: GroupAsks, free: int
                ) -> list[tuple[RunConfig, list[TrainerHooks], None, float | None]]:
        """Up to `free` trials for a running group's freed rows (`TrialLoop`'s refill), asked
        after every result so far is told (the sampler learns from them, as in an asynchronous
        parallel search). Where the run pins shapes (search/round_shapes.py) the asks keep
        the rounds' pace: one draws its shape freely, the next `then - 1` share it. The first
        trial that cannot join (the sampler chose another shape: batch size, depth...; a
        member `--fuse auto` trains alone; over the CPU's parameter budget) starts the next
        round, and the group takes no more: it ends as its members do. None once the run is
        over (its budget, time, a stop rule, a stop)."""
        from tunestudio.engine.fused import fuse_signature

        asks = self.asks
        if state.drained or asks is None or not asks.open():
            return []
        self.wait()  # told before the sampler is asked again
        first = runs[0].prepared
        assert first.config is not None
        signature = fuse_signature(first.config)
        out: list[tuple[RunConfig, list[TrainerHooks], None, float | None]] = []
        while len(out) < free:
            pinned = asks.shapes is not None and state.pinned_left > 0
            if pinned:
                state.pinned_left -= 1
            with asks.pinned(state.pins if pinned else None):
                got = asks.ask_one()
            if got is None:
                break
            prepared, index = got
            assert prepared.config is not None
            live = [r for r in runs if r.trial_id not in self._ended_ids]
            if fuse_signature(prepared.config) != signature or \
                    not self._joins([r.prepared for r in live], prepared):
                asks.carried.append(got)
                state.drained = True
                break
            if not pinned:  # a free draw: the next asks share its shape
                state.pins, state.pinned_left = prepared.params, asks.then - 1
            run = start(self.ctx, prepared, index, asks.total)
            if run.resume is not None:
                self._resumed.append(run)
                continue
            runs.append(run)
            self.books.submit(self._record_group, [run], group_id)
            weights = self._time_weights([prepared.config])
            out.append((prepared.config, self._hooks(run), None,
                        weights[0] if weights is not None else None))
        return out

    def _joins(self, live: list[Prepared], new: Prepared) -> bool:
        """Whether `new` may join a group running `live`: the group as `run_batch` would make
        it of them all stays one group (`_by_width`, `_capped`) and `--fuse auto`'s cost model
        trains `new` in it."""
        members = [(p, i) for i, p in enumerate([*live, new])]
        parts = [chunk for part in self._by_width(members) for chunk in self._capped(part)]
        if len(parts) > 1 or self.auto is None:
            return len(parts) == 1
        auto = self.auto
        seen = [member_of(p.config, auto.data, self._counts)  # type: ignore[arg-type]
                for p, _ in members]
        keep, _, _ = split_group(auto.cost, [m.work for m in seen], [m.shape for m in seen])
        return len(members) - 1 in set(keep)

    def _time_weights(self, configs: list[RunConfig]) -> list[float] | None:
        """What each member's step costs alone by `--fuse auto`'s measured model, which shares
        the group's time out among them (None: the trainer's own estimate)."""
        if self.auto is None:
            return None
        return [self.auto.cost.alone(member_of(c, self.auto.data, self._counts).work)
                for c in configs]

    def _hooks(self, run: Training, alone: bool = False) -> list[TrainerHooks]:
        """A member's hooks: the lone trial's, its checkpoints (as `trial_run` keeps them), and
        its bookkeeping the moment it ends (after its last checkpoint). A group of one
        (`alone`) keeps its checkpoints as a lone trial does: resume files as often as the
        project's `min_interval_s`, and the latest epoch's state held, so that a stopped run
        goes on from it."""
        ctx, plan = self.ctx, self.ctx.checkpoints
        hooks: list[TrainerHooks] = []
        if plan is not None:
            saver = trial_saver(ctx, plan, run, grouped=not alone)
            self._savers[run.trial_id] = saver
            hooks.append(saver)
        hooks.append(_MemberHooks(ctx, run, self._ended))
        return hooks

    def _record_group(self, runs: list[Training], group_id: str) -> None:
        self.ctx.store.set_group([r.trial_id for r in runs], group_id)
        for run in runs:
            # one failed meanwhile by another process (no heartbeat) ends as such in `finish`
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                run.prepared.trial.set_user_attr(GROUP_ATTR, group_id)

    def _restart_series(self, run: Training) -> None:
        """A trial trained again after its group ran out of memory starts its series anew."""
        run.writer.close()
        self.ctx.store.clear_series(run.trial_id)
        run.writer = SeriesWriter(self.ctx.store)
        run.started = time.perf_counter()

    def wait(self) -> None:
        """Every trial's bookkeeping done (a failure, e.g. the database went away, surfaces)."""
        with self._lock:
            pending = list(self.finishing)
        for done in pending:
            done.result()


GROUP_COST_UNITS = 350  # a group's fixed cost per step on a CPU, in hidden units computed


MIN_PART = 4  # a width split never leaves a group smaller than this (a lone trial costs more)


def split_by_width(sizes: list[int], group_cost: int = GROUP_COST_UNITS,
                   min_part: int = MIN_PART) -> list[list[int]]:
    """Indices of `sizes` (each trial's hidden units) cut into groups of neighbouring widths
    that minimise the work per step, sum over groups of `group_cost + len(g) * max(g)`
    (every trial of a group is padded to its widest), each group at least `min_part` trials
    (or all of them); `engine.fused.partition.cheapest_parts` over the sorted sizes."""
    from tunestudio.engine.fused.partition import cheapest_parts

    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    n = len(order)
    smallest = min(min_part, n)

    def cost(start: int, stop: int) -> float:
        if stop - start < smallest:
            return float("inf")
        return group_cost + (stop - start) * sizes[order[stop - 1]]

    return [order[start:stop] for start, stop in cheapest_parts(n, cost)]


def run_groups(ctx: TrialContext, training: GroupTraining, *, size: int, total: int | None,
               ask: Callable[[int], Prepared | None], release: Callable[[Prepared], None],
               deadline: float | None, pause: Callable[[], None],
               idle_wait: Callable[[int], bool],
               should_stop: Callable[[], str | None] = lambda: None) -> str:
    """The run's loop when fusing: ask a round of trials (`ask_plan`: up to `size`), train
    them in groups (each refilling its freed rows from the same asks: `GroupTraining._refill`),
    and, for a model-based sampler, wait until their results are told before the next round
    (the round's trials sharing its first's categorical shape choices, see
    search/round_shapes.py); repeat until none is left, the time is up, `should_stop` gives a
    reason (a stop rule holds, judged before each round) or a stop is requested; returns the
    run's closing message."""
    choices = shape_choices(ctx.search, ctx.baseline)
    plan = ask_plan(ctx.search, len(ctx.study.directions), size, total, ctx.slot.count,
                    startup_shapes(choices))
    if plan.informed and plan.then < size:
        training.say_once(
            f"{ctx.search.strategy} learns from the results between fused rounds: its first "
            f"{plan.first} trials are asked together (its start-up points are random anyway), "
            f"then at most {plan.then} at a time, each round after the results before it, "
            "and a running group's freed row takes each next trial once the results before "
            "it are told")
    shapes = _round_shapes(ctx, training, plan, total, choices)
    try:
        return _rounds(ctx, training, plan, shapes, total, ask, release, deadline, pause,
                       idle_wait, should_stop)
    finally:
        if shapes is not None:
            ctx.study.sampler = shapes[0].inner


def _round_shapes(ctx: TrialContext, training: GroupTraining, plan: AskPlan,
                  total: int | None, choices: dict[str, list[Any]]
                  ) -> tuple[RoundShapeSampler, dict[str, list[Any]]] | None:
    """For a model-based sampler asked in rounds of several trials: the study's sampler wrapped
    so that each round's trials share one shape (search/round_shapes.py; the first round's in
    parts, `AskPlan.part`), and the shape dimensions' `choices` (`shape_choices`; said); None
    where there are none, or where the run's budget of `total` trials ends with the first
    rounds of its processes (its random start-up stays whole)."""
    if not plan.informed or max(plan.first, plan.then) < 2:
        return None
    if total is not None and total <= plan.first * max(1, ctx.slot.count):
        return None
    if not choices:
        return None
    sampler = RoundShapeSampler(ctx.study.sampler)
    ctx.study.sampler = sampler
    training.say_once(pins_said(plan, list(choices), ctx.search.strategy))
    return sampler, choices


def pins_said(plan: AskPlan, paths: list[str], strategy: str) -> str:
    """What a run says of its pinned rounds (`_round_shapes`): which dimensions' values each
    round's trials share, and how the first round shares them (in parts, each the shape the
    study holds least, or whole)."""
    part = plan.part(0)
    names = ", ".join(paths)
    first = f"the first round's {part} at a time, each part the {names} the study holds " \
        "least, so that the random start-up tries every choice" if plan.first > part else \
        "the first round's too"
    return (f"each fused round's trials share its first trial's {names} ({first}), so that "
            f"the round trains as one group; {strategy} draws their other values")


def _rounds(ctx: TrialContext, training: GroupTraining, plan: AskPlan,
            shapes: tuple[RoundShapeSampler, dict[str, list[Any]]] | None,
            total: int | None,
            ask: Callable[[int], Prepared | None], release: Callable[[Prepared], None],
            deadline: float | None, pause: Callable[[], None],
            idle_wait: Callable[[int], bool], should_stop: Callable[[], str | None]) -> str:
    """`run_groups`' rounds (see there), each round's later asks pinned to its first trial's
    shape (`shapes`; the first round's in parts, `plan.part`). A running group refills its
    freed rows from the same asks (`GroupTraining._refill`); what it asked but could not take
    starts the next round."""
    asks = training.asks = RoundAsks(ctx, training.tally, total, ask, shapes, deadline,
                                     should_stop, plan.then)
    try:
        return _ask_rounds(ctx, training, plan, asks, release, pause, idle_wait)
    finally:
        training.asks = None
        for prepared, _ in asks.carried:
            release(prepared)


def _ask_rounds(ctx: TrialContext, training: GroupTraining, plan: AskPlan, asks: RoundAsks,
                release: Callable[[Prepared], None], pause: Callable[[], None],
                idle_wait: Callable[[int], bool]) -> str:
    while not ctx.stop_event.is_set():
        if asks.deadline is not None and time.monotonic() >= asks.deadline:
            return "time budget spent"
        reason = asks.should_stop()
        if reason is not None:
            return reason
        pause()
        starting = asks.index - len(asks.carried) == 0
        round_size = plan.size(asks.index - len(asks.carried))
        part = plan.part(asks.index - len(asks.carried))
        batch, asks.carried = asks.carried[:round_size], asks.carried[round_size:]
        if batch:
            # a round that a trial a group could not take starts shares that trial's shape
            asks.pin(batch[0][0].params)
        try:
            while len(batch) < round_size:
                # each `part` trials of a round (a later round whole, the first in parts)
                # share the shape the first of them draws
                fresh = len(batch) % part == 0
                if fresh and batch:
                    asks.unpin()
                # a start-up part takes the shape the study holds least, so that the random
                # start-up tries every choice (round_shapes.covering_pins); a later one the
                # shape its first trial draws
                covered = fresh and starting and asks.cover()
                got = asks.ask_one()
                if got is None:
                    break
                if fresh and not covered:
                    asks.pin(got[0].params)
                batch.append(got)
        finally:
            asks.unpin()
        if ctx.stop_event.is_set():
            for prepared, _ in batch:
                release(prepared)
            return ""
        if not batch:
            if idle_wait(asks.index):
                continue
            return ""
        training.run_batch(batch, asks.total, batch[0][1] - 1)
        if plan.informed:
            training.wait()  # told before the sampler is asked again
    return ""
