"""Whether fusing pays, and by how much: a cost model of a fused group against its members
trained alone, measured by a short probe of the device, pruning included (`--fuse auto`).

Fusing saves each step's fixed cost (the Python, the kernel launches, the optimiser's loop)
K - 1 times over; it costs where members are wide (their work does not shrink, and a group of
wide members outgrows the CPU's caches, so a member's step gets dearer as the group grows), and
where it loses pruning: members of a group cannot prune each other (none has finished when
the others are judged; the groups of a round train one after another, so a group's members are
judged against every group before it). A pruned member's row takes the run's next trial (a
running group is refilled, search/groups.py), so the group's fixed cost serves trial steps
as its members' own work does, and pruning shortens both sides alike. On a CPU a search of
narrow MLPs gains several times over; one of wide MLPs trained for few epochs loses.

The model, in seconds per optimisation step, with `work` = a trial's parameters x batch size:
alone, `fixed + alone_per_unit * work`; a fused group of n members of c model shapes (width
classes: the fused MLP computes each width apart, engine/fused/handgrad.py),
`fixed + per_member * n + group_per_unit * sum(work) + per_class * (c - 1)`. Up to five
timings fit it (`probe_cost`): the narrowest and the widest member of the search space alone,
a group of n copies of each (one shape: the per-unit term, read off the widest spread of work
there is), and a group drawn as the run draws its trials (its shapes' own cost). A trial
trains `steps` steps, or `trained_share` of them once the pruner may act; a fused member only
once the pruner had `startup_trials` trials finished before its group started.
`split_group` decides, per group, which members train fused and which alone; `estimate_run`
sums that over the run's rounds (`ask_plan`) against the same trials one at a time, and `auto`
fuses only when the estimate is at most `MARGIN` of the time alone.

The probe's cost is kept in proportion to what it may win: its lone timings come first, and
where they say the group timings would take more than `PROBE_SHARE` of the most fusing could
save (the fixed part of the run's steps alone: a short run, or one of wide members;
`BOUND_PROBE_SHARE` where the lone timings are the fused MLP pass's) the run
trains one trial at a time without them (`ShortRun`). A fitted
model is kept in the user's cache folder (`paths.cache_dir()`), by search space, group size,
device and machine (CPU model, cores, torch version and threads), for `CACHE_DAYS`: a later run
of the space on the machine decides without probing (`cached_cost`, `store_cost`), and each of a
probe's timings is kept as soon as it is measured (`ProbeTimings`): a process killed during its
probe (a preemptible machine) leaves the next one the timings it finished, so that repeated
kills a few seconds apart still complete the probe and train."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from filelock import FileLock, Timeout

from tunestudio import paths
from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    InvalidConfigError,
    MLPModel,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
    merge_values,
)
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.engine.data import Splits
    from tunestudio.search.round_asks import AskPlan

FUSED_LINE = N_("FuseChoice", "fuse auto: fused groups of up to {size} trials (the device's "
                "cost model expects {ratio:.2f}x the training time of one trial at a time, "
                "pruning included)")
BOUND_LINE = N_("FuseChoice", "fuse auto: fused groups of up to {size} trials (the device's "
                "cost model expects at most {ratio:.2f}x the training time of one trial at a "
                "time, pruning included: a trial's steps alone were timed on the fused pass, "
                "which one at a time does not beat)")
ALONE_LINE = N_("FuseChoice", "fuse auto: one trial at a time (fused groups of {k} would take "
                "an estimated {ratio:.2f}x its training time, pruning included: they pay only "
                "under {margin:.2f}x)")
SHORT_LINE = N_("FuseChoice", "fuse auto: one trial at a time (timing fused groups on this "
                "device, about {probe:.1f} s, would cost more than {share:.0%} of the most fusing "
                "could save: the fixed part of the run's steps, about {save:.1f} s of its "
                "{run:.0f} s of training one at a time)")
# the same verdicts where one trial at a time trains on the fused MLP pass (`lone_bound`)
ALONE_PASS_LINE = N_("FuseChoice", "fuse auto: one trial at a time on the fused MLP pass, no "
                     "slower than the lone loop here (fused groups of {k} would take an "
                     "estimated {ratio:.2f}x its training time, pruning included: they pay only "
                     "under {margin:.2f}x)")
SHORT_PASS_LINE = N_("FuseChoice", "fuse auto: one trial at a time on the fused MLP pass, no "
                     "slower than the lone loop here (timing fused groups on this device, about "
                     "{probe:.1f} s, would cost more than {share:.0%} of the most fusing could "
                     "save: the fixed part of the run's steps, about {save:.1f} s of its "
                     "{run:.0f} s of training one at a time)")
MARGIN = 0.85  # fuse only when the model expects at most this share of the time alone
# of prunable trials, the share a median-type pruner stops at its first chance: the headline
# space's TPE searches one trial at a time (--fuse off, 3 seeds, 20 evaluations, a warm-up of 3)
# pruned 5, 9 and 7 of 25, most at their first chance, and trained 0.84, 0.73 and 0.80 of the
# steps of their prunable trials, where the 0.5 assumed before gave 0.6: fusing was estimated
# at 0.87-0.89x one at a time there, over MARGIN, and groups of 4 took about 0.6x
PRUNED_SHARE = 0.3
SAMPLES = 24  # members drawn from the search space to stand for the run's trials
PROBE_GROUP = 16  # at most this many members in a probe's group (its cost grows with them)
PROBE_STEPS = 16  # steps timed per probe at least: a median over them withstands stalls
PROBE_MIN_S = 0.05  # cheaper steps are timed on until they took this long (CPU time), ...
PROBE_MAX_STEPS = 128  # ... up to this many
PROBE_OVERHEAD_STEPS = 9  # a timing's warm-up steps (3), and its build, in steps
PROBE_SHARE = 0.25  # the group timings may take at most this share of the most fusing could
# save (the fixed part of the run's steps alone, see `short_run`). It was 0.1 of the whole
# training alone: the regression template's 12-trial search (training about 3 s alone, group
# timings about 0.5 s) then trained one at a time, where groups of 12 took 0.6-0.8x of it.
# On the fused MLP pass (`lone_bound`: its lone timings are that pass's) a group's step costs
# little beyond its members' own work, so fusing there saves most of the fixed part the lone
# timings show (the digits template's 400-trial search: about 0.8 of it), and its group timings
# may take up to this share of it. A vmap group's own cost per member is known only once timed
# (the images template's CNNs on a CPU saved none of it).
BOUND_PROBE_SHARE = 0.5
PROBE_VERSION = 8  # what a cached model measured: 3 = the whole loop's step, by CPU time, with
# a group's shapes counted apart from its work; 4 = the same, each timing on the threads its
# step's arithmetic gets (engine.runtime: a large step trains on both cores of a 2-core CPU);
# 5 = a lone built-in CNN on the CPU in channels-last memory (engine.plain_kernel), about 40 %
# faster than the lone timings of version 4; 6 = a space of one work per step (the images
# template: one CNN, one batch size) also times its trial at a small batch, where version 5
# counted its whole step as the fixed part that fusing shares; 7 = a space whose trials are
# no slower alone on the fused pass (`lone_bound`) is modelled from those timings only (one
# trial at a time trains there too), where version 6 also kept models of its lone loop; 8 =
# the fused optimiser steps each row's own part by torch's fused kernels (SGD too), a group
# of 8 MLPs of widths 48-512 about 20 % faster a step than version 7 timed
# A space of one work per step times its trial alone also at 1/SMALL_BATCH_SHARE of its batch
# (`probe_cost`): two works separate the fixed part of a step from its work. On the 2-core CPU
# the images template's CNN step took 6.7 ms at batch 64 and 2.4 ms at batch 8: 1.7 ms of it
# fixed by the fit (an upper bound: small batches use the cores less well), where version 5
# counted all 6.7; its 12-trial search now stops the probe after these two timings (a short run).
SMALL_BATCH_SHARE = 8
PROBE_POLL_S = 0.02  # a process waiting for a timing another one measures looks this often
PROBE_WAIT_S = 120.0  # a timing another process measures is waited for this long at most
CACHE_LOCK_S = 10.0  # a process waits this long for the cache file's lock, then keeps nothing
CACHE_DAYS = 7.0  # a fitted model is reused this long (the machine's load changes over days)
CACHE_ENTRIES = 200


@dataclass(frozen=True)
class StepCost:
    """Seconds per optimisation step (see the module's docstring); every term >= 0.
    `per_class` is what each model shape of a group beyond its first adds."""

    fixed: float
    alone_per_unit: float
    per_member: float
    group_per_unit: float
    per_class: float = 0.0
    # what the lone terms timed: "loop", the lone training loop (`--fuse off`'s, torch.optim);
    # "fused", a group of one on the fused pass (`lone_bound`): how a fused run trains a
    # member on its own, and no slower than "loop" where `lone_bound` holds, so that an
    # estimate against it is an upper bound of the one against one trial at a time
    lone: Literal["loop", "fused"] = "loop"

    def alone(self, work: float) -> float:
        """Seconds per step of one trial of `work` (parameters x batch size) trained alone: `fixed +
        alone_per_unit * work`."""
        return self.fixed + self.alone_per_unit * work

    def group(self, works: Sequence[float], classes: int = 1) -> float:
        """Seconds per step of a group of members of `works`, of `classes` model shapes."""
        if len(works) == 1:
            return self.alone(works[0])
        return self.fixed + self.per_member * len(works) + self.group_per_unit * sum(works) \
            + self.per_class * max(0, classes - 1)

    def terms(self) -> list[float]:
        """The five terms in field order (fixed, alone_per_unit, per_member, group_per_unit,
        per_class), as the cache keeps them."""
        return [self.fixed, self.alone_per_unit, self.per_member, self.group_per_unit,
                self.per_class]


def fit_cost(alone: Sequence[tuple[float, float]],
             groups: Sequence[tuple[Sequence[float], float]],
             mixed: tuple[Sequence[float], int, float] | None = None) -> StepCost:
    """The model through measured points: `alone` as (work, seconds) of lone trials (one or
    two), `groups` as (members' works, seconds) of fused groups of one size and one shape each
    (one or two), `mixed` as (works, shapes, seconds) of a group of several shapes (its
    residual over the one-shape fit, per shape beyond the first, is `per_class`). Where the
    works barely differ the per-unit term cannot be told from the fixed part: it is taken as 0
    (alone) or as the lone one (groups). Negative fits (noise) are clipped to 0."""
    lone = fit_alone(alone)
    fixed, alone_unit = lone.fixed, lone.alone_per_unit
    (g_lo, t_lo), (g_hi, t_hi) = groups[0], groups[-1]
    n = len(g_lo)
    u_lo, u_hi = sum(g_lo), sum(g_hi)
    if u_hi > 1.05 * u_lo:
        group_unit = max(0.0, (t_hi - t_lo) / (u_hi - u_lo))
        per_member = max(0.0, (t_lo - fixed - group_unit * u_lo) / n)
    else:
        group_unit = alone_unit
        per_member = max(0.0, ((t_lo + t_hi) / 2 - fixed - group_unit * (u_lo + u_hi) / 2) / n)
    cost = StepCost(fixed, alone_unit, per_member, group_unit)
    if mixed is None or mixed[1] < 2:
        return cost
    works, classes, seconds = mixed
    per_class = max(0.0, (seconds - cost.group(works)) / (classes - 1))
    return StepCost(fixed, alone_unit, per_member, group_unit, per_class)


def fit_alone(alone: Sequence[tuple[float, float]]) -> StepCost:
    """The lone part of the model (`fixed`, `alone_per_unit`) through (work, seconds) of one
    or two lone trials (see `fit_cost`); its group terms are placeholders (a group costs what
    its members cost alone, and one fixed part more): only `alone` is meant to be used."""
    (w_lo, s_lo), (w_hi, s_hi) = alone[0], alone[-1]
    if w_hi > 1.05 * w_lo:
        alone_unit = max(0.0, (s_hi - s_lo) / (w_hi - w_lo))
        fixed = max(0.0, s_lo - alone_unit * w_lo)
    else:
        alone_unit, fixed = 0.0, (s_lo + s_hi) / 2
    return StepCost(fixed, alone_unit, fixed, alone_unit)


@dataclass(frozen=True)
class Member:
    """A trial as the model sees it: its shape signature (members of one train in one group),
    work per step (parameters x batch size), optimisation steps in full, and its model's shape
    (members of one signature and different `shape`s are computed class by class)."""

    signature: str
    work: float
    steps: int
    shape: str = ""
    params: float = 0.0  # the model's parameters (`work` / batch size)
    # its values of the dimensions a fused round pins (search/round_shapes.py: `pins_key`):
    # the trials of an informed round share them (the first round's in parts)
    pinned: str = ""


def trained_share(pruner: PrunerConfig, evaluations: int) -> float:
    """The expected share of its steps a trial trains once the pruner may judge it: PRUNED_SHARE
    of such trials stop at the first evaluation the pruner may act on (after
    `warmup_evaluations`), the others train to the end. 1.0 without a pruner, or where the
    first chance is the last evaluation (the digits template's 4 epochs with a warm-up of 3:
    pruning there saves nothing)."""
    if pruner.kind == "none" or evaluations <= 1:
        return 1.0
    first = min(evaluations, max(1, pruner.warmup_evaluations + 1))
    return 1.0 - PRUNED_SHARE + PRUNED_SHARE * first / evaluations


def split_group(cost: StepCost, works: Sequence[float],
                shapes: Sequence[str] | None = None) -> tuple[list[int], float, float]:
    """Which members of one group (indices into `works`, model shapes `shapes`: None, all
    one) train fused, the rest alone: the narrowest j of them fused (j = 0 or 1: all alone), j
    chosen for the least time per step of the whole group. Pruning weighs both sides alike: a
    pruned member's row takes the run's next trial (search/groups.py refills a running group),
    so the group's whole step serves trial steps as the members' own do. Returns (fused
    indices, seconds of the chosen split, seconds all alone), per step of full training."""
    order = sorted(range(len(works)), key=lambda i: works[i])
    alone = [cost.alone(works[i]) for i in order]
    all_alone = sum(alone)
    best_j, best = 0, all_alone
    fused_units = 0.0
    seen: set[str] = set()
    for j in range(1, len(order) + 1):
        fused_units += works[order[j - 1]]
        seen.add(shapes[order[j - 1]] if shapes is not None else "")
        if j < 2:
            continue
        fused = cost.fixed + cost.per_class * (len(seen) - 1) \
            + cost.per_member * j + cost.group_per_unit * fused_units
        total = fused + sum(alone[j:])
        if total < best:
            best_j, best = j, total
    return sorted(order[:best_j]), best, all_alone


def capped_parts(sizes: Sequence[float], cap: int, params: Sequence[float] | None = None,
                 budget: float | None = None) -> list[list[int]]:
    """Indices of `sizes` (each trial's hidden units, or its work) in order of size, cut into
    runs of at most `cap`, each also holding at most `budget` of `params` (the members'
    parameters; a member over it alone is a run of one): a group of neighbouring widths,
    each as full as the limits allow, the last the rest (62 at 16: 16, 16, 16, 14)."""
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    parts: list[list[int]] = []
    held = 0.0
    for i in order:
        weight = params[i] if params is not None else 0.0
        if not parts or len(parts[-1]) >= cap or (
                budget is not None and held + weight > budget and parts[-1]):
            parts.append([])
            held = 0.0
        parts[-1].append(i)
        held += weight
    return parts


CPU_GROUP_PARAMS = 500_000  # on a CPU a fused group of MLPs holds at most this many
# parameters (see `estimate_run`, search.groups._param_budget): 48 MLPs of two hidden layers,
# widths 60-500 around 230, Adam, batch 32, trained in groups of 16: 4.5-4.8 s, of 8: 4.0-4.1
# s, of 4: 3.5-4.0 s, by this budget (16 narrow down to 2 wide): 3.55 s, one at a time 6.1 s.
# A group's step sweeps every member's weights, gradients and optimiser state (12-16 bytes a
# parameter) through the caches; past a few MB a member's step costs more fused than in a
# smaller group.


@dataclass(frozen=True)
class FuseEstimate:
    """The model's verdict for a run: `size` trials per fused group (1: one at a time), and
    the estimated seconds of training with that choice and one trial at a time."""

    size: int
    fused_s: float
    alone_s: float
    bound: bool = False  # the lone times are the fused pass's (StepCost.lone): `ratio` is an
    # upper bound of the estimate against one trial at a time

    @property
    def ratio(self) -> float:
        """Estimated training time with the chosen size over one trial at a time (1.0 where the time
        alone is 0); below 1, fusing saves time."""
        return self.fused_s / self.alone_s if self.alone_s > 0 else 1.0

    def line(self, k: int) -> str:
        """What `--fuse auto` chose and why, in one line for the run's output and log (a
        `Text`: the window shows it in its language). One trial at a time by a model whose
        lone timings are the fused pass's trains there (`bound`), and says so."""
        if self.size > 1:
            return (BOUND_LINE if self.bound else FUSED_LINE).format(size=self.size,
                                                                    ratio=self.ratio)
        return (ALONE_PASS_LINE if self.bound else ALONE_LINE).format(
            k=k, ratio=self.ratio, margin=MARGIN)


def estimate_run(cost: StepCost, members: Sequence[Member], plan: AskPlan, total: int, k: int,
                 pruner: PrunerConfig, evaluations: int, draws: int = 8,
                 budget: float | None = None) -> FuseEstimate:
    """The run's training seconds fused in groups of up to `k` (asked by `plan`, each group
    split by `split_group`) against one trial at a time, for `total` trials drawn at random
    from `members` (the mean of `draws` seeded draws: which trials share a round decides what
    fuses). A lone trial is prunable once `pruner.startup_trials` trials came before it; a
    fused one once they trained before its group (the groups of a round train one after
    another: a member is judged against those of the groups before its own, in its round too;
    counted by round, the model charged the digits template's 400-trial search's first round
    of 64 its full training, and estimated fusing at 0.76-0.87x one at a time, around MARGIN,
    where it measured 0.5x). Each round's trials of one shape signature
    train in groups as the run cuts them (`capped_parts`: at most `k`, and at most `budget`
    parameters, CPU_GROUP_PARAMS for MLPs on a CPU).

    A model-based sampler's rounds (`plan.informed`; the first in parts, `plan.part`) share
    the first trial's categorical shape choices (`Member.pinned`, search/round_shapes.py),
    and after the first round CONCENTRATED of each round's trials its shape signature too (a
    dimension over a range is not pinned, but the sampler concentrates once it has results:
    measured on the headline space, TPE, three batch sizes, rounds of 8, before rounds were
    pinned: its first round fused groups of 2 and 3, every later one a group of 7-8 of one
    batch size); the others are drawn from the members of the same pins."""
    share = trained_share(pruner, evaluations)
    startup = pruner.startup_trials if pruner.kind != "none" else total
    by_shape: dict[str, list[Member]] = {}
    for m in members:
        by_shape.setdefault(m.signature, []).append(m)
    rng = random.Random(0)
    alone_s = fused_s = 0.0
    for _ in range(draws):
        trials = _draw_rounds(members, by_shape, plan, total, rng)
        alone_s += sum(m.steps * cost.alone(m.work) * (share if i >= startup else 1.0)
                       for i, m in enumerate(trials))
        asked = 0
        while asked < total:
            size = min(plan.size(asked), total - asked)
            trained = asked  # trials whose groups trained before the next group
            by_signature: dict[str, list[Member]] = {}
            for m in trials[asked:asked + size]:
                by_signature.setdefault(m.signature, []).append(m)
            for group in by_signature.values():
                for indices in capped_parts([m.work for m in group], k,
                                            [m.params for m in group], budget):
                    part = [group[i] for i in indices]
                    _, seconds, _ = split_group(cost, [m.work for m in part],
                                                [m.shape for m in part])
                    fused_s += seconds * max(m.steps for m in part) * \
                        (share if trained >= startup else 1.0)
                    trained += len(part)
            asked += size
    return FuseEstimate(k if fused_s <= MARGIN * alone_s else 1, fused_s / draws,
                        alone_s / draws, bound=cost.lone == "fused")


def best_group_size(estimate: Callable[[int], FuseEstimate], k: int
                    ) -> tuple[int, FuseEstimate]:
    """The group size of `group_sizes(k)` whose estimate (`estimate(size)`, `estimate_run` at
    that size) has the lowest ratio to one trial at a time, and that estimate: the largest
    fuses the most steps, a smaller one keeps more of the pruning (a round asked at once has
    no finished trial to prune against, and members of a group never prune each other). Ties
    go to the larger size. The estimate's `size` is 1 where even the best one does not pay
    (`MARGIN`)."""
    best: tuple[int, FuseEstimate] | None = None
    for size in group_sizes(k):
        candidate = estimate(size)
        if best is None or candidate.ratio < best[1].ratio - 1e-9:
            best = (size, candidate)
    assert best is not None
    size, chosen = best
    return size, replace(chosen, size=size if chosen.ratio <= MARGIN else 1)


def group_sizes(k: int) -> list[int]:
    """The group sizes `--fuse auto` weighs for groups of up to `k`: k, then halved down to 2
    (16: 16, 8, 4, 2)."""
    sizes = [max(2, k)]
    while sizes[-1] // 2 >= 2:
        sizes.append(sizes[-1] // 2)
    return sizes


CONCENTRATED = 0.75  # of an informed round's trials, the share that shares its first's shape


def _draw_rounds(members: Sequence[Member], by_shape: dict[str, list[Member]], plan: AskPlan,
                 total: int, rng: random.Random) -> list[Member]:
    """`total` trials in the order the plan asks them (see `estimate_run`)."""
    trials: list[Member] = []
    while len(trials) < total:
        size = min(plan.size(len(trials)), total - len(trials))
        # the start-up round is drawn at random: pinned in parts of shapes not yet drawn
        # (round_shapes.covering_pins), not concentrated
        concentrated = plan.informed and len(trials) >= plan.first
        part = plan.part(len(trials)) if plan.informed else size
        used: set[str] = set()
        for start in range(0, size, part):  # each part of a round shares its first's pins
            pool = members
            if plan.informed and not concentrated:  # a start-up part: a shape not yet drawn
                pool = [m for m in members if m.pinned not in used] or members
            first = pool[rng.randrange(len(pool))]
            used.add(first.pinned)
            trials.append(first)
            pinned = [m for m in members if m.pinned == first.pinned] if plan.informed \
                else members
            same = [m for m in by_shape[first.signature] if m.pinned == first.pinned] or \
                [first]
            for _ in range(min(part, size - start) - 1):
                pool = same if concentrated and rng.random() < CONCENTRATED else pinned
                trials.append(pool[rng.randrange(len(pool))])
    return trials


def space_members(search: SearchDefinition, baseline: RunConfig, data: Splits,
                  count: int = SAMPLES, seed: int = 0) -> list[tuple[RunConfig, Member]]:
    """`count` configs drawn (seeded) as the search draws them (a grid's values, else each
    dimension's range: every trial of a TPE search has a width of its own, and a fused group
    computes each width apart), each with its `Member`: the trials a run of this search will
    train, as far as their cost goes. Raises what building a model raises (a model file that
    fails)."""
    from tunestudio.search.round_shapes import pins_key, shape_dimensions

    rng = random.Random(seed)
    drawn: list[tuple[RunConfig, Member]] = []
    works: dict[str, float] = {}
    gridded = search.strategy in ("grid", "ovat")
    pinned = shape_dimensions(search, baseline)
    for _ in range(count * 3):
        values = {d.path: d.grid_values()[rng.randrange(len(d.grid_values()))] if gridded
                  else draw(d, rng) for d in search.dimensions}
        try:
            config = merge_values(baseline, values)
        except InvalidConfigError:
            continue
        drawn.append((config, replace(member_of(config, data, works),
                                      pinned=pins_key(values, pinned))))
        if len(drawn) == count:
            break
    if not drawn:
        drawn.append((baseline, member_of(baseline, data, works)))
    return drawn


def draw(dimension: FloatDimension | IntDimension | CategoricalDimension,
         rng: random.Random) -> object:
    """One value of `dimension` as a random search draws it (log-uniform on a log scale)."""
    if isinstance(dimension, CategoricalDimension):
        return rng.choice(dimension.choices)
    if dimension.values is not None:
        return rng.choice(dimension.values)
    low, high = float(dimension.low), float(dimension.high)
    value = math.exp(rng.uniform(math.log(low), math.log(high))) if dimension.log \
        else rng.uniform(low, high)
    if isinstance(dimension, IntDimension):
        step = dimension.step
        return min(int(high), int(low) + step * round((value - low) / step))
    if dimension.step is not None:
        return min(high, low + dimension.step * round((value - low) / dimension.step))
    return value


def member_of(config: RunConfig, data: Splits, cache: dict[str, float] | None = None) -> Member:
    """The trial of `config` as the model sees it (its model is built once to count its
    parameters; `cache` keeps the counts by model spec)."""
    from tunestudio.engine.fused import fuse_signature
    from tunestudio.engine.models import build_model, count_parameters

    key = config.model.model_dump_json()
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = float(count_parameters(build_model(config.model, data.input_shape,
                                                        data.n_outputs)))
    batch = min(config.training.batch_size, data.n_train)
    steps = config.training.epochs * math.ceil(data.n_train / batch)
    return Member(fuse_signature(config), cache[key] * batch, steps, key, cache[key])


def evaluations_of(config: RunConfig, steps_per_epoch: int) -> int:
    """How many evaluations a trial of `config` reports (each a chance for the pruner)."""
    every = config.evaluation.every
    total = config.training.epochs if config.evaluation.unit == "epoch" \
        else config.training.epochs * steps_per_epoch
    return max(1, total // every)


@dataclass(frozen=True)
class ShortRun:
    """The probe stopped after its lone timings: its group timings (`probe_s`, estimated)
    would cost more than `PROBE_SHARE` of the most fusing could save (`save_s`: the fixed part
    of the steps of the run's training one trial at a time, `run_s`; all estimated from the
    lone timings, in seconds)."""

    run_s: float
    probe_s: float
    save_s: float
    limit: float = PROBE_SHARE  # the share of `save_s` the group timings may take

    def line(self, fused_pass: bool = False) -> str:
        """What `--fuse auto` says; `fused_pass`: its trials train one at a time on the fused
        MLP pass (`lone_bound`), whose lone timings these were."""
        return (SHORT_PASS_LINE if fused_pass else SHORT_LINE).format(
            run=self.run_s, probe=self.probe_s, save=self.save_s, share=self.limit)


# the widest hidden layer (units) for which a lone step on the fused pass was measured no
# slower than on the lone loop (see `lone_bound`)
LONE_BOUND_UNITS = 512


def lone_bound(configs: Sequence[RunConfig], device: str) -> bool:
    """Whether a group of one on the fused pass times these trials' steps alone no slower
    than the lone training loop (`--fuse off`'s, with torch.optim): on a CPU, for the built-in
    MLP on the hand-written pass (`engine.fused.unpadded_widths`) whose hidden layers have at
    most LONE_BOUND_UNITS units. Measured on a 2-core CPU through the whole loop (the probe's
    `time_loop`, two hidden layers, batch sizes 32 and 128): 0.65-0.73 of the loop's step at
    128 units, 0.92-0.94 at 512, 0.99-1.00 at 1,024 and 1.10-1.14 at 2,048 (the arithmetic
    of both is the same matrix products; the pass saves a fixed part per step); in a search of
    two processes, trials of 1,024 and 2,048 units trained alone on the pass took 1.05-1.35x
    their time on the loop. With dropout (autograd over the stack) 0.78-1.00, so not there. A
    fused run trains its members alone on that pass (search.groups.train_group), so
    its lone timings are theirs, and none of them imports torch._dynamo (about 1 s, which
    the first torch optimiser of a process pays)."""
    from tunestudio.engine.fused import unpadded_widths

    return device == "cpu" and bool(configs) and all(
        unpadded_widths(c) and isinstance(c.model, MLPModel)
        and max(c.model.layer_sizes, default=0) <= LONE_BOUND_UNITS for c in configs)


def probe_cost(drawn: Sequence[tuple[RunConfig, Member]], data: Splits, k: int, *,
               base_dir: object = None, device: str = "cpu", trials: int | None = None,
               key: str | None = None, share: float = 1.0,
               lone: Literal["loop", "fused"] = "loop") -> StepCost | ShortRun:
    """Fit the model from up to five short timings on the device, each through the whole
    training loop as the run trains (`engine.fused.probe.time_loop`: a lone trial on the
    lone path, or with `lone` "fused" as a group of one on the fused pass, see `lone_bound`
    (the model's `lone` says which); a group fused): the narrowest and the widest of `drawn`
    alone (where they do the same work, the one at its batch size and at SMALL_BATCH_SHARE of
    it, so that the fixed part of its step is told from its work); groups of
    n = min(k, PROBE_GROUP) copies of the narrowest and of the widest (at the narrowest
    one's batch size, so that they share a signature: one model shape each,
    the widest spread of work for the per-unit term); and a group of the first n of `drawn`
    at that batch size, of as many shapes as the run's groups have (its cost beyond the
    one-shape fit, per shape, is `per_class`: a group of three widths costs a quiet 2-core
    CPU about 0.15 ms a step more than one of a single width, half its step). A timing that
    would time the same thing again is skipped: one lone timing where the widest and
    narrowest match, one group where their work does, no mixed group where the space has one
    shape. For a run of `trials` trials (None: no limit) the group timings are skipped,
    `ShortRun` returned, when they would take more than PROBE_SHARE of its training one at a
    time (each trial training `share` of its steps: the pruner's, `trained_share`). With
    `key` (`cost_key`) each timing is kept as it is measured and one kept within CACHE_DAYS
    is not measured again, and the run's processes probing at once share the timings out
    (`ProbeTimings.get_all`). Raises what a group raises (FusionError, out of
    memory)."""
    from tunestudio.engine.fused import fuse_signature
    from tunestudio.engine.loop_timing import time_loop

    folder = base_dir if isinstance(base_dir, Path) else None
    timings = ProbeTimings(key)

    def task(label: str, configs: list[RunConfig]) -> tuple[str, Callable[[], float]]:
        return label, partial(time_loop, configs, data, base_dir=folder, device=device,
                              steps=PROBE_STEPS, min_s=PROBE_MIN_S, max_steps=PROBE_MAX_STEPS,
                              fused=lone == "fused" and len(configs) == 1)

    ordered = sorted(drawn, key=lambda d: d[1].work)
    lo, hi = ordered[0], ordered[-1]
    label = "alone" if lone == "loop" else "one"  # kept apart: they time different paths
    lone_members = (lo, hi) if lo[1].work < hi[1].work else (lo,)
    lone_tasks = [task(f"{label}{i}", [config]) for i, (config, _) in enumerate(lone_members)]
    # a space of one work per step: its narrowest also at a small batch, which tells the step's
    # fixed part (what fusing shares) from its work (which it does not)
    small = _small_batch(lo[0], data) if len(lone_members) == 1 else None
    if small is not None:
        small_label, small_task = task(f"{label}-small", [small[0]])
        lone_tasks.append((small_label, partial(_timed_if_possible, small_task)))
    lone_s = timings.get_all(lone_tasks)
    alone = [(member.work, lone_s[f"{label}{i}"]) for i, (_, member) in enumerate(lone_members)]
    if small is not None and lone_s[f"{label}-small"] > 0:
        alone.insert(0, (small[1], lone_s[f"{label}-small"]))
    batch = lo[0].training.batch_size
    n = max(2, min(k, PROBE_GROUP))
    same = [merge_values(c, {"training.batch_size": batch}) for c, _ in drawn]
    same = [c for c in same if fuse_signature(c) == fuse_signature(lo[0])] or [lo[0]]
    cache: dict[str, float] = {}
    members = {id(c): member_of(c, data, cache) for c in same}
    by_work = sorted(same, key=lambda c: members[id(c)].work)
    groups_of = [[by_work[0]] * n, [by_work[-1]] * n]
    works = [[members[id(c)].work for c in g] for g in groups_of]
    if sum(works[-1]) <= 1.05 * sum(works[0]):  # the same work: fit_cost reads one as both
        groups_of, works = groups_of[:1], works[:1]
    drawn_group = [same[i % len(same)] for i in range(n)]
    shapes = len({members[id(c)].shape for c in drawn_group})
    if trials is not None:
        mixed_works = [[members[id(c)].work for c in drawn_group]] if shapes > 1 else []
        short = short_run(fit_alone(alone), [m for _, m in drawn], works + mixed_works, trials,
                          share, BOUND_PROBE_SHARE if lone == "fused" else PROBE_SHARE)
        if short is not None:
            return short
    group_s = timings.get_all([task(f"group{i}", configs) for i, configs in enumerate(groups_of)]
                              + ([task("mixed", drawn_group)] if shapes > 1 else []))
    groups = [(work, group_s[f"group{i}"]) for i, work in enumerate(works)]
    mixed = None
    if shapes > 1:
        mixed = ([members[id(c)].work for c in drawn_group], shapes, group_s["mixed"])
    return replace(fit_cost(alone, groups, mixed), lone=lone)


def _small_batch(config: RunConfig, data: Splits) -> tuple[RunConfig, float] | None:
    """`config` at 1/SMALL_BATCH_SHARE of its batch size (at least 2 samples: batch norm needs
    two), with its work; None where that is not smaller by more than the fit can tell (a batch
    of a few samples already) or the config refuses it."""
    batch = min(config.training.batch_size, data.n_train)
    small = max(2, batch // SMALL_BATCH_SHARE)
    if small * 1.05 >= batch:
        return None
    try:
        smaller = merge_values(config, {"training.batch_size": small})
    except InvalidConfigError:
        return None
    return smaller, member_of(smaller, data).work


def _timed_if_possible(measure: Callable[[], float]) -> float:
    """`measure()`, or -1.0 where it raised: the small-batch timing only sharpens the fit, and
    one that fails (a model that refuses such a batch) leaves the probe as it was."""
    try:
        return measure()
    except Exception:
        return -1.0


def short_run(lone: StepCost, members: Sequence[Member], groups: Sequence[Sequence[float]],
              trials: int, share: float = 1.0, limit: float = PROBE_SHARE) -> ShortRun | None:
    """Whether timing `groups` (members' works) would cost more than `limit` of the most
    that fusing could save `trials` trials drawn from `members`, each training `share` of its
    steps (pruning): the fixed part of their steps trained one at a time (`lone.fixed`, what a
    group pays once for all its members; their work it pays in full). Both by the lone
    timings (`lone`: a group's step is taken to cost what its members cost alone; each group
    is built and warmed up, PROBE_OVERHEAD_STEPS, then timed for PROBE_STEPS steps or on until
    PROBE_MIN_S, as `time_loop` does). So a short run of narrow members (the fixed part nearly
    all of a step) probes where one of wide members, whose steps fusing barely shortens, does
    not. None: the probe goes on."""
    steps = share * trials * sum(m.steps for m in members) / len(members)
    run_s = share * trials * sum(m.steps * lone.alone(m.work) for m in members) / len(members)
    probe_s = 0.0
    for works in groups:
        step = sum(lone.alone(w) for w in works)
        timed = max(PROBE_STEPS * step, min(PROBE_MIN_S, PROBE_MAX_STEPS * step))
        probe_s += PROBE_OVERHEAD_STEPS * step + timed
    save_s = steps * lone.fixed
    return ShortRun(run_s, probe_s, save_s, limit) if probe_s > limit * save_s else None


def machine() -> dict[str, object]:
    """What a timing depends on besides the search space: the CPU (model and cores), the
    torch build and the threads it computes on."""
    import torch

    model = platform.processor()
    try:
        with Path("/proc/cpuinfo").open(encoding="utf-8") as info:
            model = next((line.split(":", 1)[1].strip() for line in info
                          if line.startswith("model name")), model)
    except OSError:
        pass
    return {"cpu": model, "machine": platform.machine(), "cores": os.cpu_count(),
            "torch": torch.__version__, "threads": torch.get_num_threads()}


def cost_key(parts: object) -> str:
    """The cache's key of a probe: `parts` (JSON-able: the space, group size, device), this
    machine and PROBE_VERSION."""
    text = json.dumps({"parts": parts, "machine": machine(), "probe": PROBE_VERSION},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_file() -> Path:
    return paths.cache_dir() / "fuse_probe.json"


def _read_cache() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached_cost(key: str, now: float | None = None) -> StepCost | None:
    """The model fitted for `key` (`cost_key`) within CACHE_DAYS, or None (none, stale, or a
    cache file that cannot be read: the probe runs again)."""
    entry = _read_cache().get(key)
    now = time.time() if now is None else now
    try:
        assert isinstance(entry, dict)
        at, terms = float(entry["at"]), entry["cost"]  # type: ignore[arg-type]
        assert isinstance(terms, list) and len(terms) == 5
        lone = entry.get("lone", "loop")
        assert lone in ("loop", "fused")
        if now - at > CACHE_DAYS * 86400 or at > now:
            return None
        fixed, alone_unit, member, group_unit, per_class = (max(0.0, float(t)) for t in terms)
        return StepCost(fixed, alone_unit, member, group_unit, per_class,
                        "fused" if lone == "fused" else "loop")
    except (AssertionError, KeyError, TypeError, ValueError):
        return None


def store_cost(key: str, cost: StepCost) -> None:
    """Keep `cost` for `key` (the newest CACHE_ENTRIES kept), beside the probe's single timings
    (another process of the run may still be reading them); a cache folder that cannot be
    written leaves the next run to probe again."""
    _update_entry(key, lambda entry: {**entry, "at": time.time(), "cost": cost.terms(),
                                      "lone": cost.lone})


class ProbeTimings:
    """A probe's single timings (seconds per step, by label: `alone0`, `group1`), kept in the
    cache file under the probe's key as soon as each is measured, so that a process killed
    halfway through its probe leaves what it measured to the next (each timing takes a few
    seconds on a CPU: a search restarted every 10 s would otherwise probe for ever). A timing
    older than CACHE_DAYS is measured again; `key` None keeps nothing."""

    def __init__(self, key: str | None, now: float | None = None):
        self.key = key
        self.now = now

    def get(self, label: str, measure: Callable[[], float]) -> float:
        """The kept timing of `label`, else `measure()`, kept before it is returned."""
        return self.get_all([(label, measure)])[label]

    def get_all(self, tasks: Sequence[tuple[str, Callable[[], float]]]) -> dict[str, float]:
        """Each task's timing by label: a kept one, else measured and kept. The processes of a
        run (`--workers`) probe the same space at once, and share the work rather than each
        measuring everything: a process claims a timing before it measures it (a lock file
        beside the cache, `filelock`'s, which the system releases when its process dies), goes
        on to the next unclaimed one while another measures its own, and waits for those
        measured elsewhere (polling the cache every PROBE_POLL_S), at most PROBE_WAIT_S each
        (then that process hung: it measures the timing itself). Two processes probing the
        digits template's 400-trial search took 2.7-3.0 s each, measuring everything twice."""
        if self.key is None:
            return {label: measure() for label, measure in tasks}
        done: dict[str, float] = {}
        waited: dict[str, float] = {}  # label -> when this process found it claimed
        while len(done) < len(tasks):
            kept = self._kept()
            progressed = False
            for label, measure in tasks:
                if label in done:
                    continue
                if label in kept:
                    done[label] = kept[label]
                    progressed = True
                    continue
                claim = self._claim(label)
                since = waited.setdefault(label, time.monotonic()) if claim is None else 0.0
                if claim is None and time.monotonic() - since < PROBE_WAIT_S:
                    continue  # another process measures it
                try:
                    # kept by the process whose claim this one followed, since `kept` was read
                    known = self._kept().get(label)
                    done[label] = known if known is not None else self._keep(label, measure())
                finally:
                    if claim is not None:
                        claim()
                progressed = True
                break  # what the others measured meanwhile is read again first
            if not progressed:
                time.sleep(PROBE_POLL_S)
        return done

    def _keep(self, label: str, seconds: float) -> float:
        def kept(entry: dict[str, object]) -> dict[str, object]:
            # another process's timings since included; a fitted model kept beside them
            return {**entry, "at": time.time(),
                    "timings": {**self._valid(entry), label: seconds}}

        _update_entry(self.key or "", kept)
        return seconds

    def _claim(self, label: str) -> Callable[[], None] | None:
        """This process's claim on measuring `label`, as the call that gives it up (once the
        timing is kept), or None while another process holds it. Where no claim can be taken
        (a read-only cache folder) the process measures the timing itself."""
        folder = paths.cache_dir() / "fuse_probe_claims"
        path = folder / f"{self.key}-{label}.lock"
        lock = FileLock(path, timeout=0, thread_local=False)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            return None
        except OSError:
            return lambda: None

        def release() -> None:
            # the file too: a process that opens it after its removal finds the timing kept
            with contextlib.suppress(OSError):
                path.unlink()
            lock.release()

        return release

    def _kept(self) -> dict[str, float]:
        return self._valid(_read_cache().get(self.key or ""))

    def _valid(self, entry: object) -> dict[str, float]:
        """The timings of a cache entry measured within CACHE_DAYS."""
        now = time.time() if self.now is None else self.now
        try:
            assert isinstance(entry, dict)
            at, timings = float(entry["at"]), entry["timings"]
            assert isinstance(timings, dict) and 0 <= now - at <= CACHE_DAYS * 86400
            return {str(k): float(v) for k, v in timings.items()
                    if isinstance(v, (int, float)) and math.isfinite(v) and v > 0}
        except (AssertionError, KeyError, TypeError, ValueError):
            return {}


def _update_entry(key: str, update: Callable[[dict[str, object]], dict[str, object]]) -> None:
    """The cache's entry for `key` replaced by `update(entry)` (`{}` where there is none),
    read and written under a file lock (`filelock`'s, as the store's migrations take one): the
    processes of a run keep their timings and models in it at once, none lost to another's
    write. A cache folder that cannot be written, or a lock not had in CACHE_LOCK_S, keeps
    nothing."""
    target = _cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{target}.lock", timeout=CACHE_LOCK_S, thread_local=False):
            data = _read_cache()
            entry = data.get(key)
            data[key] = update(entry if isinstance(entry, dict) else {})
            _write_cache(data)
    except (OSError, Timeout):
        pass


def _write_cache(data: dict[str, dict[str, object]]) -> None:
    newest = sorted(data.items(), key=lambda kv: float(kv[1].get("at", 0.0))  # type: ignore
                    if isinstance(kv[1], dict) else 0.0)[-CACHE_ENTRIES:]
    target = _cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f"{target.name}.{os.getpid()}.part")
        part.write_text(json.dumps(dict(newest)), encoding="utf-8")
        part.replace(target)
    except OSError:
        pass
