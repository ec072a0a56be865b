"""Diagnosis from the curves: the symptom table of TUNING-PRACTICE.md as rules over one trial's
step series (loss, LR, gradient norm per step) and evaluation series (train and validation loss
per evaluation). Each finding names the curve and the span that show it, the remedies the
practice gives, and a next experiment that varies the implicated knob alone (suggestions.py).

numpy only (no torch, no Qt): it runs on stored history in milliseconds, in a test, the CLI or
the GUI alike. The rules read block medians of the loss rather than raw steps, so one noisy
batch neither triggers nor hides a finding; the thresholds below are the defaults the advice
text quotes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from tunestudio.config import Experiment, Objective, PlateauSchedule, RunConfig
from tunestudio.engine.suggestions import suggest
from tunestudio.messages import N_

Symptom = Literal["diverging", "unstable", "exploding_gradients", "vanishing_gradients",
                  "overfitting", "underfitting", "slow_loss", "lr_floor"]
CurveName = Literal["loss", "train_loss", "val_loss", "grad_norm", "lr"]
Array = npt.NDArray[np.float64]

BLOCKS = 40  # the loss is read as this many block medians
MIN_STEPS = 12
MIN_EVALS = 4
DIVERGE_RATIO = 2.0  # final loss above twice the starting loss, or ...
DIVERGE_FROM_LOW = 4.0  # ... four times the lowest it reached, or ...
DIVERGE_PEAK = 10.0  # ... it blew up to ten times the start and never learned afterwards
SPIKE_SHARE = 0.05  # unstable: this share of steps jump above their block's median by ...
SPIKE_SIZE = 0.5  # ... half the starting loss (and 1.5x the median)
GRAD_SPIKE = 20.0  # exploding: gradient norm 20x its median
VANISHING_NORM = 1e-6  # gradients below this (absolute) ...
VANISHING_RATIO = 1e-3  # ... or below this share of the first steps' norm
OVERFIT_RISE = 0.05  # validation loss 5% above its lowest while the train loss kept falling
HIGH_LOSS = 0.3  # underfitting / slow: the loss kept more than 30% of its starting value
FLAT = 0.05  # "flat": the last third lost less than 5% of its value
FLOOR_SHARE = 0.1  # LR at 1/1024 of its peak for 10% of the run (plateau: once reached)


class StepCurves(Protocol):
    """What the rules read per step (the store's StepSeries has it)."""

    @property
    def step(self) -> npt.NDArray[np.int64]:
        """The step of each point (optimiser steps done)."""
    @property
    def loss(self) -> Array:
        """The training loss at each step."""
    @property
    def lr(self) -> Array:
        """The learning rate of each step."""
    @property
    def grad_norm(self) -> Array:
        """The gradient norm of each step, before clipping."""


class EvalCurves(Protocol):
    """What the rules read per evaluation (the store's EvalSeries has it)."""

    @property
    def step(self) -> npt.NDArray[np.int64]:
        """The step of each evaluation (optimiser steps done)."""
    @property
    def epoch(self) -> Array:
        """The epochs done at each evaluation."""
    @property
    def train_loss(self) -> Array:
        """The training loss at each evaluation."""
    @property
    def val_loss(self) -> Array:
        """The validation loss at each evaluation."""


@dataclass(frozen=True)
class Evidence:
    """Where a curve shows the symptom: `curve` over [start, end] in `unit`s, and in words."""

    curve: CurveName
    unit: Literal["step", "epoch"]
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Finding:
    """One diagnosis of a trial's curves: the symptom, its title, what the curves mean, the evidence
    on the curves, the remedies, and a one-variable-at-a-time experiment on the implicated knob that
    tests the remedy."""
    symptom: Symptom
    title: str
    reading: str  # what the curves mean, in the practice's words
    evidence: tuple[Evidence, ...]
    remedies: tuple[str, ...]
    knob: str  # dotted config path the suggested experiment varies
    experiment: Experiment  # one variable at a time on `knob`, journal fields filled in
    # the experiment's goal, hypothesis and expected result as messages (tunestudio.messages):
    # the GUI writes them in the window's language, the experiment's fields keep the English
    journal: Mapping[str, str] = field(default_factory=dict)


REMEDIES: dict[Symptom, tuple[str, ...]] = {
    "diverging": (N_("Diagnosis", "Lower the learning rate (1e-4, even 1e-5)."),
                  N_("Diagnosis", "Clip the gradient norm."), N_("Diagnosis", "Add a warm-up."),
                  N_("Diagnosis", "Lower the momentum.")),
    "unstable": (N_("Diagnosis", "Lower the learning rate."),
                 N_("Diagnosis", "Lower the momentum."), N_("Diagnosis", "Clip the gradient norm."),
                 N_("Diagnosis", "Add or lengthen the warm-up.")),
    "exploding_gradients": (N_("Diagnosis", "Clip the gradient norm."),
                            N_("Diagnosis", "Lower the learning rate."),
                            N_("Diagnosis", "Use a better initialisation.")),
    "vanishing_gradients": (N_("Diagnosis", "Use a ReLU-family activation."),
                            N_("Diagnosis", "Add batch normalisation."),
                            N_("Diagnosis", "Use a better initialisation (Kaiming for ReLU).")),
    "overfitting": (N_("Diagnosis", "More L2 (weight decay) or dropout."),
                    N_("Diagnosis", "A smaller network."), N_("Diagnosis", "Early stopping."),
                    N_("Diagnosis", "More data.")),
    "underfitting": (N_("Diagnosis", "A bigger network."),
                     N_("Diagnosis", "Less regularisation."),
                     N_("Diagnosis", "Tune the learning rate."), N_("Diagnosis", "Train longer.")),
    "slow_loss": (N_("Diagnosis", "Raise the learning rate (lower it if the loss oscillates)."),
                  N_("Diagnosis", "Run an LR range test.")),
    "lr_floor": (N_("Diagnosis", "The LR is ~1/1024 of its start: stop training there."),
                 N_("Diagnosis", "If validation was still improving before the last cuts, cut "
                                 "later (more patience) or by less.")),
}

_TITLES: dict[Symptom, str] = {
    "diverging": N_("Diagnosis", "Diverging loss"),
    "unstable": N_("Diagnosis", "Unstable loss"),
    "exploding_gradients": N_("Diagnosis", "Exploding gradients"),
    "vanishing_gradients": N_("Diagnosis", "Vanishing gradients"),
    "overfitting": N_("Diagnosis", "Overfitting"),
    "underfitting": N_("Diagnosis", "Underfitting"),
    "slow_loss": N_("Diagnosis", "Loss falling too slowly"),
    "lr_floor": N_("Diagnosis", "LR cut to its floor"),
}

# the titles within a sentence (the suggested experiment's goal)
_IN_A_SENTENCE: dict[Symptom, str] = {
    "diverging": N_("Diagnosis", "diverging loss"),
    "unstable": N_("Diagnosis", "unstable loss"),
    "exploding_gradients": N_("Diagnosis", "exploding gradients"),
    "vanishing_gradients": N_("Diagnosis", "vanishing gradients"),
    "overfitting": N_("Diagnosis", "overfitting"),
    "underfitting": N_("Diagnosis", "underfitting"),
    "slow_loss": N_("Diagnosis", "loss falling too slowly"),
    "lr_floor": N_("Diagnosis", "lr cut to its floor"),
}


@dataclass(frozen=True)
class _Blocks:
    """The loss as block medians: `value[i]` over steps [first[i], last[i]]."""

    value: Array
    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]


def _blocks(step: npt.NDArray[np.int64], loss: Array) -> _Blocks:
    parts = np.array_split(np.arange(len(loss)), min(BLOCKS, len(loss)))
    return _Blocks(np.array([float(np.median(loss[p])) for p in parts]),
                   np.array([step[p[0]] for p in parts]), np.array([step[p[-1]] for p in parts]))


def _repeat0(curves: object, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Arrays of the first repeat only (a trial run with several seeds stores each in turn)."""
    arrays = {n: np.asarray(getattr(curves, n)) for n in names}
    repeat = getattr(curves, "repeat", None)
    if repeat is not None and len(repeat):
        keep = np.asarray(repeat) == np.asarray(repeat)[0]
        arrays = {n: a[keep] for n, a in arrays.items()}
    return arrays


def _f(x: float) -> str:
    return f"{x:.3g}"


class _Context:
    """One trial's curves, cleaned, and what the finding builders share."""

    def __init__(self, steps: StepCurves | None, evals: EvalCurves | None, config: RunConfig,
                 objective: Objective | None, trial: str, params: Mapping[str, object]):
        s = _repeat0(steps, ("step", "loss", "lr", "grad_norm")) if steps is not None else {}
        step = s.get("step", np.zeros(0, np.int64)).astype(np.int64)
        loss = s.get("loss", np.zeros(0)).astype(np.float64)
        finite = np.isfinite(loss)
        self.step, self.loss = step[finite], loss[finite]
        self.lr = s.get("lr", np.zeros(0)).astype(np.float64)
        self.lr_step = step
        self.grad = s.get("grad_norm", np.zeros(0)).astype(np.float64)
        e = _repeat0(evals, ("step", "epoch", "train_loss", "val_loss")) if evals is not None \
            else {}
        self.e_epoch = e.get("epoch", np.zeros(0)).astype(np.float64)
        self.e_train = e.get("train_loss", np.zeros(0)).astype(np.float64)
        self.e_val = e.get("val_loss", np.zeros(0)).astype(np.float64)
        self.config, self.objective, self.trial, self.params = config, objective, trial, params
        self.blocks = _blocks(self.step, self.loss) if len(self.loss) >= MIN_STEPS else None
        # the untrained model's loss (chance level for a classifier): a block median would
        # already include the first updates, which a huge LR turns into thousands
        self.start = float(self.loss[0]) if len(self.loss) else float("nan")

    def finding(self, symptom: Symptom, reading: str, evidence: list[Evidence]) -> Finding:
        knob, search, hypothesis, expected = suggest(symptom, self.config, self.objective,
                                                     self.params, self.grad)
        leaf = knob.rsplit(".", 1)[-1]
        goal = N_("Diagnosis", "Cure the {symptom} seen in {trial}.").format(
            symptom=_IN_A_SENTENCE[symptom], trial=self.trial)
        experiment = Experiment(
            name=f"{symptom.replace('_', '-')}-{leaf.replace('_', '-')}",
            goal=goal, hypothesis=hypothesis, expected_result=expected, search=search,
        )
        journal = {"goal": goal, "hypothesis": hypothesis, "expected_result": expected}
        return Finding(symptom, _TITLES[symptom], reading, tuple(evidence), REMEDIES[symptom],
                       knob, experiment, journal)


def diagnose(steps: StepCurves | None, evals: EvalCurves | None, config: RunConfig, *,
             state: str | None = None, message: str = "", objective: Objective | None = None,
             trial: str = N_("Diagnosis", "this trial"), params: Mapping[str, object] | None = None
             ) -> list[Finding]:
    """Findings for one trial, the most urgent first; [] for a run the rules find healthy.
    `state`/`message` are the trial's outcome (a 'diverged' trial stopped at its first
    non-finite value, which the stored series never hold); `params` are the values its search
    sampled, pinned in the suggested experiments so that only the implicated knob changes."""
    ctx = _Context(steps, evals, config, objective, trial, params or {})
    found: list[Finding] = []
    for rule in (_diverging, _unstable, _exploding, _vanishing, _overfitting, _underfit_or_slow,
                 _lr_floor):
        finding = rule(ctx, state, message, found)
        if finding is not None:
            found.append(finding)
    return found


def _seen(found: list[Finding], *symptoms: Symptom) -> bool:
    return any(f.symptom in symptoms for f in found)


def _diverging(ctx: _Context, state: str | None, message: str, found: list[Finding]
               ) -> Finding | None:
    b = ctx.blocks
    evidence: list[Evidence] = []
    if b is not None:
        start, low_i, end = ctx.start, int(np.argmin(b.value)), b.value[-1]
        low = b.value[low_i]
        if end > DIVERGE_RATIO * start:
            above = int(np.argmax(b.value > DIVERGE_RATIO * start))
            evidence.append(Evidence(
                "loss", "step", float(b.first[above]), float(b.last[-1]),
                N_("Diagnosis", "training loss ended at {f} by step {last}, {end_start:.3g}x its "
                                "starting value {f2}; it passed twice the start around step "
                                "{first} and peaked at {f3}").format(
                                    f=_f(end), last=b.last[-1], end_start=end / start,
                                    f2=_f(start), first=b.first[above],
                                    f3=_f(float(b.value.max())))))
        elif b.value.max() > DIVERGE_PEAK * start and end > 0.9 * start:
            peak = int(np.argmax(b.value))
            evidence.append(Evidence(
                "loss", "step", float(b.first[peak]), float(b.last[-1]),
                N_("Diagnosis", "training loss blew up to {f} around step {first} ({value:.3g}x "
                                "its starting value {f2}) and never fell below the start again (it "
                                "ended at {f3})").format(
                                    f=_f(float(b.value[peak])), first=b.first[peak],
                                    value=b.value[peak] / start, f2=_f(start), f3=_f(end))))
        elif end > DIVERGE_FROM_LOW * low and low_i < len(b.value) - 1 and \
                end > low + 0.5 * start:
            evidence.append(Evidence(
                "loss", "step", float(b.first[low_i]), float(b.last[-1]),
                N_("Diagnosis", "training loss rose from {f} around step {first} to {f2} by step "
                                "{last} (it started at {f3})").format(
                                    f=_f(low), first=b.first[low_i], f2=_f(end), last=b.last[-1],
                                    f3=_f(start))))
    if state == "diverged":
        where = float(ctx.step[-1]) if len(ctx.step) else 0.0
        evidence.append(Evidence("loss", "step", where, where + 1,
                                 N_("Diagnosis", "training stopped: {message}").format(
                                     message=message or N_("Diagnosis", "the loss became NaN"))))
    if not evidence:
        return None
    return ctx.finding("diverging", N_("Diagnosis", "Loss diverges: the learning rate is too high, "
                                                    "or the gradients explode."), evidence)


def _unstable(ctx: _Context, state: str | None, message: str, found: list[Finding]
              ) -> Finding | None:
    b = ctx.blocks
    if b is None or _seen(found, "diverging"):
        return None
    start = ctx.start
    skip = len(ctx.loss) // 10  # the first steps fall fast by nature
    loss, step = ctx.loss[skip:], ctx.step[skip:]
    median = np.interp(step, (b.first + b.last) / 2, b.value)
    spikes = (loss > median + SPIKE_SIZE * start) & (loss > 1.5 * median)
    rises = np.diff(b.value) > 0.25 * start
    if spikes.mean() < SPIKE_SHARE and rises.sum() < 3:
        return None
    where = step[spikes] if spikes.any() else b.first[1:][rises]
    text = (N_("Diagnosis", "training loss jumped above its running median by more than {f} on "
                            "{int} of {len} steps").format(
                                f=_f(SPIKE_SIZE * start), int=int(spikes.sum()),
                                len=len(loss)) if spikes.mean() >= SPIKE_SHARE else
            N_("Diagnosis",
               "training loss swung up by more than a quarter of its start {int} times").format(
                   int=int(rises.sum())))
    ev = Evidence("loss", "step", float(where.min()), float(where.max()),
                  N_("Diagnosis", "{text}, between steps {min} and {max}").format(
                      text=text, min=where.min(), max=where.max()))
    return ctx.finding("unstable", N_("Diagnosis", "Loss swings wildly: LR too high (or momentum "
                                                   "too strong)."),
                       [ev])


def _exploding(ctx: _Context, state: str | None, message: str, found: list[Finding]
               ) -> Finding | None:
    """Spikes against the norm's local level (block medians): the norm shrinking by orders of
    magnitude as a run converges is normal, and must not make early steps look like spikes."""
    g, step = ctx.grad, ctx.lr_step
    finite = np.isfinite(g)
    infinite = state == "diverged" and "gradient norm" in message
    if finite.sum() < MIN_STEPS and not infinite:
        return None
    evidence = []
    if finite.sum() >= MIN_STEPS:
        gs, ss = g[finite], step[finite]
        level = _blocks(ss, gs)
        local = np.interp(ss, (level.first + level.last) / 2, level.value)
        early = float(np.median(gs[: max(3, len(gs) // 10)]))
        spikes = (gs > GRAD_SPIKE * local) & (gs > early)
        if spikes.any():
            s = ss[spikes]
            evidence.append(Evidence(
                "grad_norm", "step", float(s.min()), float(s.max()),
                N_("Diagnosis", "gradient norm spiked to {f}, over {GRAD_SPIKE:g}x its running "
                                "median, on {int} step(s) between {min} and {max}").format(
                                    f=_f(float(gs[spikes].max())), GRAD_SPIKE=GRAD_SPIKE,
                                    int=int(spikes.sum()), min=s.min(), max=s.max())))
    if infinite:
        at = float(step[-1]) if len(step) else 0.0
        evidence.append(Evidence("grad_norm", "step", at, at + 1, N_(
            "Diagnosis", "training stopped: {message}").format(message=message)))
    if not evidence:
        return None
    return ctx.finding("exploding_gradients", N_("Diagnosis", "Gradient norm huge or spiking: "
                                                              "exploding gradients."), evidence)


def _vanishing(ctx: _Context, state: str | None, message: str, found: list[Finding]
               ) -> Finding | None:
    g, b = ctx.grad, ctx.blocks
    finite = g[np.isfinite(g)]
    if b is None or len(finite) < MIN_STEPS:
        return None
    first = float(np.median(finite[:5]))
    late = float(np.median(finite[len(finite) // 2:]))
    tiny = late < VANISHING_NORM or (first > 0 and late < VANISHING_RATIO * first)
    stuck = b.value[-1] > 0.9 * b.value[0]
    if not (tiny and stuck):
        return None
    half = ctx.lr_step[len(ctx.lr_step) // 2]
    ev = Evidence("grad_norm", "step", float(half), float(ctx.lr_step[-1]),
                  N_("Diagnosis", "gradient norm fell to {f} (median of the second half; the first "
                                  "steps had {f2}) while the loss stayed near {f3}").format(
                                      f=_f(late), f2=_f(first), f3=_f(b.value[-1])))
    return ctx.finding("vanishing_gradients", N_("Diagnosis", "Gradient norm tiny and no learning: "
                                                              "vanishing gradients."), [ev])


def _overfitting(ctx: _Context, state: str | None, message: str, found: list[Finding]
                 ) -> Finding | None:
    ok = np.isfinite(ctx.e_val) & np.isfinite(ctx.e_train)
    val, train, epoch = ctx.e_val[ok], ctx.e_train[ok], ctx.e_epoch[ok]
    if len(val) < MIN_EVALS or _seen(found, "diverging"):
        return None
    low = int(np.argmin(val))
    after = len(val) - 1 - low
    if after < 2:
        return None
    tail = float(np.mean(val[-min(3, after):]))
    if tail < (1 + OVERFIT_RISE) * val[low] or train[-1] >= train[low]:
        return None
    return ctx.finding("overfitting", N_("Diagnosis", "Train loss falls while validation loss "
                                                      "rises: overfitting."), [
        Evidence("val_loss", "epoch", float(epoch[low]), float(epoch[-1]),
                 N_("Diagnosis", "validation loss was lowest, {f}, at epoch {epoch:.3g} and rose "
                                 "to {f2} by epoch {epoch2:.3g} (+{value:.0f}%)").format(
                                     f=_f(val[low]), epoch=epoch[low], f2=_f(val[-1]),
                                     epoch2=epoch[-1], value=100 * (tail / val[low] - 1))),
        Evidence("train_loss", "epoch", float(epoch[low]), float(epoch[-1]),
                 N_("Diagnosis",
                    "training loss kept falling over the same epochs, from {f} to {f2}").format(
                        f=_f(train[low]), f2=_f(train[-1]))),
    ])


def _underfit_or_slow(ctx: _Context, state: str | None, message: str, found: list[Finding]
                      ) -> Finding | None:
    """A loss that stays high: still falling at the end (or hardly moved at all) reads as an
    LR too low; one that fell, then flattened, as too little capacity. Heavy weight decay is
    blamed first: it holds the loss up however the LR is set."""
    b = ctx.blocks
    if b is None or _seen(found, "diverging", "unstable", "vanishing_gradients"):
        return None
    start, end = ctx.start, b.value[-1]
    if not end > HIGH_LOSS * start:
        return None
    i3 = (2 * len(b.value)) // 3
    third = b.value[i3]
    stuck = end > 0.9 * start
    falling = third - end > FLAT * third
    span = N_("Diagnosis", "steps {first} to {last}").format(first=b.first[i3], last=b.last[-1])
    kept = N_("Diagnosis", "kept {value:.0f}% of its starting value {f}").format(
        value=100 * end / start, f=_f(start))
    heavy_decay = ctx.config.optimizer.weight_decay > 1e-3
    if (falling or stuck) and not heavy_decay:
        how = N_("Diagnosis", "was still falling at the end") if falling else N_("Diagnosis",
                                                                                 "hardly moved")
        ev = Evidence("loss", "step", float(b.first[0]), float(b.last[-1]),
                      N_("Diagnosis",
                         "training loss {kept} and {how} ({f} -> {f2} over {span})").format(
                             kept=kept, how=how, f=_f(third), f2=_f(end), span=span))
        return ctx.finding("slow_loss", N_("Diagnosis", "Loss very slow to fall: the learning rate "
                                                        "is too low (or too high and stuck)."),
                           [ev])
    ev = Evidence("loss", "step", float(b.first[i3]), float(b.last[-1]),
                  N_("Diagnosis", "training loss {kept} and was flat over the last third ({f} -> "
                                  "{f2} over {span})").format(
                                      kept=kept, f=_f(third), f2=_f(end), span=span))
    return ctx.finding("underfitting", N_("Diagnosis", "Train loss high and flat: underfitting "
                                                       "(too little capacity, too much "
                                                       "regularisation, or the LR is wrong)."),
                       [ev])


def _lr_floor(ctx: _Context, state: str | None, message: str, found: list[Finding]
              ) -> Finding | None:
    lr, step = ctx.lr, ctx.lr_step
    finite = np.isfinite(lr)
    if finite.sum() < MIN_STEPS:
        return None
    lr, step = lr[finite], step[finite]
    peak = float(lr.max())
    schedule = ctx.config.schedule
    plateau = isinstance(schedule, PlateauSchedule)
    fraction = schedule.floor_fraction if isinstance(schedule, PlateauSchedule) else 1 / 1024
    at_floor = lr <= peak * fraction * (1 + 1e-6)
    if plateau:
        # the trainer stops at the cut that reaches the floor: no step runs at the floor LR
        if not (at_floor.any() or "reduce-on-plateau" in message):
            return None
        first = int(np.argmax(lr <= lr.min() * (1 + 1e-6)))
        ev = Evidence("lr", "step", float(step[first]), float(step[-1]),
                      N_("Diagnosis", "reduce-on-plateau cut the learning rate from {f} to {f2} by "
                                      "step {step}, then to its floor, 1/{round} of the start, "
                                      "where training stopped").format(
                                          f=_f(peak), f2=_f(float(lr.min())), step=step[first],
                                          round=round(1 / fraction)))
    else:
        if at_floor.mean() < FLOOR_SHARE:
            return None
        first = int(np.argmax(at_floor))
        ev = Evidence("lr", "step", float(step[first]), float(step[-1]),
                      N_("Diagnosis", "learning rate reached {f}, 1/{round} of its peak {f2}, at "
                                      "step {step} and stayed there for {int} step(s)").format(
                                          f=_f(float(lr[first])), round=round(1 / fraction),
                                          f2=_f(peak), step=step[first], int=int(at_floor.sum())))
    reading = (N_("Diagnosis", "Reduce-on-plateau cut the LR to its floor: the practice's signal "
                               "to stop training.") if plateau else
               N_("Diagnosis", "The LR sat at its floor for much of the run: those steps barely "
                               "move the weights."))
    return ctx.finding("lr_floor", reading, [ev])
