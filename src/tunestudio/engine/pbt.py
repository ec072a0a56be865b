"""Population-based training (Jaderberg et al., 2017) on a fused group: the members of one
`TrialLoop` are the population. At each perturbation point the loop evaluates every member,
then `Population.apply` ranks them by the objective's latest value and each of the worst
`quantile` copies a member drawn from the best `quantile`: its row of weights and optimiser
state, its hyperparameters and its place in the LR schedule (the step is the group's, the
plateau controller's state the source's) (exploit); then its hyperparameters change as
`config.pbt.explore` says (explore). A member keeps its identity, seed, batch order and own
history of evaluations throughout; only what trains changes.

The random draws of a perturbation come from a generator seeded by the population's seed and
the step, so a population resumed from a checkpoint decides its later perturbations as the
uninterrupted run would, with no state of its own to save."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tunestudio.config import RunConfig
from tunestudio.config.pbt import PBTSettings, Range, explore
from tunestudio.config.search import baseline_value

if TYPE_CHECKING:
    from tunestudio.engine.loop import TrialLoop


@dataclass(frozen=True)
class Exploit:
    """One member replaced at one perturbation: `member` and `source` are indices into the
    loop's members, `step` the optimisation steps done when it happened, `before` the
    member's hyperparameters (path -> value) until then and `after` from then on (the
    source's, explored)."""

    member: int
    source: int
    step: int
    before: dict[str, float]
    after: dict[str, float]


def member_values(config: RunConfig, paths: Sequence[str]) -> dict[str, float]:
    """A member's current values of the explored dimensions (path -> value)."""
    return {path: baseline_value(config, path) for path in paths}


class Population:
    """Perturbs the members of a TrialLoop (pass it as the loop's `perturbation`).
    `settings`: the strategy's; `ranges`: the explored dimensions (path -> Range); `metric`
    and `direction`: the objective the members are ranked by (a member not measured, or
    measured NaN, ranks last); `seed`: the draws' seed; `on_exploit` receives each
    perturbation's exploits, after they are applied and before the next step."""

    def __init__(self, settings: PBTSettings, ranges: Mapping[str, Range], metric: str,
                 direction: Literal["maximize", "minimize"], *, seed: int | None = 0,
                 on_exploit: Callable[[list[Exploit]], None] | None = None):
        self.settings = settings
        self.ranges = dict(ranges)
        self.metric = metric
        self.direction = direction
        self.seed = seed
        self.on_exploit = on_exploit
        self.exploits: list[Exploit] = []  # those this object applied, in order

    def due(self, step: int, steps_per_epoch: int, total_steps: int, epoch_end: bool) -> bool:
        """Whether the population is perturbed after `step` steps: every `interval` steps
        (anywhere in an epoch) or at the end of every `interval`-th epoch, never after the last
        step (nothing would train on what it changed)."""
        if step >= total_steps or step <= 0:
            return False
        s = self.settings
        if s.unit == "step":
            return step % s.interval == 0
        return epoch_end and steps_per_epoch > 0 and step % (s.interval * steps_per_epoch) == 0

    def _score(self, metrics: Mapping[str, float]) -> float:
        """The member's rank key: smaller is better, NaN or unmeasured last."""
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return math.inf
        return -value if self.direction == "maximize" else value

    def apply(self, loop: TrialLoop) -> list[Exploit]:
        """Rank the loop's running members (each evaluated at this step) and replace the
        worst quantile (see the module docstring); the exploits made, in order."""
        live = loop.active
        n = self.settings.replaced(len(live))
        if n == 0:
            return []
        ranked = sorted(live, key=lambda s: (self._score(s.trial.metrics), s.index))
        top, bottom = ranked[:n], ranked[-n:]
        rng = random.Random(f"pbt:{self.seed}:{loop.step}")
        paths = list(self.ranges)
        made: list[Exploit] = []
        for target in bottom:
            source = rng.choice(top)
            before = member_values(target.trial.config, paths)
            after = explore(member_values(source.trial.config, paths), self.ranges,
                            self.settings, rng)
            loop.exploit(source, target)
            loop.set_values(target, after)
            made.append(Exploit(target.index, source.index, loop.step, before,
                                {k: float(v) for k, v in after.items()}))
        self.exploits += made
        if self.on_exploit is not None:
            self.on_exploit(made)
        return made


def schedule_of(start: Mapping[str, float], exploits: Sequence[Exploit], member: int
                ) -> list[tuple[int, dict[str, Any]]]:
    """A member's hyperparameter schedule as (from step, values) pairs: its `start` values
    from step 0, then the values after each of its exploits."""
    out: list[tuple[int, dict[str, Any]]] = [(0, dict(start))]
    for e in exploits:
        if e.member == member:
            out.append((e.step, dict(e.after)))
    return out
