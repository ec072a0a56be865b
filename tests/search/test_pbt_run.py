"""An experiment of strategy 'pbt' run in process: every member an ordinary trial of one fused
group; its starting values and each exploit stored (member, step, source, values before and
after), so that its schedule and lineage read back and agree with its LR series; the
population's checkpoint is gone once the population ends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pbt_helpers import Said, check_exploits, run_population, stored_population
from tiny_projects import tiny_project
from tunestudio.cli import main
from tunestudio.config import FloatDimension, Project, save_project
from tunestudio.config.pbt import PBTSettings
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.store import per_step, values_at
from tunestudio.store.lineage import lineage

DIMS = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True),
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True)]


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Any, Said, Path | None]:
    """One population of 6, 4 epochs, perturbed after each epoch, with its own history and
    data folder (shared by this module's tests)."""
    folder = tmp_path_factory.mktemp("pbt")
    ran = run_population(folder, lambda: tiny_project(
        {"strategy": "pbt", "dimensions": DIMS, "sampler_seed": 3,
         "pbt": PBTSettings(population=6, interval=1, quantile=0.34)}, epochs=4))
    save_project(ran[0], folder / "pbt.tuneproj")
    return ran


Ran = tuple[Project, Any, Said, "Path | None"]


def test_the_population_is_one_group_of_ordinary_trials(ran: Ran) -> None:
    proj, summary, said, path = ran
    assert summary.counts == {"complete": 6}
    store = open_store(proj)
    try:
        trials = store.trials()
        assert len(trials) == 6 and len({t.group_id for t in trials}) == 1
        assert all(t.objective is not None and t.metrics["steps"] > 0 for t in trials)
    finally:
        store.close()
    assert any(m.startswith("pbt: trial #") for m in said.messages)
    assert path is not None and not path.exists()  # saved while it trained, gone at its end


def test_each_exploit_is_stored_and_the_schedules_match_the_lr_series(ran: Ran) -> None:
    trials, changes, steps = stored_population(ran[0])
    spe = int(next(iter(trials.values())).metrics["steps"]) // 4
    exploits = [c for cs in changes.values() for c in cs if c.exploit]
    # 2 of 6 replaced after epochs 1, 2 and 3 (never after the last)
    assert sorted(c.step for c in exploits) == [spe] * 2 + [2 * spe] * 2 + [3 * spe] * 2
    check_exploits(trials, changes, steps)  # the LR after an exploit: the source's plan
    for tid, cs in changes.items():
        for c in cs[1:]:  # the source's values then, explored by a factor or drawn afresh
            source = values_at(changes[c.source_trial_id], c.step)
            ratio = c.values["optimizer.lr"] / source["optimizer.lr"]
            assert ratio == pytest.approx(0.8) or ratio == pytest.approx(1.2) or \
                DIMS[0].low <= c.values["optimizer.lr"] <= DIMS[0].high
        # per step, the values the member trained with
        lr = per_step(cs, len(steps[tid].lr))["optimizer.lr"]
        assert lr[0] == pytest.approx(trials[tid].params["optimizer.lr"])
        assert lr[-1] == pytest.approx(cs[-1].values["optimizer.lr"])


def test_the_lineage_reads_back_and_the_best_schedule_replays(
        ran: Ran, capsys: pytest.CaptureFixture[str]) -> None:
    proj, summary, _, _ = ran
    store = open_store(proj)
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    assert len(found.members) == 6 and len(found.exploits) == 6
    assert found.best is not None and found.best.trial.id == summary.best_trial_id
    assert found.best.schedule[0][0] == 0
    assert proj.storage_url is not None
    project_file = next(Path(proj.storage_url.removeprefix("sqlite:///")).parent
                        .glob("*.tuneproj"))
    assert main(["lineage", str(project_file), "--format", "json", "--replay", "2",
                 "--device", "cpu"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["best"] == found.best.trial.number and len(out["exploits"]) == 6
    first = found.exploits[0]
    assert out["exploits"][0]["after"] == first.values
    replay = out["replay"]
    assert len(replay["replays"]) == 2 and replay["member"] == found.best.trial.objective
    assert all(0.0 < v <= 1.0 for v in replay["replays"])
    assert replay["within_noise"] == (abs(replay["member"] - replay["mean"]) <= replay["noise"])
    assert main(["lineage", str(project_file)]) == 0  # the text a person reads
    text = capsys.readouterr().out
    assert "6 members, 6 exploits" in text and f"best: #{found.best.trial.number}" in text
    assert "from step      0:" in text and "took #" in text


def test_the_best_schedule_written_back_replays_as_a_new_experiment(
        ran: Ran, tmp_path: Path) -> None:
    """`tunestudio lineage --write-back`: the schedule of the best member's lineage (the values
    that trained its final weights, through the members it copied) becomes the baseline's (its
    starting values, then baseline.hyper_schedule) and a new experiment replays it with 3
    seeds; run, each seed's LR at each step is that of the member whose weights the best
    member's line held then."""
    from tunestudio.config import load_project

    proj = ran[0]
    store = open_store(proj)
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    assert found.best is not None
    project_file = tmp_path / "pbt.tuneproj"
    save_project(proj, project_file)
    assert main(["lineage", str(project_file), "--write-back"]) == 0
    written = load_project(project_file)
    best = found.best
    schedule = found.schedule(best.trial.id)
    assert written.baseline.optimizer.lr == pytest.approx(schedule[0][1]["optimizer.lr"])
    assert [(c.step, c.values) for c in written.baseline.hyper_schedule] == schedule[1:]
    replay = written.experiments[-1]
    assert replay.name == f"replay-{proj.experiments[0].name}-{best.trial.number}"
    assert replay.search.strategy == "grid" and replay.search.repeats == 3
    assert not replay.search.dimensions
    summary = ExperimentRunner(written, replay.name, options=RunOptions(device="cpu")).run()
    assert summary.counts == {"complete": 1}
    line = found.ancestry(best.trial.id)
    store = open_store(written)
    try:
        [trial] = store.trials(store.experiment(replay.name).id)  # type: ignore[union-attr]
        steps = store.step_series([trial.id])[trial.id]
        members = store.step_series([c.trial_id for c in line])
    finally:
        store.close()
    assert trial.objective_std is not None  # 3 seeds
    # the first seed's LR at each step is the one the member then holding the line trained
    # with: the lineage's schedule, replayed
    ends = [c.step for c in line[1:]] + [len(members[best.trial.id].lr)]  # the first seed
    for change, end in zip(line, ends, strict=True):
        span = slice(change.step, end)
        assert list(steps.lr[span]) == pytest.approx(list(members[change.trial_id].lr[span]),
                                                     rel=1e-6)


def test_a_lineage_schedule_follows_the_sources_of_its_exploits(ran: Ran) -> None:
    """Some member's line runs through another member (the population exploits): its
    lineage's schedule then differs from its own, and every change of it is the values the
    trial named trained with from that step."""
    store = open_store(ran[0])
    try:
        found = lineage(store, store.experiments()[0].id, "maximize")
    finally:
        store.close()
    lines = {tid: found.ancestry(tid) for tid in found.members}
    assert any(len({c.trial_id for c in line}) > 1 for line in lines.values())
    for tid, line in lines.items():
        assert line[0].step == 0 and not line[0].exploit and line[-1].trial_id == tid
        assert [c.step for c in line] == sorted({c.step for c in line})
        for change in line:
            own = found.members[change.trial_id].changes
            assert values_at(own, change.step) == change.values


def test_the_seed_noise_is_one_more_runs_prediction_interval() -> None:
    """A member is one run of its own beside n replays whose spread is estimated from them:
    t(0.975, n - 1) s sqrt(1 + 1/n), not twice s; never below the floor."""
    from tunestudio.search.pbt import seed_noise

    runs = [0.90, 0.92, 0.94]  # s = 0.02, n = 3: t = 4.303
    assert seed_noise(runs) == pytest.approx(4.3027 * 0.02 * (4 / 3) ** 0.5, rel=1e-4)
    eight = [0.90, 0.92] * 4
    s = 0.010690449676496976
    assert seed_noise(eight) == pytest.approx(2.3646 * s * (9 / 8) ** 0.5, rel=1e-4)
    assert seed_noise([0.97, 0.97, 0.97]) == 0.005 and seed_noise([0.5]) == 0.005


def test_the_tensorboard_export_shows_each_member_s_schedule_and_exploits(
        ran: Ran, tmp_path: Path) -> None:
    """Exported from the history, a member's run holds each searched value it trained with as
    the step function `hparams/<path>` (a point at the first and the last step of each
    stretch) and each exploit as `pbt/exploits` text at its step, naming the member copied."""
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from tunestudio.search.tensorboard import export_tensorboard, run_dir

    proj = ran[0]
    trials, changes, steps = stored_population(proj)
    store = open_store(proj)
    try:
        export_tensorboard(store, tmp_path, {})
    finally:
        store.close()
    name = proj.experiments[0].name
    tid = next(t for t, cs in changes.items() if any(c.exploit for c in cs))
    acc = EventAccumulator(str(run_dir(tmp_path, name, trials[tid].number)),
                           size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    last = int(steps[tid].step.max())
    for path in ("optimizer.lr", "optimizer.weight_decay"):
        points = {e.step: e.value for e in acc.Scalars(f"hparams/{path}")}
        wanted = per_step(changes[tid], last)[path]  # the value of steps 1..last
        assert points and max(points) == last
        assert all(v == pytest.approx(wanted[s - 1]) for s, v in points.items())
    texts = {e.step: e.tensor_proto.string_val[0].decode()
             for e in acc.Tensors("pbt/exploits/text_summary")}
    exploits = [c for c in changes[tid] if c.exploit]
    assert sorted(texts) == [c.step for c in exploits]
    source = trials[exploits[0].source_trial_id].number
    assert f"copied trial #{source}" in texts[exploits[0].step]
