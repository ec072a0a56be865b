"""Population-based training (Jaderberg et al., 2017) on a fused group: the members of one
`TrialLoop` are the population. At each perturbation point the loop evaluates every member,
then `Population.apply` ranks them by the objective's latest value and each of the worst
`quantile` copies a member drawn from the best `quantile`: its row of weights and optimiser
state, its hyperparameters and its place in the LR schedule (the step is the group's, the
plateau controller's state the source's) (exploit); then its hyperparameters change as
`config.pbt.explore` says (explore). A member keeps its identity, seed, batch order and own
history of evaluations throughout; only what trains changes.

With `pbt.prune` on, a hopeless member of the worst quantile (config.pbt.PBTPruning: ranked
there at `patience` perturbations in a row, more than `margin` behind the best) is pruned
instead of exploited: it stops training, ends as 'pruned' with the rule's reason, and its row
leaves the fused stack at once. The exploits of the others at that perturbation are those the
population makes without pruning (the draws are made for every replaced member first).

The random draws of a perturbation come from a generator seeded by the population's seed and
the step, so a population resumed from a checkpoint decides its later perturbations as the
uninterrupted run would; its only state is each member's run of perturbations in the worst
quantile (`Population.streaks`), which a population's checkpoint carries."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch

from tunestudio.config import RunConfig
from tunestudio.config.pbt import PBTSettings, Range, explore
from tunestudio.config.search import baseline_value
from tunestudio.engine.checkpoint import CheckpointError, global_rng_states, set_global_rng_states
from tunestudio.messages import PBT_PRUNED

if TYPE_CHECKING:
    from tunestudio.engine.fused.kernel import StackKernel
    from tunestudio.engine.loop import TrialLoop
    from tunestudio.engine.trial import Trial

POPULATION_FORMAT = 1
# a fused population's checkpoint (capture_population), and one of lone members, each member's
# state a trial's checkpoint (search.pbt saves it from engine.pbt_lone's states)
POPULATION_KINDS = ("population", "lone-population")


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


@dataclass(frozen=True)
class Prune:
    """One member pruned at one perturbation (config.pbt.PBTPruning): `member` an index into
    the loop's members, `step` the optimisation steps done, `streak` the perturbations in a row
    it ranked in the worst quantile, `value` its objective's latest value and `best` the best
    running member's (NaN: not measured), `message` the reason it ends with."""

    member: int
    step: int
    streak: int
    value: float
    best: float
    message: str


@dataclass(frozen=True)
class Decision:
    """What a perturbation does: the exploits, to apply in order, and the members pruned."""

    exploits: list[Exploit]
    prunes: list[Prune]


def member_values(config: RunConfig, paths: Sequence[str]) -> dict[str, float]:
    """A member's current values of the explored dimensions (path -> value)."""
    return {path: baseline_value(config, path) for path in paths}


class Population:
    """Perturbs the members of a TrialLoop (pass it as the loop's `perturbation`).
    `settings`: the strategy's; `ranges`: the explored dimensions (path -> Range); `metric`
    and `direction`: the objective the members are ranked by (a member not measured, or
    measured NaN, ranks last); `seed`: the draws' seed; `on_exploit` receives each
    perturbation's exploits, after they are applied and before the next step; `on_prune` its
    prunes (the members stop before the next step)."""

    def __init__(self, settings: PBTSettings, ranges: Mapping[str, Range], metric: str,
                 direction: Literal["maximize", "minimize"], *, seed: int | None = 0,
                 on_exploit: Callable[[list[Exploit]], None] | None = None,
                 on_prune: Callable[[list[Prune]], None] | None = None):
        self.settings = settings
        self.ranges = dict(ranges)
        self.metric = metric
        self.direction = direction
        self.seed = seed
        self.on_exploit = on_exploit
        self.on_prune = on_prune
        self.exploits: list[Exploit] = []  # those this object applied, in order
        self.prunes: list[Prune] = []  # the members it pruned, in order
        # member index -> perturbations in a row, up to the last, at which it ranked in the
        # worst quantile (pruning's patience reads it; a checkpoint carries it)
        self.streaks: dict[int, int] = {}

    def due(self, step: int, steps_per_epoch: int, total_steps: int, epoch_end: bool) -> bool:
        """Whether the population is perturbed after `step` steps: every `interval` steps
        (anywhere in an epoch) or at the end of every `interval`-th epoch, never after the last
        step (nothing would train on what it changed). A step that ends an epoch is perturbed
        once, after the epoch's evaluation (`epoch_end`), where `Replay` changes it too (the
        loop asks after each step and again at each epoch's end)."""
        if step >= total_steps or step <= 0:
            return False
        s = self.settings
        if s.unit == "step":
            ends_epoch = steps_per_epoch > 0 and step % steps_per_epoch == 0
            return step % s.interval == 0 and epoch_end == ends_epoch
        return epoch_end and steps_per_epoch > 0 and step % (s.interval * steps_per_epoch) == 0

    def _score(self, metrics: Mapping[str, float]) -> float:
        """The member's rank key: smaller is better, NaN or unmeasured last."""
        value = metrics.get(self.metric)
        if value is None or not math.isfinite(value):
            return math.inf
        return -value if self.direction == "maximize" else value

    def decide(self, live: Sequence[tuple[int, Mapping[str, float], RunConfig]], step: int
               ) -> Decision:
        """The perturbation after `step` steps among the `live` members, each (index, its
        latest metrics, its config as it trains): the worst quantile by the objective (ties:
        the lower index ranks better), each with a source drawn from the best quantile and its
        values after explore; with pruning on, the hopeless among them pruned instead (see
        config.pbt.PBTPruning). Decides only (and counts each member's run in the worst
        quantile); the caller applies the exploits in order and stops the pruned members.
        The draws are seeded by the population's seed and `step` alone, and made for every
        replaced member, pruned or not, so that fused and lone members, a run and its resume,
        a population with pruning and one without, decide the others' exploits alike."""
        n = self.settings.replaced(len(live))
        ranked = sorted(live, key=lambda m: (self._score(m[1]), m[0]))
        bottom = ranked[len(ranked) - n:] if n else []
        worst = {m[0] for m in bottom}
        self.streaks = {m[0]: self.streaks.get(m[0], 0) + 1 if m[0] in worst else 0
                        for m in live}
        if n == 0:
            return Decision([], [])
        top = ranked[:n]
        rng = random.Random(f"pbt:{self.seed}:{step}")
        paths = list(self.ranges)
        made: list[Exploit] = []
        for target, _, config in bottom:
            source, _, source_config = rng.choice(top)
            before = member_values(config, paths)
            after = explore(member_values(source_config, paths), self.ranges,
                            self.settings, rng)
            made.append(Exploit(target, source, step, before,
                                {k: float(v) for k, v in after.items()}))
        prunes = self._prunes(ranked, bottom, step)
        pruned = {p.member for p in prunes}
        for member in pruned:  # it runs no more
            del self.streaks[member]
        return Decision([e for e in made if e.member not in pruned], prunes)

    def _prunes(self, ranked: Sequence[tuple[int, Mapping[str, float], RunConfig]],
                bottom: Sequence[tuple[int, Mapping[str, float], RunConfig]], step: int
                ) -> list[Prune]:
        """The hopeless members of `bottom` (config.pbt.PBTPruning), the worst first, as many
        as leave the floor of members running."""
        rule = self.settings.prune
        if not rule.enabled:
            return []
        room = len(ranked) - rule.floor(self.settings.population)
        best = self._score(ranked[0][1])
        if room <= 0 or not math.isfinite(best):  # none measured: nothing to be behind
            return []
        out: list[Prune] = []
        for index, metrics, _ in reversed(bottom):
            if len(out) >= room:
                break
            streak = self.streaks[index]
            if streak < rule.patience or not self._score(metrics) - best > rule.margin:
                continue
            value = float(metrics.get(self.metric, math.nan))
            top = float(ranked[0][1].get(self.metric, math.nan))
            out.append(Prune(index, step, streak, value, top, PBT_PRUNED.format(
                step=step, streak=streak, metric=self.metric, value=f"{value:.4g}",
                margin=f"{rule.margin:g}", best=f"{top:.4g}")))
        return out

    def record(self, made: list[Exploit], prunes: Sequence[Prune] = ()) -> None:
        """Keep the exploits just applied and the members just pruned, and hand them to
        `on_exploit` and `on_prune`."""
        self.exploits += made
        if self.on_exploit is not None:
            self.on_exploit(made)
        if prunes:
            self.prunes += prunes
            if self.on_prune is not None:
                self.on_prune(list(prunes))

    def apply(self, loop: TrialLoop) -> list[Exploit]:
        """Rank the loop's running members (each evaluated at this step), prune the hopeless
        (they stop before the next step) and replace the rest of the worst quantile (see the
        module docstring); the exploits made, in order."""
        slots = {s.index: s for s in loop.active}
        decision = self.decide([(s.index, s.trial.metrics, s.trial.config)
                                for s in slots.values()], loop.step)
        for p in decision.prunes:
            slots[p.member].trial.request_stop("pruned", p.message)
        for e in decision.exploits:
            target = slots[e.member]
            loop.exploit(slots[e.source], target)
            loop.set_values(target, e.after)
        self.record(decision.exploits, decision.prunes)
        return decision.exploits


class Replay:
    """Replays a hyperparameter schedule on every member of a loop (pass it as the loop's
    `perturbation`): `schedule` is (from step, values) pairs, as `schedule_of` gives or the
    store's changes hold; at each step > 0 listed, every running member takes those values
    (`TrialLoop.set_values`), at the same point of the step where the exploit happened (the
    end of an epoch's evaluation when the step ends an epoch). Values at step 0 are the
    members' configs' own: merge them into the config trained."""

    def __init__(self, schedule: Sequence[tuple[int, Mapping[str, float]]]):
        self.changes = {int(step): dict(values) for step, values in schedule if step > 0}

    def due(self, step: int, steps_per_epoch: int, total_steps: int, epoch_end: bool) -> bool:
        """Whether the schedule changes the values after `step` (before the run's last step), at the
        end of an epoch (`epoch_end`) where that step ends one, else mid-epoch."""
        if step not in self.changes or step >= total_steps:
            return False
        return epoch_end == (steps_per_epoch > 0 and step % steps_per_epoch == 0)

    def apply(self, loop: TrialLoop) -> None:
        """Every running member takes the values listed for the loop's current step."""
        values = self.changes[loop.step]
        for slot in loop.active:
            loop.set_values(slot, values)


class ConfigSchedules:
    """Each member of a loop follows its own config's `hyper_schedule` (the loop uses this when
    a member has one and no other perturbation is given): at each step listed, that member
    takes the values, at the point of the step a population's exploit happens (after the
    epoch's evaluation when the step ends an epoch), without an extra evaluation."""

    needs_evaluation = False

    def __init__(self, configs: Sequence[RunConfig]):
        self.changes = [{c.step: dict(c.values) for c in config.hyper_schedule}
                        for config in configs]
        self._steps = {step for mine in self.changes for step in mine}

    def due(self, step: int, steps_per_epoch: int, total_steps: int, epoch_end: bool) -> bool:
        """Whether any member's schedule changes its values after `step` (before the run's last
        step), at the end of an epoch (`epoch_end`) where that step ends one, else mid-epoch."""
        if step not in self._steps or step >= total_steps:
            return False
        return epoch_end == (steps_per_epoch > 0 and step % steps_per_epoch == 0)

    def apply(self, loop: TrialLoop) -> None:
        """Each running member whose schedule lists the loop's current step takes its values."""
        for slot in loop.active:
            values = self.changes[slot.index].get(loop.step)
            if values:
                loop.set_values(slot, values)


# --- a population's checkpoint -------------------------------------------------------------

def capture_population(kernel: StackKernel, members: Sequence[Trial], keys: Sequence[str],
                       epochs_done: int, seed: int | None) -> dict[str, Any]:
    """The running members' state after `epochs_done` whole epochs, as one checkpoint: each
    member's row of weights, buffers and optimiser state, its own state (`TrialState`), its
    config as it now trains (its explored values), seed and training time, by its key
    (`keys[i]` is members[i]'s: the caller's name for it); the optimiser's step count, every
    global RNG state and the population's `seed`. CPU tensors and plain values (loadable
    with `weights_only=True`)."""
    out: dict[str, Any] = {}
    with torch.no_grad():
        for row, member in enumerate(kernel.rows):
            if member is None:
                continue
            index = next(i for i, m in enumerate(members) if m is member)
            out[keys[index]] = {
                "weights": [t[row].detach().cpu().clone()
                            for t in [*kernel.stack.params, *kernel.stack.state()]],
                "optimizer": {name: [t[row].cpu().clone() for t in tensors]
                              for name, tensors in kernel.optimizer.state.items()},
                "state": member.state.state_dict(),
                "config_json": member.config.model_dump_json(),
                "seed": member.seed,
                "duration_s": member.duration_s(),
            }
    return {"format": POPULATION_FORMAT, "kind": "population", "epoch": epochs_done,
            "step": epochs_done * (members[0].steps_per_epoch or 0),
            "optimizer_steps": max(kernel.optimizer.row_steps, default=0), "seed": seed,
            "rng": global_rng_states(), "members": out}


def restore_population(kernel: StackKernel, members: Sequence[Trial], keys: Sequence[str],
                       state: Mapping[str, Any]) -> int:
    """Put a `capture_population` checkpoint back into a group set up from its members'
    saved configs (`keys[i]` names members[i]; every one must be in it); returns the 0-based
    epoch to continue with. Raises CheckpointError when a member is missing from it, or was
    saved for another config, seed or shape."""
    saved = state["members"]
    with torch.no_grad():
        for row, member in enumerate(kernel.rows):
            if member is None:
                continue
            index = next(i for i, m in enumerate(members) if m is member)
            mine = saved.get(keys[index])
            if mine is None:
                raise CheckpointError(f"the population's checkpoint has no member {keys[index]}")
            if mine["config_json"] != member.config.model_dump_json() or \
                    mine["seed"] != member.seed:
                raise CheckpointError("the population's checkpoint was saved for another "
                                      f"config or seed of member {keys[index]}")
            tensors = [*kernel.stack.params, *kernel.stack.state()]
            if len(tensors) != len(mine["weights"]) or any(
                    t[row].shape != v.shape for t, v in zip(tensors, mine["weights"],
                                                            strict=True)):
                raise CheckpointError("the population's checkpoint does not fit the model")
            for t, v in zip(tensors, mine["weights"], strict=True):
                t[row].copy_(v)
            for name, values in mine["optimizer"].items():
                for t, v in zip(kernel.optimizer.state[name], values, strict=True):
                    t[row].copy_(v)
            member.restore({**mine["state"], "duration_s": mine["duration_s"]})
    # a population's members step together: one count for every row
    kernel.optimizer.row_steps = [int(state["optimizer_steps"])] * len(kernel.rows)
    set_global_rng_states(state["rng"])
    return int(state["epoch"])


def load_population(path: Path) -> dict[str, Any]:
    """A population's checkpoint file (either of POPULATION_KINDS), read with
    `weights_only=True`. Raises CheckpointError when it is missing, truncated, corrupt or not a
    population's."""
    if not path.is_file():
        raise CheckpointError(f"the population's checkpoint {path} is missing")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, EOFError, UnpicklingError, ...
        raise CheckpointError(f"the population's checkpoint {path} cannot be read "
                              f"({type(exc).__name__})") from None
    if not isinstance(state, dict) or state.get("kind") not in POPULATION_KINDS or \
            state.get("format") != POPULATION_FORMAT:
        raise CheckpointError(f"{path} is not a population's checkpoint")
    return state


def schedule_of(start: Mapping[str, float], exploits: Sequence[Exploit], member: int
                ) -> list[tuple[int, dict[str, Any]]]:
    """A member's hyperparameter schedule as (from step, values) pairs: its `start` values
    from step 0, then the values after each of its exploits."""
    out: list[tuple[int, dict[str, Any]]] = [(0, dict(start))]
    for e in exploits:
        if e.member == member:
            out.append((e.step, dict(e.after)))
    return out
