"""Search definitions: which knobs an experiment varies, how it picks values, and what it
optimises. Pure data and arithmetic; Optuna is only touched by `tunestudio.search`."""

from __future__ import annotations

import math
from collections.abc import Container, Mapping
from typing import Annotated, Any, Literal

import annotated_types
from pydantic import Field, model_validator
from pydantic.fields import FieldInfo

from tunestudio.config.common import (
    ALL_METRICS,
    ConfigModel,
    Metric,
    ProgramMetric,
    field,
    metric_mode,
)
from tunestudio.config.dotted import get_value, resolve
from tunestudio.config.pbt import PBT_PATHS, PBTSettings, Range
from tunestudio.config.program import PARAMS, param_name
from tunestudio.config.run import RunConfig
from tunestudio.messages import N_, Text

Strategy = Literal["ovat", "grid", "random", "tpe", "gp", "cmaes", "qmc", "pbt"]
STRATEGY_LABELS: dict[str, str] = {
    "ovat": N_("Strategy", "One variable at a time around the baseline"),
    "grid": N_("Strategy", "Grid (every combination)"),
    "random": N_("Strategy", "Random"),
    "tpe": N_("Strategy", "Bayesian: TPE"),
    "gp": N_("Strategy", "Bayesian: Gaussian process"),
    "cmaes": "CMA-ES",
    "qmc": N_("Strategy", "Quasi-Monte Carlo (Sobol)"),
    "pbt": N_("Strategy", "Population-based training"),
}
FINITE_STRATEGIES = frozenset({"ovat", "grid"})
Scalar = bool | int | float | str


class Condition(ConfigModel):
    """A dimension applies only when another knob has one of the given values."""

    path: str = field("optimizer.kind", "The knob that decides: an earlier dimension of this "
                      "search, or a baseline field.", min_length=1)
    values: list[Scalar] = field(["sgd"], "The dimension applies when that knob has one of "
                                 "these values.", min_length=1)


class _Dimension(ConfigModel):
    path: str = field("optimizer.lr", "Dotted path of the knob in the run config.", min_length=1)
    condition: Condition | None = field(
        None, "Applies only when another knob has given values (momentum only for SGD); "
        "empty = always. Where it does not apply, the trial keeps the baseline's value.")

    @model_validator(mode="after")
    def _path_exists(self) -> _Dimension:
        if self.path.split(".", 1)[0] == PARAMS:
            if param_name(self.path) is None or self.path.count(".") != 1:
                raise ValueError(N_("Validation", "'{path}': a program parameter is named "
                                    "params.NAME, e.g. params.lr").format(path=self.path))
            return self  # the project checks it against its program's parameters
        resolve(RunConfig, self.path)
        return self

    @property
    def parameter(self) -> str | None:
        """The program parameter this dimension varies (`params.lr` -> `lr`), or None for a
        built-in field."""
        return param_name(self.path)


def field_limits(info: FieldInfo) -> list[tuple[str, float]]:
    """The bounds a numeric config field declares, as (operator, bound): ('>=', 0.0),
    ('<=', 10.0), ('>', 0.0) or ('<', 1.0)."""
    found: list[tuple[str, float]] = []
    for item in info.metadata:
        for attr, op in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if isinstance(item, annotated_types.BaseMetadata) and hasattr(item, attr):
                found.append((op, float(getattr(item, attr))))
    return found


def _within(value: float, op: str, bound: float) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound,
            "<": value < bound}[op]


def tidy_point(value: float, low: float, high: float) -> float:
    """A computed grid point as the value it stands for, never outside [low, high]: within 64
    units in the last place of a number of at most 10 significant digits, it becomes that
    number. 10 ** 1 computed through logarithms may be 10.00000000000001 and 0.1 * 3 is
    0.30000000000000004; the user asked for 10 and 0.3. A point that stands for no short
    number (10 ** -3.5) is kept as computed."""
    if value != 0 and math.isfinite(value):
        tolerance = 64 * math.ulp(value)
        for digits in range(1, 11):
            short = float(f"{value:.{digits}g}")
            if abs(short - value) <= tolerance:
                value = short
                break
    return min(max(value, low), high)


class _NumericDimension(_Dimension):
    log: bool = field(False, "Sample on a log scale (learning rates, weight decay, widths).")
    grid_points: int = field(
        3, "Values tried by grid and one-variable-at-a-time when 'values' is empty.", ge=2, le=100
    )

    def _check_range(self, low: float, high: float, step: float | None,
                     values: list[Any] | None) -> None:
        if low >= high:
            raise ValueError(N_("Validation", "{path}: low ({low:g}) must be below high "
                                "({high:g})").format(path=self.path, low=low, high=high))
        if self.log and low <= 0:
            raise ValueError(N_("Validation", "{path}: a log scale needs low > 0 (got {low:g})"
                                ).format(path=self.path, low=low))
        if self.log and step is not None:
            raise ValueError(N_("Validation", "{path}: choose a log scale or a step, not both"
                                ).format(path=self.path))
        if values is not None:
            outside = [v for v in values if not low <= v <= high]
            if outside:
                raise ValueError(N_("Validation", "{path}: values {outside} lie outside "
                                    "[{low:g}, {high:g}]").format(path=self.path,
                                                                 outside=str(outside),
                                                                 low=low, high=high))
            if len(set(values)) != len(values):
                raise ValueError(N_("Validation", "{path}: values repeat").format(
                    path=self.path))
        if self.parameter is not None:
            return  # a program parameter declares no limits
        info = resolve(RunConfig, self.path).info
        for op, bound in field_limits(info):
            for name, value in (("low", low), ("high", high)):
                if not _within(value, op, bound):
                    raise ValueError(N_(
                        "Validation", "{path}: {name} ({value:g}) is outside the field's "
                        "limits: it must be {op} {bound:g}; every trial there would be invalid"
                    ).format(path=self.path, name=name, value=value, op=op, bound=bound))


class FloatDimension(_NumericDimension):
    """A float knob searched over [low, high]: continuously, on a log scale (`log`) or on a `step`;
    grid and one-variable-at-a-time try `values` or `grid_points` points (`grid_values`).
    Validation raises ValueError when low >= high, a log scale has low <= 0 or a step too,
    `values` repeat or lie outside [low, high], low or high lies outside the field's own limits,
    or the path names an int or a non-numeric field (a program parameter's type is checked by
    `Project`)."""

    type: Literal["float"] = "float"
    low: float = field(1e-4, "Lowest value.")
    high: float = field(1e-1, "Highest value.")
    step: float | None = field(None, "Discretisation step; empty = continuous.", gt=0)
    values: list[float] | None = field(
        None, "Explicit values for grid and one-variable-at-a-time (within low..high).",
        min_length=1,
    )

    @model_validator(mode="after")
    def _range(self) -> FloatDimension:
        self._check_range(self.low, self.high, self.step, self.values)
        if self.parameter is not None:
            return self  # its type is checked against the program's parameter by the project
        leaf = resolve(RunConfig, self.path)
        if not leaf.is_numeric:
            raise ValueError(N_("Validation", "{path} is not a number; use a categorical "
                                "dimension").format(path=self.path))
        if leaf.is_int:
            raise ValueError(N_("Validation", "{path} is an integer; use an int dimension"
                                ).format(path=self.path))
        return self

    def grid_values(self) -> list[float]:
        """The values grid and one-variable-at-a-time try: `values`, or `grid_points` points
        from low to high, both included exactly, evenly spaced in log10 (decades exact: 0.001
        to 10 in 5 points is 0.001, 0.01, 0.1, 1, 10) or linearly, or on the step."""
        if self.values is not None:
            return sorted(self.values)
        n, low, high = self.grid_points, self.low, self.high
        if self.log:
            a, b = math.log10(low), math.log10(high)
            raw = [10.0 ** (a + (b - a) * i / (n - 1)) for i in range(n)]
        elif self.step is not None:
            count = math.floor((high - low) / self.step + 1e-9) + 1
            pick = sorted({round(i * (count - 1) / (n - 1)) for i in range(n)})
            raw = [low + k * self.step for k in pick]
        else:
            raw = [low + (high - low) * i / (n - 1) for i in range(n)]
        points = [tidy_point(v, low, high) for v in raw]
        points[0] = low
        if not self.log and self.step is not None:
            return points  # the last step may stop short of high
        points[-1] = high
        return points


class IntDimension(_NumericDimension):
    """An int knob searched over [low, high] on `step`, or on a log scale (then with step 1);
    grid and one-variable-at-a-time try `values` or up to `grid_points` points (`grid_values`).
    Validation raises ValueError as for `FloatDimension`, but an int dimension may vary a float
    field."""

    type: Literal["int"] = "int"
    low: int = field(32, "Lowest value.")
    high: int = field(512, "Highest value.")
    step: int = field(1, "Step between values.", ge=1)
    values: list[int] | None = field(
        None, "Explicit values for grid and one-variable-at-a-time (within low..high).",
        min_length=1,
    )

    @model_validator(mode="after")
    def _range(self) -> IntDimension:
        self._check_range(self.low, self.high, None if self.step == 1 else self.step,
                          self.values)
        if self.parameter is not None:
            return self
        leaf = resolve(RunConfig, self.path)
        if not leaf.is_numeric:
            raise ValueError(N_("Validation", "{path} is not a number; use a categorical "
                                "dimension").format(path=self.path))
        return self

    def grid_values(self) -> list[int]:
        """The values grid and one-variable-at-a-time try, ascending: `values`, or
        `grid_points` points from low to high spaced evenly (in log space when `log`), each
        rounded to the nearest low + k * step; points that round to the same value count once
        and one beyond high is dropped, so there may be fewer than `grid_points`."""
        if self.values is not None:
            return sorted(self.values)
        n = self.grid_points
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            raw = [math.exp(a + (b - a) * i / (n - 1)) for i in range(n)]
        else:
            raw = [self.low + (self.high - self.low) * i / (n - 1) for i in range(n)]
        snapped = {self.low + self.step * round((v - self.low) / self.step) for v in raw}
        return sorted(v for v in snapped if self.low <= v <= self.high)


class CategoricalDimension(_Dimension):
    """A knob searched over a list of `choices`: any field (a Literal, a bool, a number, a section's
    `kind`, which switches its variant) or a program parameter. Raises ValueError when the choices
    repeat (True and 1 are different choices) or, for a Literal field, one is not among its
    values."""

    type: Literal["categorical"] = "categorical"
    path: str = field("training.batch_size", "Dotted path of the knob in the run config.",
                      min_length=1)
    choices: list[Scalar] = field([32, 64, 128], "Values to choose from.", min_length=1)

    @model_validator(mode="after")
    def _choices(self) -> CategoricalDimension:
        if len({(type(c), c) for c in self.choices}) != len(self.choices):
            raise ValueError(N_("Validation", "{path}: choices repeat").format(path=self.path))
        if self.parameter is not None:
            return self
        leaf = resolve(RunConfig, self.path)
        if leaf.choices is not None:
            bad = [c for c in self.choices if c not in leaf.choices]
            if bad:
                allowed = ", ".join(map(str, leaf.choices))
                raise ValueError(N_("Validation", "{path}: {bad} not allowed; choose from "
                                    "{allowed}").format(path=self.path, bad=str(bad),
                                                        allowed=allowed))
        return self

    def grid_values(self) -> list[Scalar]:
        """The choices, in their order: what grid and one-variable-at-a-time try."""
        return list(self.choices)


Dimension = Annotated[FloatDimension | IntDimension | CategoricalDimension,
                      Field(discriminator="type")]


class Budget(ConfigModel):
    """How much one run of the experiment may spend: `trials` trials and `timeout_s` seconds of
    wall-clock time, the first reached ending the run. `SearchDefinition` raises ValueError when
    both are empty for a strategy that never runs out of values (any but grid,
    one-variable-at-a-time and population-based training)."""

    trials: int | None = field(20, "Trials to run; empty = no limit (grid and "
                               "one-variable-at-a-time stop when every value was tried).",
                               ge=1, le=1_000_000)
    timeout_s: float | None = field(None, "Wall-clock limit of one run of the experiment, in "
                                    "seconds; empty = none.", gt=0)


class StopRules(ConfigModel):
    """When the whole search stops starting trials, beside its budget. Each rule left empty is
    off; the first that holds stops the run (the trials running finish) and is named."""

    target: float | None = field(
        None, "Stop once the best objective reaches this value (at least it when maximised, at "
        "most it when minimised); empty = no target.")
    patience: int | None = field(
        None, "Stop after this many finished trials in a row that did not improve the best "
        "beyond the threshold (min_delta, and the noise when beyond_noise), counted over the "
        "experiment's whole history, earlier runs included: run again with the same patience "
        "after such a stop and it stops at once; raise it to go on. Empty = never.",
        ge=1, le=1_000_000)
    min_delta: float = field(
        0.0, "The least gain over the best objective that counts as an improvement.", ge=0)
    beyond_noise: bool = field(
        False, "An improvement must also exceed the spread between seeds (the pooled standard "
        "deviation of the trials run with several seeds); while no trial was repeated, only "
        "min_delta applies.")
    deadline: str | None = field(
        None, "Stop starting trials at this local date and time, ISO 8601 (e.g. "
        "2026-12-05T18:00); empty = none.")
    duration_s: float | None = field(
        None, "Stop once this many seconds have passed since the experiment's first trial "
        "started, over all its runs; empty = none (budget.timeout_s limits one run).", gt=0)
    trial_hours: float | None = field(
        None, "Stop once the experiment's trials together trained this many hours (every run "
        "and worker: a cost budget); empty = no limit.", gt=0)

    @model_validator(mode="after")
    def _deadline(self) -> StopRules:
        if self.deadline is not None and self.deadline.strip():
            from datetime import datetime

            try:
                datetime.fromisoformat(self.deadline.strip())
            except ValueError:
                raise ValueError(N_("Validation", "deadline '{deadline}' is not a date and "
                                    "time: write it as 2026-12-05T18:00").format(
                    deadline=self.deadline)) from None
        return self

    @property
    def active(self) -> bool:
        """Whether any rule is set: a target, a patience, a deadline, a duration or trial-hours
        (`min_delta` and `beyond_noise` only refine the patience)."""
        return any(v is not None for v in (self.target, self.patience, self.duration_s,
                                           self.trial_hours)) or bool(
            self.deadline and self.deadline.strip())

    def deadline_epoch(self) -> float | None:
        """The deadline in seconds since the epoch (a time without zone is local), or None."""
        if not self.deadline or not self.deadline.strip():
            return None
        from datetime import datetime

        return datetime.fromisoformat(self.deadline.strip()).timestamp()


class PrunerConfig(ConfigModel):
    """The search's `pruner`: which Optuna pruner stops unpromising trials early from the values of
    the objective they report at their evaluations. `median` is Optuna's MedianPruner
    (`n_startup_trials` = startup_trials, `n_warmup_steps` = warmup_evaluations);
    `successive_halving` (asynchronous successive halving, Li et al., 2020) and `hyperband` (Li et
    al., 2018) take `min_resource` = max(1, warmup_evaluations) only. A search with a second
    objective never prunes: Optuna prunes single-objective studies only."""

    kind: Literal["none", "median", "successive_halving", "hyperband"] = field(
        "median", "Stops unpromising trials early, from their validation curves."
    )
    startup_trials: int = field(5, "Trials that always run to the end before pruning starts.",
                                ge=0, le=10_000)
    warmup_evaluations: int = field(3, "Evaluations of a trial before it may be pruned (its "
                                    "last is never judged: a prune there saves no training).",
                                    ge=0, le=100_000)


OBJECTIVE_ON_TRAINING = N_("Validation", "the objective must be a validation metric, not "
                           "'{metric}': tuning on training data rewards overfitting")


class Objective(ConfigModel):
    """What the search optimises: `metric` in `direction`, and optionally training time as a second,
    minimised objective (then Optuna finds a Pareto front, and no trial is pruned). Raises
    ValueError for a training metric (a name starting with train_, or for a program's metric
    also train/ or train.): tuning on training data rewards overfitting. `Project` checks that a
    built-in baseline measures it (a metric of its task, with a validation split)."""

    metric: Metric | ProgramMetric = field(
        "val_accuracy", "Validation metric the search optimises; with a program baseline, the "
        "name of a metric it prints or reports (e.g. val_acc).")
    direction: Literal["auto", "maximize", "minimize"] = field(
        "auto", "'auto' maximises accuracy and R2, minimises losses and errors (a program's "
        "metric: maximised when its name ends in acc, accuracy, f1, auc, iou, score...)."
    )
    second: Literal["none", "train_time"] = field(
        "none", "An optional second objective (training time, minimised): the search then "
        "finds a Pareto front instead of a single best trial."
    )

    @property
    def resolved_direction(self) -> Literal["maximize", "minimize"]:
        """The study's direction as Optuna spells it: `direction`, or for 'auto' the metric's own
        (`metric_mode`)."""
        if self.direction != "auto":
            return self.direction
        return "maximize" if metric_mode(self.metric) == "max" else "minimize"

    @model_validator(mode="after")
    def _validation_metric(self) -> Objective:
        if self.metric not in ALL_METRICS:  # a program's metric: anything but a training one
            if self.metric.lower().startswith(("train_", "train/", "train.")):
                raise ValueError(OBJECTIVE_ON_TRAINING.format(metric=self.metric))
            return self
        if not self.metric.startswith("val_"):
            raise ValueError(OBJECTIVE_ON_TRAINING.format(metric=self.metric))
        return self


class SearchDefinition(ConfigModel):
    """An experiment's search: which knobs it varies (`dimensions`), how it picks their values
    (`strategy`), when it stops (`budget`, `stop`), what it optimises and prunes, and how its
    trials train (`repeats`, `fuse`, `pbt`). Validation raises ValueError when two dimensions
    share a path; when a condition names an unknown knob, a later dimension or a cycle, or values
    its knob never takes; when a strategy that never runs out of values has neither a trial nor a
    time budget; and, for population-based training, unless it has at least one dimension, each
    a float or int range over an optimiser value that a population can change mid-run
    (`PBT_PATHS`) with no condition, every explore rule names one of them, repeats is 1 and
    there is no second objective."""

    dimensions: list[Dimension] = field([], "The knobs this experiment varies.")
    strategy: Strategy = field(
        "tpe", "How values are picked.",
        advice="One-variable-at-a-time isolates each knob; grid is exhaustive and grows "
        "exponentially; random covers large spaces better for the same budget; Bayesian uses "
        "past results and is best when each trial is expensive.",
    )
    budget: Budget = field(Budget(), "When the search stops.")
    stop: StopRules = field(StopRules(), "Rules that stop the whole search early: a target, "
                            "no improvement in N trials, a deadline, a cost in trial-hours.")
    pruner: PrunerConfig = field(PrunerConfig(), "Early termination of poor trials.")
    objective: Objective = field(Objective(), "What the search optimises.")
    repeats: int = field(
        1, "Runs per trial with seeds seed, seed+1, ...; the objective is their mean.",
        ge=1, le=20,
    )
    sampler_seed: int | None = field(None, "Seed of the sampler; empty = random.", ge=0)
    fuse: Literal["auto", "off", "fixed"] = field(
        "auto", "Train several trials at once as one fused model: 'auto' sizes the groups from "
        "a short device probe (at most fuse_trials), 'fixed' uses fuse_trials, 'off' trains "
        "one trial at a time.",
        advice="Trials that differ only in numbers (learning rate, weight decay, schedule, "
        "seed, hidden widths) train together, each exactly as it would alone; many small "
        "trials then finish several times sooner.",
    )
    fuse_trials: int = field(32, "Most trials in one fused group.", ge=1, le=65_536)
    pbt: PBTSettings = field(
        PBTSettings(), "Population-based training (strategy 'pbt'): the population, how often "
        "it is perturbed, and how each dimension is explored.",
        advice="A population trains at once; every interval the worst quarter copies the "
        "weights of the best and perturbs their hyperparameters, so one training's time "
        "finds a schedule of learning rate and regularisation.")

    @model_validator(mode="after")
    def _dimensions(self) -> SearchDefinition:
        paths = [d.path for d in self.dimensions]
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        if dupes:
            raise ValueError(N_("Validation", "dimensions repeat: {paths}").format(
                paths=", ".join(dupes)))
        _check_conditions(self.dimensions)
        if self.strategy == "pbt":
            _check_pbt(self)
            return self
        if self.strategy not in FINITE_STRATEGIES and self.budget.trials is None \
                and self.budget.timeout_s is None:
            raise ValueError(N_("Validation", "strategy '{strategy}' never runs out of "
                                "values: set budget.trials or budget.timeout_s").format(
                strategy=self.strategy))
        return self


def _check_pbt(search: SearchDefinition) -> None:
    """A population can only change, while it trains, numbers that are tensors on the trial
    axis (PBT_PATHS); each is a numeric dimension without a condition, and each explore rule
    names one of them. One seed per trial, one objective."""
    if not search.dimensions:
        raise ValueError(N_("Validation", "population-based training needs at least one "
                            "dimension to explore, e.g. optimizer.lr"))
    for dim in search.dimensions:
        if dim.parameter is not None:
            raise ValueError(N_(
                "Validation", "{path}: population-based training copies the weights and "
                "optimiser state of one running member into another and changes its values "
                "mid-run; a program's trial is a process of its own whose training TuneStudio "
                "cannot stop at a step, copy or change. Search a program's parameters with "
                "tpe, random or grid").format(path=dim.path))
        if dim.path not in PBT_PATHS:
            raise ValueError(N_(
                "Validation", "{path}: population-based training changes hyperparameters "
                "while the population trains, and {path} cannot change mid-run; explore one of "
                "{paths}, or use another strategy").format(path=dim.path,
                                                          paths=", ".join(PBT_PATHS)))
        if isinstance(dim, CategoricalDimension):
            raise ValueError(N_("Validation", "{path}: population-based training explores "
                                "numeric ranges; give it a float dimension").format(
                path=dim.path))
        if dim.condition is not None:
            raise ValueError(N_("Validation", "{path}: population-based training explores "
                                "every dimension of every member; remove its condition").format(
                path=dim.path))
    paths = {d.path for d in search.dimensions}
    unknown = [r.path for r in search.pbt.explore if r.path not in paths]
    if unknown:
        raise ValueError(N_("Validation", "pbt.explore names {paths}, which is not a dimension "
                            "of this search; add the dimension or remove the rule").format(
            paths=", ".join(unknown)))
    if search.repeats != 1:
        raise ValueError(N_("Validation", "population-based training trains each member once "
                            "(its schedule is its own); set repeats to 1"))
    if search.objective.second != "none":
        raise ValueError(N_("Validation", "population-based training ranks its members by "
                            "one objective; remove the second objective"))


def pbt_ranges(search: SearchDefinition) -> dict[str, Range]:
    """The ranges population-based training explores, by path (its dimensions)."""
    out: dict[str, Range] = {}
    for dim in search.dimensions:
        if isinstance(dim, FloatDimension):
            out[dim.path] = Range(dim.low, dim.high, log=dim.log, step=dim.step)
        elif isinstance(dim, IntDimension):
            out[dim.path] = Range(dim.low, dim.high, log=dim.log, integer=True,
                                  step=dim.step if dim.step > 1 else None)
    return out


def _check_conditions(dims: list[Dimension]) -> None:
    """Each condition names an earlier dimension (values among its choices or in its range)
    or a config field; a later dimension, itself or a cycle is refused, named."""
    index = {d.path: i for i, d in enumerate(dims)}
    for i, dim in enumerate(dims):
        cond = dim.condition
        if cond is None:
            continue
        j = index.get(cond.path)
        if j is None:
            if param_name(cond.path) is None:
                try:
                    leaf = resolve(RunConfig, cond.path)
                except (KeyError, ValueError, TypeError):
                    raise ValueError(N_(
                        "Validation", "{path}: its condition names '{knob}', which is "
                        "neither a dimension of this search nor a config field").format(
                        path=dim.path, knob=cond.path)) from None
                # a value the field can never take (a typo: 'sgdd') would leave the
                # dimension inactive in every trial, silently
                choices = leaf.choices or ()
                bad = [v for v in cond.values if not any(same_value(v, c) for c in choices)]
                if choices and bad:
                    raise ValueError(N_("Validation", "{path}: its condition's value(s) "
                                        "{values} are outside {knob}'s {where}").format(
                        path=dim.path, values=", ".join(map(str, bad)), knob=cond.path,
                        where=N_("Validation", "choices ({choices})").format(
                            choices=", ".join(map(str, choices)))))
            continue
        if j >= i:
            chain: list[str] = [dim.path]
            k: int | None = j
            while k is not None and dims[k].path not in chain:
                chain.append(dims[k].path)
                parent = dims[k].condition
                k = index.get(parent.path) if parent is not None else None
            if k is not None:
                loop = " → ".join([*chain, dims[k].path])
                raise ValueError(N_("Validation", "{path}: its condition makes a cycle "
                                    "({loop})").format(path=dim.path, loop=loop))
            raise ValueError(N_("Validation", "{path}: its condition names '{knob}', a later "
                                "dimension; move {knob} before {path}").format(
                path=dim.path, knob=cond.path))
        parent_dim = dims[j]
        if isinstance(parent_dim, CategoricalDimension):
            bad = [v for v in cond.values if not any(same_value(v, c) for c in parent_dim.choices)]
            where = N_("Validation", "choices ({choices})").format(
                choices=", ".join(map(str, parent_dim.choices)))
        else:
            bad = [v for v in cond.values if isinstance(v, bool | str)
                   or not parent_dim.low <= v <= parent_dim.high]
            where = N_("Validation", "range ({low}..{high})").format(
                low=parent_dim.low, high=parent_dim.high)
        if bad:
            raise ValueError(N_("Validation", "{path}: its condition's value(s) {values} are "
                                "outside {knob}'s {where}").format(
                path=dim.path, values=", ".join(map(str, bad)), knob=cond.path, where=where))


def applies(dim: Dimension, point: Mapping[str, Any], searched: Container[str],
            baseline: RunConfig) -> bool:
    """Whether `dim` applies to a trial whose values so far are `point` (the dimensions
    before it that apply): its condition's knob is a searched dimension that applies and has
    one of the values, or a baseline field with one of them. `searched`: the search's paths."""
    cond = dim.condition
    if cond is None:
        return True
    if cond.path in searched:
        if cond.path not in point:
            return False  # the deciding dimension does not apply itself
        value = point[cond.path]
    else:
        value = baseline_value(baseline, cond.path)
    return any(same_value(value, v) for v in cond.values)


def active_point(search: SearchDefinition, point: Mapping[str, Any], baseline: RunConfig
                 ) -> dict[str, Any]:
    """`point` without the values of dimensions that do not apply to it (in search order, so
    a nested condition follows its parent's fate)."""
    searched = {d.path for d in search.dimensions}
    kept: dict[str, Any] = {}
    for dim in search.dimensions:
        if dim.path in point and applies(dim, kept, searched, baseline):
            kept[dim.path] = point[dim.path]
    return kept


def inactive_dimensions(search: SearchDefinition, baseline: RunConfig) -> dict[str, Text]:
    """The dimensions no trial of this search varies, by path, each with the reason (a
    message for the reader): a condition on a baseline field whose value is not among the
    condition's, on a dimension that is inactive itself, or on one whose values (grid values
    for grid, choices or range otherwise) include none of the condition's; for
    one-variable-at-a-time, every dimension that does not apply at the baseline (only the
    baseline's branch is varied). Dimensions without a condition are never inactive."""
    searched = {d.path: d for d in search.dimensions}
    out: dict[str, Text] = {}
    if search.strategy == "ovat":
        at_base = active_point(search, {p: baseline_value(baseline, p) for p in searched},
                               baseline)
    for dim in search.dimensions:
        cond = dim.condition
        if cond is None:
            continue
        wanted = ", ".join(map(str, cond.values))
        parent = searched.get(cond.path)
        if parent is None:
            value = baseline_value(baseline, cond.path)
            if not any(same_value(value, v) for v in cond.values):
                out[dim.path] = N_("Condition", "inactive: the baseline's {knob} is {value}, "
                                   "not one of {values}").format(
                    knob=cond.path, value=str(value), values=wanted)
        elif parent.path in out:
            out[dim.path] = N_("Condition", "inactive: {knob} does not apply itself").format(
                knob=parent.path)
        elif search.strategy == "ovat":
            if not applies(dim, at_base, searched, baseline):
                out[dim.path] = N_(
                    "Condition", "inactive: one variable at a time varies only the baseline's "
                    "branch, and the baseline's {knob} is {value}").format(
                    knob=parent.path, value=str(baseline_value(baseline, parent.path)))
        elif not any(_can_take(parent, v, search.strategy == "grid") for v in cond.values):
            out[dim.path] = N_("Condition", "inactive: {knob} never takes {values} in this "
                               "search").format(knob=parent.path, values=wanted)
    return out


def _can_take(dim: Dimension, value: Any, grid: bool) -> bool:
    """Whether a trial of the search may give `dim` the value `value`: one of its grid values
    for a grid, one of its choices, or a point of its range on its step otherwise."""
    if grid or isinstance(dim, CategoricalDimension):
        return any(same_value(value, v) for v in dim.grid_values())
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not dim.low <= value <= dim.high:
        return False
    if dim.step is None:
        return True
    offset = (value - dim.low) / dim.step
    return math.isclose(offset, round(offset), abs_tol=1e-9)


def grid_points(search: SearchDefinition, baseline: RunConfig) -> list[dict[str, Any]]:
    """Every valid combination of the dimensions' grid values: a dimension branches only the
    points it applies to."""
    searched = {d.path for d in search.dimensions}
    points: list[dict[str, Any]] = [{}]
    for dim in search.dimensions:
        points = [{**p, dim.path: v} for p in points for v in dim.grid_values()] \
            if dim.condition is None else \
            [q for p in points for q in ([{**p, dim.path: v} for v in dim.grid_values()]
                                         if applies(dim, p, searched, baseline) else [p])]
    return points


def baseline_value(baseline: RunConfig, path: str) -> Any:
    """The baseline's value at a path, or None when its variant lacks that field (or its
    program that parameter)."""
    name = param_name(path)
    if name is not None:
        return baseline.program_values.get(name)
    try:
        return get_value(baseline.model_dump(mode="python"), path)
    except (KeyError, TypeError):
        return None


def ovat_values(search: SearchDefinition, baseline: RunConfig) -> list[dict[str, Any]]:
    """The value sets of one-variable-at-a-time: {} (the baseline itself) first, then each
    dimension over its values with the others at the baseline. A value equal to the baseline's
    is not run twice."""
    plan: list[dict[str, Any]] = [{}]
    searched = {d.path for d in search.dimensions}
    at_base = active_point(search, {d.path: baseline_value(baseline, d.path)
                                    for d in search.dimensions}, baseline)
    for dim in search.dimensions:
        if not applies(dim, at_base, searched, baseline):
            continue  # varied only on another branch, which the baseline is not on
        base = baseline_value(baseline, dim.path)
        for value in dim.grid_values():
            if not same_value(value, base):
                plan.append({dim.path: value})
    return plan


def same_value(a: Any, b: Any) -> bool:
    """Whether two knob values are the same: a bool only equals a bool, numbers within 1e-9
    relative, anything else by ==."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return bool(a == b)


def count_trials(search: SearchDefinition, baseline: RunConfig) -> int | None:
    """Trials the search will run: exact for grid and one-variable-at-a-time (capped by the
    trial budget), the population for population-based training, the budget otherwise (None
    when only a time limit bounds it)."""
    if search.strategy == "ovat":
        n: int | None = len(ovat_values(search, baseline))
    elif search.strategy == "grid":
        n = len(grid_points(search, baseline))
    elif search.strategy == "pbt":
        return search.pbt.population
    else:
        return search.budget.trials
    if search.budget.trials is not None and n is not None:
        return min(n, search.budget.trials)
    return n
