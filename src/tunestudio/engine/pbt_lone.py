"""Population-based training of members that cannot train as one fused model (their data comes
through a DataLoader, their model is one torch.func cannot map over trials, ...): each member
is a lone trial (`engine.trainer.Trainer`, the one training loop with K = 1) and the population
trains one interval at a time, member after member. At each perturbation point every member
stops in its loop (after its evaluation there, where a fused population's exploit happens);
once all have, `Population.choose` decides as it does for a fused group, and each replaced
member takes its source's checkpoint (weights, buffers, optimiser and gradient-scaler state),
hyperparameters and place in the LR schedule, then its explored values. A member keeps its
identity, seed, batch order and history of evaluations, as in a fused group.

Each member's loop runs on a thread of its own, and exactly one of them trains at a time: a
member parked at a point waits with its loop's clocks stopped (`TrialLoop.hold`), so its
training time is its own, and with its own global RNG states saved and put back, so its random
draws (dropout, augmentation) are those of the same trial trained alone. At the end of every
`save_every`-th epoch the members are also parked, and `save` receives each running member's
checkpoint (`engine.checkpoint.capture`) after the exploits of that point: a population
resumed from them (`resume`) goes on as the uninterrupted one would, each perturbation's draws
being seeded by its step."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunestudio.config import RunConfig
from tunestudio.engine import checkpoint
from tunestudio.engine.events import FitResult, TrainerHooks
from tunestudio.engine.pbt import Population
from tunestudio.engine.trainer import Trainer
from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.engine.data import Splits
    from tunestudio.engine.loader_data import LoaderSplits
    from tunestudio.engine.loop import TrialLoop

State = dict[str, Any]


class _AbortedError(TuneStudioError):
    """The population stopped while this member waited (its coordinator failed)."""


class _Member:
    """One lone member: its Trainer, its thread's hand-offs, where it is parked."""

    def __init__(self, index: int, trainer: Trainer):
        self.index = index
        self.trainer = trainer
        self.go = threading.Semaphore(0)  # its turn to train
        self.loop: TrialLoop | None = None  # its loop, once parked
        self.parked = False
        self.rng: dict[str, Any] | None = None  # its global RNG states while parked
        self.duration_s = 0.0  # its training time when it parked
        self.result: FitResult | None = None
        self.error: BaseException | None = None


class _Point:
    """A member's perturbation (`engine.loop.Perturbation`): parks the member at each of the
    population's perturbation points and at each epoch end its checkpoints are due."""

    def __init__(self, owner: LonePopulation, member: _Member):
        self.owner, self.member = owner, member
        self.perturbs = False

    @property
    def needs_evaluation(self) -> bool:
        return self.perturbs  # a save point alone evaluates nothing that would not be

    def due(self, step: int, steps_per_epoch: int, total_steps: int, epoch_end: bool) -> bool:
        self.perturbs = self.owner.population.due(step, steps_per_epoch, total_steps,
                                                  epoch_end)
        return self.perturbs or self.owner.save_due(step, steps_per_epoch, total_steps,
                                                    epoch_end)

    def apply(self, loop: TrialLoop) -> None:
        self.owner.park(self.member, loop)


class LonePopulation:
    """Trains `configs` (one population: one data, model and batch size, values apart) as
    lone trials under `population` (its settings, ranges, objective and seed); `fit()`
    returns one FitResult per config, in order. `hooks[k]`, `seeds[k]`: member k's observers
    and seed; `resume[k]`: member k's checkpoint to go on from (all taken at one point by
    `save`; None: the population starts afresh); `save(epochs_done, states)`: called with
    `states[k]` member k's checkpoint (None for a member that ended) at the end of every
    `save_every`-th epoch but the last, after that point's exploits; its OSError is the
    caller's to handle. The other arguments are `Trainer`'s. Every training problem becomes a
    member's result, as with `Trainer.fit`."""

    def __init__(self, configs: Sequence[RunConfig], population: Population, *,
                 hooks: Sequence[Sequence[TrainerHooks]] | None = None,
                 base_dir: Path | None = None, device: str | None = None,
                 seeds: Sequence[int] | None = None,
                 stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None,
                 datasets: Splits | LoaderSplits | None = None,
                 resume: Sequence[Mapping[str, Any] | None] | None = None,
                 save: Callable[[int, list[State | None]], None] | None = None,
                 save_every: int = 1):
        if not configs:
            raise ValueError("a population needs at least one config")
        hooks = hooks if hooks is not None else [() for _ in configs]
        seeds = seeds if seeds is not None else [c.training.seed for c in configs]
        resume = resume if resume is not None else [None for _ in configs]
        self.population = population
        self.save, self.save_every = save, max(1, save_every)
        self.members: list[_Member] = []
        for k, (config, mine, seed, state) in enumerate(zip(configs, hooks, seeds, resume,
                                                            strict=True)):
            member = _Member(k, Trainer(config, hooks=mine, base_dir=base_dir, device=device,
                                        seed=seed, stop_event=stop_event,
                                        pause_event=pause_event, datasets=datasets,
                                        resume=state))
            member.trainer.perturbation = _Point(self, member)
            self.members.append(member)
        self._back = threading.Semaphore(0)  # a member parked or ended
        self._aborted = False
        self._fitted = False

    # --- the members' side -----------------------------------------------------------------

    def save_due(self, step: int, steps_per_epoch: int, total_steps: int,
                 epoch_end: bool) -> bool:
        """Whether the members' checkpoints are handed to `save` after `step` steps."""
        return self.save is not None and epoch_end and steps_per_epoch > 0 and \
            0 < step < total_steps and step % (self.save_every * steps_per_epoch) == 0

    def park(self, member: _Member, loop: TrialLoop) -> None:
        """On `member`'s thread: hand the turn back and wait for the next one, the clocks
        stopped, the member's RNG states kept aside."""
        member.loop, member.parked = loop, True
        member.rng = checkpoint.global_rng_states()
        member.duration_s = member.trainer.duration_s()
        loop.hold(lambda: self._hand_back(member))
        member.parked = False
        if self._aborted:
            raise _AbortedError("the population stopped while this trial waited for its turn")
        checkpoint.set_global_rng_states(member.rng)

    def _hand_back(self, member: _Member) -> None:
        self._back.release()
        member.go.acquire()

    def _body(self, member: _Member) -> None:
        member.go.acquire()
        try:
            if not self._aborted:
                member.result = member.trainer.fit()
        except BaseException as exc:  # handed to the caller's thread, raised there
            member.error = exc
        finally:
            member.parked = False
            self._back.release()

    # --- the population's side -------------------------------------------------------------

    def fit(self) -> list[FitResult]:
        """Train the population; one FitResult per config, in order. Raises what a member's
        fit raised other than a training problem (KeyboardInterrupt and the like)."""
        if self._fitted:
            raise RuntimeError("this LonePopulation has already run fit(); create a new one")
        self._fitted = True
        threads = [threading.Thread(target=self._body, args=(m,), daemon=True,
                                    name=f"tunestudio-pbt-{m.index}") for m in self.members]
        for thread in threads:
            thread.start()
        try:
            while True:
                running = [m for m in self.members if m.result is None and m.error is None]
                if not running:
                    break
                for member in running:  # one interval each, one after another
                    member.go.release()
                    self._back.acquire()
                parked = [m for m in self.members if m.parked]
                if parked:
                    self._at_point(parked)
        finally:
            self._aborted = True
            for member in self.members:
                member.go.release()
            for thread in threads:
                thread.join()
        for member in self.members:
            if member.error is not None:
                raise member.error
        return [m.result for m in self.members if m.result is not None]

    def _at_point(self, parked: list[_Member]) -> None:
        """Every running member is parked after the same step: the exploits of a
        perturbation point, then the checkpoints of a save point."""
        loops = [m.loop for m in parked]
        assert all(loop is not None for loop in loops)
        first = parked[0].trainer
        step, spe = first.step, first.steps_per_epoch
        if any(m.trainer.step != step for m in parked):  # one data, one batch size: never
            raise RuntimeError("the members of a population parked at different steps")
        total = first.config.training.epochs * spe
        stopping = any(m.trainer.stop_event is not None and m.trainer.stop_event.is_set()
                       for m in parked)
        if self.population.due(step, spe, total, step % spe == 0) and not stopping:
            self._perturb(parked, step)
        if self.save is not None and self.save_due(step, spe, total, step % spe == 0) and \
                not stopping:
            states: list[State | None] = [None] * len(self.members)
            for member in parked:
                if member.parked:  # not pruned just now
                    states[member.index] = self._checkpoint(member, step // spe)
            self.save(step // spe, states)

    def _perturb(self, parked: list[_Member], step: int) -> None:
        """The population's decision among the parked members: the exploits applied, and each
        pruned member asked to stop and given its turn at once, so that it ends (as 'pruned',
        its hooks told) before this point's checkpoints, which then leave it out."""
        live = [m for m in parked if m.trainer.stop_requested is None]
        by_index = {m.index: m for m in live}
        decision = self.population.decide([(m.index, m.trainer.metrics, m.trainer.config)
                                           for m in live], step)
        for p in decision.prunes:
            by_index[p.member].trainer.request_stop("pruned", p.message)
        made = decision.exploits
        for e in made:
            source, target = by_index[e.source], by_index[e.member]
            take_checkpoint(source.trainer, target.trainer)
            loop = target.loop
            assert loop is not None
            [slot] = loop.active
            plateau = source.trainer.schedule.plateau if source.trainer.schedule else None
            loop.set_values(slot, e.after, config=source.trainer.config, plateau=plateau)
        self.population.record(made, decision.prunes)
        for p in decision.prunes:  # its loop retires it at once: its fit returns
            by_index[p.member].go.release()
            self._back.acquire()

    def _checkpoint(self, member: _Member, epochs_done: int) -> State | None:
        """The parked member's checkpoint, with its own RNG states (not the caller's thread's)
        and its training time when it parked (not the others' intervals since)."""
        state = checkpoint.snapshot(checkpoint.capture(member.trainer, epochs_done))
        if state is not None and member.rng is not None:
            state["rng"] = {**state["rng"], **member.rng}
            state["duration_s"] = member.duration_s
        return state


def take_checkpoint(source: Trainer, target: Trainer) -> None:
    """`target` takes `source`'s weights and buffers, optimiser state (momentum, Adam's moments
    and step) and gradient-scaler state, as copies of its own: an exploit between lone trials.
    Its hyperparameters and schedule are the caller's to set (`TrialLoop.set_values`)."""
    assert source.model is not None and target.model is not None
    assert source.optimizer is not None and target.optimizer is not None
    target.model.load_state_dict(source.model.state_dict())
    # the optimiser keeps the tensors it loads: copies, never the source's own buffers
    optimizer = checkpoint.snapshot(source.optimizer.state_dict())
    assert optimizer is not None
    target.optimizer.load_state_dict(optimizer)
    if source.scaler is not None and target.scaler is not None:
        target.scaler.load_state_dict(source.scaler.state_dict())
