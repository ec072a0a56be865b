"""Verdicts that know the noise: is a trial's difference to the best larger than the spread
between seeds, and does a one-variable-at-a-time knob move the objective more than the
baseline's own seed-to-seed spread?

A trial run with several seeds (`repeats` = n) stores the mean of its objective and the
population standard deviation (`objective_std`, ddof 0). The sample standard deviation is
s = std * sqrt(n / (n - 1)), with n - 1 degrees of freedom. Two means are compared by Welch's
t-test (Welch 1947): t = gap / sqrt(s_a^2 / n_a + s_b^2 / n_b), its degrees of freedom by the
Welch-Satterthwaite equation, each variance with the degrees of freedom of its own estimate,
and the two-sided p-value from Student's t distribution (`scipy.stats.t`). A gap is "beyond
noise" when p < alpha (ALPHA = 0.05 unless the caller says otherwise), "within noise"
otherwise. (Two standard errors, the rule before, called a gap of 2.04 standard errors between
two 3-seed means beyond noise where the test gives p = 0.11.) A trial run once has no spread of
its own: it borrows the pooled sample standard deviation of the experiment's repeated trials
(the seed noise of one setup, with their pooled degrees of freedom), and without any repeated
trial nothing is judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tunestudio.config import RunConfig, SearchDefinition
from tunestudio.config.search import baseline_value
from tunestudio.messages import N_
from tunestudio.store.rows import TrialRow

ALPHA = 0.05  # the two-sided p-value under which a gap is "beyond noise"
TEST_NAME = "Welch's t-test"
Direction = Literal["maximize", "minimize"]

BEST, WITHIN, BEYOND = "best", "within noise", "beyond noise"


def sample_std(row: TrialRow) -> float | None:
    """The trial's sample standard deviation over its seeds (ddof 1), or None when it ran
    once or stored no spread."""
    if row.objective_std is None or row.repeats < 2 or not math.isfinite(row.objective_std):
        return None
    return row.objective_std * math.sqrt(row.repeats / (row.repeats - 1))


@dataclass(frozen=True, slots=True)
class Spread:
    """A sample standard deviation of the objective between seeds and the degrees of freedom
    of its estimate (n - 1 for one trial's seeds, sum(n_i - 1) when pooled)."""

    std: float
    df: float


def pooled_spread(rows: Iterable[TrialRow]) -> Spread | None:
    """The pooled sample standard deviation of the complete repeated trials,
    sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)), with sum(n_i - 1) degrees of freedom, or None
    when none was repeated."""
    num = den = 0.0
    for row in rows:
        s = sample_std(row) if row.counted else None
        if s is not None:
            num += (row.repeats - 1) * s * s
            den += row.repeats - 1
    return Spread(math.sqrt(num / den), den) if den else None


def pooled_std(rows: Iterable[TrialRow]) -> float | None:
    """`pooled_spread`'s standard deviation alone, or None when no trial was repeated."""
    spread = pooled_spread(rows)
    return None if spread is None else spread.std


def _spread(row: TrialRow, borrowed: Spread | None) -> Spread | None:
    s = sample_std(row)
    return Spread(s, row.repeats - 1) if s is not None else borrowed


@dataclass(frozen=True, slots=True)
class WelchTest:
    """Welch's t-test of two means: the gap (a - b), its standard error, the t statistic, the
    Welch-Satterthwaite degrees of freedom and the two-sided p-value. `critical_gap(alpha)`
    is the smallest gap that the test would call beyond noise at `alpha`."""

    gap: float
    se: float
    t: float
    df: float
    p: float

    def critical_gap(self, alpha: float = ALPHA) -> float:
        """The smallest gap, in objective units, that the test calls beyond noise at `alpha`: the
        two-sided Student t quantile at 1 - alpha/2 with `df` degrees of freedom times `se`
        (scipy.stats.t)."""
        from scipy import stats

        return float(stats.t.ppf(1 - alpha / 2, self.df)) * self.se


def welch_test(mean_a: float, spread_a: Spread, n_a: int,
               mean_b: float, spread_b: Spread, n_b: int) -> WelchTest:
    """Welch's t-test of two means of n_a and n_b seeds, each with its spread (sample std and
    the degrees of freedom of that estimate). When both are the same estimate (`spread_a is
    spread_b`: a value run once judged by the baseline's spread) the test is Student's with
    that estimate's degrees of freedom, which Welch-Satterthwaite would overstate. Two spreads
    of zero: p = 1 for equal means, 0 otherwise. Source: B. L. Welch (1947), Biometrika 34;
    scipy.stats.t for the p-value."""
    from scipy import stats

    v_a = spread_a.std ** 2 / max(n_a, 1)
    v_b = spread_b.std ** 2 / max(n_b, 1)
    gap = mean_a - mean_b
    se = math.sqrt(v_a + v_b)
    parts = [v * v / df for v, df in ((v_a, spread_a.df), (v_b, spread_b.df)) if v > 0]
    if spread_a is spread_b:
        df = spread_a.df
    else:
        df = (v_a + v_b) ** 2 / sum(parts) if parts else spread_a.df + spread_b.df
    if se == 0:
        return WelchTest(gap, 0.0, math.copysign(math.inf, gap) if gap else 0.0, df,
                         0.0 if gap else 1.0)
    t = gap / se
    return WelchTest(gap, se, t, df, float(2 * stats.t.sf(abs(t), df)))


def seeds_summary(rows: Sequence[TrialRow]) -> TrialRow | None:
    """The trials of one point run with several seeds (each seed a trial of its own, or one
    trial with `repeats`) as one row: the mean objective, its population standard deviation
    and the number of seeds as `repeats`, on a copy of the first complete trial. None when no
    trial completed."""
    import statistics
    from dataclasses import replace

    done = [r for r in rows if r.counted]
    if not done:
        return None
    if len(done) == 1:
        return done[0]
    values = [float(r.objective or 0.0) for r in done]
    return replace(done[0], objective=statistics.fmean(values),
                   objective_std=statistics.pstdev(values), repeats=len(values))


def mean_std_text(row: TrialRow, digits: int = 4) -> str:
    """'0.9712 ± 0.0031' for a trial with repeats (mean ± population std over its seeds, as
    stored), '0.9712' otherwise, '' without an objective. Display only."""
    if row.objective is None:
        return ""
    if row.repeats > 1 and row.objective_std is not None:
        return f"{row.objective:.{digits}g} ± {row.objective_std:.2g}"
    return f"{row.objective:.{digits}g}"


def noise_tests(rows: Sequence[TrialRow], direction: Direction,
                eligible: Iterable[int] | None = None) -> tuple[int, dict[int, WelchTest]]:
    """The best of the complete trials with an objective (among `eligible` ids, when given,
    e.g. those trained on the current config), and for every other one Welch's t-test of its
    mean against the best's (trial id -> test). (-1, {}) when no trial was repeated: the
    noise is unknown."""
    allowed = None if eligible is None else set(eligible)
    done = [r for r in rows if r.counted and math.isfinite(float(r.objective or 0.0))
            and (allowed is None or r.id in allowed)]
    pooled = pooled_spread(done)
    if not done or pooled is None:
        return -1, {}
    sign = -1.0 if direction == "maximize" else 1.0
    best = min(done, key=lambda r: (sign * float(r.objective or 0.0), r.number, r.id))
    best_spread = _spread(best, pooled)
    assert best_spread is not None  # pooled is known
    tests: dict[int, WelchTest] = {}
    for row in done:
        if row.id == best.id:
            continue
        spread = _spread(row, pooled)
        assert spread is not None
        tests[row.id] = welch_test(float(row.objective or 0.0), spread, row.repeats,
                                   float(best.objective or 0.0), best_spread, best.repeats)
    return best.id, tests


def noise_marks(rows: Sequence[TrialRow], direction: Direction,
                eligible: Iterable[int] | None = None, alpha: float = ALPHA
                ) -> dict[int, str]:
    """For the complete trials with an objective (among `eligible` ids, when given): trial
    id -> BEST for the best mean, WITHIN when Welch's t-test of its gap to the best gives
    p >= `alpha`, BEYOND otherwise. Empty when no trial was repeated (the noise is unknown)."""
    best, tests = noise_tests(rows, direction, eligible)
    if best < 0:
        return {}
    marks = {best: BEST}
    marks.update({tid: WITHIN if test.p >= alpha else BEYOND for tid, test in tests.items()})
    return marks


@dataclass(frozen=True, slots=True)
class KnobVerdict:
    """One knob of a one-variable-at-a-time experiment: its effect (the largest gap between a
    value's mean objective and the baseline's), the noise threshold it is judged against (the
    smallest gap Welch's t-test would call beyond noise for that value, from the baseline's
    spread between seeds and the value's own, or the baseline's when it ran once), the test's
    two-sided p-value, the value that did best, and whether the effect exceeds the noise
    (p < alpha; None when the baseline was not repeated, so its spread is unknown)."""

    knob: str
    values: int
    effect: float
    threshold: float | None
    best_value: Any
    exceeds_noise: bool | None
    p_value: float | None = None
    alpha: float = ALPHA

    def describe(self) -> str:
        """The verdict as one translatable line: the effect, and whether it exceeds the baseline's
        seed noise with Welch's t-test's p-value and threshold, or that the noise is unknown."""
        if self.exceeds_noise is None:
            return N_("Verdict", "{knob}: effect {effect:.3g}; noise unknown (run the baseline "
                                 "with several seeds)").format(knob=self.knob, effect=self.effect)
        template = N_("Verdict", "{knob}: effect {effect:.3g} exceeds the baseline's seed noise "
                                 "({test}: p = {p:.2g}, alpha {alpha:g}; beyond noise from "
                                 "{threshold:.3g}); best at {best!r}") if self.exceeds_noise \
            else N_("Verdict", "{knob}: effect {effect:.3g} within the baseline's seed noise "
                               "({test}: p = {p:.2g}, alpha {alpha:g}; beyond noise from "
                               "{threshold:.3g}); best at {best!r}")
        return template.format(knob=self.knob, effect=self.effect, test=TEST_NAME,
                               p=self.p_value, alpha=self.alpha, threshold=self.threshold,
                               best=self.best_value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return bool(a == b)


def ovat_verdicts(rows: Sequence[TrialRow], search: SearchDefinition, baseline: RunConfig,
                  direction: Direction, alpha: float = ALPHA) -> list[KnobVerdict]:
    """Per dimension of a one-variable-at-a-time search (in the search's order), whether
    changing it moved the objective beyond the spread between seeds of the baseline trial
    (the complete trial whose values are all the baseline's): Welch's t-test of the value
    with the largest effect against the baseline, p < `alpha`. Knobs with no complete trial
    besides the baseline are left out; without a complete baseline trial, the list is empty."""
    base = {d.path: baseline_value(baseline, d.path) for d in search.dimensions}
    done = [r for r in rows if r.counted]

    def changed(row: TrialRow) -> list[str]:
        return [p for p, v in base.items() if p in row.params and not _same(row.params[p], v)]

    baselines = [r for r in done if not changed(r)]
    if not baselines:
        return []
    reference = max(baselines, key=lambda r: (r.repeats, -r.number))
    ref_spread = _spread(reference, None)
    ref = float(reference.objective or 0.0)
    sign = -1.0 if direction == "maximize" else 1.0
    verdicts = []
    for dim in search.dimensions:
        varied = [r for r in done if changed(r) == [dim.path]]
        if not varied:
            continue
        largest = max(varied, key=lambda r: (abs(float(r.objective or 0.0) - ref), -r.number))
        effect = abs(float(largest.objective or 0.0) - ref)
        best = min([reference, *varied], key=lambda r: sign * float(r.objective or 0.0))
        threshold = exceeds = p = None
        if ref_spread is not None:
            # a value run once borrows the baseline's spread (and its degrees of freedom)
            spread = _spread(largest, ref_spread)
            assert spread is not None
            test = welch_test(float(largest.objective or 0.0), spread, largest.repeats,
                              ref, ref_spread, reference.repeats)
            threshold, p = test.critical_gap(alpha), test.p
            exceeds = test.p < alpha
        verdicts.append(KnobVerdict(dim.path, len(varied) + 1, effect, threshold,
                                    best.params.get(dim.path, base[dim.path]), exceeds, p,
                                    alpha))
    return verdicts


def verdict_records(verdicts: Iterable[KnobVerdict]) -> list[Mapping[str, Any]]:
    """The verdicts as JSON-ready dicts (for `tunestudio info`)."""
    return [{"knob": v.knob, "values": v.values, "effect": v.effect, "threshold": v.threshold,
             "best_value": v.best_value, "exceeds_noise": v.exceeds_noise, "test": TEST_NAME,
             "p_value": v.p_value, "alpha": v.alpha, "summary": v.describe()}
            for v in verdicts]
