"""Queueing a run's trials in Optuna: exact counts, no point run twice, interrupted points rerun."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import TrialState

from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    RunConfig,
    SearchDefinition,
    from_template,
    merge_values,
)
from tunestudio.config.fingerprint import point_fingerprint
from tunestudio.config.search import Budget
from tunestudio.search.plan import (
    FINGERPRINT_ATTR,
    STATE_ATTR,
    enqueue,
    finite_plan,
    plan_queue,
)
from tunestudio.search.space import PLAN_ATTR, distributions, suggest


def ovat_search() -> SearchDefinition:
    return SearchDefinition(
        strategy="ovat",
        budget=Budget(trials=None),
        dimensions=[
            FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True,
                           values=[0.00075, 0.003, 0.012, 0.048]),
            FloatDimension(path="optimizer.weight_decay", low=1e-5, high=1e-2, log=True,
                           values=[0.0001, 0.0004, 0.0016, 0.0064]),
            IntDimension(path="model.width", low=32, high=512, values=[32, 64, 128, 256]),
        ],
    )


def study() -> optuna.Study:
    return optuna.create_study(direction="maximize")


def test_ovat_plan_is_baseline_then_one_change_each() -> None:
    base = from_template("digits").baseline  # lr .003, wd .0004, width 128: all in the values
    plan = finite_plan(ovat_search(), base)
    assert plan is not None and len(plan) == 1 + 3 * 3
    assert plan[0] == {"optimizer.lr": 0.003, "optimizer.weight_decay": 0.0004,
                       "model.width": 128}
    for point in plan[1:]:
        changed = [k for k, v in point.items() if v != plan[0][k]]
        assert len(changed) == 1


def test_grid_plan_is_the_product() -> None:
    search = SearchDefinition(strategy="grid", budget=Budget(trials=None), dimensions=[
        FloatDimension(path="optimizer.lr", low=1e-3, high=1e-1, log=True, grid_points=3),
        CategoricalDimension(path="training.batch_size", choices=[32, 64]),
    ])
    plan = finite_plan(search, from_template("digits").baseline)
    assert plan is not None and len(plan) == 6
    assert len({tuple(sorted(p.items())) for p in plan}) == 6


def test_enqueue_ovat_queues_every_point_once_and_suggest_returns_them() -> None:
    base = from_template("digits").baseline
    s = study()
    search = ovat_search()
    assert enqueue(s, search, base, None) == 10
    assert enqueue(s, search, base, None) == 10  # already queued: nothing added
    assert len(s.get_trials(states=(TrialState.WAITING,))) == 10
    dists = distributions(search, base)
    seen = []
    for _ in range(10):
        trial = s.ask()
        seen.append(suggest(trial, dists))
        s.tell(trial, 0.5)
    assert seen == finite_plan(search, base)


def _pop(s: optuna.Study, dists: dict[str, Any], base: RunConfig) -> optuna.Trial:
    """Pop a queued trial as the runner does: its values, and the fingerprint of its config."""
    trial = s.ask()
    trial.set_user_attr(FINGERPRINT_ATTR, point_fingerprint(base, suggest(trial, dists)))
    return trial


def test_rerun_skips_finished_points_but_reruns_interrupted_ones() -> None:
    base = from_template("digits").baseline
    s = study()
    search = ovat_search()
    enqueue(s, search, base, 3)  # budget: 3 trials now
    dists = distributions(search, base)
    t1 = _pop(s, dists, base)
    t1.set_user_attr(STATE_ATTR, "complete")
    s.tell(t1, 0.9)
    t2 = _pop(s, dists, base)
    t2.set_user_attr(STATE_ATTR, "diverged")
    s.tell(t2, state=TrialState.FAIL)
    t3 = _pop(s, dists, base)
    s.tell(t3, state=TrialState.FAIL)  # killed: no state attr -> interrupted -> runs again
    total = enqueue(s, search, base, None)
    assert total == 10 - 2
    waiting = s.get_trials(states=(TrialState.WAITING,))
    planned = [t.user_attrs[PLAN_ATTR] for t in waiting]
    assert t3.user_attrs[PLAN_ATTR] in planned
    assert t1.user_attrs[PLAN_ATTR] not in planned


def test_adaptive_budget_queues_empty_trials_sampled_when_popped() -> None:
    base = from_template("digits").baseline
    search = from_template("digits").experiments[0].search
    s = study()
    assert enqueue(s, search, base, 4) == 4
    assert enqueue(s, search, base, 4) == 4  # the 4 waiting ones count toward the budget
    # a run of fewer trials than wait (a run that stopped early left them) starts its count
    fewer = plan_queue(s, search, base, 1)
    assert fewer.total == 1 and fewer.entries == []
    trial = s.ask()
    values = suggest(trial, distributions(search, base))
    assert set(values) == {d.path for d in search.dimensions}
    assert 1e-4 <= values["optimizer.lr"] <= 3e-2
    assert enqueue(s, search, base, None) is None


def _run_plan(s: optuna.Study, search: SearchDefinition, base: RunConfig,
              fingerprints: bool = True) -> None:
    enqueue(s, search, base, None)
    dists = distributions(search, base)
    for _ in s.get_trials(states=(TrialState.WAITING,)):
        trial = _pop(s, dists, base) if fingerprints else s.ask()
        if not fingerprints:
            suggest(trial, dists)
        trial.set_user_attr(STATE_ATTR, "complete")
        s.tell(trial, 0.5)


def test_a_new_baseline_runs_every_point_again() -> None:
    base = from_template("digits").baseline
    s = study()
    search = ovat_search()
    _run_plan(s, search, base)
    assert enqueue(s, search, base, None) == 0  # nothing left on this baseline
    # the device only places a run: the same plan on another device is already done
    elsewhere = merge_values(base, {"training.device": "cpu"})
    assert enqueue(s, search, elsewhere, None) == 0
    longer = merge_values(base, {"training.epochs": base.training.epochs + 1})
    assert enqueue(s, search, longer, None) == 10


def test_trials_without_a_fingerprint_in_optuna_use_the_stores() -> None:
    """Trials run before Optuna was told fingerprints: the store's (filled by its migration)
    decide; a finished trial with no fingerprint anywhere is another config's."""
    base = from_template("digits").baseline
    s = study()
    search = ovat_search()
    _run_plan(s, search, base, fingerprints=False)
    done = s.get_trials(states=(TrialState.COMPLETE,))
    assert plan_queue(s, search, base, None).total == 10
    stored = {t._trial_id: point_fingerprint(base, t.user_attrs[PLAN_ATTR]) for t in done}
    assert plan_queue(s, search, base, None, stored).total == 0


def test_a_plan_of_fewer_trials_than_wait_starts_its_count_of_them() -> None:
    """Points left waiting by a run that stopped early are the plan's first: a run of 3 starts
    3 of them and queues nothing; a run of more than the plan holds starts what is left."""
    base = from_template("digits").baseline
    s = study()
    search = ovat_search()
    assert enqueue(s, search, base, None) == 10
    three = plan_queue(s, search, base, 3)
    assert three.total == 3 and three.entries == []
    assert plan_queue(s, search, base, 12).total == 10
