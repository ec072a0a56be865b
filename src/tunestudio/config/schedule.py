"""Learning-rate schedules. Every kind starts with an optional linear warm-up from 0; lengths are
in epochs and turned into steps from the real number of steps per epoch by the engine."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tunestudio.config.common import ConfigModel, Metric, field
from tunestudio.messages import N_

WARMUP_ADVICE = "Default 10 epochs. If warm-up shows no benefit, shorten it or remove it."


class _Schedule(ConfigModel):
    warmup_epochs: float = field(
        10.0, "Epochs over which the LR rises linearly from 0 to its initial value.",
        advice=WARMUP_ADVICE, ge=0.0, le=10000.0,
    )


class ConstantSchedule(_Schedule):
    """The LR stays at `optimizer.lr` after the warm-up."""

    kind: Literal["constant"] = "constant"


class StepSchedule(_Schedule):
    """Step decay, as torch's StepLR: after the warm-up the LR is lr0 * gamma^floor(t / s), t the
    steps since the warm-up and s `step_epochs` in steps."""

    kind: Literal["step"] = "step"
    step_epochs: float = field(30.0, "Epochs between two cuts: lr0 * gamma^floor(t/s).", gt=0.0)
    gamma: float = field(0.1, "Factor applied at each cut.", gt=0.0, lt=1.0)


class ExponentialSchedule(_Schedule):
    """Exponential decay: after the warm-up the LR is lr0 * gamma^(t / steps_per_epoch), t counted
    in steps, so it falls by the factor `gamma` per epoch, smoothly from step to step."""

    kind: Literal["exponential"] = "exponential"
    gamma: float = field(0.95, "Factor per epoch: lr0 * gamma^t.", gt=0.0, lt=1.0)


class CosineSchedule(_Schedule):
    """Cosine annealing (Loshchilov & Hutter, 2017, without restarts): after the warm-up the LR
    falls along half a cosine from lr0 to low = lr0 * min_lr_fraction over the rest of the run,
    low + (lr0 - low) * (1 + cos(pi * t / n)) / 2 at step t of n."""

    kind: Literal["cosine"] = "cosine"
    min_lr_fraction: float = field(
        0.0, "Final LR as a fraction of the initial LR.",
        advice="Cosine annealing: large steps early to explore, small steps late to settle.",
        ge=0.0, lt=1.0,
    )


class CosineRestartsSchedule(_Schedule):
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017; torch's
    CosineAnnealingWarmRestarts): within each cycle the LR falls along half a cosine from lr0 to
    lr0 * min_lr_fraction, then jumps back to lr0; the first cycle lasts `cycle_epochs` epochs,
    each next one `cycle_mult` times as long."""

    kind: Literal["cosine_restarts"] = "cosine_restarts"
    cycle_epochs: float = field(10.0, "Length of the first cosine cycle.", gt=0.0)
    cycle_mult: int = field(2, "Each cycle is this many times longer than the one before.",
                            ge=1, le=10)
    min_lr_fraction: float = field(0.0, "Lowest LR of a cycle as a fraction of the initial LR.",
                                   ge=0.0, lt=1.0)


class OneCycleSchedule(_Schedule):
    """The one-cycle policy (Smith & Topin, 2019; torch's OneCycleLR with cosine annealing): over
    the first `pct_start` of the steps the LR rises from lr / div_factor to `optimizer.lr`, then
    falls to lr / div_factor / final_div_factor at the last step. Its rise is its warm-up:
    validation raises ValueError unless `warmup_epochs` is 0."""

    kind: Literal["one_cycle"] = "one_cycle"
    warmup_epochs: float = field(
        0.0, "Must stay 0: one-cycle has its own rising phase (pct_start).", ge=0.0
    )
    pct_start: float = field(0.3, "Fraction of training spent raising the LR.", gt=0.0, lt=1.0)
    div_factor: float = field(25.0, "Starting LR = lr / div_factor.", gt=1.0)
    final_div_factor: float = field(1e4, "Final LR = starting LR / final_div_factor.", gt=1.0)

    @model_validator(mode="after")
    def _no_extra_warmup(self) -> OneCycleSchedule:
        if self.warmup_epochs:
            raise ValueError(N_("Validation", "one-cycle rises on its own (pct_start); set "
                                "warmup_epochs to 0"))
        return self


class PlateauSchedule(_Schedule):
    """Reduce-on-plateau (torch's ReduceLROnPlateau, absolute threshold, no cooldown): after the
    warm-up the LR stays at lr0 until `monitor` has not improved by more than `min_delta` for
    more than `patience` evaluations, then is multiplied by `factor`, again at each such plateau,
    never below lr0 * floor_fraction; with `stop_at_floor` training ends once the floor is
    reached. Validation raises ValueError when `floor_fraction` is above `factor` or `monitor` is
    not a validation metric; `RunConfig` also requires the run to measure it (a metric of the
    task, a validation split)."""

    kind: Literal["plateau"] = "plateau"
    monitor: Metric = field("val_loss", "Validation metric watched for a plateau.")
    factor: float = field(0.5, "Factor applied to the LR when the metric stops improving.",
                          gt=0.0, lt=1.0)
    patience: int = field(2, "Evaluations without improvement before a cut.", ge=0, le=1000)
    min_delta: float = field(1e-4, "Smallest change that counts as an improvement.", ge=0.0)
    floor_fraction: float = field(
        1 / 1024, "Lowest LR as a fraction of the initial LR.",
        advice="Keep LR constant until validation gets worse, then cut; repeat until the LR is "
        "1/1024 of the start, then stop training.",
        gt=0.0, lt=1.0,
    )
    stop_at_floor: bool = field(True, "End training once the LR has reached the floor.")

    @model_validator(mode="after")
    def _coherent(self) -> PlateauSchedule:
        if self.floor_fraction > self.factor:
            raise ValueError(N_(
                "Validation", "floor_fraction {floor:g} is above the first cut (factor "
                "{factor:g}), so the LR could never be cut; lower floor_fraction (default "
                "1/1024)").format(floor=self.floor_fraction, factor=self.factor))
        if not self.monitor.startswith("val_"):
            raise ValueError(N_("Validation", "plateau monitors a validation metric, not "
                                "'{metric}'").format(metric=self.monitor))
        return self


ScheduleConfig = Annotated[
    ConstantSchedule
    | StepSchedule
    | ExponentialSchedule
    | CosineSchedule
    | CosineRestartsSchedule
    | OneCycleSchedule
    | PlateauSchedule,
    Field(discriminator="kind"),
]
