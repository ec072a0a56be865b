"""Whether an experiment's stop rules (config.search.StopRules) hold, judged from its trial
history alone: every process running the experiment reads the same rows and reaches the same
verdict, so several workers on one database stop together, and a run started later with other
rules goes on from the same history."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tunestudio.config import StopRules
from tunestudio.messages import N_
from tunestudio.store.rows import TrialRow, TrialState
from tunestudio.store.verdicts import Direction, pooled_std


@dataclass(frozen=True)
class StopCheck:
    """`reason`: the rule that holds, as a sentence (None: go on); `progress`: one line per
    active rule, e.g. '12 trials without improvement of 20'."""

    reason: str | None
    progress: list[str]


def check_stop(rules: StopRules, rows: Sequence[TrialRow], direction: Direction,
               now: float) -> StopCheck:
    """Judge `rules` on the experiment's trials `rows` (any order; running ones included) at
    `now` (seconds since the epoch). The best is over the counted trials (complete, not
    excluded); trials count toward patience in the order they finished, whatever their state.
    The reason and the progress lines are messages (`tunestudio.messages.Text`): English here,
    in its language in the window."""
    reasons: list[str] = []
    progress: list[str] = []
    sign = 1.0 if direction == "maximize" else -1.0
    counted = [r for r in rows if r.counted and math.isfinite(float(r.objective or 0.0))]
    best = max((sign * float(r.objective or 0.0) for r in counted), default=None)
    if rules.target is not None:
        # sign * best is the best objective itself; compared in the maximised frame
        reached = best is not None and best >= sign * rules.target
        shown = N_("StopRules", "none yet") if best is None else f"{sign * best:.4g}"
        target = f"{rules.target:.4g}"
        progress.append(N_("StopRules", "best {best} of target {target}").format(
            best=shown, target=target))
        if reached:
            reasons.append(N_("StopRules", "target reached: best {best} {sign} {target}").format(
                best=shown, sign="≥" if direction == "maximize" else "≤", target=target))
    if rules.patience is not None:
        since, threshold, noise = _since_improvement(rules, rows, sign)
        what = (N_("StopRules", "improvement beyond {threshold} (noise)") if noise else
                N_("StopRules", "improvement beyond {threshold}")).format(
            threshold=f"{threshold:.3g}") if threshold > 0 else N_("StopRules", "improvement")
        progress.append(N_("StopRules", "{since} trials without {what} of {patience}").format(
            since=since, what=what, patience=rules.patience))
        if since >= rules.patience:
            reasons.append(N_("StopRules", "no {what} in {since} trials (patience {patience})"
                              ).format(what=what, since=since, patience=rules.patience))
    deadline = rules.deadline_epoch()
    if deadline is not None:
        at = datetime.fromtimestamp(deadline).strftime("%Y-%m-%d %H:%M")
        left = deadline - now
        passed = N_("StopRules", "deadline {at} passed").format(at=at)
        progress.append(N_("StopRules", "deadline {at} ({span} left)").format(
            at=at, span=_span(left)) if left > 0 else passed)
        if left <= 0:
            reasons.append(passed)
    if rules.duration_s is not None:
        starts = [r.started_at for r in rows if r.started_at is not None]
        elapsed = now - min(starts) if starts else 0.0
        progress.append(N_("StopRules", "{elapsed} of {duration}").format(
            elapsed=_span(elapsed), duration=_span(rules.duration_s)))
        if elapsed >= rules.duration_s:
            reasons.append(N_("StopRules", "duration {duration} spent").format(
                duration=_span(rules.duration_s)))
    if rules.trial_hours is not None:
        hours = sum(_trained_s(r, now) for r in rows) / 3600
        spent, budget = f"{hours:.3g}", f"{rules.trial_hours:.3g}"
        progress.append(N_("StopRules", "{hours} of {budget} trial-hours").format(
            hours=spent, budget=budget))
        if hours >= rules.trial_hours:
            reasons.append(N_("StopRules", "cost budget spent: {hours} of {budget} trial-hours"
                              ).format(hours=spent, budget=budget))
    return StopCheck(reasons[0] if reasons else None, progress)


def _since_improvement(rules: StopRules, rows: Sequence[TrialRow], sign: float
                       ) -> tuple[int, float, bool]:
    """Finished trials since the last one that improved the best by more than the threshold;
    the threshold; whether the noise set it."""
    noise = pooled_std(rows) if rules.beyond_noise else None
    threshold = max(rules.min_delta, noise or 0.0)
    finished = sorted((r for r in rows if r.state != TrialState.RUNNING),
                      key=lambda r: (r.finished_at or 0.0, r.number, r.id))
    best: float | None = None
    since = 0
    for r in finished:
        value = sign * float(r.objective or 0.0) if r.counted else None
        if value is not None and math.isfinite(value) and (best is None
                                                           or value > best + threshold):
            best, since = value, 0
        else:
            since += 1
    return since, threshold, noise is not None and noise >= rules.min_delta


def _trained_s(row: TrialRow, now: float) -> float:
    if row.duration_s is not None:
        return max(0.0, row.duration_s)
    if row.state == TrialState.RUNNING and row.started_at is not None:
        return max(0.0, now - row.started_at)
    return 0.0


def _span(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 120:
        return N_("StopRules", "{value} s").format(value=f"{seconds:.0f}")
    if seconds < 7200:
        return N_("StopRules", "{value} min").format(value=f"{seconds / 60:.0f}")
    return N_("StopRules", "{value} h").format(value=f"{seconds / 3600:.1f}")
