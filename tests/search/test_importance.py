"""Parameter importance follows the direction of the objective it ranks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import create_trial

from tunestudio.search.importance import forget_studies, param_importance


@pytest.mark.parametrize("directions", [["maximize"], ["maximize", "minimize"]])
def test_importance_ranks_what_makes_a_maximised_objective_high(
        tmp_path: Path, directions: list[str]) -> None:
    """The objective rises above the rest only where x > 0.9 and drops below it only where
    y > 0.9: for a maximised objective x is what matters (the ranking of what makes it *low*
    would be y's). A second objective, training time, is noise."""
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study = optuna.create_study(storage=url, study_name="s", directions=directions)
    rng = np.random.default_rng(0)
    space = {"x": FloatDistribution(0, 1), "y": FloatDistribution(0, 1)}
    for _ in range(300):
        x, y = rng.uniform(size=2)
        value = float(x > 0.9) - float(y > 0.9) + 0.01 * rng.normal()
        values = [value, float(rng.uniform(1, 2))][:len(directions)]
        study.add_trial(create_trial(params={"x": x, "y": y}, distributions=space,
                                     values=values))
    forget_studies()
    importance = param_importance(url, "s", "ped_anova")  # the others ignore the sign
    assert importance["x"] > 2 * importance["y"], importance
