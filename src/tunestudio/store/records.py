"""Trials as plain records (dicts of JSON types): what `tunestudio trials --format json`,
`tunestudio export` and the Python API's `trials_frame()` show, built in one place so that
they agree. Values are the stored ones, unrounded."""

from __future__ import annotations

from typing import Any

from tunestudio.store.rows import TrialRow
from tunestudio.store.store import Store


def trial_record(experiment: str, t: TrialRow) -> dict[str, Any]:
    """One trial: experiment, trial_id, number, state, objective, objective_std, params (a dict
    by dotted name), metrics (final values by name), duration_s (seconds), device, seed and
    message."""
    return {"experiment": experiment, "trial_id": t.id, "number": t.number, "state": t.state,
            "objective": t.objective, "objective_std": t.objective_std,
            "params": dict(t.params), "metrics": dict(t.metrics), "duration_s": t.duration_s,
            "device": t.device, "seed": t.seed, "message": t.message}


def trial_records(store: Store, experiment: str | None = None) -> list[dict[str, Any]]:
    """Every trial of the named experiment (or of all), ordered by experiment and number, in
    one query. An experiment with no stored trial yields no record."""
    names = {e.id: e.name for e in store.experiments()}
    if experiment is None:
        rows = store.trials()
    else:
        ids = [i for i, n in names.items() if n == experiment]
        rows = store.trials(ids[0]) if ids else []
    return [trial_record(names[t.experiment_id], t) for t in rows]
