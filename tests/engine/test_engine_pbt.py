"""Population-based training on a fused group (engine/pbt.py): a population that is never
perturbed trains exactly as the plain group; an exploit gives the replaced member its source's
weights, optimiser state, hyperparameters and schedule, so that (explored by a factor of 1) it
then trains step for step as its source; explore changes its hyperparameter tensors."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from engine_helpers import Recorder, tiny

from pbt_helpers import POINTS, RANGES
from tunestudio.config import RunConfig
from tunestudio.config.pbt import PBTSettings
from tunestudio.engine.fused import FusedTrainer
from tunestudio.engine.loop import Perturbation, TrialLoop
from tunestudio.engine.pbt import Exploit, Population, member_values, schedule_of

SGD = {"optimizer.kind": "sgd", "training.epochs": 3, "training.batch_size": 128}


def _configs() -> list[RunConfig]:
    return [tiny({**SGD, **p}) for p in POINTS]


def _train(configs: list[RunConfig], population: Perturbation | None
           ) -> tuple[list[Recorder], FusedTrainer]:
    recs = [Recorder() for _ in configs]
    trainer = FusedTrainer(configs, hooks=[[r] for r in recs], device="cpu",
                           perturbation=population)
    trainer.fit()
    return recs, trainer


class Watched(Population):
    """Checks, right after each exploit, that the replaced row equals its source's."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.checked = 0

    def apply(self, loop: TrialLoop) -> list[Exploit]:
        made = super().apply(loop)
        kernel = loop._stack()
        slots = {s.index: s for s in loop.active}
        for e in made:
            src, dst = slots[e.source], slots[e.member]
            assert src.row != dst.row
            for p in kernel.stack.params:
                assert torch.equal(p[dst.row], p[src.row])
            for tensors in kernel.optimizer.state.values():
                for t in tensors:
                    assert torch.equal(t[dst.row], t[src.row])
            # and as each member's own torch model and optimiser (what a checkpoint holds)
            kernel.sync(src.row, src.trial)
            kernel.sync(dst.row, dst.trial)
            assert src.trial.model is not None and dst.trial.model is not None
            for a, b in zip(src.trial.model.state_dict().values(),
                            dst.trial.model.state_dict().values(), strict=True):
                assert torch.equal(a, b)
            assert src.trial.optimizer is not None and dst.trial.optimizer is not None
            sa, sb = src.trial.optimizer.state_dict(), dst.trial.optimizer.state_dict()
            for k in sa["state"]:
                assert torch.equal(sa["state"][k]["momentum_buffer"],
                                   sb["state"][k]["momentum_buffer"])
            self.checked += 1
        return made


def _losses(rec: Recorder) -> list[float]:
    return [s.loss for s in rec.steps]


@pytest.mark.parametrize("settings", [PBTSettings(interval=3), PBTSettings(interval=10_000,
                                                                             unit="step")])
def test_a_population_never_perturbed_trains_as_the_plain_group(settings: PBTSettings) -> None:
    plain, _ = _train(_configs(), None)
    population = Population(settings, RANGES, "val_accuracy", "maximize")
    pbt, _ = _train(_configs(), population)
    assert population.exploits == []
    for a, b in zip(plain, pbt, strict=True):
        assert _losses(a) == _losses(b) and len(_losses(a)) == 3 * 10
        assert [s.lr for s in a.steps] == [s.lr for s in b.steps]
        assert [e.metrics for e in a.evals] == [e.metrics for e in b.evals]


def test_an_exploited_member_takes_its_sources_row_and_then_trains_as_it() -> None:
    settings = PBTSettings(interval=1, quantile=0.25, factors=[1.0], resample_probability=0.0)
    seen: list[list[Exploit]] = []
    population = Watched(settings, RANGES, "val_accuracy", "maximize", on_exploit=seen.append)
    recs, _ = _train(_configs(), population)
    assert population.checked == 2 and [len(s) for s in seen] == [1, 1]  # 1 of 4, twice
    spe = 10  # steps per epoch of the tiny digits split at batch size 128
    first = seen[0][0]
    assert first.step == spe and first.before == pytest.approx(
        member_values(_configs()[first.member], list(RANGES)))
    # the worst by validation accuracy after the first epoch was replaced by one of the best
    accuracy = {i: r.evals[0].metrics["val_accuracy"] for i, r in enumerate(recs)}
    assert accuracy[first.member] == min(accuracy.values())
    assert accuracy[first.source] == max(accuracy.values())
    assert first.after == pytest.approx(member_values(_configs()[first.source], list(RANGES)))
    # from the exploit to the next perturbation the member computes what its source does
    target, source = recs[first.member], recs[first.source]
    window = slice(spe, 2 * spe)
    assert _losses(target)[window] == pytest.approx(_losses(source)[window], rel=1e-6)
    assert [s.lr for s in target.steps][window] == [s.lr for s in source.steps][window]
    assert _losses(target)[:spe] != pytest.approx(_losses(source)[:spe], rel=1e-3)
    assert schedule_of(first.before, population.exploits, first.member)[1] == \
        (spe, first.after)


def test_explore_changes_the_members_hyperparameter_tensors_and_lr() -> None:
    settings = PBTSettings(interval=7, unit="step", quantile=0.25, factors=[2.0],
                           resample_probability=0.0)
    population = Population(settings, RANGES, "val_accuracy", "maximize")
    recs, trainer = _train(_configs(), population)
    first = population.exploits[0]
    assert first.step == 7 and len(recs[0].evals) > 3  # evaluated at each perturbation too
    source = member_values(_configs()[first.source], list(RANGES))
    for path, value in first.after.items():
        assert value == pytest.approx(RANGES[path].clip(source[path] * 2.0))
    assert recs[first.member].steps[7].lr == pytest.approx(first.after["optimizer.lr"])
    assert recs[first.member].steps[6].lr == pytest.approx(first.before["optimizer.lr"])
    # the last exploit's values stand in the member's config and on its row of the kernel
    last = [e for e in population.exploits if e.member == first.member][-1]
    member = trainer.members[first.member]
    assert member.config.optimizer.weight_decay == pytest.approx(
        last.after["optimizer.weight_decay"])
    kernel = trainer.kernel
    assert kernel is not None
    row = list(kernel.order).index(first.member)  # no row ended early: none was compacted
    assert float(kernel.optimizer.hyper["momentum"][row]) == pytest.approx(
        last.after["optimizer.momentum"])
    assert float(kernel.optimizer.weight_decay[row]) == pytest.approx(
        last.after["optimizer.weight_decay"])


def test_a_replayed_schedule_sets_the_same_rates_at_the_same_steps() -> None:
    """The best member's schedule replayed from scratch: each change at its step (a factor of
    1 keeps the lone replay's own weights: only its hyperparameters follow the schedule)."""
    from tunestudio.engine.pbt import Replay

    settings = PBTSettings(interval=5, unit="step", factors=[2.0], resample_probability=0.0)
    population = Population(settings, RANGES, "val_accuracy", "maximize")
    recs, _ = _train(_configs(), population)
    member = population.exploits[-1].member
    start = member_values(_configs()[member], list(RANGES))
    schedule = schedule_of(start, population.exploits, member)
    assert len(schedule) > 1
    replay, _ = _train([_configs()[member]], Replay(schedule))
    assert [s.lr for s in replay[0].steps] == pytest.approx([s.lr for s in recs[member].steps])
    assert _losses(replay[0]) != pytest.approx(_losses(recs[member]), rel=1e-3)  # own weights


ADAM = {"optimizer.kind": "adam", "training.epochs": 3, "training.batch_size": 128,
        "optimizer.lr": 0.05, "optimizer.weight_decay": 1e-4}


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_a_config_with_a_hyper_schedule_follows_it_alone_and_fused(kind: str) -> None:
    """A written-back schedule in the config: a lone trial and each member of a fused group
    take its values at its steps (SGD's momentum; Adam's beta1 and weight decay, which its
    fused kernel reads per row), with no evaluation added."""
    from engine_helpers import Recorder as Rec

    from tunestudio.engine import Trainer

    other = {"optimizer.momentum": 0.0} if kind == "sgd" else \
        {"optimizer.beta1": 0.5, "optimizer.weight_decay": 0.05}
    middle = 0.2 if kind == "sgd" else 0.02
    changes = [{"step": 7, "values": {"optimizer.lr": middle, **other}},
               {"step": 20, "values": {"optimizer.lr": 0.01}}]
    point = {**SGD, **POINTS[1]} if kind == "sgd" else ADAM
    config = tiny({**point, "hyper_schedule": changes})
    rec = Rec()
    trainer = Trainer(config, hooks=[rec], device="cpu")
    trainer.fit()
    lrs = [s.lr for s in rec.steps]
    assert lrs[:7] == pytest.approx([0.05] * 7) and lrs[7:20] == pytest.approx([middle] * 13)
    assert lrs[20:] == pytest.approx([0.01] * 10)
    assert trainer.optimizer is not None
    group = trainer.optimizer.param_groups[0]
    assert group["momentum"] == 0.0 if kind == "sgd" else group["betas"][0] == 0.5
    plain = Rec()
    Trainer(tiny(point), hooks=[plain], device="cpu").fit()
    assert [e.step for e in rec.evals] == [e.step for e in plain.evals]
    second = tiny({**point, "optimizer.lr": 0.002})
    recs, _ = _train([config, second], None)
    assert [s.lr for s in recs[0].steps] == pytest.approx(lrs)
    assert [s.lr for s in recs[1].steps] == pytest.approx([0.002] * 30)
    # the lone and the fused member train alike (the momentum change included)
    assert _losses(recs[0]) == pytest.approx(_losses(rec), rel=1e-4)


def test_a_perturbation_at_an_epochs_end_evaluates_once() -> None:
    """Every 5 steps, with 10 steps an epoch: the perturbation's evaluation at steps 10 and 20
    is the epoch's, not a second one at the same step, and the population is perturbed once
    there, after the epoch's evaluation (where a replayed schedule changes too)."""
    settings = PBTSettings(interval=5, unit="step")
    population = Population(settings, RANGES, "val_accuracy", "maximize")
    recs, _ = _train(_configs(), population)
    steps = [e.step for e in recs[0].evals]
    assert steps == [5, 10, 15, 20, 25, 30]
    assert [e.step for e in population.exploits] == [5, 10, 15, 20, 25]  # 1 of 4 each
    assert not population.due(10, 10, 30, False) and population.due(10, 10, 30, True)
    assert population.due(5, 10, 30, False) and not population.due(5, 10, 30, True)
