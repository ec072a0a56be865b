"""Stop rules judged from an experiment's rows: each rule holds at the right trial, names
itself, and says where it stands."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tunestudio.config import StopRules
from tunestudio.store import TrialRow
from tunestudio.store.stop_rules import check_stop

T0 = 1_800_000_000.0


def _row(number: int, objective: float | None, *, state: str = "complete", repeats: int = 1,
         std: float | None = None, duration: float = 60.0, excluded: str | None = None
         ) -> TrialRow:
    start = T0 + 100 * number
    return TrialRow(
        id=number + 1, experiment_id=1, number=number, state=state, message="", params={},
        objective=objective, objective2=None, objective_std=std, metrics={}, device="cpu",
        seed=0, repeats=repeats, duration_s=duration, started_at=start,
        finished_at=start + duration, heartbeat_at=None, updated_at=start, notes="", tags=[],
        optuna_trial_id=number, test_metrics=None, excluded_reason=excluded)


def _first_stop(rules: StopRules, values: list[float | None], direction: str = "maximize",
                **kw: object) -> int | None:
    """How many trials had finished when the rules first held (None: never)."""
    rows: list[TrialRow] = []
    for n, v in enumerate(values):
        rows.append(_row(n, v, state="complete" if v is not None else "pruned"))
        if check_stop(rules, rows, direction, T0 + 100 * n + 61).reason:  # type: ignore[arg-type]
            return n + 1
    return None


def test_target_stops_at_the_first_trial_that_reaches_it() -> None:
    rules = StopRules(target=0.9)
    assert _first_stop(rules, [0.5, 0.89, 0.9, 0.95]) == 3
    assert _first_stop(StopRules(target=0.2), [0.5, 0.3, 0.2], "minimize") == 3
    check = check_stop(rules, [_row(0, 0.5)], "maximize", T0)
    assert check.reason is None and check.progress == ["best 0.5 of target 0.9"]
    # an excluded trial never reaches the target
    assert check_stop(rules, [_row(0, 0.95, excluded="bad data")], "maximize", T0).reason is None


def test_patience_counts_finished_trials_without_improvement() -> None:
    values: list[float | None] = [0.5, 0.6, 0.55, None, 0.6, 0.58]
    assert _first_stop(StopRules(patience=4), values) == 6
    assert _first_stop(StopRules(patience=5), values) is None
    # with a minimum delta, 0.6 over 0.5 is no improvement: 0.5 stays the best since trial 0
    assert _first_stop(StopRules(patience=3, min_delta=0.15), [0.5, 0.6, 0.55, 0.64]) == 4
    assert _first_stop(StopRules(patience=3, min_delta=0.15), [0.5, 0.6, 0.55, 0.7]) is None
    check = check_stop(StopRules(patience=20), [_row(n, 0.5) for n in range(13)], "maximize",
                       T0)
    assert check.progress == ["12 trials without improvement of 20"]


def test_beyond_noise_uses_the_spread_between_seeds() -> None:
    rows = [_row(0, 0.80, repeats=3, std=0.05), _row(1, 0.83, repeats=3, std=0.05),
            _row(2, 0.84, repeats=3, std=0.05)]
    noisy = check_stop(StopRules(patience=2, beyond_noise=True), rows, "maximize", T0)
    assert noisy.reason is not None and "no improvement beyond" in noisy.reason
    assert "(noise)" in noisy.progress[0]
    assert check_stop(StopRules(patience=2), rows, "maximize", T0).reason is None


def test_deadline_duration_and_trial_hours() -> None:
    rows = [_row(0, 0.5, duration=1800.0), replace(_row(1, None, state="running"),
                                                   duration_s=None)]
    now = T0 + 3600
    assert check_stop(StopRules(trial_hours=1.5), rows, "maximize", now).reason is None
    spent = check_stop(StopRules(trial_hours=0.75), rows, "maximize", now)  # 0.5 h + 0.97 h
    assert spent.reason is not None and spent.reason.startswith("cost budget spent")
    assert check_stop(StopRules(duration_s=3600), rows, "maximize", now).reason == \
        "duration 60 min spent"
    assert check_stop(StopRules(duration_s=3601), rows, "maximize", now).reason is None
    from datetime import datetime

    at = datetime.fromtimestamp(now).isoformat(timespec="minutes")
    assert check_stop(StopRules(deadline=at), rows, "maximize", now + 60).reason is not None
    assert check_stop(StopRules(deadline=at), rows, "maximize", now - 60).reason is None
    with pytest.raises(ValueError, match="deadline 'tonight' is not a date and time"):
        StopRules(deadline="tonight")
