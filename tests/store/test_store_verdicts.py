"""Verdicts that know the noise, on trials stored with 3 seeds each: the best, those within
the noise of it and those beyond; one-variable-at-a-time knobs against the baseline's spread."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from tunestudio.config import FloatDimension, SearchDefinition, from_template
from tunestudio.store import Store
from tunestudio.store.verdicts import (
    BEST,
    BEYOND,
    WITHIN,
    mean_std_text,
    noise_marks,
    noise_tests,
    ovat_verdicts,
    pooled_std,
    seeds_summary,
    verdict_records,
)

# 3 seeds with a population std of 0.01: sample std 0.01 * sqrt(3/2), the standard error of a
# difference of two such means sqrt(2 s^2 / 3) = 0.01, with 4 degrees of freedom (Welch-
# Satterthwaite), so "beyond noise" (p < 0.05) means a gap > t(0.975, 4) * 0.01 = 0.0278.
STD = 0.01
CRITICAL = float(stats.t.ppf(0.975, 4)) * 0.01


def add(store: Store, eid: int, number: int, objective: float, *, repeats: int = 3,
        std: float | None = STD, state: str = "complete",
        params: dict[str, float] | None = None) -> int:
    tid = store.start_trial(eid, number=number, optuna_trial_id=number,
                            params=params or {"optimizer.lr": 0.001 * (number + 1)},
                            config_json="{}", device="cpu", seed=0, repeats=repeats)
    store.finish_trial(tid, state=state, objective=objective if state == "complete" else None,
                       objective_std=std if repeats > 1 else None)
    return tid


def test_within_noise_marks_with_three_seeds(store: Store) -> None:
    eid = store.ensure_experiment("e", "s")
    best = add(store, eid, 0, 0.90)
    close = add(store, eid, 1, 0.885)  # 0.015 below: within 0.0278
    far = add(store, eid, 2, 0.86)  # 0.04 below: beyond
    bad = add(store, eid, 3, 0.50)
    pruned = add(store, eid, 4, 0.0, state="pruned")
    rows = store.trials(eid)
    marks = noise_marks(rows, "maximize")
    assert marks == {best: BEST, close: WITHIN, far: BEYOND, bad: BEYOND}
    assert pruned not in marks
    assert pooled_std(rows) == pytest.approx(STD * math.sqrt(1.5))
    assert mean_std_text(store.trial(best)) == "0.9 ± 0.01"
    # minimising the same numbers: the lowest is best and nothing is within 0.0278 of it
    assert noise_marks(rows, "minimize")[bad] == BEST
    assert set(noise_marks(rows, "minimize").values()) == {BEST, BEYOND}
    # only the eligible trials (e.g. those on the current config) are judged
    assert noise_marks(rows, "maximize", eligible=[close, far]) == {close: BEST, far: WITHIN}


def test_a_single_run_borrows_the_pooled_spread_and_no_repeats_means_no_verdict(
        store: Store) -> None:
    eid = store.ensure_experiment("e", "s")
    best = add(store, eid, 0, 0.90)
    once = add(store, eid, 1, 0.88, repeats=1)  # SE^2 = s^2/1 + s^2/3, 3.2 df: p = 0.25
    assert noise_marks(store.trials(eid), "maximize") == {best: BEST, once: WITHIN}
    other = store.ensure_experiment("f", "t")
    add(store, other, 0, 0.90, repeats=1)
    add(store, other, 1, 0.50, repeats=1)
    assert noise_marks(store.trials(other), "maximize") == {}  # the noise is unknown


def test_ovat_knob_that_matters_exceeds_the_noise_and_one_that_does_not_stays_within(
        store: Store) -> None:
    baseline = from_template("digits").baseline
    lr, wd = baseline.optimizer.lr, baseline.optimizer.weight_decay
    search = SearchDefinition(strategy="ovat", repeats=3, dimensions=[
        FloatDimension(path="optimizer.lr", low=1e-5, high=1e-1, log=True,
                       values=[1e-5, lr, 1e-1]),
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True,
                       values=[wd, wd * 2]),
    ])
    eid = store.ensure_experiment("ovat", "s")
    base = {"optimizer.lr": lr, "optimizer.weight_decay": wd}
    add(store, eid, 0, 0.95, params=base)
    add(store, eid, 1, 0.20, params={**base, "optimizer.lr": 1e-5})
    add(store, eid, 2, 0.90, params={**base, "optimizer.lr": 1e-1})
    add(store, eid, 3, 0.945, params={**base, "optimizer.weight_decay": wd * 2})
    verdicts = {v.knob: v for v in ovat_verdicts(store.trials(eid), search, baseline,
                                                 "maximize")}
    lr_v, wd_v = verdicts["optimizer.lr"], verdicts["optimizer.weight_decay"]
    assert lr_v.exceeds_noise is True and lr_v.effect == pytest.approx(0.75)
    assert lr_v.best_value == lr and lr_v.values == 3
    assert wd_v.exceeds_noise is False and wd_v.effect == pytest.approx(0.005)
    # the gap Welch's t-test calls beyond noise for two 3-seed means: 0.0278, p of the lr knob
    assert lr_v.threshold == pytest.approx(CRITICAL) and lr_v.p_value is not None
    assert lr_v.p_value < 1e-6 and wd_v.p_value == pytest.approx(
        2 * stats.t.sf(0.005 / 0.01, 4))
    [record, _] = verdict_records([lr_v, wd_v])
    assert record["test"] == "Welch's t-test" and record["alpha"] == 0.05
    assert "exceeds the baseline's seed noise" in lr_v.describe()
    assert "within the baseline's seed noise" in wd_v.describe()


def test_ovat_threshold_with_unequal_seed_counts(store: Store) -> None:
    """A baseline of 4 seeds against values run with 1 and 2: the value with the largest
    effect ran once, so it is judged by the baseline's spread s (its sample standard
    deviation, 3 degrees of freedom): the threshold is the gap Student's t-test calls beyond
    noise for a 4-seed mean against a 1-seed mean, t(0.975, 3) * s * sqrt(1/4 + 1/1)."""
    baseline = from_template("digits").baseline
    lr = baseline.optimizer.lr
    search = SearchDefinition(strategy="ovat", dimensions=[
        FloatDimension(path="optimizer.lr", low=1e-5, high=1e-1, log=True,
                       values=[1e-3, lr, 1e-1])])
    eid = store.ensure_experiment("ovat", "s")
    add(store, eid, 0, 0.95, repeats=4, params={"optimizer.lr": lr})
    add(store, eid, 1, 0.93, repeats=1, params={"optimizer.lr": 1e-3})
    add(store, eid, 2, 0.96, repeats=2, params={"optimizer.lr": 1e-1})
    [verdict] = ovat_verdicts(store.trials(eid), search, baseline, "maximize")
    s = STD * math.sqrt(4 / 3)
    assert verdict.threshold == pytest.approx(
        stats.t.ppf(0.975, 3) * s * math.sqrt(1 / 4 + 1 / 1))  # 0.0411
    assert verdict.effect == pytest.approx(0.02) and verdict.exceeds_noise is False
    assert verdict.best_value == 1e-1 and verdict.values == 3


def test_ovat_without_repeated_baseline_says_the_noise_is_unknown(store: Store) -> None:
    baseline = from_template("digits").baseline
    lr = baseline.optimizer.lr
    search = SearchDefinition(strategy="ovat", dimensions=[
        FloatDimension(path="optimizer.lr", low=1e-5, high=1e-1, log=True, values=[1e-5, lr])])
    eid = store.ensure_experiment("ovat", "s")
    add(store, eid, 0, 0.95, repeats=1, params={"optimizer.lr": lr})
    add(store, eid, 1, 0.20, repeats=1, params={"optimizer.lr": 1e-5})
    [verdict] = ovat_verdicts(store.trials(eid), search, baseline, "maximize")
    assert verdict.exceeds_noise is None and "noise unknown" in verdict.describe()


def test_seeds_run_as_trials_summarise_as_one_point(store: Store) -> None:
    eid = store.ensure_experiment("seeds", "s")
    for n, value in enumerate([0.90, 0.92, 0.94]):
        add(store, eid, n, value, repeats=1)
    add(store, eid, 3, 0.0, repeats=1, state="failed")
    summary = seeds_summary(store.trials(eid))
    assert summary is not None and summary.repeats == 3
    assert summary.objective == pytest.approx(0.92)
    assert summary.objective_std == pytest.approx(math.sqrt(0.0008 / 3))
    assert seeds_summary([]) is None


def test_a_gap_of_two_standard_errors_between_three_seed_means_is_within_the_noise(
        store: Store) -> None:
    """2.04 standard errors of the difference of two 3-seed means: the rule of two standard
    errors called it beyond noise; Welch's t-test gives p = 0.11 on 4 degrees of freedom."""
    eid = store.ensure_experiment("e", "s")
    best = add(store, eid, 0, 0.90)
    gap = add(store, eid, 1, 0.90 - 0.0204)
    rows = store.trials(eid)
    assert noise_marks(rows, "maximize") == {best: BEST, gap: WITHIN}
    best_id, tests = noise_tests(rows, "maximize")
    assert best_id == best
    assert tests[gap].df == pytest.approx(4.0) and tests[gap].t == pytest.approx(-2.04)
    assert tests[gap].p == pytest.approx(0.111, abs=0.001)
    assert tests[gap].p == pytest.approx(stats.ttest_ind_from_stats(
        0.90, STD * math.sqrt(1.5), 3, 0.90 - 0.0204, STD * math.sqrt(1.5), 3,
        equal_var=False).pvalue)  # scipy's own Welch test on the same numbers
    # a stricter or looser threshold is the caller's
    assert noise_marks(rows, "maximize", alpha=0.2)[gap] == BEYOND
