"""A fused round's trials share its first's categorical shape choices (search/round_shapes.py),
so that the round trains as one group; the sampler draws the rest, and the first round (its
random start-up) shares them in parts, each part's shape the one the study holds least, so
that the start-up tries every choice."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    SearchDefinition,
)
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, open_store
from tunestudio.search.round_shapes import (
    RoundShapeSampler,
    covering_pins,
    pins_key,
    shape_choices,
    shape_dimensions,
)
from tunestudio.search.samplers import build_sampler

LR = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)
WIDTH = CategoricalDimension(path="model.width", choices=[16, 32, 64])
BATCH = CategoricalDimension(path="training.batch_size", choices=[32, 64, 128])


def test_the_categorical_dimensions_that_shape_a_group_are_pinned() -> None:
    """Batch size (another group) and an MLP's width (another class inside one) shape it; a
    learning rate, a categorical weight decay and a range of epochs (explored only once a
    round if pinned) do not count."""
    project = tiny_project()
    search = SearchDefinition(strategy="tpe", dimensions=[
        LR, WIDTH,
        CategoricalDimension(path="optimizer.weight_decay", choices=[0.0, 1e-4]),
        IntDimension(path="training.epochs", low=2, high=4),
        BATCH,
    ])
    assert shape_dimensions(search, project.baseline) == ["model.width", "training.batch_size"]
    assert pins_key({"model.width": 32, "optimizer.lr": 0.1}, ["model.width"]) == \
        pins_key({"model.width": 32, "optimizer.lr": 0.2}, ["model.width"])


def _objective(trial: optuna.Trial) -> float:
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    batch = trial.suggest_categorical("batch", [32, 64, 128])
    return lr * batch


def test_the_sampler_gives_the_pinned_values_and_draws_the_rest() -> None:
    """TPE (multivariate, as the run builds it) past its start-up: pinned, every asked trial
    has the pinned batch and its own learning rate, recorded with the dimension's own
    distribution; unpinned, it draws the batch again."""
    search = SearchDefinition(strategy="tpe", dimensions=[LR])
    sampler = RoundShapeSampler(build_sampler(search, 1, seed=0, batches=True))
    study = optuna.create_study(sampler=sampler)
    study.optimize(_objective, n_trials=8)  # start-up (5) and a few modelled ones
    sampler.pin({"batch": 64})
    pinned = []
    for _ in range(6):
        trial = study.ask()
        pinned.append(trial)
        study.tell(trial, _objective(trial))
    assert [t.params["batch"] for t in pinned] == [64] * 6
    assert len({t.params["lr"] for t in pinned}) == 6
    frozen = study.trials[-1]
    assert frozen.distributions == {"lr": FloatDistribution(1e-3, 1e-1, log=True),
                                    "batch": CategoricalDistribution([32, 64, 128])}
    sampler.unpin()
    study.optimize(_objective, n_trials=12)
    assert {t.params["batch"] for t in study.trials[-12:]} != {64}


class _Said(RunnerHooks):
    def __init__(self) -> None:
        self.said: list[str] = []

    def on_message(self, text: str) -> None:
        self.said.append(text)


def _fused_tpe(dimensions: list[Any], trials: int, by_steps: bool = False
               ) -> tuple[list[Any], list[str]]:
    """A fused TPE run in one process, rounds asked as the run plans them (fixed groups of up
    to 8): its trials by number, and what it said. `by_steps`: evaluations every 5 steps,
    where a running group is never refilled (its rounds alone)."""
    proj = tiny_project({"strategy": "tpe", "sampler_seed": 3, "fuse": "fixed",
                         "fuse_trials": 8, "dimensions": dimensions,
                         "budget": Budget(trials=trials)}, epochs=2, fraction=0.2)
    if by_steps:
        evaluation = proj.baseline.evaluation.model_copy(update={"unit": "step", "every": 5})
        proj = proj.model_copy(update={"baseline": proj.baseline.model_copy(
            update={"evaluation": evaluation})})
    said = _Said()
    name = proj.experiments[0].name
    ExperimentRunner(proj, name, hooks=[said], options=RunOptions(device="cpu")).run()
    store = open_store(proj)
    try:
        rows = sorted(store.trials(), key=lambda r: r.number)
    finally:
        store.close()
    return rows, said.said


def test_each_start_up_part_shares_the_shape_the_study_holds_least() -> None:
    """12 trials: the start-up round (5) is asked in parts of at most a third of it (2, 2, 1:
    the width and the batch size have 3 choices each), each part of one shape, the one the
    study holds least, so the start-up tries every width and every batch size (three groups,
    one per batch size); every group holds one batch size."""
    rows, said = _fused_tpe([LR, WIDTH, BATCH], 12)
    assert len(rows) == 12
    shape = [(r.params["model.width"], r.params["training.batch_size"]) for r in rows]
    assert shape[0] == shape[1] and shape[2] == shape[3], shape  # its parts
    assert {w for w, _ in shape[:5]} == {16, 32, 64}, shape  # every choice, once a part
    assert {b for _, b in shape[:5]} == {32, 64, 128}, shape
    groups: dict[str, set[int]] = {}
    for r in rows:
        if r.group_id is not None:
            groups.setdefault(r.group_id, set()).add(r.params["training.batch_size"])
    assert all(len(sizes) == 1 for sizes in groups.values())
    assert any("each fused round's trials share its first trial's model.width, "
               "training.batch_size (the first round's 2 at a time, each part the "
               "model.width, training.batch_size the study holds least" in m for m in said), said


def test_each_free_draw_of_a_shape_is_followed_by_asks_that_share_it() -> None:
    """Widths from a list fuse in one group (each computed apart), so the start-up of 5 (in
    parts of 2, 2, 1, every width tried) trains as one group, and its freed rows take the next
    trials: after the start-up, each free draw of a shape (a round's first trial, or a running
    group's refill) is followed by 2 asks (a later round's size, 3) that share its width and
    draw their own learning rates."""
    rows, _ = _fused_tpe([LR, WIDTH], 12)
    assert len(rows) == 12
    width = [r.params["model.width"] for r in rows]
    assert {*width[:5]} == {16, 32, 64}, width
    sizes = {g: sum(r.group_id == g for r in rows) for g in {r.group_id for r in rows}}
    # a group that took refills (more than a round's 3) took a free draw and its 2 pinned asks
    runs = [n for n in range(5, 10) if len(set(width[n:n + 3])) == 1 and
            len({r.group_id for r in rows[n:n + 3]}) == 1 and rows[n].group_id is not None
            and sizes[rows[n].group_id] > 3]
    assert runs, (width, [r.group_id for r in rows])
    assert len({r.params["optimizer.lr"] for r in rows[runs[0]:runs[0] + 3]}) == 3


def test_a_start_up_part_takes_the_choices_the_study_holds_least() -> None:
    """`covering_pins`: each dimension's least held choice; two processes asking at once
    (nothing held yet) take different ones, and a process's parts go on through the others
    before any repeats, as a Latin hypercube's strata (choices paired at random: a seed
    whose order is not the listed one exists)."""
    study = optuna.create_study()
    choices = {"batch": [32, 64, 128, 256], "width": [16, 32]}
    for batch, width in [(32, 16), (32, 32), (64, 16), (256, 32)]:
        study.add_trial(optuna.trial.create_trial(
            params={"batch": batch, "width": width}, value=0.5,
            distributions={"batch": CategoricalDistribution([32, 64, 128, 256]),
                           "width": CategoricalDistribution([16, 32])}))
    held = study.get_trials()
    assert covering_pins(held, choices, "s", 0, 1, 0)["batch"] == 128
    assert covering_pins(held + held[:2], choices, "s", 0, 1, 0)["width"] == 32

    at_once = [covering_pins([], choices, "s", slot, 2, 0) for slot in (0, 1)]
    assert at_once[0]["batch"] != at_once[1]["batch"]
    fresh = optuna.create_study()
    drawn = []
    for part in range(4):  # one process, nothing else asked: four parts, four batch sizes
        pins = covering_pins(fresh.get_trials(), choices, "s", 0, 1, part)
        drawn.append(pins["batch"])
        fresh.add_trial(optuna.trial.create_trial(
            params=pins, value=0.5,
            distributions={"batch": CategoricalDistribution([32, 64, 128, 256]),
                           "width": CategoricalDistribution([16, 32])}))
    assert sorted(drawn) == [32, 64, 128, 256]
    firsts = {covering_pins([], choices, str(seed), 0, 1, 0)["batch"] for seed in range(20)}
    assert len(firsts) > 1


def test_only_a_study_in_its_random_start_up_covers_the_choices() -> None:
    """`RoundAsks.cover` pins the least held batch size while TPE has fewer finished trials
    than its start-up (5); a study run again, past it, lets the first trial of each part draw
    its shape from the model."""
    from types import SimpleNamespace
    from typing import cast

    from tunestudio.search.program.slots import Slot
    from tunestudio.search.round_asks import RoundAsks

    search = SearchDefinition(strategy="tpe", dimensions=[LR, BATCH])
    sampler = RoundShapeSampler(build_sampler(search, 1, seed=0, batches=True))
    study = optuna.create_study(sampler=sampler, direction="maximize")
    ctx = SimpleNamespace(study=study, slot=Slot(), search=search)
    asks = RoundAsks(cast(Any, ctx), lambda finished: None, 20, lambda number: None,
                     (sampler, {"training.batch_size": [32, 64, 128]}), None, lambda: None)
    distributions: dict[str, BaseDistribution] = {
        "training.batch_size": CategoricalDistribution([32, 64, 128])}
    for batch in (32, 64, 32, 64):
        study.add_trial(optuna.trial.create_trial(
            params={"training.batch_size": batch}, value=0.5, distributions=distributions))
    assert asks.cover() and sampler.pins == {"training.batch_size": 128}
    asks.unpin()
    study.add_trial(optuna.trial.create_trial(
        params={"training.batch_size": 32}, value=0.5, distributions=distributions))
    assert not asks.cover() and sampler.pins == {}


def test_the_shape_choices_are_those_the_baseline_takes() -> None:
    project = tiny_project()
    search = SearchDefinition(strategy="tpe", dimensions=[LR, BATCH, WIDTH])
    assert shape_choices(search, project.baseline) == {
        "training.batch_size": [32, 64, 128], "model.width": [16, 32, 64]}


def test_without_refills_each_round_and_part_shares_one_shape() -> None:
    """Groups that are not refilled (evaluations by steps): the start-up round (5) in parts of
    2, 2 and 1 of different shapes, and each later round of 3, share one batch size and
    width and train as one group."""
    rows, _ = _fused_tpe([LR, WIDTH, BATCH], 11, by_steps=True)
    assert len(rows) == 11
    shape = [(r.params["model.width"], r.params["training.batch_size"]) for r in rows]
    assert len({shape[0], shape[2], shape[4]}) == 3, shape
    for start, size in ((0, 2), (2, 2), (5, 3), (8, 3)):
        assert len(set(shape[start:start + size])) == 1, shape
        assert len({r.group_id for r in rows[start:start + size]}) == 1, shape


def test_the_cost_model_draws_each_round_and_part_of_one_pinned_shape() -> None:
    """`fuse_cost.estimate_run` draws the run's rounds as the run asks them: each round's
    trials (the first round's in parts) share its first's pins (three batch sizes times three
    widths here), and
    so a pinned search is expected to fuse bigger groups than one whose rounds mix shapes."""
    import random

    from tunestudio.config import PrunerConfig
    from tunestudio.search import fuse_cost
    from tunestudio.search.fuse_cost import Member, StepCost, estimate_run
    from tunestudio.search.round_asks import AskPlan

    members = [Member(str(b), 1.0, 100 * b, shape=w, pinned=f"{b} {w}")
               for b in (1, 2, 4) for w in ("16", "32", "64")]
    by_signature: dict[str, list[Member]] = {}
    for m in members:
        by_signature.setdefault(m.signature, []).append(m)
    plan = AskPlan(8, 4, informed=True)
    drawn = fuse_cost._draw_rounds(members, by_signature, plan, 40, random.Random(1))
    # the first round (8) in two parts of a later round's size, each of one pinned shape
    assert all(len({m.pinned for m in drawn[i:i + 4]}) == 1 for i in range(0, 40, 4))
    assert drawn[0].pinned != drawn[4].pinned  # the parts draw shapes not yet drawn
    # a start-up of 9 in parts of one: every one of the 9 shapes once (drawn at random, a
    # repeat would be all but certain)
    covered = fuse_cost._draw_rounds(members, by_signature,
                                     AskPlan(9, 3, informed=True, start_part=1), 9,
                                     random.Random(1))
    assert len({m.pinned for m in covered}) == 9
    cost = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=2.5e-4, group_per_unit=0.0,
                    per_class=1e-3)
    none = PrunerConfig(kind="none")
    unpinned = [Member(m.signature, m.work, m.steps, m.shape) for m in members]
    assert estimate_run(cost, members, plan, 40, 4, none, 10).ratio < \
        estimate_run(cost, unpinned, plan, 40, 4, none, 10).ratio


def test_a_budget_that_ends_with_the_first_round_pins_nothing_and_says_nothing() -> None:
    rows, said = _fused_tpe([LR, WIDTH, BATCH], 5)
    assert len(rows) == 5
    assert not any("each fused round's trials" in m for m in said)


def test_the_run_says_whether_its_first_round_shares_in_parts_or_whole() -> None:
    from tunestudio.search.groups import pins_said
    from tunestudio.search.round_asks import AskPlan

    paths = ["model.width", "training.batch_size"]
    assert "share its first trial's model.width, training.batch_size (the first round's 3 at " \
        "a time, each part the model.width, training.batch_size the study holds least, so " \
        "that the random start-up tries every choice)" in \
        pins_said(AskPlan(5, 3, informed=True), paths, "tpe")
    assert "(the first round's too)" in pins_said(AskPlan(4, 4, informed=True), paths, "gp")
