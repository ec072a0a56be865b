"""Trials as plain records (dicts of JSON types): what `tunestudio trials --format json`,
`tunestudio export` and the Python API's `trials_frame()` show, built in one place so that
they agree. Values are the stored ones, unrounded."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from tunestudio.config import RunConfig
from tunestudio.store.provenance import CurrentConfig
from tunestudio.store.rows import TrialRow
from tunestudio.store.store import Store
from tunestudio.store.verdicts import Direction, noise_marks


def trial_record(experiment: str, t: TrialRow, current: CurrentConfig | None = None,
                 environment: dict[str, Any] | None = None) -> dict[str, Any]:
    """One trial: experiment, trial_id, number, state, objective, objective_std, params (a dict
    by dotted name), metrics (final values by name), duration_s (seconds), device, seed,
    message, config_fingerprint, resumed_from_step (the checkpoint step an interrupted trial
    went on from, else None), excluded (the reason the user excluded it, else None),
    environment (what it ran on, see engine/environment.py; `{}` if unknown) and, given the
    `current` config, config: 'current' when the trial trained the current baseline merged
    with its values, 'other' when another baseline."""
    record = {"experiment": experiment, "trial_id": t.id, "number": t.number, "state": t.state,
              "objective": t.objective, "objective_std": t.objective_std,
              "params": dict(t.params), "metrics": dict(t.metrics),
              "duration_s": t.duration_s, "device": t.device, "seed": t.seed,
              "message": t.message, "config_fingerprint": t.config_fingerprint,
              "resumed_from_step": t.resumed_from_step, "excluded": t.excluded_reason,
              "environment": environment if environment is not None
              else (t.environment or {})}
    if current is not None:
        record["config"] = "current" if current.holds(t) else "other"
    return record


def trial_records(store: Store, experiment: str | None = None,
                  baseline: RunConfig | None = None,
                  directions: Mapping[str, Direction] | None = None) -> list[dict[str, Any]]:
    """Every trial of the named experiment (or of all), ordered by experiment and number, in
    one query (and one for their environments). An experiment with no stored trial yields no
    record. With the project's `baseline`, each record says whether it was trained on the
    current config. With the experiments' `directions` (name -> maximize/minimize), each
    record's `noise` says how it compares with its experiment's best trial given the spread
    between seeds: 'best', 'within noise', 'beyond noise', or None (not complete, trained on
    another config, or no trial repeated so the noise is unknown; see store/verdicts.py)."""
    names = {e.id: e.name for e in store.experiments()}
    current = None if baseline is None else CurrentConfig(baseline)
    if experiment is None:
        if current is not None:
            current.settle(store)
        rows, environments = store.trials(), store.environments()
    else:
        ids = [i for i, n in names.items() if n == experiment]
        if current is not None and ids:
            current.settle(store, ids[0])
        rows = store.trials(ids[0]) if ids else []
        environments = store.environments(ids[0]) if ids else {}
    records = [trial_record(names[t.experiment_id], t, current, environments.get(t.id, {}))
               for t in rows]
    if directions is not None:
        marks: dict[int, str] = {}
        for exp_id, name in names.items():
            mine = [t for t in rows if t.experiment_id == exp_id]
            if mine and name in directions:
                eligible = None if current is None else \
                    [t.id for t in mine if current.holds(t)]
                marks.update(noise_marks(mine, directions[name], eligible))
        for record in records:
            record["noise"] = marks.get(record["trial_id"])
    return records


def stream_records(store: Store, experiment: str | None = None,
                   baseline: RunConfig | None = None,
                   directions: Mapping[str, Direction] | None = None
                   ) -> Iterator[dict[str, Any]]:
    """`trial_records` one at a time, reading the history in batches: memory stays flat
    however many trials it holds. Where some complete trial ran several seeds, each record's
    noise mark needs the whole experiment: the records are then built as `trial_records`
    builds them."""
    names = {e.id: e.name for e in store.experiments()}
    ids = [i for i, n in names.items() if n == experiment] if experiment is not None else None
    if ids == []:
        return
    scope = ids[0] if ids else None
    if directions is not None and store.repeated_count(scope):
        yield from trial_records(store, experiment, baseline, directions)
        return
    current = None if baseline is None else CurrentConfig(baseline)
    if current is not None:  # verdicts kept first: the stream then reads them
        current.settle(store, scope)
    for t in store.stream_trials(scope):
        record = trial_record(names[t.experiment_id], t, current, t.environment)
        if directions is not None:
            record["noise"] = None  # no trial was repeated: the noise is unknown
        yield record
