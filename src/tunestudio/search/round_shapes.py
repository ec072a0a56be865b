"""A fused round's shape: the trials a model-based sampler is asked for together share the
first one's choices of what shapes the computation, so that the round trains as one group.

Trials fuse only when they take the same steps (batch size, epochs, model structure: the
shape signature, engine/fused/signature.py), and a fused MLP computes each set of hidden
widths apart. Left to itself, TPE draws each trial of a round on its own, so a round of 4 in
the headline space (3 batch sizes, 3 widths) trained as 2-4 groups of 1-2 trials: fusing gained
1.5-1.6x over one trial at a time. Here the round's first trial is drawn as the sampler
likes; the rest keep its values of the *categorical* dimensions that shape the computation
(`shape_dimensions`) and are drawn by the sampler in everything else: the round explores the
learning rate, weight decay, ... at the shape the sampler chose, and trains as one group. On
the headline space (`benchmarks/headline.py`, two processes, 16 sampler seeds) the fused search
took a median 2.04 s against 2.32 s unpinned (8,190 against 6,690 steps a second), its best
trial the same on average (0.98172 both). Pinning the batch size alone gained nothing there:
the widths, computed apart, were what split the rounds.

A dimension over a range (an integer width from 32 to 512) stays free: pinned for a whole
round, a range would be explored only once per round. The first round (the sampler's random
start-up trials, asked at once) is pinned in parts of a later round's size and of at most 1/N
of the run's start-up, N the most choices a shape dimension has (`AskPlan.part`,
`round_asks.startup_shapes`), each part the choices the study holds least
(`covering_pins`): the start-up trains in groups and tries every choice before the sampler
models the results. Unpinned, a headline slot's start-up of 4 trained as 3-4 groups of one or
two; a random shape per part left batch sizes untried (the digits template's 400-trial
search, 4 batch sizes in two parts: its best 0.9799 over 10 runs against 0.9824 one trial at a
time; covered, 0.9819 over 8 sampler seeds)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState

from tunestudio.config import (
    CategoricalDimension,
    InvalidConfigError,
    RunConfig,
    SearchDefinition,
    merge_values,
)


def shape_dimensions(search: SearchDefinition, baseline: RunConfig) -> list[str]:
    """The paths of the search's categorical dimensions whose choices give trials of different
    shapes (`engine.fused.group_shape`: another fused group, or another set of MLP widths
    inside one), each choice merged into `baseline` (a choice the baseline refuses is
    skipped); in the search's order."""
    return list(shape_choices(search, baseline))


def shape_choices(search: SearchDefinition, baseline: RunConfig) -> dict[str, list[Any]]:
    """`shape_dimensions`' paths, each with its choices that `baseline` takes (in the
    dimension's order)."""
    from tunestudio.engine.fused import group_shape

    found: dict[str, list[Any]] = {}
    for dim in search.dimensions:
        if not isinstance(dim, CategoricalDimension) or len(dim.choices) < 2:
            continue
        shapes, valid = set(), []
        for value in dim.choices:
            try:
                shapes.add(group_shape(merge_values(baseline, {dim.path: value})))
            except InvalidConfigError:
                continue
            valid.append(value)
        if len(shapes) > 1:
            found[dim.path] = valid
    return found


def covering_pins(trials: Sequence[FrozenTrial], choices: Mapping[str, Sequence[Any]],
                  seed: str, slot: int, slots: int, part: int) -> dict[str, Any]:
    """The shape a part of the random start-up round shares (`AskPlan.part`): for each path of
    `choices`, the choice the study's `trials` (every state: a running trial's values count)
    hold least often, so that the start-up covers every choice before it draws one twice, as
    a Latin hypercube covers each dimension's strata (McKay, Beckman and Conover, 1979). Ties
    go to this part's own place in one order shared by the run's processes (a permutation of
    the choices seeded by `seed`; slot `slot` of `slots` takes its `part`-th part's place at
    `slot + part * slots`), so that processes asking at the same moment take different
    choices, and dimensions pair their choices at random, not in their listed order."""
    rng = random.Random(seed)
    pins: dict[str, Any] = {}
    for path, values in choices.items():
        order = list(values)
        rng.shuffle(order)
        counts = [0] * len(order)
        for trial in trials:
            if path in trial.params:
                for i, value in enumerate(order):
                    if trial.params[path] == value:
                        counts[i] += 1
                        break
        least = min(counts)
        start = (slot + part * max(1, slots)) % len(order)
        turn = [(start + i) % len(order) for i in range(len(order))]
        pins[path] = order[next(i for i in turn if counts[i] == least)]
    return pins


def pins_key(values: Mapping[str, Any], paths: Sequence[str]) -> str:
    """The values of `paths` among a trial's `values` as one key (JSON text): trials of one
    fused round share it."""
    return json.dumps([values.get(p) for p in paths], sort_keys=True, default=str)


class RoundShapeSampler(optuna.samplers.BaseSampler):
    """Wraps a study's sampler: while `pin(values)` holds, every parameter named in `values`
    is given that value (Optuna records it with its own distribution, as a drawn one), and the
    others are drawn by the inner sampler, relative or independent, as without it; `unpin()`
    lets it draw all again. The pins are this object's, set and read on the thread that asks
    (the fused loop's)."""

    def __init__(self, inner: optuna.samplers.BaseSampler) -> None:
        self.inner = inner
        self._pins: dict[str, Any] = {}
        self._lock = threading.Lock()

    def pin(self, values: Mapping[str, Any]) -> None:
        """Give every parameter named in `values` that value from now on, until `unpin`."""
        with self._lock:
            self._pins = dict(values)

    def unpin(self) -> None:
        """Drop the pins: the inner sampler draws every parameter again."""
        with self._lock:
            self._pins = {}

    @property
    def pins(self) -> dict[str, Any]:
        """A copy of the values pinned now ({} for none)."""
        with self._lock:
            return dict(self._pins)

    def infer_relative_search_space(self, study: optuna.Study, trial: FrozenTrial
                                    ) -> dict[str, BaseDistribution]:
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: optuna.Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        values = self.inner.sample_relative(study, trial, search_space)
        pins = self.pins
        if pins and values:
            values = {**values, **{k: v for k, v in pins.items() if k in values}}
        return values

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        pins = self.pins
        if param_name in pins:
            return pins[param_name]
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        self.inner.before_trial(study, trial)

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        self.inner.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()
