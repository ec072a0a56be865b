"""SQL on the ensemble table, inside a transaction the Store opens."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from tunestudio.store import schema
from tunestudio.store.clock import epoch_now
from tunestudio.store.errors import NotFoundError
from tunestudio.store.rows import EnsembleMember, EnsembleRow

en = schema.ensemble
METHODS = ("top", "greedy")


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _member_dict(m: EnsembleMember) -> dict[str, Any]:
    return {"number": m.number, "trial_id": m.trial_id, "count": m.count,
            "objective": _finite(m.objective), "metrics": dict(m.metrics)}


def _to_row(r: Row[Any]) -> EnsembleRow:
    members = tuple(EnsembleMember(int(m["number"]), int(m["trial_id"]), int(m["count"]),
                                   m.get("objective"), dict(m.get("metrics") or {}))
                    for m in json.loads(r.members_json))
    return EnsembleRow(
        id=r.id, experiment_id=r.experiment_id, number=r.number, method=r.method, k=r.k,
        task=r.task, metric=r.metric, direction=r.direction, members=members,
        metrics=json.loads(r.metrics_json), best_member=r.best_member, gain=r.gain,
        skipped={int(k): str(v) for k, v in json.loads(r.skipped_json).items()},
        test_metrics=None if r.test_metrics_json is None else json.loads(r.test_metrics_json),
        tested_at=r.tested_at, exports=tuple(json.loads(r.exports_json)),
        created_at=r.created_at)


def _signature(members: Sequence[EnsembleMember]) -> list[tuple[int, int]]:
    return sorted((m.trial_id, m.count) for m in members)


def find_same(conn: Connection, experiment_id: int, method: str,
              members: Sequence[EnsembleMember]) -> EnsembleRow | None:
    """The experiment's stored ensemble of the same trials, each counted as often, built by
    the same method; None when there is none."""
    wanted = _signature(members)
    for row in conn.execute(select(en).where(en.c.experiment_id == experiment_id,
                                             en.c.method == method)):
        found = _to_row(row)
        if _signature(found.members) == wanted:
            return found
    return None


def insert(conn: Connection, experiment_id: int, *, method: str, k: int, task: str,
           metric: str, direction: str, members: Sequence[EnsembleMember],
           metrics: Mapping[str, float], best_member: int | None, gain: float | None,
           skipped: Mapping[int, str]) -> int:
    """A new ensemble numbered after the experiment's last; returns its id. The write
    transaction holds the database's lock, so two writers never take the same number (and
    the unique index would refuse it)."""
    if method not in METHODS:
        raise ValueError(f"unknown ensemble method {method!r}; expected one of {METHODS}")
    if not members:
        raise ValueError("an ensemble needs at least one member")
    last = conn.execute(select(func.max(en.c.number))
                        .where(en.c.experiment_id == experiment_id)).scalar_one_or_none()
    result = conn.execute(en.insert().values(
        experiment_id=experiment_id, number=int(last or 0) + 1, method=method, k=int(k),
        task=task, metric=metric, direction=direction,
        members_json=json.dumps([_member_dict(m) for m in members]),
        metrics_json=json.dumps({str(n): float(v) for n, v in metrics.items()}),
        best_member=best_member, gain=_finite(gain),
        skipped_json=json.dumps({str(n): str(why) for n, why in skipped.items()}),
        created_at=epoch_now()))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def all_rows(conn: Connection, experiment_id: int | None = None) -> list[EnsembleRow]:
    """Every stored ensemble (of one experiment, or all), by experiment and number."""
    query = select(en).order_by(en.c.experiment_id, en.c.number)
    if experiment_id is not None:
        query = query.where(en.c.experiment_id == experiment_id)
    return [_to_row(r) for r in conn.execute(query)]


def by_id(conn: Connection, ensemble_id: int) -> EnsembleRow:
    """One stored ensemble; raises NotFoundError where `ensemble_id` is not in the history."""
    row = conn.execute(select(en).where(en.c.id == ensemble_id)).one_or_none()
    if row is None:
        raise NotFoundError(f"ensemble {ensemble_id} is not in the trial history")
    return _to_row(row)


def set_test(conn: Connection, ensemble_id: int, metrics: Mapping[str, float]) -> None:
    """Keep the test split's result; refused (ValueError) when one is kept already: the test
    split is evaluated once per ensemble."""
    result = conn.execute(update(en).where(en.c.id == ensemble_id,
                                           en.c.test_metrics_json.is_(None))
                          .values(test_metrics_json=json.dumps(
                              {str(n): float(v) for n, v in metrics.items()}),
                                  tested_at=epoch_now()))
    if result.rowcount == 0:
        by_id(conn, ensemble_id)  # raises NotFoundError for an unknown id
        raise ValueError(f"ensemble {ensemble_id} was already evaluated on the test split "
                         "(it is used once)")


def add_export(conn: Connection, ensemble_id: int, export: Mapping[str, Any]) -> None:
    """Append an export (a JSON-ready dict) to the ensemble's list, stamped with `at`."""
    row = by_id(conn, ensemble_id)
    at = conn.execute(select(epoch_now())).scalar_one()  # the database's clock, as elsewhere
    exports = [*row.exports, {**export, "at": float(at)}]
    conn.execute(update(en).where(en.c.id == ensemble_id)
                 .values(exports_json=json.dumps(exports, default=str)))
