"""The Pareto front of a two-objective search (the objective and the training time): every
complete trial that no other beats on one objective without losing on the other. It is what
Optuna's `study.best_trials` returns for the same trials, computed from our rows so that the
read-only commands need neither optuna nor torch.

Trial a dominates b when a is no worse on both objectives and better on at least one; the front
is the trials no trial dominates (equal pairs of values are both on it). Computed by a sort and
one sweep, O(n log n)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from tunestudio.store.rows import TrialRow

Direction = Literal["maximize", "minimize"]


def pareto_front(rows: Iterable[TrialRow], directions: tuple[Direction, Direction]
                 ) -> list[TrialRow]:
    """The non-dominated complete trials with both objectives (`objective`, `objective2`),
    excluded trials left out,
    ordered by the first objective, best first (ties: by the second, then by number).
    Raises ValueError for a direction other than maximize / minimize."""
    for d in directions:
        if d not in ("maximize", "minimize"):
            raise ValueError(f"direction must be 'maximize' or 'minimize', not {d!r}")
    signs = [-1.0 if d == "maximize" else 1.0 for d in directions]
    points = []
    for r in rows:
        if not r.counted or r.objective is None or r.objective2 is None:
            continue
        x, y = signs[0] * r.objective, signs[1] * r.objective2
        if math.isfinite(x) and math.isfinite(y):
            points.append((x, y, r.number, r))
    points.sort(key=lambda p: (p[0], p[1], p[2]))
    front: list[TrialRow] = []
    best_y = math.inf  # the lowest second value among trials with a strictly better first
    i = 0
    while i < len(points):
        j = i
        while j < len(points) and points[j][0] == points[i][0]:
            j += 1
        group_y = points[i][1]  # sorted: the group's lowest second value comes first
        if group_y < best_y:
            front += [p[3] for p in points[i:j] if p[1] == group_y]
            best_y = group_y
        i = j
    return front


def front_records(front: Iterable[TrialRow]) -> list[dict[str, object]]:
    """The front as JSON-ready dicts: trial_id, number, objective, train_time_s (the second
    objective, seconds of training) and params."""
    return [{"trial_id": r.id, "number": r.number, "objective": r.objective,
             "train_time_s": r.objective2, "params": dict(r.params)} for r in front]


def describe_front(front: Iterable[TrialRow], metric: str) -> list[str]:
    """One line per trial of the front, for a terminal: '#3  val_accuracy 0.9712  4.21 s'."""
    return [f"#{r.number}  {metric} {r.objective:.4g}  {r.objective2:.3g} s" for r in front]
