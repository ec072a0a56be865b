"""Diagnosis from the curves: real tiny runs built to show a symptom are diagnosed with it (and a
healthy run with nothing); the remaining rules on synthetic curves; the suggested experiment
varies the implicated knob alone and fits the project."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from engine_helpers import Recorder, tiny

from tunestudio.config import FloatDimension, Project, RunConfig, from_template
from tunestudio.engine import FitResult, Trainer
from tunestudio.engine.diagnostics import Finding, diagnose


@dataclass
class Steps:
    step: np.ndarray
    loss: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray


@dataclass
class Evals:
    step: np.ndarray
    epoch: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray


def train(values: dict[str, Any]) -> tuple[RunConfig, Steps, Evals, FitResult]:
    config = tiny(values)
    rec = Recorder()
    result = Trainer(config, hooks=[rec]).fit()
    steps = Steps(np.array([s.step for s in rec.steps]), np.array([s.loss for s in rec.steps]),
                  np.array([s.lr for s in rec.steps]),
                  np.array([s.grad_norm for s in rec.steps]))
    evals = Evals(np.array([e.step for e in rec.evals]), np.array([e.epoch for e in rec.evals]),
                  np.array([e.train_loss for e in rec.evals]),
                  np.array([e.val_loss for e in rec.evals]))
    return config, steps, evals, result


def run_and_diagnose(values: dict[str, Any]) -> tuple[RunConfig, list[Finding]]:
    config, steps, evals, result = train(values)
    return config, diagnose(steps, evals, config, state=result.status, message=result.message)


def symptoms(findings: list[Finding]) -> list[str]:
    return [f.symptom for f in findings]


def dimension(finding: Finding) -> FloatDimension:
    dim = finding.experiment.search.dimensions[0]
    assert isinstance(dim, FloatDimension)
    return dim


OVERFIT = {"data.fraction": 0.1, "model.width": 256, "model.depth": 2,
           "optimizer.weight_decay": 0.0, "optimizer.lr": 0.003, "training.batch_size": 16,
           "training.epochs": 30}


def test_a_run_built_to_overfit_is_diagnosed_as_overfitting_with_weight_decay_next() -> None:
    config, findings = run_and_diagnose(OVERFIT)
    assert symptoms(findings) == ["overfitting"]
    finding = findings[0]
    assert finding.knob == "optimizer.weight_decay"
    dim = dimension(finding)
    assert dim.path == "optimizer.weight_decay" and dim.values is not None
    assert dim.values == [0.0, 0.0001, 0.0004, 0.0016]  # no L2 yet: around the default 4e-4
    assert finding.experiment.search.strategy == "ovat"
    val = next(e for e in finding.evidence if e.curve == "val_loss")
    assert val.unit == "epoch" and val.start < val.end == config.training.epochs
    assert "rose" in val.text
    assert any("L2" in r for r in finding.remedies)


def test_a_huge_learning_rate_is_diagnosed_as_diverging_and_the_lr_is_lowered() -> None:
    _, findings = run_and_diagnose({"optimizer.lr": 10.0, "training.epochs": 5})
    assert symptoms(findings)[0] == "diverging"
    assert "overfitting" not in symptoms(findings)  # a diverging run explains its val loss
    finding = findings[0]
    assert finding.knob == "optimizer.lr"
    dim = dimension(finding)
    assert dim.values == pytest.approx([0.1, 1.0, 10.0])
    assert "ended at" in finding.evidence[0].text and finding.evidence[0].curve == "loss"


def test_a_healthy_run_has_no_findings() -> None:
    _, findings = run_and_diagnose({"training.epochs": 10})
    assert findings == []


def test_a_tiny_learning_rate_reads_as_a_loss_falling_too_slowly() -> None:
    _, findings = run_and_diagnose({"optimizer.lr": 1e-5, "training.epochs": 5})
    assert symptoms(findings) == ["slow_loss"]
    assert dimension(findings[0]).values == pytest.approx([1e-5, 3e-5, 1e-4])


def test_heavy_weight_decay_reads_as_underfitting_with_less_decay_next() -> None:
    _, findings = run_and_diagnose({"model.width": 2, "optimizer.weight_decay": 0.5,
                                         "training.epochs": 10})
    assert symptoms(findings) == ["underfitting"]
    assert findings[0].knob == "optimizer.weight_decay"
    assert max(dimension(findings[0]).values or []) == 0.5


def test_reduce_on_plateau_reaching_its_floor_is_reported_with_patience_next() -> None:
    _, findings = run_and_diagnose({"schedule.kind": "plateau", "schedule.patience": 0,
                                         "schedule.factor": 0.1, "training.epochs": 30})
    assert symptoms(findings) == ["lr_floor"]
    assert findings[0].knob == "schedule.patience"
    assert findings[0].evidence[0].curve == "lr"


def synthetic(loss: np.ndarray, grad: np.ndarray | None = None,
              lr: np.ndarray | None = None) -> Steps:
    n = len(loss)
    return Steps(np.arange(1, n + 1), loss, np.full(n, 1e-3) if lr is None else lr,
                 np.ones(n) if grad is None else grad)


def falling(n: int = 400) -> np.ndarray:
    return 2.3 * np.exp(-np.arange(n) / 40) + 0.05


# validation loss lowest at epoch 4, then rising; training loss falling throughout
OVERFIT_EVALS = Evals(np.arange(10), np.arange(1.0, 11.0), np.geomspace(1, 0.01, 10),
                      np.array([0.9, 0.6, 0.5, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]))


def test_gradient_spikes_are_exploding_gradients_with_clipping_next() -> None:
    grad = np.ones(400)
    grad[[150, 151, 300]] = 80.0
    findings = diagnose(synthetic(falling(), grad), None, tiny())
    assert symptoms(findings) == ["exploding_gradients"]
    ev = findings[0].evidence[0]
    assert (ev.curve, ev.start, ev.end) == ("grad_norm", 151, 301)
    dim = dimension(findings[0])
    assert dim.path == "training.grad_clip_norm" and dim.values == [1.0, 3.0, 10.0]


def test_a_gradient_norm_that_shrinks_as_the_run_converges_is_no_explosion() -> None:
    grad = np.geomspace(1.0, 1e-4, 400)
    assert diagnose(synthetic(falling(), grad), None, tiny()) == []


def test_tiny_gradients_without_learning_are_vanishing_gradients() -> None:
    grad = np.concatenate([np.full(10, 0.5), np.full(390, 1e-8)])
    config = tiny({"model.activation": "sigmoid"})
    findings = diagnose(synthetic(np.full(400, 2.3), grad), None, config)
    assert symptoms(findings) == ["vanishing_gradients"]
    assert findings[0].knob == "model.activation"
    assert findings[0].experiment.search.dimensions[0].model_dump()["choices"] == [
        "sigmoid", "relu", "gelu"]


def test_wild_swings_without_a_rising_trend_are_an_unstable_loss() -> None:
    rng = np.random.default_rng(0)
    loss = falling() + np.where(rng.random(400) < 0.15, 3.0, 0.0)
    findings = diagnose(synthetic(loss), None, tiny())
    assert symptoms(findings) == ["unstable"]
    assert dimension(findings[0]).values == pytest.approx([1e-3, 3.33e-3, 1e-2])


def test_a_diverged_trial_is_diverging_even_when_its_stored_loss_is_finite() -> None:
    findings = diagnose(synthetic(falling(50)), None, tiny(), state="diverged",
                        message="the loss became nan at step 51")
    assert symptoms(findings) == ["diverging"]
    assert "nan" in findings[0].evidence[-1].text


def test_a_loss_that_blew_up_and_never_recovered_is_diverging() -> None:
    loss = np.full(200, 2.6)
    loss[0], loss[5:30] = 2.3, 1e6  # a dead network after the blow-up: stuck above the start
    findings = diagnose(synthetic(loss), None, tiny())
    assert symptoms(findings) == ["diverging"]
    assert "blew up" in findings[0].evidence[0].text


def test_too_little_data_gives_no_findings() -> None:
    assert diagnose(synthetic(falling(5)), None, tiny()) == []
    assert diagnose(None, None, tiny()) == []


def test_the_suggestion_pins_the_trials_other_sampled_values_and_fits_the_project() -> None:
    project = from_template("digits")
    config = project.baseline
    loss = falling()
    params = {"optimizer.weight_decay": 0.001, "model.width": 64, "training.batch_size": 32}
    findings = diagnose(synthetic(loss), OVERFIT_EVALS, config, params=params, trial="trial 4")
    assert symptoms(findings) == ["overfitting"]
    exp = findings[0].experiment
    assert exp.search.strategy == "grid"
    paths = [d.path for d in exp.search.dimensions]
    assert paths == ["optimizer.weight_decay", "model.width", "training.batch_size"]
    pinned = [d.model_dump() for d in exp.search.dimensions[1:]]
    assert [p["choices"] for p in pinned] == [[64], [32]]
    assert "trial 4" in exp.goal and exp.hypothesis and exp.expected_result
    Project.model_validate({**project.model_dump(), "experiments": [exp.model_dump()]})


def test_overfitting_with_some_weight_decay_suggests_a_quarter_to_four_times_it() -> None:
    findings = diagnose(synthetic(falling()), OVERFIT_EVALS,
                        tiny({"optimizer.weight_decay": 1e-5}))
    assert symptoms(findings) == ["overfitting"]
    dim = dimension(findings[0])
    assert dim.values == pytest.approx([2.5e-6, 1e-5, 4e-5])
    assert dim.log


@pytest.mark.parametrize(("warmup", "epochs", "shortest"), [
    (6.6, 8, 7), (6.4, 8, 7), (6.0, 8, 7), (2.5, 4, 3), (1.5, 12, 6)])
def test_an_lr_at_its_floor_suggests_the_fewest_whole_epochs_past_the_warm_up(
        warmup: float, epochs: int, shortest: int) -> None:
    """A run that sat at its LR floor is tried shorter: down to half its epochs, but never as
    short as its warm-up; the fewest whole epochs longer than a fractional warm-up of 6.6 is
    7 (the warm-up floored, plus one), not 8 (rounded, plus one)."""
    from tunestudio.config import IntDimension
    from tunestudio.engine.suggestions import suggest

    config = tiny({"schedule.kind": "cosine", "schedule.warmup_epochs": warmup,
                   "training.epochs": epochs})
    knob, search, _, _ = suggest("lr_floor", config, None, {}, np.zeros(0))
    [dim] = search.dimensions
    assert knob == "training.epochs" and isinstance(dim, IntDimension)
    assert dim.values == [shortest, epochs]
