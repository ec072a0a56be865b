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
    def schedule(self) -> list[tuple[int, dict[str, Any]]]:
        """(from step, values) pairs: what `engine.pbt.Replay` replays."""
        return [(c.step, dict(c.values)) for c in self.changes]


@dataclass(frozen=True)
class Lineage:
    """An experiment's population: its members by trial id, every exploit in step order and
    the best complete member (by the objective), or None."""

    members: dict[int, Member]
    exploits: list[HparamChange]
    best: Member | None


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


