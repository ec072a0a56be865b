"""A running fused group refilled: a row that a member leaves (pruned, stopped early, done)
takes a new trial at the next epoch's start, which trains exactly as alone (its own epoch 0,
weights, batch order and optimiser steps), while the running members go on unchanged."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import Recorder, tiny
from test_engine_fused import CNN, LONG, REL, _Stopper, alone, assert_same_run

from tunestudio.config import RunConfig
from tunestudio.engine import TrainerHooks
from tunestudio.engine.fused import FusedTrainer


class _Queue:
    """Hands out `configs` (with a Recorder each) as a search would: up to the free rows."""

    def __init__(self, configs: Sequence[RunConfig]):
        self.pending = list(configs)
        self.recs: list[Recorder] = []
        self.asked: list[int] = []

    def __call__(self, free: int
                 ) -> list[tuple[RunConfig, Sequence[TrainerHooks], int | None, float | None]]:
        self.asked.append(free)
        out: list[tuple[RunConfig, Sequence[TrainerHooks], int | None, float | None]] = []
        while self.pending and len(out) < free:
            rec = Recorder()
            self.recs.append(rec)
            out.append((self.pending.pop(0), [rec], None, None))
        return out


def refilled(first: Sequence[RunConfig], later: Sequence[RunConfig],
             stoppers: Sequence[Sequence[TrainerHooks]], kernel: str = "auto",
             base_dir: Path | None = None) -> tuple[list[Recorder], _Queue, FusedTrainer]:
    recs = [Recorder() for _ in first]
    queue = _Queue(later)
    trainer = FusedTrainer(first, hooks=[[r, *s] for r, s in zip(recs, stoppers, strict=True)],
                           device="cpu", kernel=kernel, refill=queue,  # type: ignore[arg-type]
                           base_dir=base_dir)
    results = trainer.fit()
    assert len(results) == len(first) + len(later)
    assert [r.results[0] for r in [*recs, *queue.recs]] == results
    return recs, queue, trainer


def assert_alone(rec: Recorder, config: RunConfig, base_dir: Path | None = None) -> None:
    """The member's record is the lone trial's, up to where it stopped: steps (numbers,
    epochs, losses, rates, norms), epoch ends, evaluations (epochs, metrics); a member that
    completed has the lone trial's outcome too."""
    single = alone(config, base_dir)
    if rec.results[0].status == "completed":
        assert_same_run(rec, single)
    n = len(rec.steps)
    assert n > 0
    mine, theirs = rec.steps, single.steps[:n]
    assert [(s.step, s.epoch) for s in mine] == [(s.step, s.epoch) for s in theirs]
    assert [s.loss for s in mine] == pytest.approx([s.loss for s in theirs], rel=REL)
    assert [s.lr for s in mine] == pytest.approx([s.lr for s in theirs], rel=1e-12)
    assert [s.grad_norm for s in mine] == pytest.approx([s.grad_norm for s in theirs], rel=1e-3)
    assert rec.epochs == single.epochs[:len(rec.epochs)]
    assert [e.epoch for e in rec.evals] == [e.epoch for e in single.evals][:len(rec.evals)]
    for a, b in zip(rec.evals, single.evals, strict=False):
        assert a.metrics == pytest.approx(b.metrics, rel=REL)


ROUTES = [
    pytest.param({}, "auto", "mlp", id="mlp-adam"),
    pytest.param({"optimizer.kind": "sgd", "optimizer.lr": 0.05, "optimizer.momentum": 0.9},
                 "auto", "mlp", id="mlp-sgd-momentum"),
    pytest.param({"optimizer.kind": "rmsprop", "optimizer.lr": 0.001,
                  "optimizer.momentum": 0.5}, "auto", "mlp", id="mlp-rmsprop"),
    pytest.param({"schedule.kind": "cosine", "schedule.warmup_epochs": 1.0}, "vmap", "vmap",
                 id="vmap-cosine"),
    pytest.param({**CNN, "training.epochs": 3}, "auto", "conv", id="cnn-conv"),
]


@pytest.mark.parametrize(("values", "kernel", "route"), ROUTES)
def test_a_refilled_member_trains_as_alone_and_the_others_go_on_unchanged(
        values: dict[str, Any], kernel: str, route: str) -> None:
    """Member 0 is pruned at its first evaluation; its row takes a new trial (the group's own
    seed, so the shared batch order splits into per-row orders), and when member 1 stops
    early at its second, another (a seed and width of its own). Every member, first or
    refilled, has the lone run's record."""
    base = {**LONG, **values}
    first = [tiny({**base, "optimizer.lr": values.get("optimizer.lr", 0.01)}),
             tiny({**base, "training.seed": 3}),
             tiny(base)]
    width = {} if route != "mlp" else {"model.width": 24}
    later = [tiny({**base, "training.seed": 0}),
             tiny({**base, **width, "training.seed": 5})]
    recs, queue, trainer = refilled(first, later,
                                    [[_Stopper("pruned", 1)], [_Stopper("stopped_early", 2)], []],
                                    kernel=kernel)
    assert trainer.route == route
    assert [r.results[0].status for r in recs] == ["pruned", "stopped_early", "completed"]
    assert [r.results[0].status for r in queue.recs] == ["completed", "completed"]
    assert queue.asked[:2] == [1, 1]  # one row freed at a time, each refilled at once
    for rec, config in zip([*recs, *queue.recs], [*first, *later], strict=True):
        assert_alone(rec, config)
    joined = queue.recs[0]
    assert joined.steps[0].step == 1 and joined.steps[0].epoch == 0
    # its clock starts when it joins: its first step is early in its own time
    assert joined.steps[0].wall_s < 0.5 * recs[2].steps[-1].wall_s


def test_augmented_members_refill_with_their_own_streams() -> None:
    """Each refilled member draws its own augmentation stream from its own seed, as alone."""
    aug = {**CNN, "data.augment.crop_padding": 1, "data.augment.horizontal_flip": True,
           "model.dropout": 0.0, "training.batch_size": 32, "training.epochs": 2}
    first = [tiny(aug), tiny({**aug, "training.seed": 3, "optimizer.lr": 0.003})]
    later = [tiny({**aug, "training.seed": 8})]
    recs, queue, _ = refilled(first, later, [[_Stopper("pruned", 1)], []])
    for rec, config in zip([*recs, *queue.recs], [*first, *later], strict=True):
        assert_alone(rec, config)


def test_the_group_stays_full_until_the_queue_is_empty() -> None:
    """Members that finish free rows too: a refill keeps the stack at its first size, and
    the loop ends once the queue has nothing left and every member is done."""
    short = {"training.epochs": 2}
    first = [tiny(short), tiny({**short, "training.seed": 1})]
    later = [tiny({**short, "training.seed": s}) for s in (2, 3, 4)]
    _, queue, trainer = refilled(first, later, [[_Stopper("pruned", 1)], []])
    assert [r.results[0].status for r in queue.recs] == ["completed"] * 3
    assert len(trainer.members) == 5
    # pruned after epoch 1: refilled once; then after epoch 2 both rows (the first finished)
    assert queue.asked[:2] == [1, 1] and 2 in queue.asked
    for rec, config in zip(queue.recs, later, strict=True):
        assert_alone(rec, config)


def test_a_refill_of_another_signature_is_refused() -> None:
    recs = [Recorder(), Recorder()]
    queue = _Queue([tiny({"training.batch_size": 16})])
    trainer = FusedTrainer([tiny(), tiny({"training.seed": 1})],
                           hooks=[[recs[0], _Stopper("pruned", 1)], [recs[1]]], device="cpu",
                           refill=queue)
    results = trainer.fit()
    assert results[0].status == "pruned"
    assert results[1].status == "failed" and "refilled member differs" in results[1].message


def test_a_group_evaluated_by_steps_is_not_refilled() -> None:
    """Evaluations every few steps fall mid-epoch, where a later member's window would not be
    its own: such a group shrinks as before, and the queue is never asked."""
    by_step = {"evaluation.unit": "step", "evaluation.every": 10}
    queue = _Queue([tiny(by_step)])
    FusedTrainer([tiny(by_step), tiny({**by_step, "training.seed": 1})],
                 hooks=[[_Stopper("pruned", 1)], []], device="cpu", refill=queue).fit()
    assert queue.asked == []


def test_members_of_one_seed_at_different_epochs_draw_their_own_orders() -> None:
    """One seed for every trial (a search's default): the group draws one batch order while
    its members' generators agree; a member joining later is at its own first epoch, so from
    then on each draws its own, as alone."""
    first = [tiny(LONG), tiny({**LONG, "optimizer.lr": 0.003})]
    later = [tiny({**LONG, "optimizer.lr": 0.02})]
    recs, queue, _ = refilled(first, later, [[_Stopper("pruned", 2)], []])
    for rec, config in zip([*recs, *queue.recs], [*first, *later], strict=True):
        assert_alone(rec, config)


class _SlowQueue(_Queue):
    """Asking takes `busy` seconds of this thread's CPU, as a sampler's ask does."""

    def __init__(self, configs: Sequence[RunConfig], busy: float):
        super().__init__(configs)
        self.busy = busy

    def __call__(self, free: int
                 ) -> list[tuple[RunConfig, Sequence[TrainerHooks], int | None, float | None]]:
        end = time.thread_time() + self.busy
        while time.thread_time() < end:
            pass
        return super().__call__(free)


def test_asking_for_a_refill_is_charged_to_no_member() -> None:
    """The ask's time is neither the running members' training time nor a gap in their
    steps' clock: a survivor's duration and step times with a 0.6 s ask are those with an
    instant one (within 0.3 s)."""
    first = [tiny(LONG), tiny({**LONG, "training.seed": 3})]
    later = [tiny({**LONG, "training.seed": 4})]
    runs = []
    for queue in (_Queue(later), _SlowQueue(later, 0.6)):
        recs = [Recorder(), Recorder()]
        FusedTrainer(first, hooks=[[recs[0], _Stopper("pruned", 1)], [recs[1]]], device="cpu",
                     refill=queue).fit()
        assert len(queue.recs) == 1
        walls = [s.wall_s for s in recs[1].steps]
        runs.append((recs[1].results[0].duration_s,
                     max(b - a for a, b in itertools.pairwise(walls))))
    (fast, fast_gap), (slow, slow_gap) = runs
    assert slow - fast < 0.3, (fast, slow)
    assert slow_gap < 0.3, (fast_gap, slow_gap)


@pytest.mark.parametrize("optimizer", [
    {"optimizer.kind": "adam", "optimizer.lr": 0.005},
    {"optimizer.kind": "sgd", "optimizer.lr": 0.05, "optimizer.momentum": 0.9},
])
def test_a_refilled_members_checkpoint_resumes_as_a_lone_trial(
        tmp_path: Path, optimizer: dict[str, Any]) -> None:
    """A member that joined at the group's epoch 1 and is interrupted after 2 of its own 4
    epochs leaves a checkpoint of its own epoch 2 (its weights, its optimiser state with its
    own step count); resumed alone, it ends as its lone run does."""
    from test_engine_fused import _StopAtEpoch

    from tunestudio.engine import Trainer
    from tunestudio.engine.checkpoint import LATEST, CheckpointHook
    from tunestudio.engine.checkpoint import load as load_checkpoint

    config = tiny({**optimizer, "training.epochs": 4, "model.width": 24, "training.seed": 5})
    first = [tiny({**optimizer, "training.epochs": 4}),
             tiny({**optimizer, "training.epochs": 4, "training.seed": 3})]
    queue = _Queue([])
    joined = Recorder()

    def refill(free: int
               ) -> list[tuple[RunConfig, Sequence[TrainerHooks], int | None, float | None]]:
        queue.asked.append(free)
        if len(queue.asked) > 1:
            return []
        return [(config, [joined, CheckpointHook(tmp_path, monitor="val_accuracy"),
                          _StopAtEpoch(2)], None, None)]

    FusedTrainer(first, hooks=[[Recorder(), _Stopper("pruned", 1)], [Recorder()]],
                 device="cpu", refill=refill).fit()
    assert joined.results[0].status == "stopped" and joined.epochs == [0, 1]
    state = load_checkpoint(tmp_path / LATEST)
    full = alone(config)
    spe = full.starts[0].steps_per_epoch
    assert state["epoch"] == 2 and state["step"] == 2 * spe
    steps = {float(s["step"]) for s in state["optimizer_state"].values() if "step" in s}
    assert steps <= {float(2 * spe)}
    resumed = Recorder()
    Trainer(config, hooks=[resumed], device="cpu", resume=state).fit()
    assert [s.loss for s in resumed.steps] == pytest.approx(
        [s.loss for s in full.steps][2 * spe:], rel=1e-3)
    assert resumed.results[0].metrics == pytest.approx(full.results[0].metrics, rel=1e-3)
