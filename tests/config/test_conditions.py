"""Conditions on dimensions: validated with a message naming the problem, and grid and
one-variable-at-a-time enumerate only the valid combinations."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    SearchDefinition,
    count_trials,
    from_template,
)
from tunestudio.config.search import (
    Budget,
    Condition,
    active_point,
    grid_points,
    inactive_dimensions,
)


def _search(*dims: Any, strategy: str = "grid") -> SearchDefinition:
    return SearchDefinition(strategy=strategy, budget=Budget(trials=None), dimensions=list(dims))


KIND = CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"])
MOMENTUM = FloatDimension(path="optimizer.momentum", low=0.0, high=0.99, values=[0.0, 0.9],
                          condition=Condition(path="optimizer.kind", values=["sgd"]))
BETA1 = FloatDimension(path="optimizer.beta1", low=0.5, high=0.99, values=[0.8, 0.9, 0.95],
                       condition=Condition(path="optimizer.kind", values=["adam"]))


def test_grid_runs_exactly_the_valid_combinations() -> None:
    base = from_template("digits").baseline
    search = _search(KIND, MOMENTUM, BETA1)
    points = grid_points(search, base)
    assert points == [
        {"optimizer.kind": "sgd", "optimizer.momentum": 0.0},
        {"optimizer.kind": "sgd", "optimizer.momentum": 0.9},
        {"optimizer.kind": "adam", "optimizer.beta1": 0.8},
        {"optimizer.kind": "adam", "optimizer.beta1": 0.9},
        {"optimizer.kind": "adam", "optimizer.beta1": 0.95},
    ]
    assert count_trials(search, base) == 5  # not 2 x 2 x 3


def test_nested_conditions_follow_their_parent() -> None:
    base = from_template("digits").baseline
    nesterov = CategoricalDimension(
        path="optimizer.nesterov", choices=[False, True],
        condition=Condition(path="optimizer.momentum", values=[0.9]))
    search = _search(KIND, MOMENTUM, nesterov)
    assert len(grid_points(search, base)) == 1 + 2 + 1  # sgd/0 ; sgd/0.9 x2 ; adam
    assert active_point(search, {"optimizer.kind": "adam", "optimizer.momentum": 0.9,
                                 "optimizer.nesterov": True}, base) == {"optimizer.kind": "adam"}


def test_inactive_dimensions_agree_with_what_the_plan_varies() -> None:
    """A dimension is inactive exactly when no grid point (or no sampler's trial) has it: a
    parent whose grid values miss the condition's value, a chain through it."""
    base = from_template("digits").baseline
    never = CategoricalDimension(  # momentum's grid values are 0 and 0.9, never 0.5
        path="optimizer.nesterov", choices=[False, True],
        condition=Condition(path="optimizer.momentum", values=[0.5]))
    grid = _search(KIND, MOMENTUM, never)
    assert all("optimizer.nesterov" not in p for p in grid_points(grid, base))
    assert set(inactive_dimensions(grid, base)) == {"optimizer.nesterov"}
    assert "optimizer.momentum never takes 0.5" in inactive_dimensions(grid, base)[
        "optimizer.nesterov"]
    tpe = grid.model_copy(update={"strategy": "tpe"})  # TPE may sample 0.5 from 0..0.99
    assert inactive_dimensions(tpe, base) == {}
    assert inactive_dimensions(_search(KIND, MOMENTUM, BETA1), base) == {}
    ovat = _search(KIND, MOMENTUM, BETA1, strategy="ovat")  # the baseline is Adam
    assert set(inactive_dimensions(ovat, base)) == {"optimizer.momentum"}


def test_one_variable_at_a_time_varies_only_what_applies_at_the_baseline() -> None:
    base = from_template("digits").baseline
    search = _search(KIND, MOMENTUM, BETA1, strategy="ovat")
    from tunestudio.search.plan import finite_plan

    plan = finite_plan(search, base)
    assert plan is not None
    kind = base.optimizer.kind
    for point in plan:  # no point carries a value of the other branch
        branch = point["optimizer.kind"]
        assert ("optimizer.momentum" in point) <= (branch == "sgd")
        assert ("optimizer.beta1" in point) <= (branch == "adam")
    varied = {k for p in plan[1:] for k, v in p.items() if v != plan[0].get(k)}
    assert "optimizer.kind" in varied
    assert ("optimizer.beta1" in varied) == (kind == "adam")


@pytest.mark.parametrize(("dims", "message"), [
    ([KIND, FloatDimension(path="optimizer.lr", condition=Condition(path="optimizer.nope",
                                                                     values=[1]))],
     "optimizer.lr: its condition names 'optimizer.nope', which is neither a dimension"),
    ([MOMENTUM, KIND], "optimizer.momentum: its condition names 'optimizer.kind', a later "
     "dimension; move optimizer.kind before optimizer.momentum"),
    ([CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"],
                           condition=Condition(path="optimizer.momentum", values=[0.9])),
      MOMENTUM], "optimizer.kind: its condition makes a cycle (optimizer.kind → "
     "optimizer.momentum → optimizer.kind)"),
    ([KIND, FloatDimension(path="optimizer.momentum", low=0.0, high=0.99,
                           condition=Condition(path="optimizer.kind", values=["rmsprop"]))],
     "optimizer.momentum: its condition's value(s) rmsprop are outside optimizer.kind's "
     "choices (sgd, adam)"),
    # a condition on a baseline field: a value the field can never take (a typo)
    ([FloatDimension(path="optimizer.lr", condition=Condition(path="optimizer.kind",
                                                              values=["sgd", "sgdd"]))],
     "optimizer.lr: its condition's value(s) sgdd are outside optimizer.kind's choices (sgd, "
     "adam, adamw, rmsprop)"),
])
def test_bad_conditions_are_refused_naming_the_problem(dims: list[Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _search(*dims)
