"""Parameter importance follows the direction of the objective it ranks."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import optuna
import pytest
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import create_trial

from tunestudio.search.importance import TooFewTrialsError, forget_studies, param_importance


@pytest.mark.parametrize("directions", [["maximize"], ["maximize", "minimize"]])
def test_importance_ranks_what_makes_a_maximised_objective_high(
        tmp_path: Path, directions: list[Literal["maximize", "minimize"]]) -> None:
    """The objective rises above the rest only where x > 0.9 and drops below it only where
    y > 0.9: for a maximised objective x is what matters (the ranking of what makes it *low*
    would be y's). A second objective, training time, is noise."""
    url = f"sqlite:///{tmp_path / 'o.db'}"
    study = optuna.create_study(storage=url, study_name="s", directions=directions)
    rng = np.random.default_rng(0)
    space: dict[str, BaseDistribution] = {"x": FloatDistribution(0, 1),
                                          "y": FloatDistribution(0, 1)}
    for _ in range(300):
        x, y = rng.uniform(size=2)
        value = float(x > 0.9) - float(y > 0.9) + 0.01 * rng.normal()
        values = [value, float(rng.uniform(1, 2))][:len(directions)]
        study.add_trial(create_trial(params={"x": x, "y": y}, distributions=space,
                                     values=values))
    forget_studies()
    importance = param_importance(url, "s", "ped_anova")  # the others ignore the sign
    assert importance["x"] > 2 * importance["y"], importance


def _study(tmp_path: Path, values: list[float], *, partial: bool = False) -> str:
    """A study of `values` over x (and y, in every trial but the first where `partial`)."""
    url = f"sqlite:///{tmp_path / 'few.db'}"
    study = optuna.create_study(storage=url, study_name="s")
    for i, value in enumerate(values):
        params = {"x": i / len(values), "y": 0.5 - i / (2 * len(values))}
        if partial and i == 0:
            del params["y"]
        study.add_trial(create_trial(params=params, values=[value], distributions={
            k: FloatDistribution(0, 1) for k in params}))
    forget_studies()
    return url


def test_too_few_trials_raise_our_error_naming_how_many_more(tmp_path: Path) -> None:
    """One complete trial: Optuna would warn and share the importance equally; we refuse,
    saying how many more are needed, whatever the evaluator, and no warning of Optuna's
    escapes. Trials all of one objective: nothing to rank, said so."""
    one = _study(tmp_path, [0.3])
    (tmp_path / "same").mkdir()
    same = _study(tmp_path / "same", [0.3, 0.3, 0.3])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for evaluator in ("ped_anova", "fanova", "mdi"):
            with pytest.raises(TooFewTrialsError, match="needs at least 2: run 1 more") as few:
                param_importance(one, "s", evaluator)
            assert (few.value.have, few.value.more) == (1, 1)
            with pytest.raises(TooFewTrialsError, match="same objective") as flat:
                param_importance(same, "s", evaluator)
            assert (flat.value.have, flat.value.more) == (3, 0)
    assert [str(w.message) for w in caught] == []


def test_the_evaluator_s_caveats_are_notes_in_our_words(tmp_path: Path) -> None:
    """y did not apply in one trial (fewer than PED-ANOVA's 2 per regime): a note of ours,
    no raw warning."""
    url = _study(tmp_path, [0.1 * i for i in range(8)], partial=True)
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ranked = param_importance(url, "s", "ped_anova", notes=notes)
    assert set(ranked) == {"x", "y"} and [str(w.message) for w in caught] == []
    assert notes == ["y: fewer than 2 trials where it applied, or where it did not; its share "
                     "is rough until more trials run"]
