"""What the analysis plots of one experiment read, gathered in one pass on a worker lane: the
trials with their objective and sampled values, each searched dimension's kind and scale, and
for the batch-size view the validation curve against wall-clock time of the best trial per
batch size. Plain numpy; the plots only draw it.

A long search is drawn from a sample: beyond MAX_DRAWN complete trials, the plots show the best
TOP_DRAWN of them, the Pareto front and an even spread of the rest by trial number (the view
says so), and the best-so-far line still runs over every trial. Tens of thousands of points
per plot would take seconds to draw and show no more."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tunestudio.store import CurrentConfig
from tunestudio.store.pareto import front_mask
from tunestudio.store.verdicts import ovat_verdicts

if TYPE_CHECKING:
    from tunestudio.config import Experiment, RunConfig
    from tunestudio.gui.common.history import History

Array = npt.NDArray[np.float64]
BATCH = "training.batch_size"
MAX_DRAWN = 5_000  # complete trials drawn per plot; beyond, a sample (`AnalysisData.sample`)
TOP_DRAWN = 500  # the best trials, always in the sample


@dataclass(frozen=True)
class Param:
    """A searched dimension as the plots draw it: its dotted `path` in the run config, its `kind`
    ("float", "int" or "categorical"), whether it is searched on a log scale (`log`) and a
    categorical's `choices`, in the search space's order."""

    path: str
    kind: str  # float, int, categorical
    log: bool
    choices: tuple[Any, ...] = ()

    @property
    def name(self) -> str:
        """The last part of the path ("lr" for "optimizer.lr"), the axes' label."""
        return self.path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class BatchCurve:
    """The batch-size view's curve of one batch size: its best trial (`number`, and `trial_id` in
    the store) and that trial's validation metric (`metric`) against seconds of training
    (`wall`), two aligned 1-D arrays."""

    batch_size: Any
    number: int  # the best trial of this batch size
    trial_id: int  # its id in the store
    wall: Array
    metric: Array


@dataclass
class AnalysisData:
    """Everything the analysis plots of one experiment draw, read in one pass by `load_analysis`:
    the complete trials by number with their objective and sampled values (arrays and lists
    aligned with `numbers`), the other states' trial numbers, the batch-size curves, training
    time in seconds and the Pareto front against it, the one-variable-at-a-time verdicts, and
    which trials were trained on another baseline or excluded (drawn, never the best). A search
    of more than `MAX_DRAWN` complete trials carries a `sample` the plots draw instead (`drawn`)."""

    experiment: str
    study_name: str
    metric: str
    maximize: bool
    params: list[Param]
    numbers: npt.NDArray[np.int64]  # complete trials, by number
    objective: Array
    values: dict[str, list[Any]]  # per param, aligned with `numbers`
    other: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)  # state -> numbers
    batch_curves: list[BatchCurve] = field(default_factory=list)
    # Objective against training time, aligned with `numbers`: the trials' ids, their training
    # time in seconds (the second objective when the search has one, else the duration), and
    # whether each is on the Pareto front of the two (store/pareto.py: Optuna's best_trials).
    ids: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    train_time: Array = field(default_factory=lambda: np.zeros(0))
    on_front: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    two_objectives: bool = False
    # One variable at a time: per knob, its effect against the baseline's seed noise
    # (store/verdicts.py), one sentence each; empty for other strategies.
    knob_verdicts: list[str] = field(default_factory=list)
    # trials trained on another baseline than the current one (aligned with `numbers`): shown,
    # but never the best
    stale: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # trials the user excluded (aligned with `numbers`): present only when asked to show them,
    # and then never the best; `excluded_hidden` counts those left out otherwise
    excluded: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    excluded_hidden: int = 0
    # What the plots draw when there are more than MAX_DRAWN complete trials: a copy holding
    # a sample of them (None: they draw every trial)
    sample: AnalysisData | None = None
    # Of a sample: how many complete trials (and other states' marks) it was drawn from, and
    # the best-so-far staircase's corners over all of them
    sampled_from: int = 0
    other_counts: dict[str, int] = field(default_factory=dict)
    best_corners: tuple[Array, Array] | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    def drawn(self) -> AnalysisData:
        """What the plots draw: the sample of a long search, else this."""
        return self.sample if self.sample is not None else self

    def best_staircase(self) -> tuple[Array, Array]:
        """The best-so-far line as a staircase (x: trial numbers, y: the best objective so
        far; the best value holds until a trial beats it): over every complete trial, also
        in a sample."""
        if self.best_corners is not None:
            x, best = self.best_corners
        else:
            x, best = self.numbers.astype(np.float64), self.best_so_far()
        if not len(x):
            return np.zeros(0), np.zeros(0)
        return np.repeat(x, 2)[1:], np.repeat(best, 2)[:-1]

    def counted(self) -> Array:
        """The objective of the trials that count for "best" (another baseline's, or an
        excluded one shown: NaN)."""
        out = self.objective
        for mask in (self.stale, self.excluded):
            if len(mask) == len(out):
                out = np.where(mask, np.nan, out)
        return out

    def best_index(self) -> int | None:
        """Index (into `numbers`) of the best trial on the current baseline, or None."""
        values = self.counted()
        if not len(values) or np.isnan(values).all():
            return None
        return int(np.nanargmax(values) if self.maximize else np.nanargmin(values))

    def best_so_far(self) -> Array:
        """The best objective so far among the trials that count (NaN before the first)."""
        values = self.counted()
        if not len(values):
            return np.zeros(0)
        fill = -np.inf if self.maximize else np.inf
        acc = np.maximum.accumulate if self.maximize else np.minimum.accumulate
        best = acc(np.where(np.isnan(values), fill, values))
        return np.asarray(np.where(np.isinf(best), np.nan, best), dtype=np.float64)

    def coords(self, param: Param) -> tuple[Array, list[tuple[float, str]] | None]:
        """Numeric positions of a param's values (categorical: the choice's index) and, for a
        categorical, the axis ticks."""
        raw = self.values.get(param.path, [])
        if param.kind != "categorical":
            return np.array([np.nan if v is None else float(v) for v in raw]), None
        choices = list(param.choices) or sorted({str(v) for v in raw})
        index = {str(c): i for i, c in enumerate(choices)}
        return (np.array([index.get(str(v), np.nan) for v in raw], dtype=np.float64),
                [(float(i), str(c)) for i, c in enumerate(choices)])


def params_of(experiment: Experiment) -> list[Param]:
    """The experiment's searched dimensions as `Param`s, in the search space's order."""
    out = []
    for d in experiment.search.dimensions:
        if d.type == "categorical":
            out.append(Param(d.path, "categorical", False, tuple(d.model_dump()["choices"])))
        else:
            out.append(Param(d.path, d.type, bool(d.model_dump().get("log"))))
    return out


def load_analysis(history: History, url: str, experiment: Experiment,
                  baseline: RunConfig | None, show_excluded: bool = False) -> AnalysisData:
    """Runs on a worker lane. Trials the user excluded are left out, unless `show_excluded`
    (then they are drawn, marked, and never the best nor on the Pareto front). The history
    is read by column, in one query over what the plots draw (100,000 trials: about a
    second, where a full row per trial took many)."""
    objective = experiment.search.objective
    maximize = objective.resolved_direction == "maximize"
    params = params_of(experiment)
    columns = history.columns(url, experiment.name)
    if columns is None:
        return AnalysisData(experiment=experiment.name, study_name=experiment.name,
                            metric=objective.metric, maximize=maximize, params=params,
                            numbers=np.zeros(0, dtype=np.int64), objective=np.zeros(0),
                            values={p.path: [] for p in params})
    complete = columns.done()
    excluded = columns.excluded()
    at = np.flatnonzero(complete if show_excluded else complete & ~excluded)  # by number
    values = [columns.params[i] or {} for i in at]
    data = AnalysisData(
        experiment=experiment.name, study_name=experiment.name, metric=objective.metric,
        maximize=maximize, params=params, numbers=columns.numbers[at],
        objective=columns.objective[at],
        values={p.path: [v.get(p.path) for v in values] for p in params},
    )
    for state in ("pruned", "failed", "diverged", "invalid", "interrupted"):
        numbers = columns.numbers[[i for i, s in enumerate(columns.states) if s == state]]
        if len(numbers):
            data.other[state] = numbers
    data.excluded = excluded[at]
    data.excluded_hidden = 0 if show_excluded else int((complete & excluded).sum())
    data.ids = columns.ids[at]
    counted = ~data.excluded
    data.batch_curves = _batch_curves(history, url, data, values, counted, baseline)
    two = objective.second != "none"
    data.two_objectives = two
    data.train_time = (columns.objective2 if two else columns.duration_s)[at]
    data.on_front = front_mask(data.objective, data.train_time, data.numbers,
                               (objective.resolved_direction, "minimize"), counted)
    if baseline is not None:
        current = CurrentConfig(baseline)
        data.stale = np.array([not current.holds_values(
            int(columns.ids[i]), v, columns.config_fingerprint[i],
            columns.verdict_baseline[i], columns.verdict_current[i])
            for i, v in zip(at, values, strict=True)], dtype=bool)
        current.keep(history.store(url))  # the verdicts worked out here, for the next read
        if experiment.search.strategy == "ovat":  # a short search: its rows read whole
            rows, _ = history.trials(url, experiment.name)
            current_ids = set(data.ids[~data.stale].tolist())
            data.knob_verdicts = [v.describe() for v in ovat_verdicts(
                [r for r in rows if r.id in current_ids], experiment.search, baseline,
                objective.resolved_direction)]
    if len(data) > MAX_DRAWN:
        data.sample = sample_of(data)
    return data


def sample_of(data: AnalysisData, most: int | None = None, top: int | None = None
              ) -> AnalysisData:
    """At most `most` (default MAX_DRAWN) of the complete trials, in trial order, to draw: the
    `top` (default TOP_DRAWN) best that count, the Pareto front, and an even spread of the
    rest by trial number; at most `most` marks of each other state, evenly spread. Its
    best-so-far corners are those of every trial."""
    most = MAX_DRAWN if most is None else most
    top = TOP_DRAWN if top is None else top
    n = len(data)
    keep = np.zeros(n, dtype=bool)
    counted = data.counted()
    finite = np.flatnonzero(np.isfinite(counted))
    ranked = finite[np.argsort(-counted[finite] if data.maximize else counted[finite],
                               kind="stable")]
    keep[ranked[:top]] = True
    if len(data.on_front) == n:
        keep[data.on_front] = True
    rest = np.flatnonzero(~keep)
    room = most - int(keep.sum())
    if room > 0 and len(rest):
        keep[rest[np.unique(np.linspace(0, len(rest) - 1, min(room, len(rest))).astype(int))]] \
            = True
    at = np.flatnonzero(keep)
    best = data.best_so_far()
    # the staircase's corners: where the best changes, and the last trial
    corners = np.flatnonzero(np.r_[True, best[1:] != best[:-1]]) if n else np.zeros(0, int)
    corners = np.union1d(corners, [n - 1])

    def cut(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values[at] if len(values) == n else values

    def spread(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        if len(numbers) <= most:
            return numbers
        picked: npt.NDArray[np.int64] = numbers[
            np.unique(np.linspace(0, len(numbers) - 1, most).astype(int))]
        return picked

    return replace(
        data, numbers=data.numbers[at], objective=data.objective[at],
        values={path: [column[i] for i in at] for path, column in data.values.items()},
        other={state: spread(numbers) for state, numbers in data.other.items()},
        ids=cut(data.ids), train_time=cut(data.train_time), on_front=cut(data.on_front),
        stale=cut(data.stale), excluded=cut(data.excluded), sample=None, sampled_from=n,
        other_counts={state: len(numbers) for state, numbers in data.other.items()},
        best_corners=(data.numbers[corners].astype(np.float64), best[corners]))


def _batch_curves(history: History, url: str, data: AnalysisData,
                  values: list[dict[str, Any]], counted: npt.NDArray[np.bool_],
                  baseline: RunConfig | None) -> list[BatchCurve]:
    """The best trial of each batch size among the `counted` ones of `data` (`values`: their
    sampled values, aligned), its validation metric against seconds of training
    (TUNING-PRACTICE: compare batch sizes by wall-clock time, not epochs)."""
    default = baseline.training.batch_size if baseline is not None else None
    best: dict[Any, int] = {}
    for i in np.flatnonzero(counted).tolist():
        size = values[i].get(BATCH, default)
        value = data.objective[i]
        if size not in best or (value > data.objective[best[size]] if data.maximize
                                else value < data.objective[best[size]]):
            best[size] = i
    if not best:
        return []
    evals = history.store(url).eval_series([int(data.ids[i]) for i in best.values()])
    curves = []
    for size in sorted(best, key=lambda s: (s is None, s)):
        i = best[size]
        ev = evals.get(int(data.ids[i]))
        if ev is None:
            continue
        first = ev.repeat == ev.repeat[0]
        series = ev.metrics.get(data.metric, ev.val_loss)
        curves.append(BatchCurve(size, int(data.numbers[i]), int(data.ids[i]),
                                 ev.wall_s[first], series[first]))
    return curves
