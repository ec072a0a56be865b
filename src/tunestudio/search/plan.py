"""What a run of an experiment will execute, queued in Optuna as WAITING trials.

Each process of a run (the run itself, its local workers, remote `tunestudio worker`s) pops a
queued trial atomically, so every trial runs once; each first takes one trial from the run's
count in the store (store/budgets.py), so the run starts exactly its count even where a run that
stopped early left trials waiting. Those leftovers are popped first (oldest first): they are
the plan's points, or trials the sampler was already asked for. Grid and one-variable-at-a-time
queue their concrete points; adaptive strategies queue empty trials whose values the sampler
picks when the trial is popped, from every result known at that moment.

A point counts as run only when it ran on the current config: each trial carries the
fingerprint of the full config it trained (config/fingerprint.py), and a plan point's is that of
the current baseline merged with its values, so a new baseline runs every point again."""

from __future__ import annotations

import json
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from tunestudio.config import RunConfig, SearchDefinition, ovat_values
from tunestudio.config.fingerprint import point_fingerprint
from tunestudio.config.search import active_point, baseline_value, grid_points
from tunestudio.search.queue import count_trials
from tunestudio.search.space import PLAN_ATTR

# user attr: which of our states a trial told FAIL ended in (failed, diverged, invalid, an
# interruption without a checkpoint to resume); absent on one killed mid-run. Complete and
# pruned trials say it by Optuna's own state (one write per trial less).
STATE_ATTR = "ts_state"
WORKER_ATTR = "ts_worker"  # "host:pid" of the process running an Optuna trial
BUDGET_ATTR = "ts_budget"  # the id of the run's count (store/budgets.py) the trial was taken from
FINGERPRINT_ATTR = "ts_fingerprint"  # user attr: fingerprint of the config the trial trained
FINAL_FAILURES = frozenset({"failed", "diverged", "invalid"})


def finite_plan(search: SearchDefinition, baseline: RunConfig) -> list[dict[str, Any]] | None:
    """Every parameter set of grid / one-variable-at-a-time, full (all dimensions), or None for
    adaptive strategies."""
    if search.strategy == "ovat":
        base = {d.path: baseline_value(baseline, d.path) for d in search.dimensions}
        base = {k: v for k, v in base.items() if v is not None}
        # a changed value may switch conditioned dimensions off (they keep the baseline's)
        return [active_point(search, {**base, **change}, baseline)
                for change in ovat_values(search, baseline)]
    if search.strategy == "grid":
        return grid_points(search, baseline)
    return None


def _settled(trial: optuna.trial.FrozenTrial) -> bool:
    """A trial that must not run again: finished for good, running, or already queued. A trial
    interrupted by a crash or a stop runs again."""
    if trial.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING,
                       TrialState.WAITING):
        return True
    return trial.state == TrialState.FAIL and trial.user_attrs.get(STATE_ATTR) in FINAL_FAILURES


@dataclass(frozen=True)
class Queue:
    """What a run adds to Optuna's queue, and how many trials the run will start."""

    entries: list[dict[str, Any] | None]  # a point's params, or None: the sampler picks
    total: int | None  # None: until the time budget is spent

    def write(self, study: optuna.Study, start: int = 0, stop: int | None = None) -> None:
        """Add `entries[start:stop]` to the study's queue (`study.enqueue_trial`), each with its
        point in the user attr PLAN_ATTR (None: a trial the sampler picks)."""
        for params in self.entries[start:stop]:
            study.enqueue_trial(params or {}, user_attrs={PLAN_ATTR: params})


def plan_queue(study: optuna.Study, search: SearchDefinition, baseline: RunConfig,
               trials: int | None, stored: Mapping[int, str | None] | None = None, *,
               excluded: Container[int] = ()) -> Queue:
    """This run's share of the plan: what it adds to the queue, and how many trials it starts
    (`total`, exactly `trials` where the plan has that many points left). Trials already
    queued (by a run that stopped early) run first and count toward `trials`; those beyond it
    stay queued for a later run (the run's count in the store keeps its processes to `total`).
    Points already run on the current config are not queued again, unless their trial was
    excluded (`excluded`: Optuna trial ids): an excluded point runs again. `stored` maps
    Optuna trial ids to the fingerprints our store holds, for trials run before Optuna was
    told fingerprints; a finished trial with neither counts as another config's."""
    plan = finite_plan(search, baseline)
    if plan is None:  # what is queued is all it needs: counted, not read
        if trials is None:
            return Queue([], None)
        waiting = count_trials(study, (TrialState.WAITING,))
        return Queue([None] * max(0, trials - waiting), trials)
    existing = study.get_trials(deepcopy=False)
    waiting = sum(t.state == TrialState.WAITING for t in existing)
    known = stored or {}
    done: set[str] = set()
    for t in existing:
        if not _settled(t) or t._trial_id in excluded:
            continue
        fingerprint = t.user_attrs.get(FINGERPRINT_ATTR)
        if t.state == TrialState.WAITING:  # trains on whatever baseline is current when popped
            fingerprint = point_fingerprint(baseline, _planned(t))
        elif not isinstance(fingerprint, str):
            fingerprint = known.get(t._trial_id)
        if fingerprint is not None:
            done.add(fingerprint)
    todo = [p for p in plan if point_fingerprint(baseline, p) not in done]
    if trials is None:  # the whole plan: what waits and what is left of it
        return Queue(list(todo), waiting + len(todo))
    room = max(0, trials - waiting)
    return Queue(list(todo[:room]), min(trials, waiting + len(todo)))


def enqueue(study: optuna.Study, search: SearchDefinition, baseline: RunConfig,
            trials: int | None) -> int | None:
    """Queue this run's trials; return how many the run will start (None: until time is up).
    Only a run's own count (the store's, see `plan_queue`) holds its processes to that."""
    queue = plan_queue(study, search, baseline, trials)
    queue.write(study)
    return queue.total


def _planned(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    plan = trial.user_attrs.get(PLAN_ATTR)
    return dict(plan) if isinstance(plan, dict) else dict(trial.params)


class CurrentPoints:
    """Answers, for Optuna trials of one experiment, whether each trained the config its
    values give on `baseline` (the fingerprint it recorded in FINGERPRINT_ATTR), as
    `store.CurrentConfig` does for our rows; fingerprints are cached by values, so judging
    thousands of trials of a grid costs one validation per distinct point."""

    def __init__(self, baseline: RunConfig) -> None:
        self.baseline = baseline
        self._cache: dict[str, str] = {}

    def holds(self, trial: optuna.trial.FrozenTrial) -> bool:
        """Whether the Optuna trial trained its values on the current baseline: its recorded
        fingerprint equals the one its planned values give now (False where it recorded none)."""
        recorded = trial.user_attrs.get(FINGERPRINT_ATTR)
        if not isinstance(recorded, str):
            return False
        values = _planned(trial)
        key = json.dumps(values, sort_keys=True, default=str)
        now = self._cache.get(key)
        if now is None:
            now = self._cache[key] = point_fingerprint(self.baseline, values)
        return recorded == now
