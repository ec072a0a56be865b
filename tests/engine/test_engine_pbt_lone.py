"""Population-based training of lone trials (engine/pbt_lone.py): members that train one
interval at a time, each in its own loop, and exchange checkpoints at each perturbation. Never
perturbed, each member trains exactly as it does alone (its clock, RNG and batch order its
own); an exploit gives the replaced member copies of its source's weights and optimiser state,
so that (explored by a factor of 1) it then trains step for step as its source; a population
resumed from the checkpoints `save` received goes on as the uninterrupted one."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from engine_helpers import Recorder, tiny

from pbt_helpers import POINTS, RANGES
from tunestudio.config import RunConfig
from tunestudio.config.pbt import PBTSettings
from tunestudio.engine import Trainer
from tunestudio.engine.pbt import Exploit, Population
from tunestudio.engine.pbt_lone import LonePopulation, _Member

SGD = {"optimizer.kind": "sgd", "training.epochs": 3, "training.batch_size": 128,
       "model.dropout": 0.2}  # dropout: each member's draws must stay its own
SPE = 10  # steps per epoch of the tiny digits split at batch size 128


def _configs() -> list[RunConfig]:
    return [tiny({**SGD, **p}) for p in POINTS]


def _losses(rec: Recorder) -> list[float]:
    return [s.loss for s in rec.steps]


class Watched(LonePopulation):
    """Checks, right after each exploit, that the replaced member's weights and optimiser
    state equal its source's, as copies of its own."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.checked = 0

    def _perturb(self, parked: list[_Member], step: int) -> None:
        before = len(self.population.exploits)
        super()._perturb(parked, step)
        for e in self.population.exploits[before:]:
            src = self.members[e.source].trainer
            dst = self.members[e.member].trainer
            assert src.step == dst.step == step
            assert src.model is not None and dst.model is not None
            for (name, a), b in zip(src.model.state_dict().items(),
                                    dst.model.state_dict().values(), strict=True):
                assert torch.equal(a, b), name
                assert a.data_ptr() != b.data_ptr()
            assert src.optimizer is not None and dst.optimizer is not None
            sa, sb = src.optimizer.state_dict(), dst.optimizer.state_dict()
            assert sa["state"].keys() == sb["state"].keys() and sa["state"]
            for k, mine in sa["state"].items():
                theirs = sb["state"][k]["momentum_buffer"]
                assert torch.equal(mine["momentum_buffer"], theirs)
                assert mine["momentum_buffer"].data_ptr() != theirs.data_ptr()
            group = dst.optimizer.param_groups[0]
            assert group["momentum"] == pytest.approx(e.after["optimizer.momentum"])
            assert group["weight_decay"] == pytest.approx(e.after["optimizer.weight_decay"])
            self.checked += 1


def test_a_population_never_perturbed_trains_as_each_member_alone() -> None:
    """Parked at every epoch's end (its checkpoints taken), members interleaved epoch by
    epoch: each member's losses, rates and evaluations are those of its lone fit."""
    alone = []
    for config in _configs():
        rec = Recorder()
        Trainer(config, hooks=[rec], device="cpu").fit()
        alone.append(rec)
    recs = [Recorder() for _ in POINTS]
    saved: list[tuple[int, list[Any]]] = []
    population = Population(PBTSettings(interval=10_000, unit="step"), RANGES,
                            "val_accuracy", "maximize")
    results = LonePopulation(_configs(), population, hooks=[[r] for r in recs], device="cpu",
                             save=lambda epochs, states: saved.append((epochs, states))).fit()
    assert [r.status for r in results] == ["completed"] * 4 and population.exploits == []
    for a, b in zip(alone, recs, strict=True):
        assert _losses(a) == _losses(b) and len(_losses(a)) == 3 * SPE
        assert [s.lr for s in a.steps] == [s.lr for s in b.steps]
        assert [e.metrics for e in a.evals] == [e.metrics for e in b.evals]
        assert len(b.starts) == 1 and len(b.results) == 1
    assert [epochs for epochs, _ in saved] == [1, 2]  # not after the last epoch
    assert all(s is not None and s["step"] == epochs * SPE for epochs, states in saved
               for s in states)
    # each member's time is its own share, not the whole population's
    total = sum(r.duration_s for r in results)
    assert all(r.duration_s < 0.9 * total for r in results)


def test_an_exploited_member_takes_copies_of_its_sources_checkpoint() -> None:
    settings = PBTSettings(interval=1, quantile=0.25, factors=[1.0], resample_probability=0.0)
    seen: list[list[Exploit]] = []
    population = Population(settings, RANGES, "val_accuracy", "maximize",
                            on_exploit=seen.append)
    recs = [Recorder() for _ in POINTS]
    watched = Watched(_configs(), population, hooks=[[r] for r in recs], device="cpu")
    watched.fit()
    assert watched.checked == 2 and [len(s) for s in seen] == [1, 1]  # 1 of 4, twice
    first = seen[0][0]
    assert first.step == SPE
    accuracy = {i: r.evals[0].metrics["val_accuracy"] for i, r in enumerate(recs)}
    assert accuracy[first.member] == min(accuracy.values())
    assert accuracy[first.source] == max(accuracy.values())
    # from the exploit to the next perturbation the member computes what its source does
    # (one seed, one batch order; its dropout draws are its own, so dropout is off here)
    target, source = recs[first.member], recs[first.source]
    assert [s.lr for s in target.steps][SPE:2 * SPE] == [s.lr for s in source.steps][
        SPE:2 * SPE]
    assert _losses(target)[:SPE] != pytest.approx(_losses(source)[:SPE], rel=1e-3)


def test_without_dropout_the_replaced_member_trains_step_for_step_as_its_source() -> None:
    settings = PBTSettings(interval=1, quantile=0.25, factors=[1.0], resample_probability=0.0)
    population = Population(settings, RANGES, "val_accuracy", "maximize")
    recs = [Recorder() for _ in POINTS]
    configs = [c.model_copy(update={"model": c.model.model_copy(update={"dropout": 0.0})})
               for c in _configs()]
    LonePopulation(configs, population, hooks=[[r] for r in recs], device="cpu").fit()
    first = population.exploits[0]
    window = slice(SPE, 2 * SPE)
    assert _losses(recs[first.member])[window] == pytest.approx(
        _losses(recs[first.source])[window], rel=1e-6)


def test_a_population_resumed_from_its_checkpoints_goes_on_as_the_uninterrupted_one() -> None:
    settings = PBTSettings(interval=1, quantile=0.25, factors=[0.5, 2.0],
                           resample_probability=0.3)
    whole = Population(settings, RANGES, "val_accuracy", "maximize", seed=5)
    recs = [Recorder() for _ in POINTS]
    saved: dict[int, list[Any]] = {}
    LonePopulation(_configs(), whole, hooks=[[r] for r in recs], device="cpu",
                   save=lambda epochs, states: saved.__setitem__(epochs, states)).fit()
    assert len(whole.exploits) == 2
    states = saved[1]  # after the first epoch and its exploit
    resumed = Population(settings, RANGES, "val_accuracy", "maximize", seed=5)
    again = [Recorder() for _ in POINTS]
    configs = [RunConfig.model_validate_json(s["config_json"]) for s in states]
    assert configs[whole.exploits[0].member] != _configs()[whole.exploits[0].member]
    LonePopulation(configs, resumed, hooks=[[r] for r in again], device="cpu",
                   resume=states).fit()
    assert resumed.exploits == whole.exploits[1:]  # the second one, decided again alike
    for a, b in zip(recs, again, strict=True):
        assert _losses(b) == pytest.approx(_losses(a)[SPE:], rel=1e-6)
        assert [e.metrics for e in b.evals] == [e.metrics for e in a.evals[1:]]
