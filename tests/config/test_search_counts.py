"""Trial counts of grid and one-variable-at-a-time, and dotted-path plumbing."""

from __future__ import annotations

import pytest

from tunestudio.config import (
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    RunConfig,
    SearchDefinition,
    count_trials,
    from_template,
    iter_leaves,
    ovat_values,
    resolve,
)
from tunestudio.config.search import Budget


def _search(strategy: str, trials: int | None = None) -> SearchDefinition:
    return SearchDefinition(
        strategy=strategy,
        budget=Budget(trials=trials),
        dimensions=[
            FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True,
                           values=[0.0003, 0.003, 0.03, 0.1]),
            FloatDimension(path="optimizer.weight_decay", low=1e-5, high=1e-2, log=True,
                           values=[0.0001, 0.0004, 0.0016, 0.0064]),
            CategoricalDimension(path="training.batch_size", choices=[32, 64, 128, 256]),
        ],
    )


def test_ovat_runs_the_baseline_once_then_the_other_values() -> None:
    base = from_template("digits").baseline  # lr 0.003, wd 0.0004, batch 64: all in the values
    plan = ovat_values(_search("ovat"), base)
    assert plan[0] == {}
    assert len(plan) == 1 + 3 * 3
    assert {"optimizer.lr": 0.003} not in plan
    assert count_trials(_search("ovat"), base) == 10


def test_ovat_counts_every_value_when_baseline_is_not_among_them() -> None:
    base = from_template("digits").baseline.model_copy(
        update={"training": RunConfig().training.model_copy(update={"batch_size": 48})}
    )
    assert count_trials(_search("ovat"), base) == 1 + 3 + 3 + 4


def test_grid_count_is_the_product_and_budget_caps_it() -> None:
    base = RunConfig()
    assert count_trials(_search("grid"), base) == 64
    assert count_trials(_search("grid", trials=10), base) == 10
    assert count_trials(_search("tpe", trials=7), base) == 7


def test_grid_values() -> None:
    log = FloatDimension(path="optimizer.lr", low=1e-4, high=1e-2, log=True, grid_points=3)
    assert log.grid_values() == pytest.approx([1e-4, 1e-3, 1e-2])
    lin = IntDimension(path="model.width", low=16, high=64, step=16, grid_points=4)
    assert lin.grid_values() == [16, 32, 48, 64]
    stepped = FloatDimension(path="data.val_fraction", low=0.1, high=0.3, step=0.1,
                             grid_points=3)
    assert stepped.grid_values() == pytest.approx([0.1, 0.2, 0.3])


def test_resolve_goes_through_unions() -> None:
    assert resolve(RunConfig, "optimizer.momentum").variants == ("sgd", "rmsprop")
    assert resolve(RunConfig, "model.width").is_int
    assert resolve(RunConfig, "schedule.kind").choices is not None


def test_iter_leaves_lists_searchable_fields_once() -> None:
    paths = [leaf.path for leaf in iter_leaves(RunConfig)]
    assert len(paths) == len(set(paths))
    for expected in ("optimizer.lr", "optimizer.weight_decay", "model.width",
                     "training.batch_size", "schedule.warmup_epochs", "data.source.name"):
        assert expected in paths
