"""Writing and reading step and evaluation series, in bulk.

Writes go in one transaction per batch, with as few statements as the driver allows. On SQLite
one executemany per table goes straight to the driver with plain tuples: SQLAlchemy's per-row
parameter handling would cost more than SQLite's own insert (about 2.5x fewer points per
second). On PostgreSQL, multi-row INSERTs of 1,000 rows each. Other databases get a Core insert.
Statements still run through the SQLAlchemy connection, so errors are wrapped as usual.

Reads are one query per table for all requested trials, split per trial in numpy.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, insert, select

from tunestudio.store import schema
from tunestudio.store.rows import EvalLike, EvalSeries, StepSeries

if TYPE_CHECKING:
    import numpy as np

    from tunestudio.store.rows import FloatArray

# (step, epoch, loss, lr, grad_norm[, wall_s]), as callers give them
StepTuple = (tuple[int, float | None, float | None, float | None, float | None]
             | tuple[int, float | None, float | None, float | None, float | None, float | None])
# (trial_id, repeat, step, epoch, loss, lr, grad_norm, wall_s), as stored
StepRecord = tuple[int, int, int, float | None, float | None, float | None, float | None,
                   float | None]
# (trial_id, repeat, step, epoch, wall_s, train_loss, val_loss, metrics_json)
EvalRecord = tuple[int, int, int, float | None, float | None, float | None, float | None, str]

_STEP_COLUMNS = ("trial_id", "repeat", "step", "epoch", "loss", "lr", "grad_norm", "wall_s")
_EVAL_COLUMNS = ("trial_id", "repeat", "step", "epoch", "wall_s", "train_loss", "val_loss",
                 "metrics_json")
_SQLITE_STEP_INSERT = (
    f"INSERT OR IGNORE INTO ts_step ({', '.join(_STEP_COLUMNS)}) VALUES "
    f"({', '.join('?' * len(_STEP_COLUMNS))})"
)
_SQLITE_EVAL_INSERT = (
    f"INSERT INTO ts_eval ({', '.join(_EVAL_COLUMNS)}) VALUES "
    f"({', '.join('?' * len(_EVAL_COLUMNS))})"
)
# Above this many ids, a reader splits its IN (...) list (SQLite limits bound parameters).
_IDS_PER_QUERY = 500
# Rows per multi-row INSERT on PostgreSQL (7,000 parameters for steps).
_ROWS_PER_STATEMENT = 1000


def _opt(value: float | None) -> float | None:
    return None if value is None else float(value)


def step_record(trial_id: int, repeat: int, step: int, epoch: float | None, loss: float | None,
                lr: float | None, grad_norm: float | None,
                wall_s: float | None = None) -> StepRecord:
    """A step row with plain Python numbers (the driver cannot bind numpy.float32 or tensors);
    `wall_s` is seconds of training at the step (None: not known)."""
    return (trial_id, repeat, int(step), _opt(epoch), _opt(loss), _opt(lr), _opt(grad_norm),
            _opt(wall_s))


def eval_record(trial_id: int, repeat: int, point: EvalLike) -> EvalRecord:
    """An evaluation row with plain Python numbers (None for missing values) and the metrics as a
    JSON object of floats."""
    metrics = {str(k): float(v) for k, v in point.metrics.items()}
    return (trial_id, repeat, int(point.step), _opt(point.epoch), _opt(point.wall_s),
            _opt(point.train_loss), _opt(point.val_loss), json.dumps(metrics))


def _postgres_insert(conn: Connection, table: str, columns: Sequence[str],
                     records: Sequence[tuple[Any, ...]], suffix: str = "") -> None:
    """Multi-row INSERTs of up to _ROWS_PER_STATEMENT rows, one round trip each. psycopg2's
    executemany costs a round trip per row (about 6,000 points/s on a local server), and
    SQLAlchemy does not batch an INSERT that has an ON CONFLICT clause."""
    quote = conn.dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    for start in range(0, len(records), _ROWS_PER_STATEMENT):
        chunk = records[start:start + _ROWS_PER_STATEMENT]
        flat = tuple(itertools.chain.from_iterable(chunk))
        conn.exec_driver_sql(head + ", ".join([row] * len(chunk)) + suffix, flat)


def _uses_format_params(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.paramstyle in ("format",
                                                                             "pyformat")


def insert_steps(conn: Connection, records: Sequence[StepRecord]) -> None:
    """A step already stored for the same (trial, repeat) keeps its first values."""
    if not records:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_SQLITE_STEP_INSERT, records)
    elif _uses_format_params(conn):
        _postgres_insert(conn, schema.step.name, _STEP_COLUMNS, records,
                         " ON CONFLICT DO NOTHING")
    else:
        conn.execute(insert(schema.step), [dict(zip(_STEP_COLUMNS, r, strict=True))
                                           for r in records])


def insert_evals(conn: Connection, records: Sequence[EvalRecord]) -> None:
    """Store evaluation rows (multi-row INSERTs on PostgreSQL with psycopg2); unlike steps, an
    evaluation at a step already stored is added beside it, not skipped."""
    if not records:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_SQLITE_EVAL_INSERT, records)
    elif _uses_format_params(conn):
        _postgres_insert(conn, schema.evaluation.name, _EVAL_COLUMNS, records)
    else:
        conn.execute(insert(schema.evaluation), [dict(zip(_EVAL_COLUMNS, r, strict=True))
                                                 for r in records])


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), _IDS_PER_QUERY):
        yield unique[start:start + _IDS_PER_QUERY]


def _split(trial_col: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal trial ids in a sorted column."""
    import numpy as np  # loaded with the first read, not with the store

    if len(trial_col) == 0:
        return []
    bounds = np.flatnonzero(np.diff(trial_col)) + 1
    starts = np.concatenate([[0], bounds])
    stops = np.concatenate([bounds, [len(trial_col)]])
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def _as_float_matrix(rows: Sequence[Sequence[Any]], width: int) -> FloatArray:
    """Rows of numbers and None as a float matrix with NaN for None (SQLite returns a stored
    NaN as NULL)."""
    import numpy as np

    if not rows:
        return np.empty((0, width), dtype=np.float64)
    return np.array(rows, dtype=np.float64)


def read_steps(conn: Connection, trial_ids: Sequence[int]) -> dict[int, StepSeries]:
    """The step series of each trial in `trial_ids` that has steps (a trial without any is no key),
    ordered by (repeat, step); NaN where a value is missing."""
    import numpy as np

    t = schema.step
    out: dict[int, StepSeries] = {}
    query = (
        select(t.c.trial_id, t.c.repeat, t.c.step, t.c.epoch, t.c.loss, t.c.lr, t.c.grad_norm,
               t.c.wall_s)
        .where(t.c.trial_id.in_(bindparam("ids", expanding=True)))
        .order_by(t.c.trial_id, t.c.repeat, t.c.step)
    )
    for ids in _chunks(trial_ids):
        rows = [tuple(r) for r in conn.execute(query, {"ids": ids})]
        data = _as_float_matrix(rows, 8)
        for a, b in _split(data[:, 0]):
            block = data[a:b]
            trial_id = int(block[0, 0])
            out[trial_id] = StepSeries(
                trial_id=trial_id, step=block[:, 2].astype(np.int64), epoch=block[:, 3].copy(),
                loss=block[:, 4].copy(), lr=block[:, 5].copy(), grad_norm=block[:, 6].copy(),
                repeat=block[:, 1].astype(np.int64), wall_s=block[:, 7].copy(),
            )
    return out


def _metric_arrays(texts: Sequence[str]) -> dict[str, FloatArray]:
    import numpy as np

    parsed: list[Mapping[str, float]] = [json.loads(s) if s != "{}" else {} for s in texts]
    names = sorted({name for m in parsed for name in m})
    return {
        name: np.array([m.get(name, np.nan) for m in parsed], dtype=np.float64)
        for name in names
    }


def read_evals(conn: Connection, trial_ids: Sequence[int]) -> dict[int, EvalSeries]:
    """The evaluation series of each trial in `trial_ids` that has evaluations (a trial without any
    is no key), ordered by (repeat, step); NaN where a value or a metric is missing."""
    import numpy as np

    t = schema.evaluation
    out: dict[int, EvalSeries] = {}
    query = (
        select(t.c.trial_id, t.c.repeat, t.c.step, t.c.epoch, t.c.wall_s, t.c.train_loss,
               t.c.val_loss, t.c.metrics_json)
        .where(t.c.trial_id.in_(bindparam("ids", expanding=True)))
        .order_by(t.c.trial_id, t.c.repeat, t.c.step, t.c.id)
    )
    for ids in _chunks(trial_ids):
        rows = conn.execute(query, {"ids": ids}).all()
        data = _as_float_matrix([tuple(r)[:7] for r in rows], 7)
        texts = [r[7] for r in rows]
        for a, b in _split(data[:, 0]):
            block = data[a:b]
            trial_id = int(block[0, 0])
            out[trial_id] = EvalSeries(
                trial_id=trial_id, step=block[:, 2].astype(np.int64), epoch=block[:, 3].copy(),
                wall_s=block[:, 4].copy(), train_loss=block[:, 5].copy(),
                val_loss=block[:, 6].copy(), metrics=_metric_arrays(texts[a:b]),
                repeat=block[:, 1].astype(np.int64),
            )
    return out
