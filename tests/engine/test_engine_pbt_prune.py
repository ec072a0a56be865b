"""Pruning of hopeless lineages in population-based training (config.pbt.PBTPruning,
engine/pbt.py): the rule (a run of perturbations in the worst quantile, a margin behind the
best, a floor of members, the worst first), and, trained, a pruned member stops at the
perturbation that pruned it while the others train exactly as without pruning up to the next
one, its row leaving the fused stack; a lone member stops likewise; switched off, nothing
changes (the rule decides nothing, the population trains as with the default settings)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from engine_helpers import Recorder, tiny

from pbt_helpers import POINTS, RANGES
from tunestudio.config import RunConfig
from tunestudio.config.pbt import PBTPruning, PBTSettings, Range
from tunestudio.engine.fused import FusedTrainer
from tunestudio.engine.loop import TrialLoop
from tunestudio.engine.pbt import Exploit, Population
from tunestudio.engine.pbt_lone import LonePopulation
from tunestudio.messages import PBT_PRUNED

SGD = {"optimizer.kind": "sgd", "training.epochs": 3, "training.batch_size": 128}
SPE = 10  # steps per epoch of the tiny digits split at batch size 128
LR = {"optimizer.lr": Range(1e-3, 0.5, log=True)}


def _population(**prune: Any) -> Population:
    settings = PBTSettings(population=8, quantile=0.25, prune=PBTPruning(**prune))
    return Population(settings, LR, "val_accuracy", "maximize")


def _live(accuracy: list[float]) -> list[tuple[int, dict[str, float], RunConfig]]:
    config = RunConfig()
    return [(i, {"val_accuracy": a} if not math.isnan(a) else {}, config)
            for i, a in enumerate(accuracy)]


def test_the_rule_prunes_the_worst_quantile_after_its_patience_above_the_floor() -> None:
    """8 members, 2 replaced a perturbation: members 7 and 6 rank last twice in a row
    (patience 2); 7, more than the margin behind the best, is pruned the second time, 6 (less)
    is exploited; one never measured is behind by any margin; the worst go first, never below
    the floor."""
    population = _population(enabled=True, patience=2, margin=0.065, min_population=5)
    accuracy = [0.9, 0.89, 0.88, 0.87, 0.86, 0.85, 0.84, 0.83]
    first = population.decide(_live(accuracy), step=10)
    assert first.prunes == [] and sorted(e.member for e in first.exploits) == [6, 7]
    assert population.streaks == {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 1, 7: 1}
    second = population.decide(_live(accuracy), step=20)
    assert [(p.member, p.streak) for p in second.prunes] == [(7, 2)]  # 6: 0.06 behind
    assert second.exploits and [e.member for e in second.exploits] == [6]
    pruned = second.prunes[0]
    assert (pruned.value, pruned.best, pruned.step) == (0.83, 0.9, 20)
    assert pruned.message == PBT_PRUNED.format(step=20, streak=2, metric="val_accuracy",
                                               value="0.83", margin="0.065", best="0.9")
    # the others' exploits are those of the same perturbation without pruning
    plain = _population(enabled=False, patience=1)  # the same rule, switched off
    plain.decide(_live(accuracy), step=10)
    unpruned = plain.decide(_live(accuracy), step=20)
    assert unpruned.prunes == [] and [e.member for e in unpruned.exploits] == [6, 7]
    assert unpruned.exploits[0] == second.exploits[0]
    # a pruned member ranked above an exploited one: the latter's draws are unchanged
    ahead = [0.9, 0.89, 0.88, 0.87, 0.86, 0.85, 0.84, 0.80]
    again, off = _population(enabled=True, patience=2), _population(enabled=False)
    for rule in (again, off):
        rule.decide(_live([0.9, 0.89, 0.88, 0.87, 0.86, 0.85, 0.84, 0.83]), step=10)
        rule.streaks[7] = 0  # 7 ran once less in the worst quantile than 6
    mixed = again.decide(_live(ahead), step=20)
    assert [p.member for p in mixed.prunes] == [6]
    assert mixed.exploits == [e for e in off.decide(_live(ahead), step=20).exploits
                              if e.member == 7]
    # a member that leaves the worst quantile starts its run again (7 has stopped)
    swapped = [*accuracy[:6], 0.95]
    assert population.decide(_live(swapped), step=30).prunes == []
    assert population.streaks[6] == 0 and population.streaks[5] == 1 and 7 not in \
        population.streaks
    # never measured (or NaN): behind by any margin; the floor stops the pruning at 5 running
    never = _population(enabled=True, patience=1, margin=0.5, min_population=7)
    [only] = never.decide(_live([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, math.nan, math.nan]), 5).prunes
    assert only.member == 7 and math.isnan(only.value)  # the worst first (ties: index)
    assert _population(enabled=True, patience=1, min_population=8 - 1).decide(
        _live(accuracy), 5).prunes[0].member == 7
    default_floor = _population(enabled=True, patience=1)  # half of 8
    assert len(default_floor.decide(_live(accuracy[:5]), 5).prunes) == 1


def test_pruning_settings_are_checked() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"prune.min_population \(4\) must be below "
                                              r"population \(4\)"):
        PBTSettings(population=4, prune=PBTPruning(enabled=True, min_population=4))
    PBTSettings(population=4, prune=PBTPruning(enabled=False, min_population=4))  # unused
    for bad in ({"patience": 0}, {"margin": -0.1}, {"margin": math.inf},
                {"min_population": 1}):
        with pytest.raises(ValidationError):
            PBTPruning(**bad)
    assert PBTPruning().floor(16) == 8 and PBTPruning().floor(3) == 2
    assert not PBTSettings().prune.enabled  # off by default


def _configs() -> list[RunConfig]:
    return [tiny({**SGD, **p}) for p in POINTS]


class Rows(Population):
    """Counts the rows the fused stack computes at each step, from the first perturbation."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows: list[int] = []

    def apply(self, loop: TrialLoop) -> list[Exploit]:
        if not self.rows:
            kernel = loop._stack()
            step = kernel.step

            def counted(batch: Any) -> Any:
                self.rows.append(int(kernel.stack.params[0].shape[0]))
                return step(batch)

            kernel.step = counted  # type: ignore[method-assign]
        return super().apply(loop)


def _fused(prune: PBTPruning) -> tuple[list[Recorder], Rows]:
    settings = PBTSettings(population=4, interval=1, quantile=0.25, prune=prune)
    population = Rows(settings, RANGES, "val_accuracy", "maximize")
    recs = [Recorder() for _ in POINTS]
    FusedTrainer(_configs(), hooks=[[r] for r in recs], device="cpu",
                 perturbation=population).fit()
    return recs, population


@pytest.fixture(scope="module")
def plain() -> tuple[list[Recorder], Rows]:
    """The population with a rule that would prune at once (patience 1), switched off."""
    return _fused(PBTPruning(enabled=False, patience=1, min_population=2))


def _losses(rec: Recorder) -> list[float]:
    return [s.loss for s in rec.steps]


def test_a_pruned_fused_member_stops_and_its_row_leaves_the_stack(
        plain: tuple[list[Recorder], Rows]) -> None:
    """Patience 1, floor 2: the member the plain population replaced after the first epoch is
    pruned there instead, with the rule's reason; every other member trains step for step as
    in the plain population until the next perturbation; the stack computes 3 rows, then 2.
    Switched off, the same rule pruned nothing: 4 rows throughout, 1 exploit a perturbation,
    every member trained to the end."""
    base, unpruned = plain
    assert unpruned.prunes == [] and [e.step for e in unpruned.exploits] == [SPE, 2 * SPE]
    assert unpruned.rows == [4] * (2 * SPE)
    assert all(r.results[0].status == "completed" and len(r.steps) == 3 * SPE for r in base)
    recs, population = _fused(PBTPruning(enabled=True, patience=1, min_population=2))
    first = unpruned.exploits[0]
    assert len(population.prunes) == 2
    assert (population.prunes[0].member, population.prunes[0].step) == (first.member, SPE)
    assert population.prunes[1].step == 2 * SPE
    for p in population.prunes:
        [result] = recs[p.member].results
        assert result.status == "pruned" and result.message == p.message
        assert result.steps == p.step and len(recs[p.member].steps) == p.step
        assert "hopeless lineage (pbt.prune)" in result.message
        assert _losses(recs[p.member]) == _losses(base[p.member])[:p.step]
    for k, rec in enumerate(recs):
        if k != first.member:
            assert _losses(rec)[:2 * SPE] == _losses(base[k])[:2 * SPE], k
    survivors = set(range(4)) - {p.member for p in population.prunes}
    assert all(recs[k].results[0].status == "completed" and len(recs[k].steps) == 3 * SPE
               for k in survivors)
    assert population.rows == [3] * SPE + [2] * SPE


def test_a_pruned_row_leaves_the_stack_at_once_where_dead_rows_would_wait(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On an accelerator a dead row stays in the stack until an eighth of the rows are dead;
    a pruned one leaves at once: 16 members, one pruned (floor 15), 15 rows computed after."""
    monkeypatch.setattr(TrialLoop, "eager_compaction", property(lambda self: False))
    configs = [tiny({**SGD, "training.epochs": 2, **p,
                     "optimizer.lr": p["optimizer.lr"] * (1 + k / 8)})
               for k in range(4) for p in POINTS]
    settings = PBTSettings(population=16, interval=1, quantile=0.25,
                           prune=PBTPruning(enabled=True, patience=1, min_population=15))
    population = Rows(settings, RANGES, "val_accuracy", "maximize")
    FusedTrainer(configs, device="cpu", perturbation=population).fit()
    assert len(population.prunes) == 1 and len(population.exploits) == 3
    assert population.rows == [15] * SPE


def test_a_pruned_lone_member_stops_and_the_others_train_on() -> None:
    """Lone members (each its own loop), 2 epochs: the pruned one ends at the perturbation
    after the first, as 'pruned', before that point's checkpoints (which leave it out); the
    others train to the end as without pruning."""
    configs = [tiny({**SGD, "training.epochs": 2, **p}) for p in POINTS]
    settings = PBTSettings(population=4, interval=1, quantile=0.25)
    alone = Population(settings, RANGES, "val_accuracy", "maximize")
    base = [Recorder() for _ in POINTS]
    LonePopulation(configs, alone, hooks=[[r] for r in base], device="cpu").fit()
    pruning = settings.model_copy(update={"prune": PBTPruning(enabled=True, patience=1)})
    population = Population(pruning, RANGES, "val_accuracy", "maximize")
    recs = [Recorder() for _ in POINTS]
    saved: list[tuple[int, list[Any]]] = []
    results = LonePopulation(configs, population, hooks=[[r] for r in recs], device="cpu",
                             save=lambda epochs, states: saved.append((epochs, states))).fit()
    [pruned] = population.prunes
    assert (pruned.member, pruned.step) == (alone.exploits[0].member, SPE)
    assert results[pruned.member].status == "pruned"
    assert results[pruned.member].steps == SPE
    assert _losses(recs[pruned.member]) == _losses(base[pruned.member])[:SPE]
    [(epochs, states)] = saved
    assert epochs == 1 and [s is None for s in states] == [k == pruned.member for k in range(4)]
    for k in range(4):
        if k != pruned.member:
            assert results[k].status == "completed"
            assert _losses(recs[k]) == _losses(base[k]) and len(recs[k].steps) == 2 * SPE
