"""The next experiment a diagnosis suggests: one variable at a time on the knob the symptom
implicates, at a few multiples of the diagnosed trial's value (weight decay x {1/4, 1, 4} for
overfitting, the LR x {1/100, 1/10, 1} for a diverging loss, ...), so that the result says how
sensitive the trial is to that knob and nothing else.

When the trial's own search sampled other values, those are pinned (single-choice dimensions of
a grid): the experiment then reruns the diagnosed config with only the implicated knob changed,
instead of drifting back to the project's baseline."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tunestudio.config import (
    Budget,
    CategoricalDimension,
    CNNModel,
    FloatDimension,
    IntDimension,
    MLPModel,
    Objective,
    PlateauSchedule,
    PrunerConfig,
    RunConfig,
    SearchDefinition,
)
from tunestudio.config.search import Dimension
from tunestudio.messages import N_

Suggestion = tuple[str, SearchDefinition, str, str]  # knob, search, hypothesis, expected result
_WD_DEFAULT = 0.0004  # the practice's default L2, the centre when the trial had none


def _sig(x: float) -> float:
    return float(f"{x:.3g}")


def _floats(path: str, values: Sequence[float]) -> FloatDimension:
    vals = sorted({_sig(v) for v in values})
    return FloatDimension(path=path, low=vals[0], high=vals[-1], log=vals[0] > 0, values=vals)


def _ints(path: str, values: Sequence[int]) -> IntDimension:
    vals = sorted(set(values))
    return IntDimension(path=path, low=vals[0], high=vals[-1], values=vals)


def _lr(config: RunConfig, factors: Sequence[float]) -> Dimension:
    lr = config.optimizer.lr
    return _floats("optimizer.lr", [min(10.0, lr * f) for f in factors])


def _knob(symptom: str, config: RunConfig, grad: npt.NDArray[np.float64]) -> Dimension:
    opt, model = config.optimizer, config.model
    if symptom == "diverging":
        return _lr(config, (0.01, 0.1, 1))
    if symptom == "unstable":
        return _lr(config, (0.1, 1 / 3, 1))
    if symptom == "slow_loss":
        return _lr(config, (1, 3, 10))
    if symptom == "overfitting":
        wd = opt.weight_decay
        if wd == 0:
            return _floats("optimizer.weight_decay", [0.0] + [_WD_DEFAULT * f
                                                             for f in (0.25, 1, 4)])
        return _floats("optimizer.weight_decay", [min(1.0, wd * f) for f in (0.25, 1, 4)])
    if symptom == "exploding_gradients":
        finite = grad[np.isfinite(grad)]
        if config.training.grad_clip_norm is not None or not len(finite):
            return _lr(config, (0.1, 1 / 3, 1))
        median = max(float(np.median(finite)), 1e-6)
        return _floats("training.grad_clip_norm", [median * f for f in (1, 3, 10)])
    if symptom == "vanishing_gradients":
        if isinstance(model, MLPModel | CNNModel):
            if model.activation in ("tanh", "sigmoid"):
                return CategoricalDimension(path="model.activation",
                                            choices=[model.activation, "relu", "gelu"])
            if not model.batch_norm:
                return CategoricalDimension(path="model.batch_norm", choices=[False, True])
            other = "kaiming_normal" if model.init != "kaiming_normal" else "default"
            return CategoricalDimension(path="model.init", choices=[model.init, other])
        return _lr(config, (1, 3, 10))
    if symptom == "underfitting":
        if opt.weight_decay > 1e-3:
            return _floats("optimizer.weight_decay", [opt.weight_decay * f
                                                      for f in (1 / 16, 0.25, 1)])
        if isinstance(model, MLPModel) and model.hidden_sizes is None:
            return _ints("model.width", [min(65536, model.width * f) for f in (1, 2, 4)])
        if isinstance(model, CNNModel):
            return _ints("model.hidden", [min(65536, model.hidden * f) for f in (1, 2, 4)])
        return _ints("training.epochs", [min(100_000, config.training.epochs * f)
                                         for f in (1, 2, 4)])
    if symptom == "lr_floor":
        schedule = config.schedule
        if isinstance(schedule, PlateauSchedule):
            p = schedule.patience
            return _ints("schedule.patience", [min(1000, v) for v in (p, max(2, 2 * p),
                                                                       max(4, 4 * p))])
        epochs = config.training.epochs
        shortest = max(math.floor(schedule.warmup_epochs) + 1, epochs // 2)
        return _ints("training.epochs", [shortest, epochs] if shortest < epochs
                     else [epochs, 2 * epochs])
    raise ValueError(f"no suggestion for symptom '{symptom}'")


_WHY: dict[str, tuple[str, str]] = {
    "diverging": (N_("Diagnosis", "A lower learning rate keeps the loss from blowing up."),
                  N_("Diagnosis", "The loss falls steadily at 1/10 or 1/100 of the LR; the best "
                                  "validation score is at one of the lower LRs.")),
    "unstable": (N_("Diagnosis", "A lower learning rate calms the swings of the loss."),
                 N_("Diagnosis",
                    "Smoother loss curves and a better validation score at a lower LR.")),
    "slow_loss": (N_("Diagnosis", "A higher learning rate makes the loss fall faster."),
                  N_("Diagnosis", "The loss falls several times faster at 3x or 10x the LR.")),
    "overfitting": (N_("Diagnosis", "More weight decay narrows the gap between training and "
                                    "validation loss."),
                    N_("Diagnosis", "Validation loss stops rising; the best validation score "
                                    "improves at the larger weight decay.")),
    "exploding_gradients": (N_("Diagnosis", "Clipping the gradient norm removes the spikes without "
                                            "slowing training."),
                            N_("Diagnosis", "No gradient spikes; the loss falls as smoothly as "
                                            "before or better.")),
    "vanishing_gradients": (N_("Diagnosis", "Gradients reach the first layers again with a "
                                            "non-saturating activation, batch norm or a better "
                                            "initialisation."),
                            N_("Diagnosis", "The gradient norm stays well above zero and the loss "
                                            "falls.")),
    "underfitting": (N_("Diagnosis", "More capacity (or less regularisation, or longer training) "
                                     "lowers the training loss."),
                     N_("Diagnosis", "Training and validation loss both end lower.")),
    "lr_floor": (N_("Diagnosis", "Cutting the LR later (or stopping at the floor) keeps the useful "
                                 "part of the run."),
                 N_("Diagnosis", "The same or a better validation score, sooner.")),
}


def default_objective(config: RunConfig) -> Objective:
    """The objective a suggested experiment tunes when none is given: 'val_accuracy' for
    classification, 'val_loss' for regression."""
    return Objective(metric="val_accuracy" if config.task == "classification" else "val_loss")


def suggest(symptom: str, config: RunConfig, objective: Objective | None,
            params: Mapping[str, Any], grad: npt.NDArray[np.float64]) -> Suggestion:
    """The implicated knob and a finite search over it around `config`'s value."""
    dim = _knob(symptom, config, grad)
    pinned: list[Dimension] = [CategoricalDimension(path=path, choices=[value])
                               for path, value in params.items() if path != dim.path]
    search = SearchDefinition(
        dimensions=[dim, *pinned], strategy="grid" if pinned else "ovat",
        budget=Budget(trials=None), pruner=PrunerConfig(kind="none"),
        objective=objective or default_objective(config),
    )
    hypothesis, expected = _WHY[symptom]
    return dim.path, search, hypothesis, expected
