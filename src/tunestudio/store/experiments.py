"""SQL on the experiment table, inside a transaction the Store opens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import IntegrityError

from tunestudio.store import schema
from tunestudio.store.clock import epoch_now
from tunestudio.store.errors import NotFoundError
from tunestudio.store.rows import ExperimentRow

e = schema.experiment
JOURNAL_FIELDS = ("goal", "hypothesis", "expected_result", "conclusion", "search_json")


def _to_row(r: Row[Any]) -> ExperimentRow:
    return ExperimentRow(
        id=r.id, name=r.name, study_name=r.study_name, goal=r.goal, hypothesis=r.hypothesis,
        expected_result=r.expected_result, conclusion=r.conclusion, search_json=r.search_json,
        created_at=r.created_at, finished_at=r.finished_at,
    )


def find_id(conn: Connection, name: str) -> int | None:
    """The id of the experiment named `name`, or None where there is none."""
    value = conn.execute(select(e.c.id).where(e.c.name == name)).scalar_one_or_none()
    return None if value is None else int(value)


def ensure(conn: Connection, name: str, study_name: str, journal: dict[str, str | None]) -> int:
    """The experiment's id, creating it or updating the journal fields that are not None.

    A concurrent creator (another worker starting the same experiment) may insert the row
    between our check and our insert; the insert then runs in a savepoint, fails on the unique
    name, and we update the row that won instead."""
    given = {k: v for k, v in journal.items() if v is not None}
    existing = find_id(conn, name)
    if existing is None:
        try:
            with conn.begin_nested():
                result = conn.execute(e.insert().values(
                    name=name, study_name=study_name, created_at=epoch_now(), **given
                ))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])
        except IntegrityError:
            existing = find_id(conn, name)
            if existing is None:
                raise
    conn.execute(update(e).where(e.c.id == existing).values(study_name=study_name, **given))
    return existing


def all_rows(conn: Connection) -> list[ExperimentRow]:
    """Every experiment, by id (creation order)."""
    return [_to_row(r) for r in conn.execute(select(e).order_by(e.c.id))]


def by_name(conn: Connection, name: str) -> ExperimentRow | None:
    """The experiment named `name`, or None where there is none."""
    row = conn.execute(select(e).where(e.c.name == name)).one_or_none()
    return None if row is None else _to_row(row)


def update_one(conn: Connection, experiment_id: int, **values: Any) -> None:
    """Set the given columns of one experiment; raises NotFoundError where `experiment_id` is not in
    the history."""
    result = conn.execute(update(e).where(e.c.id == experiment_id).values(**values))
    if result.rowcount == 0:
        raise NotFoundError(f"experiment {experiment_id} is not in the trial history")


def finish(conn: Connection, experiment_id: int) -> None:
    """Record now (epoch seconds) as the experiment's `finished_at`; raises NotFoundError like
    `update_one`."""
    update_one(conn, experiment_id, finished_at=epoch_now())
