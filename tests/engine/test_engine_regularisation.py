"""Early stopping, reduce-on-plateau's warm-up boundary, gradient clipping and the L1 penalty,
each checked on the exact behaviour a small edit would change."""

from __future__ import annotations

import torch
from engine_helpers import tiny

from tunestudio.config import EarlyStoppingConfig, PlateauSchedule
from tunestudio.engine import FitStartEvent, Trainer, TrainerHooks, Trial
from tunestudio.engine.batching import steps_per_epoch
from tunestudio.engine.early_stopping import EarlyStopping
from tunestudio.engine.schedules import LRSchedule, warmup_steps


def _stops_at(values: list[float], mode: str, **settings: float) -> int | None:
    """The evaluation (1-based) at which early stopping stops, or None."""
    stopper = EarlyStopping(EarlyStoppingConfig(monitor="val_loss" if mode == "min"
                                                else "val_accuracy", **settings),
                            mode)  # type: ignore[arg-type]
    metric = stopper.config.monitor
    for i, value in enumerate(values, start=1):
        if stopper.observe({metric: value}, float(i)) is not None:
            return i
    return None


def test_an_improvement_resets_the_patience() -> None:
    # bad, improvement, bad, bad: patience 2 runs out at the 5th evaluation, not the 4th
    assert _stops_at([1.0, 1.1, 0.9, 1.0, 1.0, 1.0], "min", patience=2) == 5
    assert _stops_at([0.5, 0.4, 0.6, 0.5, 0.5, 0.5], "max", patience=2) == 5


def test_min_delta_counts_in_both_directions() -> None:
    creeping_up = [0.50, 0.55, 0.58, 0.59, 0.595]  # never more than 0.1 above the best
    assert _stops_at(creeping_up, "max", patience=3, min_delta=0.1) == 4
    assert _stops_at(creeping_up, "max", patience=3) is None  # without min_delta: improving
    creeping_down = [1.0, 0.95, 0.92, 0.91, 0.905]
    assert _stops_at(creeping_down, "min", patience=3, min_delta=0.1) == 4
    assert _stops_at(creeping_down, "min", patience=3) is None


def test_plateau_ignores_evaluations_before_warm_up_ends_and_counts_the_first_after() -> None:
    config = tiny({"schedule": PlateauSchedule(monitor="val_loss", warmup_epochs=1.0,
                                               patience=0, factor=0.5).model_dump(),
                   "training.epochs": 10})
    n_train = 1000
    schedule = LRSchedule(config, n_train)
    warm = warmup_steps(config, n_train)
    assert warm == steps_per_epoch(config, n_train) > 2
    plateau = schedule.plateau
    assert plateau is not None
    schedule.observe({"val_loss": 1.0}, warm // 2)
    schedule.observe({"val_loss": 1.0}, warm - 1)  # the LR is still rising: no plateau yet
    assert plateau.best == float("inf") and plateau.bad == 0 and plateau.scale == 1.0
    schedule.observe({"val_loss": 1.0}, warm)  # the first evaluation on the full LR counts
    assert plateau.best == 1.0 and plateau.scale == 1.0
    schedule.observe({"val_loss": 1.0}, warm + 5)  # no better: patience 0 cuts the LR
    assert plateau.scale == 0.5 and plateau.cuts == 1


class _Snapshot(TrainerHooks):
    """The weights as training starts."""

    def __init__(self) -> None:
        self.start: list[torch.Tensor] = []

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        assert trainer.model is not None
        self.start = [p.detach().clone() for p in trainer.model.parameters()]


def _fit(values: dict[str, object]) -> tuple[Trainer, _Snapshot, int]:
    snap = _Snapshot()
    trainer = Trainer(tiny({"optimizer.kind": "sgd", "optimizer.momentum": 0.0,
                            "optimizer.weight_decay": 0.0, "training.epochs": 1, **values}),
                      hooks=[snap])
    result = trainer.fit()
    assert result.status == "completed", result.message
    return trainer, snap, result.steps


def _moved(trainer: Trainer, snap: _Snapshot) -> float:
    assert trainer.model is not None
    now = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
    return float((now - torch.cat([p.flatten() for p in snap.start])).norm())


def test_gradient_clipping_bounds_every_step() -> None:
    lr, clip = 0.5, 1e-3
    trainer, snap, steps = _fit({"optimizer.lr": lr, "training.grad_clip_norm": clip})
    # plain SGD moves the weights by lr * (clipped gradient) per step
    assert _moved(trainer, snap) <= steps * lr * clip * (1 + 1e-4)
    free, free_snap, _ = _fit({"optimizer.lr": lr})
    assert _moved(free, free_snap) > 10 * steps * lr * clip


def test_the_l1_penalty_shrinks_the_weights() -> None:
    def l1(trainer: Trainer) -> float:
        assert trainer.model is not None
        return float(sum(p.detach().abs().sum() for p in trainer.model.parameters()))

    plain, _, _ = _fit({"optimizer.lr": 0.1})
    sparse, _, _ = _fit({"optimizer.lr": 0.1, "optimizer.l1": 0.01})
    assert l1(sparse) < 0.9 * l1(plain)


def _stopper(mode: str, **settings: object) -> EarlyStopping:
    metric = "val_loss" if mode == "min" else "val_accuracy"
    return EarlyStopping(EarlyStoppingConfig(monitor=metric, **settings),
                         mode)  # type: ignore[arg-type]


def test_a_target_stops_as_soon_as_it_is_reached() -> None:
    assert _stops_at([1.0, 0.6, 0.5, 0.4], "min", patience=10, target=0.5) == 3
    assert _stops_at([0.5, 0.89, 0.9, 0.95], "max", patience=10, target=0.9) == 3
    stopper = _stopper("min", patience=10, target=0.5)
    stopper.observe({"val_loss": 0.7}, 1.0)
    message = stopper.observe({"val_loss": 0.25}, 2.0)
    assert message == "val_loss reached the target 0.5 (0.25) at epoch 2"


def test_patience_message_names_the_best_and_min_delta() -> None:
    stopper = _stopper("max", patience=2, min_delta=0.1)
    assert stopper.observe({"val_accuracy": 0.5}, 1.0) is None
    assert stopper.observe({"val_accuracy": 0.55}, 2.0) is None
    message = stopper.observe({"val_accuracy": 0.52}, 3.0)
    assert message == ("val_accuracy did not improve by more than 0.1 for 2 evaluation(s); "
                       "best 0.5 at epoch 1")
    plain = _stopper("min", patience=1)
    plain.observe({"val_loss": 1.0}, 1.0)
    assert plain.observe({"val_loss": 1.0}, 2.0) == (
        "val_loss did not improve for 1 evaluation(s); best 1 at epoch 1")


def test_non_finite_or_missing_values_and_a_disabled_stopper() -> None:
    nan = float("nan")
    assert _stops_at([1.0, nan, nan, 0.1], "min", patience=2) == 3  # NaN never improves
    assert _stops_at([nan, nan, nan], "min", patience=2, target=0.5) == 2
    stopper = _stopper("min", patience=1)
    for epoch in range(5):  # the monitored metric is not there: nothing to judge
        assert stopper.observe({"val_accuracy": 0.1}, float(epoch)) is None
    assert stopper.bad == 0 and stopper.best is None
    assert _stops_at([1.0, 2.0, 3.0], "min", patience=1, enabled=False) is None
    first = _stopper("min", patience=3)
    first.observe({"val_loss": 2.0}, 1.5)
    first.observe({"val_loss": 1.0}, 2.5)
    assert (first.best, first.best_epoch, first.bad) == (1.0, 2.5, 0)


def test_ties_are_no_improvement_and_a_target_may_be_overshot() -> None:
    assert _stops_at([0.5, 0.5, 0.5, 0.5], "max", patience=2) == 3
    assert _stops_at([1.0, 1.0, 1.0, 1.0], "min", patience=2) == 3
    assert _stops_at([0.5, 0.95, 0.97], "max", patience=10, target=0.9) == 2
    assert _stops_at([1.0, 0.2, 0.1], "min", patience=10, target=0.5) == 2
    never = _stopper("min", patience=1)
    assert never.observe({"val_loss": float("nan")}, 3.0) == (
        "val_loss did not improve for 1 evaluation(s); best none at epoch 0")
