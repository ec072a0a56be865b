"""Searches that train their trials in fused groups: ordinary trials in Optuna's tables and ours
plus a group id; one group per shape signature; out-of-memory splits; what cannot fuse trains
alone and says why once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import optuna
import pytest
import torch

from tiny_projects import tiny_project
from tunestudio.config import (
    Budget,
    CategoricalDimension,
    FloatDimension,
    Project,
    PrunerConfig,
    PythonModel,
)
from tunestudio.engine import FitStartEvent
from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions, TrialFinished, open_store
from tunestudio.search.groups import GROUP_ATTR, FusePolicy, fuse_policy

LR = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)


class Notes(RunnerHooks):
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.ended: list[TrialFinished] = []
        self.fit_starts = 0

    def on_message(self, text: str) -> None:
        self.messages.append(text)

    def on_trial_end(self, ev: TrialFinished) -> None:
        self.ended.append(ev)


def project(updates: dict[str, Any], epochs: int = 2) -> Project:
    return tiny_project({"fuse": "fixed", "fuse_trials": 4, "dimensions": [LR],
                         "budget": Budget(trials=4), **updates}, epochs=epochs)


def run(proj: Project, hooks: list[RunnerHooks], **options: Any) -> Any:
    return ExperimentRunner(proj, proj.experiments[0].name, hooks=hooks,
                            options=RunOptions(device="cpu", **options)).run()


def test_fused_trials_are_ordinary_trials_with_a_group_id() -> None:
    proj, notes = project({}), Notes()
    summary = run(proj, [notes])
    assert summary.counts == {"complete": 4}
    store = open_store(proj)
    try:
        trials = store.trials()
        groups = {t.group_id for t in trials}
        assert len(groups) == 1 and None not in groups
        series = store.step_series([t.id for t in trials])
        assert all(len(series[t.id]) == t.metrics["steps"] for t in trials)
        assert len({tuple(series[t.id].loss[:5]) for t in trials}) == 4  # own LR, own curve
        study = optuna.load_study(study_name=summary.study_name, storage=store.url)
        assert {t.user_attrs[GROUP_ATTR] for t in study.trials} == groups
        assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
        assert summary.best_objective == max(t.objective for t in trials if t.objective)
    finally:
        store.close()


def test_each_shape_signature_trains_in_its_own_group() -> None:
    batch = CategoricalDimension(path="training.batch_size", choices=[32, 64])
    lr = FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True, values=[0.003, 0.01])
    proj, notes = project({"strategy": "grid", "dimensions": [lr, batch],
                           "budget": Budget(trials=None)}), Notes()
    assert run(proj, [notes]).counts == {"complete": 4}
    store = open_store(proj)
    try:
        by_group: dict[str | None, set[int]] = {}
        for t in store.trials():
            by_group.setdefault(t.group_id, set()).add(t.params["training.batch_size"])
        assert sorted(len(v) for v in by_group.values()) == [1, 1] and None not in by_group
    finally:
        store.close()
    assert [m for m in notes.messages if "training.batch_size" in m] == [notes.messages[0]]


def test_an_out_of_memory_group_is_split_in_half_and_trained_again() -> None:
    class OutOfMemoryTwice(RunnerHooks):
        """The first two groups to start run out of memory (as a too large group would)."""

        def __init__(self) -> None:
            self.raised = 0

        def on_fit_start(self, trial_id: int, ev: FitStartEvent) -> None:
            if self.raised < 2:
                self.raised += 1
                raise torch.OutOfMemoryError("CUDA out of memory (simulated by the test)")

    proj, notes = project({}), Notes()
    summary = run(proj, [OutOfMemoryTwice(), notes])
    assert summary.counts == {"complete": 4}  # never failed
    assert any("split in half" in m for m in notes.messages)
    store = open_store(proj)
    try:
        trials = store.trials()
        groups = [t.group_id for t in trials]
        assert groups.count(None) == 2 and len(set(groups)) == 2  # 4 -> 2 + (1 + 1)
        series = store.step_series([t.id for t in trials])
        assert all(len(series[t.id]) == t.metrics["steps"] for t in trials)
    finally:
        store.close()


def test_a_model_vmap_rejects_trains_alone_and_says_why_once(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self, n):\n"
        "        super().__init__()\n"
        "        self.lin = torch.nn.Linear(64, n)\n"
        "    def forward(self, x):\n"
        "        scale = float(self.lin.weight.detach().abs().max()) or 1.0\n"
        "        return self.lin(x.flatten(1)) / scale\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return Net(n_outputs)\n")
    proj = project({})
    user = proj.baseline.model_copy(update={"model": PythonModel(path="net.py")})
    proj = Project.model_validate(proj.model_copy(update={"baseline": user}).model_dump())
    notes = Notes()
    summary = ExperimentRunner(proj, proj.experiments[0].name, hooks=[notes], base_dir=tmp_path,
                               options=RunOptions(device="cpu")).run()
    assert summary.counts == {"complete": 4}
    assert len([m for m in notes.messages if "vmap" in m]) == 1
    store = open_store(proj)
    try:
        assert {t.group_id for t in store.trials()} == {None}
    finally:
        store.close()


def test_fuse_off_and_repeats_train_one_at_a_time() -> None:
    notes = Notes()
    proj = project({"fuse": "off"})
    assert run(proj, [notes]).counts == {"complete": 4}
    repeats = project({"repeats": 2, "budget": Budget(trials=2)})
    assert run(repeats, [notes]).counts == {"complete": 2}
    assert any("repeat" in m for m in notes.messages)
    for p in (proj, repeats):
        store = open_store(p)
        try:
            assert {t.group_id for t in store.trials()} == {None}
        finally:
            store.close()


def test_a_fused_search_never_imports_torch_dynamo() -> None:
    """Each trial of this round has a batch size of its own: each trains alone through the
    fused MLP's pass, checkpointed without a torch optimiser, and the run's warm-up leaves
    torch.optim's out, so the search never imports torch._dynamo (about 1 s of start-up).
    One at a time (`--fuse off`) the run imports it before its first trial."""
    code = """
import sys
sys.path.insert(0, "tests")
from tiny_projects import tiny_project
from tunestudio.config import Budget, CategoricalDimension
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.search.artifacts import CheckpointPlan
batch = CategoricalDimension(path="training.batch_size", choices=[32, 64, 128])
proj = tiny_project({"fuse": "fixed", "fuse_trials": 4, "strategy": "grid",
                     "dimensions": [batch], "budget": Budget(trials=None)}, epochs=2)
assert proj.checkpoints.enabled
name = proj.experiments[0].name
summary = ExperimentRunner(proj, name, options=RunOptions(device="cpu")).run()
assert summary.counts == {"complete": 3}, summary
store = open_store(proj)
assert {t.group_id for t in store.trials()} == {None}  # groups of one
store.close()
assert len(list(CheckpointPlan.for_project(proj).artifacts.iterdir())) == 3  # best of each
assert "torch._dynamo" not in sys.modules, "a fused search imported torch._dynamo"
ExperimentRunner(proj, name, options=RunOptions(device="cpu", fuse="off")).run()
assert "torch._dynamo" in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_pruning_works_per_trial_inside_a_group() -> None:
    lr = CategoricalDimension(path="optimizer.lr", choices=[0.01, 0.012, 1e-6, 2e-6])
    proj = project({"strategy": "grid", "dimensions": [lr], "budget": Budget(trials=None),
                    "pruner": PrunerConfig(kind="median", startup_trials=0,
                                           warmup_evaluations=0)}, epochs=10)
    notes = Notes()
    # A first group of the two good LRs completes; the poor ones, fused, are pruned.
    summary = run(proj, [notes], fuse="2")
    assert summary.counts.get("pruned", 0) >= 1 and summary.counts.get("complete", 0) >= 2


@pytest.mark.parametrize(("setting", "override", "expected"), [
    ("auto", None, FusePolicy("auto", 32)), ("off", None, FusePolicy("off", 1)),
    ("fixed", None, FusePolicy("fixed", 32)), ("auto", "off", FusePolicy("off", 1)),
    ("off", "8", FusePolicy("fixed", 8)), ("off", "auto", FusePolicy("auto", 32)),
])
def test_fuse_policy(setting: str, override: str | None, expected: FusePolicy) -> None:
    search = tiny_project({"fuse": setting}).experiments[0].search
    assert fuse_policy(search, override) == expected


def test_split_by_width_pays_for_itself_only() -> None:
    from tunestudio.search.groups import split_by_width

    assert split_by_width([128] * 10) == [list(range(10))]
    assert split_by_width([256, 64, 64, 256, 64], group_cost=100, min_part=2) == \
        [[1, 2, 4], [0, 3]]
    assert split_by_width([256, 64, 64, 256, 64], group_cost=100) == [[1, 2, 4, 0, 3]]
    assert split_by_width([64] * 4 + [256] * 4) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert split_by_width([256, 64], group_cost=10_000) == [[1, 0]]


def test_a_group_never_holds_more_than_k_trials(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run asks K per shape signature its space spans; when the sampler's trials all share
    one signature, they train in groups of at most K (neighbouring widths together), not in
    one group of every trial asked."""
    from tunestudio.search import groups

    width = CategoricalDimension(path="model.width", choices=[8, 16, 32, 64])
    lr = CategoricalDimension(path="optimizer.lr", choices=[0.01, 0.02])
    proj = project({"strategy": "grid", "dimensions": [width, lr],
                    "budget": Budget(trials=None), "fuse_trials": 4})
    monkeypatch.setattr(groups, "space_shapes", lambda ctx: 2)  # asks 8 of one signature
    notes = Notes()
    assert run(proj, [notes]).counts == {"complete": 8}
    store = open_store(proj)
    try:
        by_group: dict[str | None, list[int]] = {}
        for t in store.trials():
            by_group.setdefault(t.group_id, []).append(t.params["model.width"])
    finally:
        store.close()
    assert sorted(len(v) for v in by_group.values()) == [4, 4] and None not in by_group
    assert sorted(sorted(v) for v in by_group.values()) == [[8, 8, 16, 16], [32, 32, 64, 64]]


def test_capped_parts_are_runs_of_neighbouring_sizes_within_k_and_a_budget() -> None:
    from tunestudio.search.fuse_cost import capped_parts

    assert capped_parts([3, 1, 2], 16) == [[1, 2, 0]]
    assert capped_parts([5, 4, 3, 2, 1], 2) == [[4, 3], [2, 1], [0]]
    assert [len(p) for p in capped_parts(list(range(62)), 16)] == [16, 16, 16, 14]
    assert capped_parts([], 4) == []
    # and at most `budget` parameters each: a member over it alone is a group of one
    assert capped_parts([4, 3, 2, 1], 16, [40, 30, 20, 10], budget=35) == [[3, 2], [1], [0]]
