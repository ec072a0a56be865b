"""The hyperparameter changes of population-based training (table ts_hparam, see schema.py):
each member's starting values and every exploit, so a member's schedule and the population's
lineage can be read back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from tunestudio.store import schema


@dataclass(frozen=True)
class HparamChange:
    """From `step` (optimisation steps done) on, trial `trial_id` trains with `values` (dotted
    path -> value). `source_trial_id`: the trial it copied at that step (an exploit of
    population-based training), None for the values it started with; `before`: its values
    until then ({} at the start)."""

    trial_id: int
    step: int
    source_trial_id: int | None
    before: dict[str, Any]
    values: dict[str, Any]

    @property
    def exploit(self) -> bool:
        """Whether the change copied another trial (an exploit of population-based training)."""
        return self.source_trial_id is not None


def values_at(changes: Sequence[HparamChange], step: int) -> dict[str, Any]:
    """A trial's values at `step` (the last change at or before it; {} before any). `changes`
    are one trial's, in step order."""
    now: dict[str, Any] = {}
    for change in changes:
        if change.step > step:
            break
        now = change.values
    return dict(now)


def per_step(changes: Sequence[HparamChange], steps: int) -> dict[str, list[float]]:
    """A trial's value of each hyperparameter at steps 1..`steps` (the value a step trained
    with: the one set after `step - 1` steps), as the LR series holds the rate of each step."""
    names = sorted({k for c in changes for k in c.values})
    out: dict[str, list[float]] = {n: [] for n in names}
    k, now = 0, {}
    for s in range(1, steps + 1):
        while k < len(changes) and changes[k].step <= s - 1:
            now = changes[k].values
            k += 1
        for n in names:
            out[n].append(float(now.get(n, float("nan"))))
    return out


def insert_changes(conn: Connection, changes: Iterable[HparamChange]) -> None:
    """Store hyperparameter changes, one row each (their values as sorted JSON); none: no
    statement."""
    rows = [{"trial_id": c.trial_id, "step": c.step, "source_trial_id": c.source_trial_id,
             "before_json": json.dumps(c.before, sort_keys=True),
             "values_json": json.dumps(c.values, sort_keys=True)} for c in changes]
    if rows:
        conn.execute(insert(schema.hparam), rows)


def read_changes(conn: Connection, trial_ids: Sequence[int]) -> dict[int, list[HparamChange]]:
    """The hyperparameter changes of each trial in `trial_ids` (every id a key; [] for none), in
    step order; read 500 ids per query."""
    h = schema.hparam
    out: dict[int, list[HparamChange]] = {t: [] for t in trial_ids}
    for start in range(0, len(trial_ids), 500):
        ids = list(trial_ids[start:start + 500])
        rows = conn.execute(select(h.c.trial_id, h.c.step, h.c.source_trial_id, h.c.before_json,
                                   h.c.values_json).where(h.c.trial_id.in_(ids))
                            .order_by(h.c.trial_id, h.c.step)).all()
        for tid, step, source, before, values in rows:
            out[tid].append(HparamChange(tid, step, source, _loads(before), _loads(values)))
    return out


def delete_after(conn: Connection, trial_ids: Sequence[int], step: int) -> None:
    """Forget the changes after `step` (a trial resumed from a checkpoint at that step; -1:
    all of them)."""
    h = schema.hparam
    conn.execute(delete(h).where(h.c.trial_id.in_(list(trial_ids)), h.c.step > step))


def _loads(text: str | None) -> dict[str, Any]:
    value = json.loads(text) if text else {}
    return dict(value) if isinstance(value, Mapping) else {}
