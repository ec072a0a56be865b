"""Small builders shared by the store tests."""

from __future__ import annotations

from tunestudio.store import Store

StepRow = tuple[int, float, float, float, float]


def start(store: Store, experiment_id: int, number: int = 0, **params: float) -> int:
    """A running trial with the given params."""
    return store.start_trial(experiment_id, number=number, optuna_trial_id=number,
                             params=params or {"lr": 0.1}, config_json='{"lr": 0.1}',
                             device="cpu", seed=7)


def steps(n: int, start_at: int = 0) -> list[StepRow]:
    return [(i, i / 100, 1.0 / (i + 1), 1e-3, 0.5) for i in range(start_at, start_at + n)]
