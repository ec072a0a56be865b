"""`--fuse auto` fuses only where its cost model of a group against its members alone says it
pays, pruning included, and says what it chose (search/fuse_cost.py, groups.choose_fusing).
The model's arithmetic is checked on made-up costs; the runs take a stand-in probe, so that
what they choose does not depend on how busy the machine is."""

from __future__ import annotations

import functools
import random
import subprocess
import sys
import time
from dataclasses import astuple, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    CategoricalDimension,
    FloatDimension,
    PrunerConfig,
    RunConfig,
)
from tunestudio.search import (
    ExperimentRunner,
    RunnerHooks,
    RunOptions,
    fuse_cost,
    groups,
    open_store,
)
from tunestudio.search.fuse_cost import (
    Member,
    StepCost,
    estimate_run,
    fit_cost,
    split_group,
    trained_share,
)
from tunestudio.search.groups import (
    ALL_ALONE_LINE,
    WIDEST_ALONE_LINE,
    alone_line,
)
from tunestudio.search.round_asks import AskPlan

# fixed cost of a step 2 ms; a member's own work costs twice as much fused as alone (a group
# of wide members outgrows the caches)
CPU = StepCost(fixed=2e-3, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=2e-9)


def test_the_fit_recovers_the_costs_it_was_measured_from() -> None:
    alone = [(w, CPU.alone(w)) for w in (1e4, 4e6)]
    group = [(ws, CPU.group(ws)) for ws in ([1e4] * 8, [4e6] * 8)]
    assert astuple(fit_cost(alone, group)) == pytest.approx(astuple(CPU))


def test_a_group_of_several_shapes_pays_for_each_beyond_its_first() -> None:
    """Members of three widths are computed class by class: the mixed group's timing beyond
    the one-shape fit, per shape past the first, is `per_class`; split_group counts the shapes
    of the members it fuses."""
    cost = StepCost(fixed=3e-4, alone_per_unit=8e-11, per_member=1e-6, group_per_unit=8e-11,
                    per_class=7e-5)
    alone = [(w, cost.alone(w)) for w in (1.5e5, 2.5e6)]
    groups = [(ws, cost.group(ws)) for ws in ([1.5e5] * 8, [6e5] * 8)]
    mixed = [1.5e5, 3e5, 6e5] * 2 + [1.5e5, 3e5]
    fit = fit_cost(alone, groups, (mixed, 3, cost.group(mixed, classes=3)))
    assert astuple(fit) == pytest.approx(astuple(cost))
    assert fit_cost(alone, groups).per_class == 0.0
    one = split_group(cost, [1.5e5] * 4, shapes=["a"] * 4)[1]
    three = split_group(cost, [1.5e5] * 4, shapes=["a", "b", "c", "a"])[1]
    assert three - one == pytest.approx(2 * cost.per_class)


def test_one_width_fits_the_group_from_its_size() -> None:
    fit = fit_cost([(1e5, 3e-3)], [([1e5] * 16, 6e-3)])
    assert fit.alone(1e5) == pytest.approx(3e-3)
    assert fit.group([1e5] * 16) == pytest.approx(6e-3)
    assert fit.group([1e5] * 4) < 4 * fit.alone(1e5)


def test_narrow_members_fuse_and_wide_ones_train_alone() -> None:
    narrow, wide = 1e4, 2e7  # a fused wide member costs 20 ms more a step than alone
    fused, chosen, alone = split_group(CPU, [wide, narrow, narrow, wide, narrow])
    assert fused == [1, 2, 4]
    assert chosen < alone
    assert split_group(CPU, [wide, wide])[0] == []  # nothing to gain: both alone


@pytest.mark.parametrize(("kind", "warmup", "evaluations", "share"), [
    ("none", 0, 30, 1.0),
    ("median", 3, 4, 1.0),   # the first chance is the last evaluation: pruning saves nothing
    ("median", 0, 10, 0.73),  # 30 % stop at the first of 10 evaluations
    ("median", 4, 10, 0.85),
])
def test_the_share_of_steps_a_prunable_trial_trains(kind: str, warmup: int, evaluations: int,
                                                    share: float) -> None:
    pruner = PrunerConfig(kind=kind, warmup_evaluations=warmup)
    assert trained_share(pruner, evaluations) == pytest.approx(share)


@pytest.fixture()
def half_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pruner that stops half the prunable trials at their first chance (made-up costs
    below are sized for it)."""
    monkeypatch.setattr(fuse_cost, "PRUNED_SHARE", 0.5)


@pytest.mark.usefixtures("half_pruned")
def test_a_group_loses_the_pruning_of_its_own_members_only() -> None:
    """Made-up costs where fusing saves a third of a step: without a pruner it pays. With a
    pruner that stops half the trials after their first of 30 evaluations, a member is prunable
    once 5 trials trained in the groups before its own, in its round too (a round's groups
    train one after another): 100 trials asked at once in groups of 16 lose only the first
    group's pruning, as rounds of 25 do (which fuse smaller groups), and fusing pays; one group
    of all 100 loses all of it.
    (Counted by round, as before, the 100 asked at once lost it all in groups of 16 too.)"""
    cost = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=6.6e-4, group_per_unit=0.0)
    members = [Member("s", 1.0, 300)]
    none = PrunerConfig(kind="none")
    median = PrunerConfig(kind="median", startup_trials=5, warmup_evaluations=0)
    rounds = AskPlan(25, 25, informed=True)
    whole = AskPlan(100, 100, informed=False)
    assert estimate_run(cost, members, rounds, 100, 16, none, 30).size == 16
    informed = estimate_run(cost, members, rounds, 100, 16, median, 30)
    grouped = estimate_run(cost, members, whole, 100, 16, median, 30)
    assert grouped.size == 16  # before: 1, its estimate 1.35x one at a time
    assert grouped.fused_s == pytest.approx(informed.fused_s, rel=0.05)
    one_group = estimate_run(cost, members, whole, 100, 100, median, 30)
    assert one_group.fused_s > grouped.fused_s
    assert one_group.size == 1 and one_group.ratio > 1.0
    assert "one trial at a time" in one_group.line(100)
    assert f"{one_group.ratio:.2f}x" in one_group.line(100)


@pytest.mark.usefixtures("half_pruned")
def test_auto_weighs_smaller_groups_that_keep_the_pruning() -> None:
    """A random search of 16 trials asks them all at once: in one group of 16 nothing is
    pruned (no trial finished before it, and members never prune each other). Groups of 8
    train a round before the next is asked, whose members are pruned against it; where fusing
    saves little of a step that wins, and auto picks the size of least estimate (the
    regression template's 12-trial search, fused by 12: 2.96-3.17 s, nothing pruned; by 6:
    2.28-2.44 s, 5 pruned)."""
    cost = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=4e-4, group_per_unit=0.0)
    members = [Member("s", 1.0, 300)]
    median = PrunerConfig(kind="median", startup_trials=1, warmup_evaluations=0)

    def estimate(size: int, step: StepCost = cost) -> fuse_cost.FuseEstimate:
        return estimate_run(step, members, AskPlan(size, size, informed=False), 16, size,
                            median, 30)

    whole = estimate(16)
    size, chosen = fuse_cost.best_group_size(estimate, 16)
    assert (size, chosen.size) == (8, 8)
    assert chosen.ratio == estimate(8).ratio < whole.ratio < fuse_cost.MARGIN
    assert "fused groups of up to 8" in chosen.line(size)
    # where no size pays, one at a time, said with the size that came closest
    dear = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=2e-3, group_per_unit=0.0)
    size, alone = fuse_cost.best_group_size(lambda s: estimate(s, dear), 16)
    assert alone.size == 1 and alone.ratio > fuse_cost.MARGIN
    assert alone.ratio == min(estimate(s, dear).ratio for s in (16, 8, 4, 2))
    assert f"fused groups of {size} would take" in alone.line(size)


@pytest.mark.parametrize(("k", "sizes"), [(16, [16, 8, 4, 2]), (12, [12, 6, 3]), (3, [3]),
                                          (2, [2])])
def test_the_group_sizes_auto_weighs(k: int, sizes: list[int]) -> None:
    assert fuse_cost.group_sizes(k) == sizes


def test_a_model_based_search_concentrates_its_rounds_and_fuses_bigger_groups() -> None:
    """Three batch sizes (three shapes): rounds of 8 drawn at random fuse groups of 2-3; a
    model-based sampler's rounds after its first share their shape mostly (measured on the
    headline space: groups of 7-8 of one batch size), and fusing pays more there."""
    cost = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=2.5e-4, group_per_unit=0.0)
    members = [Member(str(b), 1.0, 100 * b) for b in (1, 2, 4)]
    none = PrunerConfig(kind="none")
    blind = estimate_run(cost, members, AskPlan(8, 8, informed=False), 40, 16, none, 10)
    learning = estimate_run(cost, members, AskPlan(8, 8, informed=True), 40, 16, none, 10)
    assert learning.alone_s == pytest.approx(blind.alone_s, rel=0.35)
    assert learning.ratio < 0.9 * blind.ratio
    rng = random.Random(1)
    drawn = fuse_cost._draw_rounds(members, {m.signature: [m] for m in members},
                                   AskPlan(8, 8, informed=True), 80, rng)
    later = [len({m.signature for m in drawn[i:i + 8]}) for i in range(8, 80, 8)]
    assert sum(later) / len(later) < 2.5  # of three shapes, mostly one per round


def test_the_probe_times_the_loop_and_stops_after_its_steps() -> None:
    """`time_loop` trains through the whole loop (lone and fused) and stops each member after
    its warm-up and timed steps, however long the config's own training."""
    from tunestudio.config import merge_values
    from tunestudio.engine.data import load_splits
    from tunestudio.engine.loop_timing import LOOP_WARMUP, time_loop

    proj = tiny_project({"dimensions": [LR]}, epochs=2, fraction=0.2)
    long = merge_values(proj.baseline, {"training.epochs": 10_000, "training.device": "cpu"})
    data = load_splits(long.data, None)
    began = time.perf_counter()
    lone = time_loop([long], data, steps=4)
    group = time_loop([long, merge_values(long, {"optimizer.lr": 0.02})], data, steps=4)
    assert time.perf_counter() - began < 60  # 10,000 epochs would take hours
    assert lone > 0 and group > 0
    assert LOOP_WARMUP >= 1


def test_the_probe_times_buffered_steps_by_their_own_clock(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On an accelerator the loop hands its steps' events on in batches: the gaps between the
    hook's calls are ~0 within a batch, so the steps are timed by their own `wall_s` (forced
    here on the CPU)."""
    from tunestudio.config import merge_values
    from tunestudio.engine import step_recorder
    from tunestudio.engine.data import load_splits
    from tunestudio.engine.loop_timing import time_loop

    monkeypatch.setattr(step_recorder, "FORCE_BUFFERED", True)
    proj = tiny_project({"dimensions": [LR]}, epochs=2, fraction=0.2)
    long = merge_values(proj.baseline, {"training.epochs": 10_000, "training.device": "cpu"})
    assert time_loop([long], load_splits(long.data, None), steps=4) > 2e-5  # a step, not 0


LR = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True, values=[0.003, 0.01])
WIDTH = CategoricalDimension(path="model.width", choices=[16, 256])


class Said(RunnerHooks):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def on_message(self, text: str) -> None:
        self.lines.append(text)


def probed(cost: StepCost, lone: object = "loop") -> StepCost:
    """`cost` as `probe_cost` returns it: its lone terms timed where they were asked for (the
    tiny MLP on a CPU is `lone_bound`: the fused pass)."""
    return replace(cost, lone=lone)  # type: ignore[arg-type]


def auto_run(monkeypatch: pytest.MonkeyPatch, cost: StepCost) -> tuple[Any, Said, list[Any]]:
    """A 4-trial grid (widths 16 and 256), `--fuse auto`, the device's probe giving `cost`."""
    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", lambda *a, lone="loop", **k: probed(cost, lone))
    proj = tiny_project({"strategy": "grid", "fuse": "auto", "dimensions": [LR, WIDTH],
                         "budget": Budget(trials=None)}, epochs=2, fraction=0.2)
    said = Said()
    summary = ExperimentRunner(proj, proj.experiments[0].name, hooks=[said],
                               options=RunOptions(device="cpu")).run()
    store = open_store(proj)
    try:
        rows = store.trials()
    finally:
        store.close()
    return summary, said, rows


def test_auto_trains_one_at_a_time_where_fusing_would_lose_and_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    loses = StepCost(fixed=0.0, alone_per_unit=1e-9, per_member=1e-3, group_per_unit=1e-8)
    summary, said, rows = auto_run(monkeypatch, loses)
    assert summary.counts == {"complete": 4}
    assert {r.group_id for r in rows} == {None}
    assert summary.fusing is not None and "one trial at a time" in summary.fusing
    assert summary.fusing in said.lines


def test_auto_fuses_narrow_members_and_trains_wide_ones_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # fusing two narrow members saves a 40 ms step; a wide one fused costs 54 ms more a step,
    # alone 45 ms
    pays = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=1e-8)
    summary, said, rows = auto_run(monkeypatch, pays)
    assert summary.counts == {"complete": 4}
    fused = {r.params["model.width"] for r in rows if r.group_id is not None}
    alone = {r.params["model.width"] for r in rows if r.group_id is None}
    assert (fused, alone) == ({16}, {256}), (summary.fusing, said.lines)
    assert summary.fusing is not None and "fused groups of up to" in summary.fusing
    assert WIDEST_ALONE_LINE in said.lines
    assert ALL_ALONE_LINE not in said.lines


def test_auto_says_which_members_of_a_group_train_alone() -> None:
    # a group of one width that the cost model trains alone as a whole (the images template's
    # CNNs on a CPU) is not "the widest of a group"
    assert alone_line(fused=3, alone=0) is None
    assert alone_line(fused=2, alone=1) == WIDEST_ALONE_LINE
    assert alone_line(fused=0, alone=3) == ALL_ALONE_LINE
    assert "widest" not in ALL_ALONE_LINE



def test_auto_on_a_cpu_keeps_each_group_within_its_parameter_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a model where every member fuses (a dear fixed step, members cheap): without the budget
    # the four trials train as one group; with room for two narrow members (the digits MLP of
    # width 16 has 1,482 parameters, of width 256 85,002) the narrow pair fuses, each wide
    # one trains alone
    everything = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=1e-6,
                          group_per_unit=1e-9)
    monkeypatch.setattr(groups, "CPU_GROUP_PARAMS", 5_000)
    summary, said, rows = auto_run(monkeypatch, everything)
    assert summary.counts == {"complete": 4}
    by_group: dict[str | None, list[int]] = {}
    for r in rows:
        by_group.setdefault(r.group_id, []).append(r.params["model.width"])
    assert sorted(by_group.pop(None)) == [256, 256], (summary.fusing, said.lines)
    assert list(by_group.values()) == [[16, 16]]


def _tpe_points(fuse: str, dropout: float = 0.0) -> tuple[list[dict[str, Any]], Any]:
    """The points of an 8-trial TPE search of the tiny MLP (seed 3) run with `fuse`, in trial
    order, and its summary."""
    from tunestudio.config import Project, merge_values

    lr = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)
    proj = tiny_project({"strategy": "tpe", "sampler_seed": 3, "dimensions": [lr],
                         "budget": Budget(trials=8)}, epochs=2, fraction=0.2)
    if dropout:  # autograd over the stack: not `lone_bound`, one at a time on the lone loop
        baseline = merge_values(proj.baseline, {"model.dropout": dropout})
        proj = Project.model_validate(proj.model_copy(update={"baseline": baseline}).model_dump())
    summary = ExperimentRunner(proj, proj.experiments[0].name,
                               options=RunOptions(device="cpu", fuse=fuse)).run()
    store = open_store(proj)
    try:
        return [r.params for r in sorted(store.trials(), key=lambda r: r.number)], summary
    finally:
        store.close()


def test_auto_that_trains_one_at_a_time_on_the_loop_draws_the_points_of_fuse_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its sampler is --fuse off's: no constant liar for groups it does not train."""
    loses = StepCost(fixed=0.0, alone_per_unit=1e-9, per_member=1e-3, group_per_unit=1e-8)
    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", lambda *a, lone="loop", **k: probed(loses, lone))
    auto, summary = _tpe_points("auto", dropout=0.2)
    assert summary.fusing is not None and "one trial at a time (" in summary.fusing
    assert auto == _tpe_points("off", dropout=0.2)[0]


def test_auto_that_trains_one_at_a_time_on_the_fused_pass_learns_from_each_trial(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the fused MLP pass times a trial's steps no slower than the lone loop, one trial
    at a time trains there, as groups of one: no torch optimiser is built (nor torch._dynamo
    imported), no group recorded; TPE (no constant liar) is asked each trial once the one
    before it is told, so that a seeded run draws the same points again."""
    import optuna
    import torch

    loses = StepCost(fixed=0.0, alone_per_unit=1e-9, per_member=1e-3, group_per_unit=1e-8)
    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", lambda *a, lone="loop", **k: probed(loses, lone))
    built: list[object] = []
    original = torch.optim.Optimizer.__init__

    def counted(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Optimizer, "__init__", counted)
    points, summary = _tpe_points("auto")
    assert summary.fusing is not None and "one trial at a time on the fused MLP pass" in \
        summary.fusing, summary.fusing
    assert summary.counts == {"complete": 8}
    assert built == []
    trials = optuna.load_study(study_name=summary.study_name,
                               storage=summary.storage_url).get_trials()
    for before, after in pairwise(sorted(trials, key=lambda t: t.number)):
        assert before.datetime_complete is not None and after.datetime_start is not None
        assert after.datetime_start >= before.datetime_complete
    assert _tpe_points("auto")[0] == points
    assert _tpe_points("off")[0][:5] == points[:5]  # TPE's random start-up alike


def test_a_later_run_of_the_space_reuses_the_probed_model_from_the_cache(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run probes and keeps the model in the user's cache folder; a later process
    (its own probes forgotten) decides from it without probing; another machine probes."""
    pays = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=1e-8)
    probes: list[int] = []

    def probe(*args: object, lone: object = "loop", **kwargs: object) -> StepCost:
        probes.append(1)
        return probed(pays, lone)

    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", probe)
    proj = tiny_project({"strategy": "grid", "fuse": "auto", "dimensions": [LR, WIDTH],
                         "budget": Budget(trials=None)}, epochs=2, fraction=0.2)
    first = ExperimentRunner(proj, proj.experiments[0].name,
                             options=RunOptions(device="cpu", trials=2)).run()
    assert probes == [1]
    monkeypatch.setattr(groups, "_costs", {})  # a new process
    again = ExperimentRunner(proj, proj.experiments[0].name,
                             options=RunOptions(device="cpu", trials=2)).run()
    assert probes == [1]
    assert again.fusing == first.fusing and first.fusing is not None
    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "machine", lambda: {"cpu": "another"})
    ExperimentRunner(proj, proj.experiments[0].name,
                     options=RunOptions(device="cpu", trials=2)).run()
    assert probes == [1, 1]


def test_the_cache_forgets_old_and_unreadable_entries(isolated_dirs: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    key = fuse_cost.cost_key(["space"])
    fuse_cost.store_cost(key, CPU)
    assert fuse_cost.cached_cost(key) == CPU
    assert fuse_cost.cached_cost(key, now=time.time() + fuse_cost.CACHE_DAYS * 86400 + 1) is None
    assert fuse_cost.cached_cost(fuse_cost.cost_key(["another space"])) is None
    with monkeypatch.context() as patch:  # (undo() would also undo the isolated cache folder)
        patch.setattr(fuse_cost, "PROBE_VERSION", fuse_cost.PROBE_VERSION + 1)
        assert fuse_cost.cached_cost(fuse_cost.cost_key(["space"])) is None  # another model
    fuse_cost._cache_file().write_text("{not json")
    assert fuse_cost.cached_cost(key) is None
    fuse_cost.store_cost(key, CPU)  # written anew over the broken file
    assert fuse_cost.cached_cost(key) == CPU
    assert fuse_cost._cache_file().is_relative_to(isolated_dirs)  # never the user's own cache


@pytest.mark.parametrize(("trials", "timed", "short"), [(3, 2, True), (10_000, 5, False)])
def test_a_short_run_skips_the_group_timings_that_would_not_pay(
        monkeypatch: pytest.MonkeyPatch, trials: int, timed: int, short: bool) -> None:
    """The lone timings come first; a run whose training alone they put under 1/PROBE_SHARE
    of the group timings' cost trains one at a time without them, and says so."""
    calls: list[int] = []
    drawn, data = _stand_in_timings(monkeypatch, calls)
    result = fuse_cost.probe_cost(drawn, data, 16, trials=trials)
    assert len(calls) == timed and calls[:2] == [1, 1]
    assert isinstance(result, fuse_cost.ShortRun) == short
    if isinstance(result, fuse_cost.ShortRun):
        assert result.probe_s > fuse_cost.PROBE_SHARE * result.save_s
        assert result.save_s <= result.run_s
        assert "would cost more than 25% of the most fusing could save" in result.line()


def test_a_space_that_varies_no_size_times_one_lone_trial_and_one_group(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Trials that differ only in numbers (the learning rate) cost alike: the probe times one
    of them alone (at its batch size, and at a small one, which tells the step's fixed part
    from its work) and one group, not the same thing twice over."""
    from tunestudio.engine import loop_timing
    from tunestudio.engine.data import load_splits

    calls: list[int] = []
    batches: list[int] = []

    def timed_loop(configs: list[RunConfig], *args: object, **kwargs: object) -> float:
        calls.append(len(configs))
        batch = configs[0].training.batch_size
        batches.append(batch)
        # alone: 1 ms fixed + 10 us a sample; the group of 8: 8 ms
        return 1e-3 + 1e-5 * batch if len(configs) == 1 else 8e-3

    monkeypatch.setattr(loop_timing, "time_loop", timed_loop)
    proj = tiny_project({"dimensions": [FloatDimension(path="optimizer.lr", low=1e-3,
                                                       high=3e-2, log=True)]},
                        epochs=2, fraction=0.2)
    data = load_splits(proj.baseline.data, None)
    drawn = fuse_cost.space_members(proj.experiments[0].search, proj.baseline, data)
    cost = fuse_cost.probe_cost(drawn, data, 8)
    batch = proj.baseline.training.batch_size
    assert calls == [1, 1, 8] and isinstance(cost, StepCost)
    assert batches[:2] == [batch, max(2, batch // fuse_cost.SMALL_BATCH_SHARE)]
    assert cost.fixed == pytest.approx(1e-3)
    assert cost.alone(drawn[0][1].work) == pytest.approx(1e-3 + 1e-5 * batch)


def test_a_space_of_one_arithmetic_heavy_step_stops_after_its_lone_timings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The images template's case: one CNN at one batch size, whose step is mostly arithmetic
    (6.7 ms at batch 64, 2.4 ms at batch 8, timed so on the 2-core CPU). By its one lone timing
    the whole step looked like the fixed part that fusing shares, and its 12 trials paid the
    group timings too; with the small batch the fixed part is 1.7 ms, and the run trains one at
    a time after the two lone timings."""
    from tunestudio.engine import loop_timing
    from tunestudio.engine.data import load_splits

    calls: list[int] = []

    def timed_loop(configs: list[RunConfig], *args: object, **kwargs: object) -> float:
        calls.append(len(configs))
        batch = configs[0].training.batch_size
        return (1.7e-3 + 0.0785e-3 * batch) * len(configs)

    monkeypatch.setattr(loop_timing, "time_loop", timed_loop)
    proj = tiny_project({"dimensions": [FloatDimension(path="optimizer.lr", low=1e-3,
                                                       high=3e-2, log=True)]},
                        epochs=15, fraction=0.6)
    proj = proj.model_copy(update={"baseline": proj.baseline.model_copy(update={
        "training": proj.baseline.training.model_copy(update={"batch_size": 64})})})
    data = load_splits(proj.baseline.data, None)
    drawn = fuse_cost.space_members(proj.experiments[0].search, proj.baseline, data)
    result = fuse_cost.probe_cost(drawn, data, 5, trials=12, share=0.6)
    assert calls == [1, 1]  # no group timed
    assert isinstance(result, fuse_cost.ShortRun), result
    assert result.save_s < 0.3 * result.run_s  # the fixed part: about a quarter of a step
    with monkeypatch.context() as patch:  # one lone timing, as before: it would go on
        patch.setattr(fuse_cost, "_small_batch", lambda config, data: None)
        calls.clear()
        assert isinstance(fuse_cost.probe_cost(drawn, data, 5, trials=12, share=0.6),
                          StepCost)
        assert calls == [1, 5]


def test_auto_probes_groups_no_larger_than_the_runs_rounds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A TPE search of 4 trials never fuses more than 4: its probe and estimate use groups of
    4, not of 16."""
    sizes: list[object] = []
    loses = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=1e-2, group_per_unit=0.0)

    def probe(drawn: object, data: object, k: int, lone: object = "loop", **kwargs: object
              ) -> StepCost:
        sizes.append(k)
        return probed(loses, lone)

    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", probe)
    proj = tiny_project({"strategy": "tpe", "fuse": "auto", "dimensions": [LR]}, epochs=2,
                        fraction=0.2)
    said = Said()
    ExperimentRunner(proj, proj.experiments[0].name, hooks=[said],
                     options=RunOptions(device="cpu", trials=4)).run()
    assert sizes == [4]
    assert any("fused groups of 4 would take" in line for line in said.lines), said.lines


def test_a_probe_killed_halfway_leaves_its_timings_to_the_next(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A search killed every few seconds (a preemptible machine) still gets past its probe:
    each timing is kept as it is measured, and the next process measures only the rest."""
    from tunestudio.engine import loop_timing

    calls: list[int] = []
    drawn, data = _stand_in_timings(monkeypatch, calls, dies_at=3)  # during its third timing
    key = fuse_cost.cost_key(["killed"])
    with pytest.raises(BaseException) as died:
        fuse_cost.probe_cost(drawn, data, 8, key=key)
    assert type(died.value).__name__ == "Killed"
    assert calls == [1, 1, 8]
    calls.clear()

    def timed(configs: list[RunConfig], *a: object, **k: object) -> float:
        calls.append(len(configs))
        return 1e-3 * len(configs)

    monkeypatch.setattr(loop_timing, "time_loop", timed)
    cost = fuse_cost.probe_cost(drawn, data, 8, key=key)
    assert calls == [8, 8] and isinstance(cost, StepCost)  # only the fourth and fifth
    assert fuse_cost.cached_cost(key) is None  # timings alone are no fitted model
    fuse_cost.store_cost(key, cost)
    assert fuse_cost.cached_cost(key) == cost
    calls.clear()
    fuse_cost.probe_cost(drawn, data, 8, key=key)  # the timings are kept beside the model
    assert calls == []  # (a run's other process may still be reading them)
    expired = fuse_cost.ProbeTimings(key, now=time.time() + fuse_cost.CACHE_DAYS * 86400 + 1)
    assert expired.get("alone0", lambda: 5.0) == 5.0


def test_a_short_run_counts_its_pruned_training_and_the_probes_timed_minimum() -> None:
    """The probe's group timings are weighed against the training the run will do: pruned
    trials train a share of their steps, and cheap steps are timed on until PROBE_MIN_S."""
    lone = StepCost(fixed=1e-4, alone_per_unit=0.0, per_member=0.0, group_per_unit=0.0)
    members = [Member("s", 1.0, 1000)]  # a trial: 1,000 steps of 0.1 ms = 0.1 s alone
    groups = [[1.0] * 4]  # a group step taken as 0.4 ms: timed until 50 ms, not for 16 steps
    probe_s = fuse_cost.PROBE_OVERHEAD_STEPS * 4e-4 + fuse_cost.PROBE_MIN_S
    # training alone (all of it the fixed part) just over 1 / PROBE_SHARE times the probe
    trials = int(probe_s / fuse_cost.PROBE_SHARE / 0.1) + 1
    assert fuse_cost.short_run(lone, members, groups, trials) is None
    short = fuse_cost.short_run(lone, members, groups, trials, share=0.5)
    assert short is not None
    assert short.probe_s == pytest.approx(probe_s) and short.run_s == pytest.approx(trials / 20)


def test_a_short_run_weighs_its_probe_against_the_fixed_part_of_its_steps() -> None:
    """Fusing saves at most what a group pays once for all its members, the fixed part of each
    step: a run of wide members (each step's own work ten times its fixed part) skips group
    timings that a run of narrow ones, with the same training time alone, pays for."""
    wide = StepCost(fixed=1e-4, alone_per_unit=1e-9, per_member=0.0, group_per_unit=0.0)
    narrow = StepCost(fixed=1.1e-3, alone_per_unit=0.0, per_member=0.0, group_per_unit=0.0)
    wide_member = [Member("s", 1e6, 1000)]  # 1.1 ms a step alone, 0.1 ms of it fixed
    narrow_member = [Member("s", 1.0, 1000)]  # 1.1 ms a step alone, all of it fixed
    assert wide.alone(1e6) == pytest.approx(narrow.alone(1.0))
    # 3 trials, 3.3 s alone; group timings of 4 members about 0.11 s either way (the rule
    # before, 0.1 of the whole training alone, timed both)
    short = fuse_cost.short_run(wide, wide_member, [[1e6] * 4], 3)
    assert short is not None and short.run_s == pytest.approx(3.3)
    assert short.save_s == pytest.approx(0.3)  # what the line says fusing could save
    assert "about 0.3 s of its 3 s of training" in short.line()
    assert short.probe_s == pytest.approx(0.11, rel=0.01)
    assert short.probe_s < 0.1 * short.run_s
    assert fuse_cost.short_run(narrow, narrow_member, [[1.0] * 4], 3) is None


def test_on_the_fused_pass_group_timings_may_take_a_larger_share_of_what_fusing_saves(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-fused MLP group's step costs little beyond its members' work, so its probe may
    spend BOUND_PROBE_SHARE of the fixed part its lone timings on that pass show, where a
    probe of the lone loop (a vmap group, a CNN) stops at PROBE_SHARE: group timings of 0.1 s
    against 0.3 s that fusing could save are timed on the fused pass only."""
    cost = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=0.0, group_per_unit=0.0)
    member = [Member("s", 1.0, 100)]
    short = fuse_cost.short_run(cost, member, [[1.0] * 4], 3)
    assert short is not None and short.probe_s == pytest.approx(0.1)
    assert short.save_s == pytest.approx(0.3)
    assert fuse_cost.PROBE_SHARE < 1 / 3 < fuse_cost.BOUND_PROBE_SHARE
    assert fuse_cost.short_run(cost, member, [[1.0] * 4], 3,
                               limit=fuse_cost.BOUND_PROBE_SHARE) is None
    assert "50% of the most" in fuse_cost.ShortRun(1.0, 1.0, 1.0, 0.5).line(fused_pass=True)
    # the probe applies it by the path its lone timings took
    limits: list[float] = []

    def judged(*args: Any) -> fuse_cost.ShortRun:
        limits.append(args[-1])
        return fuse_cost.ShortRun(1.0, 1.0, 1.0, args[-1])

    monkeypatch.setattr(fuse_cost, "short_run", judged)
    drawn, data = _stand_in_timings(monkeypatch, [])
    for lone in ("loop", "fused"):
        fuse_cost.probe_cost(drawn, data, 4, trials=3, lone=lone)
    assert limits == [fuse_cost.PROBE_SHARE, fuse_cost.BOUND_PROBE_SHARE]


def _stand_in_timings(monkeypatch: pytest.MonkeyPatch, calls: list[int],
                      dies_at: int | None = None) -> tuple[Any, Any]:
    """`time_loop` replaced by 1 ms per member (each call's size in `calls`; a BaseException
    at call `dies_at`, as a process killed then), and the drawn trials and data of a small
    space of learning rates and widths."""
    from tunestudio.engine import loop_timing
    from tunestudio.engine.data import load_splits

    class Killed(BaseException):
        pass

    def timed_loop(configs: list[RunConfig], *args: object, **kwargs: object) -> float:
        if dies_at is not None and len(calls) == dies_at:
            raise Killed
        calls.append(len(configs))
        return 1e-3 * len(configs)

    monkeypatch.setattr(loop_timing, "time_loop", timed_loop)
    proj = tiny_project({"dimensions": [LR, WIDTH]}, epochs=2, fraction=0.2)
    data = load_splits(proj.baseline.data, None)
    return fuse_cost.space_members(proj.experiments[0].search, proj.baseline, data), data


def test_the_parameter_budget_binds_mlps_on_a_cpu_only() -> None:
    """The budget was measured on MLPs (the hand-fused pass sweeps every member's weights and
    optimiser state each step); 4 CNNs of 1.25 M parameters still trained fused in 0.87 of
    their time alone, which the budget would forbid."""
    from tunestudio.config import CNNModel, merge_values
    from tunestudio.search.groups import _param_budget

    mlp = tiny_project().baseline
    cnn = mlp.model_copy(update={"model": CNNModel()})
    assert _param_budget("cpu", mlp)
    assert not _param_budget("cuda:0", mlp)
    assert not _param_budget("cpu", cnn)
    assert not _param_budget("cpu", merge_values(mlp, {"model.batch_norm": True}))


def test_a_lone_timing_on_the_fused_pass_builds_no_torch_optimiser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`time_loop(..., fused=True)` times one trial as a fused run trains a member alone (a
    group of one): no torch optimiser is built, so a process that then fuses never imports
    torch._dynamo (about 1 s)."""
    import torch

    from tunestudio.config import merge_values
    from tunestudio.engine.data import load_splits
    from tunestudio.engine.loop_timing import time_loop

    built: list[object] = []
    original = torch.optim.Optimizer.__init__

    def counted(self: torch.optim.Optimizer, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        original(self, *args, **kwargs)

    proj = tiny_project({"dimensions": [LR]}, epochs=2, fraction=0.2)
    long = merge_values(proj.baseline, {"training.epochs": 10_000, "training.device": "cpu"})
    data = load_splits(long.data, None)
    monkeypatch.setattr(torch.optim.Optimizer, "__init__", counted)
    assert time_loop([long], data, steps=4, fused=True) > 0
    assert built == []
    assert time_loop([long], data, steps=4) > 0
    assert built  # the lone loop's timing builds one


def test_a_trials_steps_alone_bound_the_lone_loop_only_for_the_hand_written_mlp_on_a_cpu(
) -> None:
    from tunestudio.config import CNNModel, merge_values

    mlp = merge_values(tiny_project().baseline, {"model.dropout": 0.0})
    assert fuse_cost.lone_bound([mlp], "cpu")
    assert not fuse_cost.lone_bound([mlp], "cuda:0")  # measured on a CPU only
    # autograd over the stack (dropout) measured as slow as the loop: no bound
    assert not fuse_cost.lone_bound([mlp, merge_values(mlp, {"model.dropout": 0.2})], "cpu")
    assert not fuse_cost.lone_bound([mlp.model_copy(update={"model": CNNModel()})], "cpu")
    assert not fuse_cost.lone_bound([], "cpu")
    # measured no slower up to LONE_BOUND_UNITS a hidden layer; 2,048 units took 1.1x the loop's
    widths = [merge_values(mlp, {"model.width": w}) for w in (64, fuse_cost.LONE_BOUND_UNITS)]
    assert fuse_cost.lone_bound(widths, "cpu")
    wide = merge_values(mlp, {"model.width": 2048})
    assert not fuse_cost.lone_bound([*widths, wide], "cpu")
    assert not fuse_cost.lone_bound([merge_values(mlp, {"model.hidden_sizes": [64, 1024]})],
                                    "cpu")


def test_a_probe_on_the_fused_pass_keeps_its_lone_timings_apart(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lone timings on the fused pass (`lone="fused"`) are kept under labels of their own,
    so that a probe of the lone loop after it times the loop, while the group timings serve
    both; the model says which lone timings it holds, in the cache too."""
    from tunestudio.engine import loop_timing

    calls: list[tuple[int, bool]] = []

    def timed_loop(configs: list[RunConfig], *args: object, fused: bool = False,
                   **kwargs: object) -> float:
        calls.append((len(configs), fused))
        return 1e-3 * len(configs) * (1.0 if fused or len(configs) > 1 else 1.5)

    drawn, data = _stand_in_timings(monkeypatch, [])
    monkeypatch.setattr(loop_timing, "time_loop", timed_loop)
    key = fuse_cost.cost_key(["bound"])
    bound = fuse_cost.probe_cost(drawn, data, 8, key=key, lone="fused")
    assert isinstance(bound, StepCost) and bound.lone == "fused"
    assert calls == [(1, True), (1, True), (8, False), (8, False), (8, False)]
    calls.clear()
    loop = fuse_cost.probe_cost(drawn, data, 8, key=key)
    assert isinstance(loop, StepCost) and loop.lone == "loop"
    assert calls == [(1, False), (1, False)]  # the groups were timed already
    assert loop.alone(1.0) > bound.alone(1.0)
    fuse_cost.store_cost(key, bound)
    assert fuse_cost.cached_cost(key) == bound
    pays = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=1e-8,
                    lone="fused")
    estimate = estimate_run(pays, [Member("s", 1.0, 100)] * 4, AskPlan(4, 4, False), 4, 4,
                            PrunerConfig(kind="none"), 10)
    assert estimate.bound and estimate.size == 4 and "at most" in estimate.line(4)


def _probing(monkeypatch: pytest.MonkeyPatch, bound: StepCost, loop: StepCost
             ) -> list[str]:
    """`probe_cost` replaced: the model `bound` for lone timings on the fused pass, `loop` for
    the lone loop's; returns the list of what each probe timed alone."""
    asked: list[str] = []

    def probe(*args: object, lone: str = "loop", **kwargs: object) -> StepCost:
        asked.append(lone)
        return bound if lone == "fused" else loop

    monkeypatch.setattr(groups, "_costs", {})
    monkeypatch.setattr(fuse_cost, "probe_cost", probe)
    return asked


def _fused_run(summary: Any) -> bool:
    return summary.fusing is not None and "fused groups of up to" in summary.fusing


def test_a_run_the_fused_pass_shows_paying_fuses_without_timing_the_lone_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The built-in MLP on a CPU: the bound model (its lone steps the fused pass's, a lower
    bound of the loop's) shows fusing pays, so the run fuses on it and says "at most"; the
    lone loop (and torch._dynamo's import with its first optimiser) is never timed."""
    pays = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=1e-8,
                    lone="fused")
    loses = StepCost(fixed=0.0, alone_per_unit=1e-9, per_member=1e-3, group_per_unit=1e-8)
    asked = _probing(monkeypatch, pays, loses)
    proj = tiny_project({"strategy": "grid", "fuse": "auto", "dimensions": [LR, WIDTH],
                         "budget": Budget(trials=None)}, epochs=2, fraction=0.2)
    summary = ExperimentRunner(proj, proj.experiments[0].name,
                               options=RunOptions(device="cpu")).run()
    assert asked == ["fused"]
    assert _fused_run(summary) and "at most" in (summary.fusing or ""), summary.fusing
    assert summary.counts == {"complete": 4}


def test_a_run_the_fused_pass_does_not_show_paying_trains_one_at_a_time_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fusing that does not pay against the fused pass's lone timings trains one trial at a
    time on that pass, which the lone loop does not beat: the loop is never timed, and the
    model is kept for later runs."""
    doubtful = StepCost(fixed=1e-3, alone_per_unit=0.0, per_member=2e-3, group_per_unit=0.0,
                        lone="fused")
    pays = StepCost(fixed=4e-2, alone_per_unit=1e-9, per_member=5e-5, group_per_unit=1e-8)
    asked = _probing(monkeypatch, doubtful, pays)
    proj = tiny_project({"strategy": "grid", "fuse": "auto", "dimensions": [LR, WIDTH],
                         "budget": Budget(trials=None)}, epochs=2, fraction=0.2)
    summary = ExperimentRunner(proj, proj.experiments[0].name,
                               options=RunOptions(device="cpu")).run()
    assert asked == ["fused"]
    assert summary.fusing is not None and \
        "one trial at a time on the fused MLP pass" in summary.fusing, summary.fusing
    assert summary.counts == {"complete": 4}
    assert list(groups._costs.values()) == [doubtful]
    (key,) = groups._costs
    assert fuse_cost.cached_cost(fuse_cost.cost_key(key)) == doubtful  # for later runs


def test_the_processes_of_a_run_share_a_probe_s_timings(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two probing at once (a run and its worker: two threads here) measure each timing once
    between them, each taking the next unclaimed one, and both get every timing."""
    import threading

    monkeypatch.setenv("TUNESTUDIO_CACHE_DIR", str(tmp_path))
    key = fuse_cost.cost_key(["shared"])
    measured: list[tuple[str, str]] = []

    def measure(label: str) -> float:
        measured.append((label, threading.current_thread().name))
        time.sleep(0.3)
        return float(len(label))

    tasks = [(label, functools.partial(measure, label)) for label in ("a", "bb", "ccc", "dd")]
    got: dict[str, dict[str, float]] = {}

    def probe(name: str) -> None:
        got[name] = fuse_cost.ProbeTimings(key).get_all(tasks)

    threads = [threading.Thread(target=probe, args=(n,), name=n) for n in ("run", "worker")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(label for label, _ in measured) == ["a", "bb", "ccc", "dd"]
    assert {who for _, who in measured} == {"run", "worker"}
    assert got["run"] == got["worker"] == {"a": 1.0, "bb": 2.0, "ccc": 3.0, "dd": 2.0}
    assert not list((tmp_path / "fuse_probe_claims").iterdir())  # claims removed once kept


def test_a_claim_of_a_process_that_is_gone_or_hung_is_taken_over(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process killed while it measured leaves its claim's file, but the system released its
    lock: the next one measures that timing at once rather than waiting for it. A claim still
    held (a process that hung) is waited for PROBE_WAIT_S, then measured here."""
    from filelock import FileLock

    monkeypatch.setenv("TUNESTUDIO_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(fuse_cost, "PROBE_WAIT_S", 0.5)
    key = fuse_cost.cost_key(["claimed"])
    claims = tmp_path / "fuse_probe_claims"
    claims.mkdir()
    killed = subprocess.run([sys.executable, "-c", "import sys; from filelock import FileLock; "
                             "FileLock(sys.argv[1]).acquire(); import os; os._exit(9)",
                             str(claims / f"{key}-gone.lock")])
    assert killed.returncode == 9 and (claims / f"{key}-gone.lock").exists()
    hung = FileLock(claims / f"{key}-hung.lock", thread_local=False)
    hung.acquire()
    try:
        began = time.monotonic()
        timings = fuse_cost.ProbeTimings(key).get_all([("gone", lambda: 1.0),
                                                       ("hung", lambda: 2.0)])
        waited = time.monotonic() - began
    finally:
        hung.release()
    assert timings == {"gone": 1.0, "hung": 2.0}
    assert 0.5 <= waited < 30
