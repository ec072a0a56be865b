"""Optimisers and their regularisation terms. All kinds share `lr`, `weight_decay` and `l1`, so a
search over those paths works whichever optimiser the baseline uses."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tunestudio.config.common import ConfigModel, field
from tunestudio.messages import N_

LR_ADVICE = (
    "Default 0.001. Loss swings up and down or blows up: lower it to 1e-4, even 1e-5. "
    "Loss falls very slowly: usually too low, raise it (the LR range test tells which). "
    "Too high: unstable; too low: slow. Run an LR range test before a long run."
)
WD_ADVICE = "Default 0.0004. Overfitting: raise it; underfitting: lower it or drop it."
MOMENTUM_ADVICE = "Default 0.9. Strong oscillation in training: lower it."


class _Optimizer(ConfigModel):
    lr: float = field(0.001, "Initial learning rate (peak after warm-up).", advice=LR_ADVICE,
                      gt=0.0, le=10.0, json_schema_extra={"log_scale": True})
    weight_decay: float = field(
        0.0004, "L2 penalty coefficient: lambda * sum(w^2).", advice=WD_ADVICE, ge=0.0, le=1.0,
        json_schema_extra={"log_scale": True},
    )
    l1: float = field(0.0, "L1 penalty coefficient: lambda * sum(|w|), added to the loss.",
                      ge=0.0, le=1.0, json_schema_extra={"log_scale": True})


class SGDOptimizer(_Optimizer):
    """Stochastic gradient descent with momentum (`torch.optim.SGD`; Nesterov momentum as in
    Sutskever et al., 2013). `weight_decay` adds weight_decay * w to each gradient. Raises
    ValueError for `nesterov` with momentum 0."""

    kind: Literal["sgd"] = "sgd"
    momentum: float = field(0.9, "Momentum.", advice=MOMENTUM_ADVICE, ge=0.0, lt=1.0)
    nesterov: bool = field(False, "Nesterov momentum.")

    @model_validator(mode="after")
    def _nesterov_needs_momentum(self) -> SGDOptimizer:
        if self.nesterov and self.momentum == 0:
            raise ValueError(N_("Validation", "Nesterov momentum needs momentum > 0; set "
                                "momentum (e.g. 0.9) or turn Nesterov off"))
        return self


class AdamOptimizer(_Optimizer):
    """Adam (Kingma & Ba, 2015; `torch.optim.Adam`). `weight_decay` adds weight_decay * w to each
    gradient, which Adam then scales like the rest of it; `AdamWOptimizer` decouples it."""

    kind: Literal["adam"] = "adam"
    beta1: float = field(0.9, "Decay of the first-moment (momentum) estimate.",
                         advice=MOMENTUM_ADVICE, ge=0.0, lt=1.0)
    beta2: float = field(0.999, "Decay of the second-moment estimate.", ge=0.0, lt=1.0)
    eps: float = field(1e-8, "Term added to the denominator for stability.", gt=0.0, le=1.0)


class AdamWOptimizer(AdamOptimizer):
    """AdamW (Loshchilov & Hutter, 2019; `torch.optim.AdamW`): Adam's fields, with `weight_decay`
    decoupled from the gradient: each step shrinks the weights by lr * weight_decay * w directly
    instead of adding an L2 term to the gradient."""

    kind: Literal["adamw"] = "adamw"  # type: ignore[assignment]


class RMSpropOptimizer(_Optimizer):
    """RMSprop (Tieleman & Hinton, 2012; `torch.optim.RMSprop`): each gradient is divided by the
    root of a running average of its squares (smoothing `alpha`), with optional momentum.
    `weight_decay` adds weight_decay * w to each gradient."""

    kind: Literal["rmsprop"] = "rmsprop"
    alpha: float = field(0.99, "Smoothing constant of the squared-gradient average.",
                         ge=0.0, lt=1.0)
    momentum: float = field(0.0, "Momentum.", advice=MOMENTUM_ADVICE, ge=0.0, lt=1.0)
    eps: float = field(1e-8, "Term added to the denominator for stability.", gt=0.0, le=1.0)


OptimizerConfig = Annotated[
    SGDOptimizer | AdamOptimizer | AdamWOptimizer | RMSpropOptimizer,
    Field(discriminator="kind"),
]
