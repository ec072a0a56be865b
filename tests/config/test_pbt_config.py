"""Strategy 'pbt': its settings, their validation messages, and the explore arithmetic."""

from __future__ import annotations

import random
from typing import Any

import pytest
from pydantic import ValidationError

from tunestudio.config import RunConfig, SearchDefinition, count_trials
from tunestudio.config.pbt import PBTSettings, Range, explore
from tunestudio.config.search import pbt_ranges

LR = {"type": "float", "path": "optimizer.lr", "low": 1e-3, "high": 0.5, "log": True}
WD = {"type": "float", "path": "optimizer.weight_decay", "low": 0.0, "high": 0.01}


def _search(**pbt: Any) -> dict[str, Any]:
    return {"strategy": "pbt", "dimensions": [LR, WD], "pbt": pbt}


def test_a_population_validates_and_counts_its_members_as_trials() -> None:
    search = SearchDefinition.model_validate(
        _search(population=8, interval=2, unit="step", quantile=0.25,
                explore=[{"path": "optimizer.lr", "factors": [0.5, 2.0]}]))
    assert search.pbt.population == 8 and search.pbt.unit == "step"
    assert count_trials(search, RunConfig()) == 8
    assert search.pbt.rule("optimizer.lr") == ([0.5, 2.0], 0.25)
    assert search.pbt.rule("optimizer.weight_decay") == ([0.8, 1.2], 0.25)
    assert search.pbt.replaced(8) == 2 and search.pbt.replaced(3) == 1
    assert search.pbt.replaced(1) == 0
    # no trial budget needed: the population is the count
    SearchDefinition.model_validate({**_search(), "budget": {"trials": None}})


@pytest.mark.parametrize(("change", "words"), [
    ({"dimensions": [{"type": "int", "path": "training.batch_size", "low": 16, "high": 64}]},
     "training.batch_size cannot change mid-run"),
    ({"dimensions": [{"type": "categorical", "path": "optimizer.lr",
                      "choices": [0.1, 0.01]}]}, "give it a float dimension"),
    ({"dimensions": []}, "at least one dimension"),
    ({"dimensions": [{"type": "float", "path": "params.lr", "low": 1e-3, "high": 0.1}]},
     "params.lr: .* a program's trial is a process of its own"),
    ({"pbt": {"explore": [{"path": "optimizer.momentum"}]}},
     "optimizer.momentum, which is not a dimension"),
    ({"pbt": {"factors": [0.8, -1.0]}}, "explore factors must be positive"),
    ({"pbt": {"quantile": 0.75}}, "quantile"),
    ({"pbt": {"population": 1}}, "population"),
    ({"repeats": 3}, "set repeats to 1"),
    ({"objective": {"second": "train_time"}}, "remove the second objective"),
])
def test_a_population_that_cannot_train_is_refused_with_its_reason(
        change: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        SearchDefinition.model_validate({**_search(), **change})


def test_explore_multiplies_or_resamples_within_the_range() -> None:
    settings = PBTSettings(factors=[0.5, 2.0], resample_probability=0.0)
    ranges = {"optimizer.lr": Range(0.01, 0.1, log=True)}
    rng = random.Random(0)
    seen = {explore({"optimizer.lr": 0.04}, ranges, settings, rng)["optimizer.lr"]
            for _ in range(50)}
    assert seen == {0.02, 0.08}
    clipped = {explore({"optimizer.lr": 0.09}, ranges, settings, rng)["optimizer.lr"]
               for _ in range(50)}
    assert clipped == {0.045, 0.1}  # 0.18 clipped to the range's high
    always = PBTSettings(resample_probability=1.0)
    drawn = [explore({"optimizer.lr": 0.04}, ranges, always, rng)["optimizer.lr"]
             for _ in range(200)]
    assert all(0.01 <= v <= 0.1 for v in drawn) and len(set(drawn)) > 100
    # log-uniform: about half below the geometric middle
    assert 60 < sum(v < 0.1 ** 1.5 for v in drawn) < 140


def test_an_integer_dimension_stays_an_integer_on_its_step() -> None:
    span = Range(0, 10, integer=True, step=2)
    assert span.clip(5.2) == 6 and isinstance(span.clip(5.2), int)
    assert span.clip(-3) == 0


def test_a_hyper_schedule_is_validated_and_leaves_fingerprints_without_one_alone() -> None:
    from tunestudio.config.fingerprint import canonical_config, config_fingerprint

    good = RunConfig.model_validate({"hyper_schedule": [
        {"step": 10, "values": {"optimizer.lr": 0.01}},
        {"step": 30, "values": {"optimizer.weight_decay": 1e-3}}]})
    assert [c.step for c in good.hyper_schedule] == [10, 30]
    assert config_fingerprint(good) != config_fingerprint(RunConfig())
    # an empty schedule hashes as a config of before the field existed (stored trials' too)
    assert "hyper_schedule" not in canonical_config(RunConfig().model_dump(mode="json"))
    for bad, words in [
            ([{"step": 30, "values": {"optimizer.lr": 0.1}},
              {"step": 10, "values": {"optimizer.lr": 0.2}}], "steps must increase"),
            ([{"step": 5, "values": {"training.batch_size": 32}}], "cannot change while"),
            ([{"step": 5, "values": {"optimizer.momentum": 0.5}}], "optimiser has no momentum"),
            ([{"step": 0, "values": {"optimizer.lr": 0.1}}], "step")]:
        with pytest.raises(ValidationError, match=words):
            RunConfig.model_validate({"hyper_schedule": bad})


def test_the_ranges_are_the_dimensions() -> None:
    search = SearchDefinition.model_validate(_search())
    ranges = pbt_ranges(search)
    assert set(ranges) == {"optimizer.lr", "optimizer.weight_decay"}
    assert ranges["optimizer.lr"].log and ranges["optimizer.weight_decay"].high == 0.01
