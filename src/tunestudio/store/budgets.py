"""SQL on the run budget table (schema.run_budget), inside a transaction the Store opens.

A claim is one conditional UPDATE (`trials_left = trials_left - 1 WHERE trials_left > 0`): on
SQLite writers hold the database's write lock one at a time; on PostgreSQL a second UPDATE of
the same row waits for the first to commit and then judges its WHERE on the row as the first
left it, so of any number of processes on any number of machines, no more claims succeed than
the count allowed."""

from __future__ import annotations

from sqlalchemy import Connection, and_, or_, select, update

from tunestudio.store import schema
from tunestudio.store.clock import epoch_now

b = schema.run_budget
UNBUDGETED = 0  # a claim's answer where no run of the experiment ever kept a count


def open_budget(conn: Connection, experiment_id: int, trials: int | None, owner: str) -> int:
    """Open a run's budget for the experiment: `trials` trials it may claim (None: no count, every
    claim succeeds while it is open), held by `owner` (a process description); returns its id."""
    result = conn.execute(b.insert().values(
        experiment_id=experiment_id, trials_left=trials, owner=owner, opened_at=epoch_now()))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def close_budget(conn: Connection, budget_id: int) -> None:
    """Close run `budget_id`'s budget (its claims fail from now on); a closed one stays as it is."""
    conn.execute(update(b).where(b.c.id == budget_id, b.c.closed_at.is_(None))
                 .values(closed_at=epoch_now()))


def open_budgets(conn: Connection, experiment_id: int) -> list[tuple[int, str]]:
    """(id, owner) of the experiment's runs still open, oldest first."""
    rows = conn.execute(select(b.c.id, b.c.owner).where(
        b.c.experiment_id == experiment_id, b.c.closed_at.is_(None)).order_by(b.c.id))
    return [(int(r.id), str(r.owner)) for r in rows]


def _room() -> object:
    return and_(b.c.closed_at.is_(None), or_(b.c.trials_left.is_(None), b.c.trials_left > 0))


def _take(conn: Connection, budget_id: int) -> bool:
    taken = conn.execute(update(b).where(b.c.id == budget_id, _room())  # type: ignore[arg-type]
                         .values(trials_left=b.c.trials_left - 1))
    return bool(taken.rowcount)


def claim(conn: Connection, experiment_id: int, budget_id: int | None) -> int | None:
    """Takes one trial from run `budget_id`'s count (None: from the oldest open run with
    room); returns the run's budget id, UNBUDGETED where `budget_id` is None and the
    experiment never had a run that kept a count, or None where no count has room."""
    if budget_id is not None:
        return budget_id if _take(conn, budget_id) else None
    while True:
        found = conn.execute(select(b.c.id).where(
            b.c.experiment_id == experiment_id, _room())  # type: ignore[arg-type]
            .order_by(b.c.id).limit(1)).scalar_one_or_none()
        if found is None:
            ever = conn.execute(select(b.c.id).where(b.c.experiment_id == experiment_id)
                                .limit(1)).scalar_one_or_none()
            return UNBUDGETED if ever is None else None
        if _take(conn, int(found)):  # else another process took its last trial: look again
            return int(found)


def give_back(conn: Connection, budget_id: int) -> None:
    """One trial back to an open run's count (a trial it claimed went back to the queue)."""
    conn.execute(update(b).where(b.c.id == budget_id, b.c.closed_at.is_(None),
                                 b.c.trials_left.is_not(None))
                 .values(trials_left=b.c.trials_left + 1))


def trials_left(conn: Connection, budget_id: int) -> int | None:
    """How many trials run `budget_id` may still claim, or None where it keeps no count. Raises
    sqlalchemy's NoResultFound for an unknown id."""
    value = conn.execute(select(b.c.trials_left).where(b.c.id == budget_id)).scalar_one()
    return None if value is None else int(value)
