"""Ensembles in the engine: the average of the members' probabilities (or values), its metrics,
Caruana's greedy selection with replacement on a library whose answer is known, and the one
module that predicts as the average."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from tunestudio.engine.ensemble import (
    EnsembleModel,
    average,
    greedy_selection,
    member_predictions,
    prediction_metrics,
)


def _library(*p_class0: list[float]) -> torch.Tensor:
    """Members' probabilities `(M, N, 2)` from each one's probability of class 0."""
    p = torch.tensor(p_class0)
    return torch.stack([p, 1 - p], dim=2)


def test_average_weights_members_by_their_counts() -> None:
    preds = _library([0.9, 0.2], [0.3, 0.6])
    assert torch.allclose(average(preds), torch.tensor([[0.6, 0.4], [0.4, 0.6]]))
    twice_first = average(preds, torch.tensor([2, 1]))
    assert torch.allclose(twice_first[:, 0], torch.tensor([0.7, 1.0 / 3.0]))
    with pytest.raises(ValueError, match="at least one member"):
        average(preds, torch.tensor([0, 0]))


def test_classification_metrics_are_accuracy_and_cross_entropy_of_the_average() -> None:
    avg = average(_library([0.9, 0.2, 0.6], [0.3, 0.6, 0.8]))  # class-0 p: .6, .4, .7
    got = prediction_metrics("classification", avg, torch.tensor([0, 0, 1]))
    assert got["val_accuracy"] == pytest.approx(1 / 3)
    assert got["val_loss"] == pytest.approx(-(math.log(0.6) + math.log(0.4) + math.log(0.3)) / 3)


def test_regression_metrics_are_in_the_target_units() -> None:
    pred = torch.tensor([[1.0], [3.0], [5.0]])
    got = prediction_metrics("regression", pred, torch.tensor([2.0, 3.0, 4.0]), target_std=2.0)
    assert got["val_mse"] == pytest.approx(2 / 3) and got["val_mae"] == pytest.approx(2 / 3)
    assert got["val_r2"] == pytest.approx(1 - 2 / 2)
    assert got["val_loss"] == pytest.approx(2 / 3 / 4)  # standardised, as a trial's loss


def test_greedy_selection_with_replacement_finds_the_complementary_pair() -> None:
    # every sample is class 0. A alone is right on 2 of 3, B on 1, C on none; the top 2 by
    # their own accuracy (A, B) average right on all 3, and B twice with A is surer still
    lib = _library([0.7, 0.7, 0.2], [0.45, 0.45, 0.9], [0.1, 0.1, 0.1])
    y = torch.zeros(3, dtype=torch.int64)
    counts = greedy_selection(lib, y, "classification", "val_accuracy", "maximize", rounds=3)
    assert counts.tolist() == [1, 2, 0]
    chosen = prediction_metrics("classification", average(lib, counts), y)
    assert chosen["val_accuracy"] == 1.0
    assert prediction_metrics("classification", average(lib), y)["val_accuracy"] == 0.0
    # one round is the best single member; later rounds that do not help are not kept
    one = greedy_selection(lib, y, "classification", "val_accuracy", "maximize", rounds=1)
    assert one.tolist() == [1, 0, 0]
    # a loss is minimised: B alone has the lowest cross entropy (0.57 against A's 0.77)
    by_loss = greedy_selection(lib, y, "classification", "val_loss", "minimize", rounds=1)
    assert by_loss.tolist() == [0, 1, 0]
    with pytest.raises(ValueError, match="unknown metric 'val_r2'"):
        greedy_selection(lib, y, "classification", "val_r2", "maximize", rounds=1)


def test_the_ensemble_module_predicts_the_weighted_average() -> None:
    torch.manual_seed(0)
    members = [nn.Linear(4, 3), nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))]
    x = torch.randn(7, 4)
    preds = torch.stack([member_predictions(m, x, "classification") for m in members])
    assert torch.allclose(preds.sum(dim=2), torch.ones(2, 7))
    model = EnsembleModel(members, "classification", counts=[1, 3])
    with torch.inference_mode():
        out = model(x)
    assert torch.allclose(out, average(preds, torch.tensor([1, 3])), atol=1e-7)
    regression = EnsembleModel([nn.Linear(4, 1), nn.Linear(4, 1)], "regression")
    with torch.inference_mode():
        mean = (regression.members[0](x) + regression.members[1](x)) / 2
        assert torch.allclose(regression(x), mean, atol=1e-7)


def test_greedy_selection_keeps_its_best_round_not_its_last() -> None:
    # a random library (seeded) where rounds after the best one make the ensemble worse
    gen = torch.Generator().manual_seed(1)
    lib = torch.softmax(2 * torch.randn(6, 20, 3, generator=gen), dim=2)
    y = torch.randint(0, 3, (20,), generator=gen)

    def key(counts: torch.Tensor) -> tuple[float, float]:
        got = prediction_metrics("classification", average(lib, counts), y)
        return got["val_accuracy"], -got["val_loss"]

    rounds = [greedy_selection(lib, y, "classification", "val_accuracy", "maximize", r)
              for r in range(1, 11)]
    assert int(rounds[-1].sum()) == 6  # round 6 of 10 was the best
    assert all(key(rounds[-1]) >= key(r) for r in rounds)
