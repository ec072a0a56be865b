"""Population-based training (Jaderberg et al., 2017) as a search strategy: its settings and
the arithmetic of its explore step. Pure data; the engine applies it (engine/pbt.py).

A population of `population` members trains at once as one fused model. Every `interval`
epochs (or steps) the members are ranked by the objective; the worst `quantile` of them
(truncation selection) each copy the weights, optimiser state and hyperparameters of a member
drawn from the best `quantile` (exploit), then change their hyperparameters (explore): with
probability `resample_probability` a dimension is drawn afresh from its range, otherwise it is
multiplied by one of `factors`, in both cases kept within the dimension's range.

Optionally (`prune`, off by default) a hopeless member stops instead of being refilled: see
`PBTPruning` for the rule and why it is the one."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import model_validator

from tunestudio.config.common import ConfigModel, field
from tunestudio.messages import N_

# The knobs a fused population can change while it trains: they are tensors on the trial axis
# (the learning rate, the optimiser's numbers). Anything else shapes the computation or the
# data and cannot change mid-run.
PBT_PATHS = ("optimizer.lr", "optimizer.weight_decay", "optimizer.momentum", "optimizer.l1",
             "optimizer.beta1", "optimizer.beta2", "optimizer.eps", "optimizer.alpha")


class HyperChange(ConfigModel):
    """From a step on, the run trains with other values of its optimiser's numbers: one change
    of a hyperparameter schedule (a population-based training member's, written back)."""

    step: int = field(1, "Optimisation steps done when the values change (the change applies "
                      "from the next step).", ge=1)
    values: dict[str, float] = field(
        {}, "The new values by dotted path (optimizer.lr, optimizer.weight_decay, ...); the "
        "learning rate keeps the schedule's shape.", min_length=1)

    @model_validator(mode="after")
    def _paths(self) -> HyperChange:
        bad = sorted(p for p in self.values if p not in PBT_PATHS)
        if bad:
            raise ValueError(N_("Validation", "hyper_schedule at step {step}: {paths} cannot "
                                "change while a run trains; change only {allowed}").format(
                step=self.step, paths=", ".join(bad), allowed=", ".join(PBT_PATHS)))
        return self


def check_schedule(changes: Sequence[HyperChange], optimizer_fields: Sequence[str]) -> None:
    """The changes' steps strictly increase and each value is a field of the run's optimiser
    kind; raises ValueError naming the first problem."""
    for before, after in itertools.pairwise(changes):
        if after.step <= before.step:
            raise ValueError(N_("Validation", "hyper_schedule: its steps must increase "
                                "({first} then {second})").format(first=before.step,
                                                                 second=after.step))
    for change in changes:
        for path in change.values:
            name = path.split(".", 1)[1]
            if name not in optimizer_fields:
                raise ValueError(N_("Validation", "hyper_schedule at step {step}: the "
                                    "optimiser has no {name}; remove it or change "
                                    "optimizer.kind").format(step=change.step, name=name))


class ExploreRule(ConfigModel):
    """How one dimension is explored, overriding the population's defaults."""

    path: str = field("optimizer.lr", "The dimension (its dotted path) this rule explores.",
                      min_length=1)
    factors: list[float] | None = field(
        None, "Factors one of which multiplies the value; empty = the population's.",
        min_length=1)
    resample_probability: float | None = field(
        None, "Probability of drawing the value afresh from the dimension's range instead; "
        "empty = the population's.", ge=0, le=1)

    @model_validator(mode="after")
    def _positive(self) -> ExploreRule:
        _check_factors(self.factors, self.path)
        return self


class PBTPruning(ConfigModel):
    """Pruning of hopeless lineages (`pbt.prune`, off by default). At a perturbation, a member
    that the perturbation would replace (it ranks in the worst `quantile`) is pruned instead,
    and stops training, when it also ranked in the worst quantile at the `patience - 1`
    perturbations before (`patience` in a row) and its objective is more than `margin` behind
    the best running member's (in the objective's units; a member never measured, or measured
    NaN, is behind by any margin). The worst of them go first, never leaving fewer than
    `min_population` members running (default: half the population, rounded up).

    Why this rule: a member in the worst quantile loses its weights to an exploit in plain PBT
    anyway, so pruning it ends no line of weights that PBT would have kept, and the best
    member, which ranks first, is never pruned; what pruning gives up is only the copy of a
    good member (explored) that PBT would have put in its place, and `patience` gives that up
    only where such copies have already failed to leave the worst quantile. A member outside
    the worst quantile is never pruned, however far behind: PBT keeps its weights, and a
    member behind early can lead at the end (a small learning rate under a decaying schedule
    ranks late), so a margin alone would cut what PBT keeps. `margin` keeps near-ties (a
    converged population, whose ranking is noise) training. The floor keeps enough members
    for the exploits to choose from."""

    enabled: bool = field(
        False, "Prune hopeless lineages: a member that ranks in the replaced quantile at "
        "`patience` perturbations in a row, more than `margin` behind the best member, stops "
        "training instead of copying a better member (never below `min_population` members).",
        advice="Saves the training of members that keep losing: their rows leave the fused "
        "model. The best member is never pruned; the population then explores less, so keep "
        "it off for small populations.")
    patience: int = field(
        2, "Perturbations in a row, the current one included, at which a member must rank in "
        "the replaced quantile before it is pruned.", ge=1, le=10_000)
    margin: float = field(
        0.0, "How far a member's objective must lie behind the best member's to be pruned, in "
        "the objective's units (0.01: one point of accuracy); 0: any distance.", ge=0,
        allow_inf_nan=False)
    min_population: int | None = field(
        None, "Members left running whatever the rule says; empty = half the population "
        "(rounded up).", ge=2)

    def floor(self, population: int) -> int:
        """The fewest members pruning leaves running in a population of `population`."""
        if self.min_population is not None:
            return self.min_population
        return max(2, math.ceil(population / 2))


class PBTSettings(ConfigModel):
    """Population-based training's settings (strategy 'pbt')."""

    population: int = field(16, "Members trained at once (one fused model).", ge=2,
                            le=65_536)
    interval: int = field(1, "Perturbation interval: members are ranked, exploited and "
                          "explored every this many epochs (or steps, see unit).", ge=1,
                          le=1_000_000)
    unit: Literal["epoch", "step"] = field("epoch", "Unit of the interval.")
    quantile: float = field(
        0.25, "Share of the population replaced at each perturbation: the worst this share "
        "copies members drawn from the best this share (truncation selection, 0.25 as in "
        "Jaderberg et al. 2017).", gt=0, le=0.5)
    factors: list[float] = field(
        [0.8, 1.2], "Explore: one of these factors, drawn at random, multiplies each "
        "dimension's value (clipped to its range).", min_length=1)
    resample_probability: float = field(
        0.25, "Explore: probability that a dimension is drawn afresh from its range instead of "
        "multiplied.", ge=0, le=1)
    explore: list[ExploreRule] = field(
        [], "Per-dimension overrides of factors and resample probability.")
    prune: PBTPruning = field(
        PBTPruning(), "Pruning of hopeless lineages: members that keep ranking in the replaced "
        "quantile stop training (off by default).")

    @model_validator(mode="after")
    def _rules(self) -> PBTSettings:
        _check_factors(self.factors, "pbt")
        paths = [r.path for r in self.explore]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(N_("Validation", "pbt.explore names {paths} more than once; keep "
                                "one rule per dimension").format(paths=", ".join(dupes)))
        floor = self.prune.min_population
        if self.prune.enabled and floor is not None and floor >= self.population:
            raise ValueError(N_("Validation", "prune.min_population ({floor}) must be below "
                                "population ({population}), else no member can be pruned; "
                                "lower it, or leave it empty for half the population").format(
                floor=floor, population=self.population))
        return self

    def rule(self, path: str) -> tuple[list[float], float]:
        """The factors and resample probability of the dimension at `path`."""
        for rule in self.explore:
            if rule.path == path:
                return (rule.factors if rule.factors is not None else self.factors,
                        rule.resample_probability if rule.resample_probability is not None
                        else self.resample_probability)
        return self.factors, self.resample_probability

    def replaced(self, live: int) -> int:
        """How many of `live` members a perturbation replaces: the quantile's share, rounded
        down, at least 1 once there are 2 (0 for fewer: nothing to copy from)."""
        if live < 2:
            return 0
        return max(1, min(live // 2, math.floor(self.quantile * live)))


def _check_factors(factors: Sequence[float] | None, where: str) -> None:
    if factors is None:
        return
    bad = [f for f in factors if not (math.isfinite(f) and f > 0)]
    if bad:
        raise ValueError(N_("Validation", "{where}: explore factors must be positive numbers "
                            "(got {bad}); e.g. [0.8, 1.2]").format(where=where, bad=str(bad)))


class Range:
    """A numeric dimension's range as PBT explores it: `low`..`high`, on a log scale or not,
    integer or not, on a step or not."""

    def __init__(self, low: float, high: float, *, log: bool = False, integer: bool = False,
                 step: float | None = None):
        self.low, self.high, self.log, self.integer, self.step = low, high, log, integer, step

    def clip(self, value: float) -> float | int:
        """`value` within the range, on its step, an int for an integer dimension."""
        value = min(max(value, self.low), self.high)
        if self.step is not None and self.step > 0:
            value = self.low + round((value - self.low) / self.step) * self.step
            value = min(max(value, self.low), self.high)
        return round(value) if self.integer else float(value)

    def draw(self, rng: random.Random) -> float | int:
        """A value drawn uniformly from the range (log-uniformly on a log scale)."""
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high)))
        else:
            value = rng.uniform(self.low, self.high)
        return self.clip(value)


def explore(values: Mapping[str, float], ranges: Mapping[str, Range], settings: PBTSettings,
            rng: random.Random) -> dict[str, float | int]:
    """New values for a member that has just copied `values` (path -> value): each dimension
    of `ranges` resampled with its probability, else multiplied by one of its factors, then
    clipped to its range. Dimensions not in `ranges` are kept."""
    out: dict[str, float | int] = dict(values)
    for path, span in ranges.items():
        factors, p = settings.rule(path)
        if rng.random() < p:
            out[path] = span.draw(rng)
        else:
            out[path] = span.clip(float(values[path]) * rng.choice(factors))
    return out
