"""SQL on the trial table, inside a transaction the Store opens: the lifecycle statements and the
readers that turn rows into TrialRow in one query (no per-trial follow-up queries)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import Connection, Select, bindparam, func, select, true, union_all, update

from tunestudio.store import schema
from tunestudio.store.clock import epoch_now
from tunestudio.store.errors import NotFoundError
from tunestudio.store.rows import TRIAL_STATES, TrialRow, TrialState, check_state

t = schema.trial

# Everything the trial list shows; the config snapshot is read only for a single trial.
_LIST_COLUMNS = (
    t.c.id, t.c.experiment_id, t.c.number, t.c.state, t.c.message, t.c.params_json,
    t.c.objective, t.c.objective2, t.c.objective_std, t.c.metrics_json, t.c.device, t.c.seed,
    t.c.repeats, t.c.duration_s, t.c.started_at, t.c.finished_at, t.c.heartbeat_at, t.c.notes,
    t.c.tags_json, t.c.optuna_trial_id, t.c.test_metrics_json, t.c.updated_at,
    t.c.config_fingerprint, t.c.resumed_from_step, t.c.group_id, t.c.excluded_reason,
    t.c.verdict_baseline, t.c.verdict_current,
)


def finite_or_none(value: float | None) -> float | None:
    """NaN becomes NULL on every backend (SQLite would store it as NULL anyway, PostgreSQL as
    NaN, which sorts above every number and would win any 'maximize')."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def dumps_metrics(metrics: Mapping[str, float] | None) -> str:
    """Metrics as a JSON object of floats, keys as strings ({} for None)."""
    return json.dumps({str(k): float(v) for k, v in (metrics or {}).items()})


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _loads_column(texts: Sequence[str | None]) -> list[Any]:
    """Parse a column of JSON texts in one call: for 10,000 small objects, one parse of a JSON
    array is about twice as fast as 10,000 parses (the per-call overhead dominates)."""
    try:
        return list(json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]"))
    except ValueError:
        return [_loads(t) for t in texts]  # raises for the bad text, which is a bug


def _to_rows(rows: Sequence[Sequence[Any]], config_json: str | None = None,
             environment: dict[str, Any] | None = None) -> list[TrialRow]:
    params = _loads_column([r[5] for r in rows])
    metrics = _loads_column([r[9] for r in rows])
    tags = _loads_column([r[18] for r in rows])
    tests = _loads_column([r[20] for r in rows])
    # positional, in TrialRow's field order: a tenth of a second less per 100,000 rows than
    # keywords
    return [
        TrialRow(r[0], r[1], r[2], r[3], r[4], p, r[6], r[7], r[8], m, r[10], r[11], r[12],
                 r[13], r[14], r[15], r[16], r[21], r[17], tg, r[19], tm, config_json, r[22],
                 environment, r[23], r[24], r[25], r[26],
                 None if r[27] is None else bool(r[27]))
        for r, p, m, tg, tm in zip(rows, params, metrics, tags, tests, strict=True)
    ]


def insert(conn: Connection, experiment_id: int, *, number: int, optuna_trial_id: int | None,
           params: Mapping[str, Any], config_json: str, device: str, seed: int | None,
           repeats: int, state: str, message: str = "",
           config_fingerprint: str | None = None,
           environment: Mapping[str, Any] | None = None,
           baseline_fingerprint: str | None = None) -> int:
    """Add a trial row in `state` and return its id. A finished state (not RUNNING) is stored as
    finished now with a duration of 0 s; a running one gets now as its heartbeat. With
    `baseline_fingerprint`, the trial is recorded as judged current against that baseline."""
    now = epoch_now()
    finished = state != TrialState.RUNNING
    result = conn.execute(t.insert().values(
        experiment_id=experiment_id, number=number, optuna_trial_id=optuna_trial_id,
        state=state, message=message, params_json=json.dumps(dict(params), default=str),
        config_json=config_json, config_fingerprint=config_fingerprint, device=device,
        seed=seed, repeats=repeats, started_at=now,
        environment_json=json.dumps(dict(environment or {}), default=str),
        heartbeat_at=None if finished else now, finished_at=now if finished else None,
        duration_s=0.0 if finished else None, updated_at=now,
        verdict_baseline=baseline_fingerprint,
        verdict_current=None if baseline_fingerprint is None else True,
    ))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def set_group(conn: Connection, trial_ids: Sequence[int], group_id: str | None) -> None:
    """Record `group_id` (the fused group the trials trained in; None: alone) on the trials."""
    conn.execute(update(t).where(t.c.id.in_(bindparam("ids", expanding=True)))
                 .values(group_id=group_id), {"ids": list(trial_ids)})


def update_one(conn: Connection, trial_id: int, **values: Any) -> None:
    """Set the given columns of one trial and its `updated_at`; raises NotFoundError where
    `trial_id` is not in the history."""
    result = conn.execute(update(t).where(t.c.id == trial_id).values(updated_at=epoch_now(),
                                                                      **values))
    if result.rowcount == 0:
        raise NotFoundError(f"trial {trial_id} is not in the trial history (was it deleted?)")


def _list_query(experiment_id: int | None) -> Select[Any]:
    query = select(*_LIST_COLUMNS)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    return query


def all_rows(conn: Connection, experiment_id: int | None, changed_since: float | None = None,
             states: Sequence[str] | None = None, limit: int | None = None,
             offset: int = 0) -> list[TrialRow]:
    """The trials (of one experiment, or all) in list order, without config or environment: those
    changed since `changed_since` (epoch seconds) and in `states` where given, a page of `limit`
    from `offset` where given. Raises ValueError for an unknown state."""
    query = _list_query(experiment_id).order_by(t.c.experiment_id, t.c.number, t.c.id)
    if changed_since is not None:
        query = query.where(t.c.updated_at >= changed_since)
    if states is not None:
        query = query.where(t.c.state.in_([check_state(s) for s in states]))
    if limit is not None or offset:
        query = query.limit(limit).offset(offset)
    return _to_rows(conn.execute(query).all())


def stream_rows(conn: Connection, experiment_id: int | None, batch: int
                ) -> Iterator[TrialRow]:
    """Every trial (of one experiment, or all) with its environment, in list order, read
    `batch` rows at a time from one query (a server-side cursor where the database has one):
    memory stays flat however long the history."""
    query = select(*_LIST_COLUMNS, t.c.environment_json)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    query = query.order_by(t.c.experiment_id, t.c.number, t.c.id)
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
    n = len(_LIST_COLUMNS)
    for part in result.partitions():
        environments = _loads_column([r[n] for r in part])
        for row, environment in zip(_to_rows(part), environments, strict=True):
            yield replace(row, environment=environment or {})


def param_names(conn: Connection, experiment_id: int | None, batch: int) -> list[str]:
    """The names of every parameter any trial (of one experiment, or all) has, sorted; the
    values are streamed past, `batch` rows at a time."""
    query = select(t.c.params_json)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    names: set[str] = set()
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
    for part in result.partitions():
        for (text,) in part:
            if text:
                names.update(json.loads(text))
    return sorted(names)


def repeated_count(conn: Connection, experiment_id: int | None) -> int:
    """How many complete trials ran more than one seed (their spread gives the noise)."""
    query = select(func.count()).select_from(t).where(t.c.repeats > 1,
                                                      t.c.state == TrialState.COMPLETE)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    return int(conn.execute(query).scalar_one())


def rows_of_optuna(conn: Connection, experiment_id: int, optuna_trial_id: int
                   ) -> list[TrialRow]:
    """Our rows of one Optuna trial in an experiment (an interrupted trial run again on a new
    config has two), oldest first."""
    query = _list_query(experiment_id).where(t.c.optuna_trial_id == optuna_trial_id)
    return _to_rows(conn.execute(query.order_by(t.c.id)).all())


def one_row(conn: Connection, trial_id: int) -> TrialRow:
    """One trial with its config snapshot and environment; raises NotFoundError where `trial_id` is
    not in the history."""
    row = conn.execute(
        select(*_LIST_COLUMNS, t.c.config_json, t.c.environment_json).where(t.c.id == trial_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"trial {trial_id} is not in the trial history (was it deleted?)")
    n = len(_LIST_COLUMNS)
    return _to_rows([row], config_json=row[n], environment=json.loads(row[n + 1]))[0]


def environments(conn: Connection, experiment_id: int | None) -> dict[int, dict[str, Any]]:
    """The recorded environment of each trial (of one experiment, or all): trial id -> record."""
    query = select(t.c.id, t.c.environment_json)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    rows = conn.execute(query).all()
    return dict(zip([r[0] for r in rows], _loads_column([r[1] for r in rows]), strict=True))


def best_row(conn: Connection, experiment_id: int,
             direction: Literal["maximize", "minimize"],
             baseline_fingerprint: str | None = None) -> TrialRow | None:
    """The best counted trial of the experiment by objective (ties: the lowest number), among those
    judged current against `baseline_fingerprint` where given; None where none counts. Raises
    ValueError for a `direction` other than 'maximize' or 'minimize'."""
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
    order = t.c.objective.desc() if direction == "maximize" else t.c.objective.asc()
    query = _list_query(experiment_id).where(
        t.c.state == TrialState.COMPLETE, t.c.objective.is_not(None),
        t.c.excluded_reason.is_(None),
    )
    if baseline_fingerprint is not None:
        query = query.where(_current(baseline_fingerprint))
    query = query.order_by(order, t.c.number, t.c.id).limit(1)
    row = conn.execute(query).one_or_none()
    return None if row is None else _to_rows([row])[0]


def state_counts(conn: Connection, experiment_id: int | None) -> dict[str, int]:
    """Trials per state (of one experiment, or all), every state of TRIAL_STATES present (0 when
    none)."""
    query = select(t.c.state, func.count()).group_by(t.c.state)
    if experiment_id is not None:
        query = query.where(t.c.experiment_id == experiment_id)
    counts = dict.fromkeys(TRIAL_STATES, 0)
    for state, count in conn.execute(query):
        counts[state] = int(count)
    return counts


def set_excluded(conn: Connection, experiment_id: int, numbers: Sequence[int],
                 reason: str | None) -> list[int]:
    """Mark the trials numbered `numbers` of the experiment excluded with `reason` (None:
    counted again); returns the numbers not found, and changes nothing when there are any."""
    wanted = sorted(set(numbers))
    found = {int(n) for n in conn.execute(select(t.c.number).where(
        t.c.experiment_id == experiment_id, t.c.number.in_(wanted))).scalars()}
    missing = [n for n in wanted if n not in found]
    if found and not missing:
        conn.execute(update(t).where(t.c.experiment_id == experiment_id,
                                     t.c.number.in_(sorted(found)))
                     .values(excluded_reason=reason, updated_at=epoch_now()))
    return missing


def excluded_optuna_ids(conn: Connection, experiment_id: int) -> frozenset[int]:
    """The Optuna trial ids of the experiment's excluded trials (the sampler learns from none of
    them)."""
    rows = conn.execute(select(t.c.optuna_trial_id).where(
        t.c.experiment_id == experiment_id, t.c.excluded_reason.is_not(None),
        t.c.optuna_trial_id.is_not(None))).scalars()
    return frozenset(int(r) for r in rows)


def unjudged(conn: Connection, baseline_fingerprint: str, experiment_id: int | None,
             after_id: int, batch: int) -> list[tuple[int, dict[str, Any], str | None]]:
    """Up to `batch` trials (id, values, config fingerprint) with an id above `after_id` whose
    verdict was not judged against this baseline, by id (keyset pages: no transaction is held
    between pages). With an experiment, found as four ranges of the verdict index (none
    judged, judged against a baseline sorting below or above this one, no verdict): a history
    judged against this baseline answers at once, however long."""
    v = t.c.verdict_baseline
    if experiment_id is None:
        ids: Any = select(t.c.id).where(
            v.is_(None) | (v != baseline_fingerprint) | t.c.verdict_current.is_(None))
    else:
        mine = t.c.experiment_id == experiment_id
        ids = union_all(*(select(t.c.id).where(mine, cond) for cond in (
            v.is_(None), v < baseline_fingerprint, v > baseline_fingerprint,
            (v == baseline_fingerprint) & t.c.verdict_current.is_(None))))
    query = select(t.c.id, t.c.params_json, t.c.config_fingerprint).where(
        t.c.id > after_id, t.c.id.in_(ids)).order_by(t.c.id).limit(batch)
    rows = conn.execute(query).all()
    params = _loads_column([r[1] for r in rows])
    return [(int(r[0]), p or {}, r[2]) for r, p in zip(rows, params, strict=True)]


def record_verdicts(conn: Connection, baseline_fingerprint: str,
                    verdicts: Mapping[int, bool]) -> None:
    """Keep each trial's verdict against this baseline. Not a change of the trial: its
    `updated_at` stays, so views polling for changes do not read it again."""
    if not verdicts:
        return
    conn.execute(update(t).where(t.c.id == bindparam("tid"))
                 .values(verdict_baseline=baseline_fingerprint,
                         verdict_current=bindparam("current")),
                 [{"tid": tid, "current": bool(v)} for tid, v in verdicts.items()])


def _current(baseline_fingerprint: str) -> Any:
    return (t.c.verdict_baseline == baseline_fingerprint) & (t.c.verdict_current == true())


def other_config_count(conn: Connection, experiment_id: int, baseline_fingerprint: str
                       ) -> int:
    """How many trials of the experiment are not judged current against this baseline (all
    of them less the current ones: two counts on indexes)."""
    every = select(func.count()).select_from(t).where(t.c.experiment_id == experiment_id)
    current = every.where(_current(baseline_fingerprint))
    return int(conn.execute(every).scalar_one()) - int(conn.execute(current).scalar_one())


def excluded_reasons(conn: Connection, experiment_id: int) -> dict[int, str]:
    """The excluded trials of the experiment: number -> reason."""
    rows = conn.execute(select(t.c.number, t.c.excluded_reason).where(
        t.c.experiment_id == experiment_id, t.c.excluded_reason.is_not(None))
        .order_by(t.c.number))
    return {int(n): str(r) for n, r in rows}
