"""A population of population-based training read back from the store: its members (trials
with hyperparameter changes), every exploit in step order (the lineage) and the best member.
Reads the store only (no torch, no optuna): `tunestudio lineage` and the window use it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tunestudio.store.hparams import HparamChange
from tunestudio.store.rows import TrialRow

if TYPE_CHECKING:
    from tunestudio.store.store import Store


@dataclass(frozen=True)
class Member:
    """A member of a population as the store holds it: its trial, its changes (its starting
    values first, then each exploit, in step order)."""

    trial: TrialRow
    changes: list[HparamChange]

    @property
    def pruned_at(self) -> int | None:
        """The optimisation steps it had trained when population-based training pruned it
        as hopeless (its message says by which rule), or None: it was not pruned."""
        if self.trial.state != "pruned":
            return None
        return int(self.trial.metrics.get("steps", 0))

    @property
    def schedule(self) -> list[tuple[int, dict[str, Any]]]:
        """(from step, values) pairs: the values this trial trained with at each of its
        steps (its own curves). Before an exploit those trained weights it then dropped: the
        schedule that made its final weights is `Lineage.schedule`."""
        return [(c.step, dict(c.values)) for c in self.changes]


@dataclass(frozen=True)
class Lineage:
    """An experiment's population: its members by trial id (the pruned ones too, with their
    exploits), every exploit in step order and the best complete member (by the objective),
    or None."""

    members: dict[int, Member]
    exploits: list[HparamChange]
    best: Member | None

    @property
    def pruned(self) -> list[Member]:
        """The members pruned as hopeless (`pbt.prune`), in the order they stopped."""
        return sorted((m for m in self.members.values() if m.pruned_at is not None),
                      key=lambda m: (m.pruned_at or 0, m.trial.number))

    def ancestry(self, trial_id: int) -> list[HparamChange]:
        """The changes that made trial `trial_id`'s final weights, in step order: its last
        exploit, before it the last exploit before that step of the trial it copied, and so on
        back to the starting values of the trial whose weights began the line. Each change's
        `trial_id` trained the steps from its step to the next change's (to the end for the
        last). A member's own values before an exploit trained weights the exploit threw away;
        replaying them (what `Member.schedule` holds) trains another model than the member's.
        Raises KeyError for a trial that is no member."""
        line: list[HparamChange] = []
        current, until = trial_id, None
        while True:
            changes = self.members[current].changes
            taken = [c for c in changes if c.exploit and (until is None or c.step < until)]
            if not taken:
                line.append(changes[0])  # its starting values (step 0)
                break
            if taken[-1].source_trial_id not in self.members:  # a source no longer stored
                line += [c for c in changes[::-1] if c.step <= taken[-1].step]
                break
            last = taken[-1]
            line.append(last)
            assert last.source_trial_id is not None
            current, until = last.source_trial_id, last.step
        return line[::-1]

    def schedule(self, trial_id: int) -> list[tuple[int, dict[str, Any]]]:
        """(from step, values) pairs of trial `trial_id`'s lineage (`ancestry`): the schedule
        that trained its final weights, what `engine.pbt.Replay` replays and a write-back
        writes. Raises KeyError for a trial that is no member."""
        return [(c.step, dict(c.values)) for c in self.ancestry(trial_id)]


def lineage(store: Store, experiment_id: int, direction: str) -> Lineage:
    """The population of an experiment (its trials with hyperparameter changes), read from the
    store. `direction`: 'maximize' or 'minimize' (which member is best)."""
    rows = [t for t in store.trials(experiment_id) if t.state != "invalid"]
    changes = store.hparam_changes([t.id for t in rows])
    members = {t.id: Member(t, changes[t.id]) for t in rows if changes[t.id]}
    exploits = sorted((c for m in members.values() for c in m.changes if c.exploit),
                      key=lambda c: (c.step, c.trial_id))
    done = [m for m in members.values() if m.trial.state == "complete"
            and m.trial.objective is not None]
    sign = -1.0 if direction == "maximize" else 1.0
    best = min(done, key=lambda m: (sign * (m.trial.objective or 0.0), m.trial.number),
               default=None)
    return Lineage(members, exploits, best)


