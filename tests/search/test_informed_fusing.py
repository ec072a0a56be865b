"""A fused model-based search learns from its results (case 33 of ../shared/cases): its
sampler is asked its start-up trials together, then rounds of at most a quarter of the budget,
each after the results before it were told. A search whose points do not depend on results
(random, grid, one-variable-at-a-time, QMC) still asks whole groups."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tiny_projects import tiny_project
from tunestudio.config import Budget, FloatDimension, SearchDefinition
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, open_store
from tunestudio.search.round_asks import ask_plan

LR = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)


def search(strategy: str) -> SearchDefinition:
    return tiny_project().experiments[0].search.model_copy(update={"strategy": strategy})


@pytest.mark.parametrize(("strategy", "objectives", "size", "total", "first", "then"), [
    ("tpe", 1, 48, 12, 5, 3),     # start-up together, then a quarter of the budget
    ("tpe", 2, 48, 12, 10, 3),    # two objectives: TPE starts with 10
    ("gp", 1, 48, 12, 10, 3),
    ("cmaes", 1, 48, 12, 3, 3),
    ("tpe", 1, 8, 400, 8, 8),     # a large budget: rounds of a whole group
    ("tpe", 1, 4, 12, 4, 3),      # start-up larger than a group: a group at a time
    ("tpe", 1, 16, None, 16, 16),  # a time budget: rounds of a group
])
def test_a_model_based_sampler_is_asked_in_rounds_it_can_learn_between(
        strategy: str, objectives: int, size: int, total: int | None, first: int,
        then: int) -> None:
    plan = ask_plan(search(strategy), objectives, size, total)
    assert (plan.first, plan.then, plan.informed) == (first, then, True)
    assert plan.size(0) == first and plan.size(7) == then


@pytest.mark.parametrize(("slots", "first", "then", "part"),
                         [(1, 8, 8, 4), (2, 4, 4, 4), (3, 3, 3, 3), (4, 2, 2, 2)])
def test_the_slots_of_a_run_share_each_round(slots: int, first: int, then: int,
                                             part: int) -> None:
    """`--workers N`: each of the N processes asks its share of what one process would ask
    per round, so the machine together asks no more before results are told. The first
    round shares its shapes in parts of at most half the whole run's first round: in one
    process too, the random start-up draws at least two shapes."""
    plan = ask_plan(search("tpe"), 1, 16, 30, slots)
    assert (plan.first, plan.then, plan.informed) == (first, then, True)
    assert plan.part(0) == part and plan.part(first) == then


@pytest.mark.parametrize(("choices", "shapes", "part"), [([32, 64], 2, 4), ([32, 64, 128], 3, 3),
                                                         ([16, 32, 64, 128, 256], 5, 2)])
def test_the_start_up_draws_as_many_shapes_as_a_dimension_has_choices(
        choices: list[int], shapes: int, part: int) -> None:
    """The start-up round (8 here, one process) shares its shapes in parts of at most 1/N of
    it, N the most choices a shape dimension has (at least 2), so that it can try each."""
    from tunestudio.search.round_asks import startup_shapes

    assert startup_shapes({"training.batch_size": choices, "model.width": [16, 32]}) == shapes
    assert startup_shapes({}) == 2
    plan = ask_plan(search("tpe"), 1, 16, 30, 1, shapes)
    assert plan.part(0) == part and plan.part(plan.first) == plan.then


def test_a_worker_asks_its_share_of_its_run_s_rounds(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker the run spawned (slot 1 of 2) plans no queue of its own: told its run's budget
    (12 trials: start-up 5, then 3 a round), it asks 3, and its group of 3 takes each next
    trial in a freed row, asked after the results before: never more than 3 train at once.
    Without the budget it would ask whole groups of 8, blind."""
    monkeypatch.setenv("TUNESTUDIO_SLOT", "1/2")
    proj = tiny_project({"strategy": "tpe", "sampler_seed": 1, "fuse": "fixed",
                         "fuse_trials": 8, "dimensions": [LR], "budget": Budget(trials=12)},
                        epochs=2, fraction=0.2)
    name = proj.experiments[0].name
    planner = ExperimentRunner(proj, name, options=RunOptions(device="cpu", trials=0))
    planner.run()  # creates the study
    import optuna

    from tunestudio.search.storage import optuna_storage, storage_url
    study = optuna.load_study(study_name=name, storage=optuna_storage(storage_url(proj)))
    for _ in range(7):
        study.enqueue_trial({})
    store = open_store(proj)
    try:  # the run that queued them, open with its count (a worker starts only a run's trials)
        store.open_run_budget(store.ensure_experiment(name, name), 12, "run")
    finally:
        store.close()
    ExperimentRunner(proj, name, queue=False,
                     options=RunOptions(device="cpu", run_trials=12)).run()
    store = open_store(proj)
    try:
        rows = store.trials()
    finally:
        store.close()
    assert len(rows) == 7 and all(r.state == "complete" for r in rows)
    assert len({r.group_id for r in rows}) == 1 and rows[0].group_id is not None
    spans = [(r.started_at or 0.0, r.finished_at or 0.0) for r in rows]
    assert all(r.started_at is not None and r.finished_at is not None for r in rows)
    assert max(sum(1 for a, b in spans if a <= t < b) for t, _ in spans) == 3


@pytest.mark.parametrize("strategy", ["random", "grid", "ovat", "qmc"])
def test_points_that_ignore_results_are_asked_a_whole_group_at_once(strategy: str) -> None:
    plan = ask_plan(search(strategy), 1, 48, 12)
    assert (plan.first, plan.then, plan.informed) == (48, 48, False)


class Messages(RunnerHooks):
    def __init__(self) -> None:
        self.said: list[str] = []

    def on_message(self, text: str) -> None:
        self.said.append(text)


def points(strategy: str, hooks: list[RunnerHooks]) -> list[str]:
    proj = tiny_project({"strategy": strategy, "sampler_seed": 1, "fuse": "fixed",
                         "fuse_trials": 8, "dimensions": [LR], "budget": Budget(trials=8)},
                        epochs=2, fraction=0.2)
    name = proj.experiments[0].name
    ExperimentRunner(proj, name, hooks=hooks, options=RunOptions(device="cpu")).run()
    store = open_store(proj)
    try:
        rows: list[Any] = sorted(store.trials(), key=lambda r: r.number)
    finally:
        store.close()
    return [json.dumps(r.params, sort_keys=True) for r in rows]


def test_fused_tpe_departs_from_random_search_after_its_start_up_trials() -> None:
    """Eight trials, groups of eight: asked at once, all eight would be TPE's random start-up
    points, the random strategy's points. Asked 5 then 2 then 1, trial 6 on is modelled."""
    said = Messages()
    tpe = points("tpe", [said])
    rnd = points("random", [])
    assert tpe[:5] == rnd[:5]  # the start-up trials: random by design, the same seed
    assert tpe[5] != rnd[5]  # the sixth was asked after five results were told
    assert any("learns from the results between fused rounds" in m for m in said.said)
