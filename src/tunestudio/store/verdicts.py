"""Verdicts that know the noise: is a trial's difference to the best larger than the spread
between seeds, and does a one-variable-at-a-time knob move the objective more than the
baseline's own seed-to-seed spread?

A trial run with several seeds (`repeats` = n) stores the mean of its objective and the
population standard deviation (`objective_std`, ddof 0). The sample standard deviation is
s = std * sqrt(n / (n - 1)), and the standard error of the mean s / sqrt(n). Two means differ
beyond noise when their gap exceeds Z standard errors of the difference,
sqrt(s_a^2 / n_a + s_b^2 / n_b) (Welch's form; Z = 2, about 95% for normal noise). A trial
run once has no spread of its own: it borrows the pooled sample standard deviation of the
experiment's repeated trials (the seed noise of one setup), and without any repeated trial
nothing is judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from tunestudio.config import RunConfig, SearchDefinition
from tunestudio.config.search import baseline_value
from tunestudio.store.rows import TrialRow, TrialState

Z = 2.0  # standard errors of a difference that count as "beyond noise"
Direction = Literal["maximize", "minimize"]

BEST, WITHIN, BEYOND = "best", "within noise", "beyond noise"


def sample_std(row: TrialRow) -> float | None:
    """The trial's sample standard deviation over its seeds (ddof 1), or None when it ran
    once or stored no spread."""
    if row.objective_std is None or row.repeats < 2 or not math.isfinite(row.objective_std):
        return None
    return row.objective_std * math.sqrt(row.repeats / (row.repeats - 1))


def pooled_std(rows: Iterable[TrialRow]) -> float | None:
    """The pooled sample standard deviation of the complete repeated trials,
    sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)), or None when none was repeated."""
    num = den = 0.0
    for row in rows:
        s = sample_std(row) if row.state == TrialState.COMPLETE else None
        if s is not None:
            num += (row.repeats - 1) * s * s
            den += row.repeats - 1
    return math.sqrt(num / den) if den else None


def _se2(row: TrialRow, pooled: float | None) -> float | None:
    """Squared standard error of the trial's mean objective."""
    s = sample_std(row)
    if s is None:
        s = pooled
    if s is None:
        return None
    return s * s / max(row.repeats, 1)


def seeds_summary(rows: Sequence[TrialRow]) -> TrialRow | None:
    """The trials of one point run with several seeds (each seed a trial of its own, or one
    trial with `repeats`) as one row: the mean objective, its population standard deviation
    and the number of seeds as `repeats`, on a copy of the first complete trial. None when no
    trial completed."""
    import statistics
    from dataclasses import replace

    done = [r for r in rows if r.state == TrialState.COMPLETE and r.objective is not None]
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


def noise_marks(rows: Sequence[TrialRow], direction: Direction,
                eligible: Iterable[int] | None = None) -> dict[int, str]:
    """For the complete trials with an objective (among `eligible` ids, when given, e.g. those
    trained on the current config): trial id -> BEST for the best mean, WITHIN when its gap to
    the best is within Z standard errors of the difference, BEYOND otherwise. Empty when no
    trial was repeated (the noise is unknown)."""
    allowed = None if eligible is None else set(eligible)
    done = [r for r in rows if r.state == TrialState.COMPLETE and r.objective is not None
            and math.isfinite(r.objective) and (allowed is None or r.id in allowed)]
    pooled = pooled_std(done)
    if not done or pooled is None:
        return {}
    sign = -1.0 if direction == "maximize" else 1.0
    best = min(done, key=lambda r: (sign * float(r.objective or 0.0), r.number, r.id))
    best_se2 = _se2(best, pooled)
    marks: dict[int, str] = {}
    for row in done:
        if row.id == best.id:
            marks[row.id] = BEST
            continue
        se2 = _se2(row, pooled)
        assert se2 is not None and best_se2 is not None  # pooled is known
        gap = abs(float(row.objective or 0.0) - float(best.objective or 0.0))
        marks[row.id] = WITHIN if gap <= Z * math.sqrt(se2 + best_se2) else BEYOND
    return marks


@dataclass(frozen=True, slots=True)
class KnobVerdict:
    """One knob of a one-variable-at-a-time experiment: its effect (the largest gap between a
    value's mean objective and the baseline's), the noise threshold it is judged against
    (Z standard errors of a difference, from the baseline's spread between seeds), the value
    that did best, and whether the effect exceeds the noise (None when the baseline was not
    repeated, so its spread is unknown)."""

    knob: str
    values: int
    effect: float
    threshold: float | None
    best_value: Any
    exceeds_noise: bool | None

    def describe(self) -> str:
        if self.exceeds_noise is None:
            return (f"{self.knob}: effect {self.effect:.3g}; noise unknown (run the baseline "
                    "with several seeds)")
        verdict = "exceeds" if self.exceeds_noise else "within"
        return (f"{self.knob}: effect {self.effect:.3g} {verdict} the baseline's seed noise "
                f"({self.threshold:.3g}); best at {self.best_value!r}")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return bool(a == b)


def ovat_verdicts(rows: Sequence[TrialRow], search: SearchDefinition, baseline: RunConfig,
                  direction: Direction) -> list[KnobVerdict]:
    """Per dimension of a one-variable-at-a-time search (in the search's order), whether
    changing it moved the objective beyond the spread between seeds of the baseline trial
    (the complete trial whose values are all the baseline's). Knobs with no complete trial
    besides the baseline are left out; without a complete baseline trial, the list is empty."""
    base = {d.path: baseline_value(baseline, d.path) for d in search.dimensions}
    done = [r for r in rows if r.state == TrialState.COMPLETE and r.objective is not None]

    def changed(row: TrialRow) -> list[str]:
        return [p for p, v in base.items() if p in row.params and not _same(row.params[p], v)]

    baselines = [r for r in done if not changed(r)]
    if not baselines:
        return []
    reference = max(baselines, key=lambda r: (r.repeats, -r.number))
    spread = sample_std(reference)
    sign = -1.0 if direction == "maximize" else 1.0
    verdicts = []
    for dim in search.dimensions:
        varied = [r for r in done if changed(r) == [dim.path]]
        if not varied:
            continue
        ref = float(reference.objective or 0.0)
        effect = max(abs(float(r.objective or 0.0) - ref) for r in varied)
        best = min([reference, *varied], key=lambda r: sign * float(r.objective or 0.0))
        threshold = exceeds = None
        if spread is not None:
            # the gap between two means of n seeds each: SE = s * sqrt(1/n_a + 1/n_b)
            n_other = min(r.repeats for r in varied)
            threshold = Z * spread * math.sqrt(1 / reference.repeats + 1 / max(n_other, 1))
            exceeds = effect > threshold
        verdicts.append(KnobVerdict(dim.path, len(varied) + 1, effect, threshold,
                                    best.params.get(dim.path, base[dim.path]), exceeds))
    return verdicts


def verdict_records(verdicts: Iterable[KnobVerdict]) -> list[Mapping[str, Any]]:
    """The verdicts as JSON-ready dicts (for `tunestudio info`)."""
    return [{"knob": v.knob, "values": v.values, "effect": v.effect, "threshold": v.threshold,
             "best_value": v.best_value, "exceeds_noise": v.exceeds_noise,
             "summary": v.describe()} for v in verdicts]
