"""The Pareto front from our rows equals Optuna's own on the same values, ties included."""

from __future__ import annotations

import random

import numpy as np
import optuna
import pytest

from tunestudio.store.pareto import Direction, front_mask, pareto_front
from tunestudio.store.rows import TrialRow


def row(number: int, a: float | None, b: float | None, state: str = "complete") -> TrialRow:
    return TrialRow(id=number + 100, experiment_id=1, number=number, state=state, message="",
                    params={}, objective=a, objective2=b, objective_std=None, metrics={},
                    device="cpu", seed=0, repeats=1, duration_s=1.0, started_at=0.0,
                    finished_at=1.0, heartbeat_at=None, updated_at=1.0, notes="", tags=[],
                    optuna_trial_id=number, test_metrics=None)


@pytest.mark.parametrize("directions", [("maximize", "minimize"), ("minimize", "minimize"),
                                        ("maximize", "maximize")])
@pytest.mark.parametrize("seed", range(6))
def test_equals_optunas_best_trials(directions: tuple[Direction, Direction], seed: int) -> None:
    rng = random.Random(seed)
    # few distinct values, so that ties on one or both objectives occur
    values = [(rng.choice([0.5, 0.6, 0.7, 0.8]), rng.choice([1.0, 2.0, 3.0]))
              for _ in range(40)]
    study = optuna.create_study(directions=list(directions))
    for a, b in values:
        study.add_trial(optuna.trial.create_trial(values=[a, b]))
    rows = [row(n, a, b) for n, (a, b) in enumerate(values)]
    ours = {r.number for r in pareto_front(rows, directions)}
    assert ours == {t.number for t in study.best_trials}


def test_incomplete_trials_are_left_out_and_order_is_by_the_first_objective() -> None:
    rows = [row(0, 0.9, 5.0), row(1, 0.8, 1.0), row(2, 0.95, 9.0), row(3, 0.99, 0.5, "pruned"),
            row(4, None, 0.1, "failed"), row(5, 0.7, 2.0)]
    front = pareto_front(rows, ("maximize", "minimize"))
    assert [r.number for r in front] == [2, 0, 1]
    with pytest.raises(ValueError):
        pareto_front(rows, ("up", "minimize"))  # type: ignore[arg-type]


@pytest.mark.parametrize("directions", [("maximize", "minimize"), ("minimize", "minimize"),
                                        ("maximize", "maximize")])
@pytest.mark.parametrize("seed", range(4))
def test_front_mask_is_the_front_of_the_rows(directions: tuple[str, str], seed: int) -> None:
    """The front by column (what the analysis of 100,000 trials uses) is pareto_front's:
    ties, missing values and trials that do not count included."""
    rng = random.Random(seed)
    rows = [row(n, rng.choice([0.5, 0.6, 0.7, None]), rng.choice([1.0, 2.0, 3.0, None]),
                rng.choice(["complete"] * 4 + ["pruned"])) for n in range(60)]
    rng.shuffle(rows)  # numbers out of order: ties go to the lower number either way
    counted = [r.counted for r in rows]
    mask = front_mask([np.nan if r.objective is None else r.objective for r in rows],
                      [np.nan if r.objective2 is None else r.objective2 for r in rows],
                      [r.number for r in rows], directions, counted)  # type: ignore[arg-type]
    ours = {r.number for r, m in zip(rows, mask, strict=True) if m}
    assert ours and ours == {r.number for r in pareto_front(rows, directions)}  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lengths"):
        front_mask([1.0], [1.0, 2.0], [0], ("maximize", "minimize"))
