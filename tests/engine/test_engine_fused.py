"""The fused trainer: every trial of a group computes what it would alone (float32, CPU, same
seed), and one trial's stop, NaN or pruning never changes another's numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
from engine_helpers import Recorder, tiny

from tunestudio.config import RunConfig
from tunestudio.engine import EvalEvent, StepEvent, Trainer, TrainerHooks, Trial
from tunestudio.engine.fused import FusedTrainer, FusionError, GroupOutOfMemoryError, fuse_signature
from tunestudio.engine.loop import STEP_FIXED_WORK

STEPS = 100
REL = 1e-4


def alone(config: RunConfig, base_dir: Path | None = None) -> Recorder:
    rec = Recorder()
    Trainer(config, hooks=[rec], device="cpu", base_dir=base_dir).fit()
    return rec


def fused(configs: Sequence[RunConfig], base_dir: Path | None = None,
          extra: Sequence[Sequence[TrainerHooks]] | None = None, kernel: str = "auto"
          ) -> tuple[list[Recorder], FusedTrainer]:
    recs = [Recorder() for _ in configs]
    hooks = [[r, *(extra[i] if extra else [])] for i, r in enumerate(recs)]
    trainer = FusedTrainer(configs, hooks=hooks, device="cpu", base_dir=base_dir,
                           kernel=kernel)  # type: ignore[arg-type]
    trainer.fit()
    return recs, trainer


def losses(rec: Recorder) -> list[float]:
    return [s.loss for s in rec.steps][:STEPS]


def assert_same_run(group: Recorder, single: Recorder) -> None:
    a, b = losses(single), losses(group)
    assert len(a) == len(b) > 0
    worst = max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b, strict=True))
    assert worst < REL, worst
    assert [s.lr for s in group.steps][:STEPS] == pytest.approx([s.lr for s in single.steps]
                                                               [:STEPS], rel=1e-12)
    assert [s.grad_norm for s in group.steps][:STEPS] == pytest.approx(
        [s.grad_norm for s in single.steps][:STEPS], rel=1e-3)
    assert group.results[0].status == single.results[0].status
    assert group.results[0].steps == single.results[0].steps


def check_group(configs: Sequence[RunConfig], base_dir: Path | None = None,
                route: str | None = None, kernel: str = "auto") -> list[Recorder]:
    recs, trainer = fused(configs, base_dir, kernel=kernel)
    if route is not None:
        assert trainer.route == route
    for config, rec in zip(configs, recs, strict=True):
        assert_same_run(rec, alone(config, base_dir))
    return recs


LONG = {"training.epochs": 5}  # 5 x 23 steps: over the 100 compared


def test_mlp_with_padded_widths_and_own_seeds_matches_lone_runs() -> None:
    configs = [tiny({**LONG, "model.width": 32}),
               tiny({**LONG, "model.width": 8, "training.seed": 7, "optimizer.lr": 0.003}),
               tiny({**LONG, "model.hidden_sizes": [24], "model.init": "kaiming_normal"})]
    recs = check_group(configs, route="mlp")
    assert recs[0].starts[0].n_parameters == 64 * 32 + 32 + 32 * 10 + 10
    assert recs[1].starts[0].n_parameters == 64 * 8 + 8 + 8 * 10 + 10


def test_a_group_of_one_trains_as_alone() -> None:
    """The probe times a group of one first; a search may leave one trial to a group."""
    check_group([tiny({"training.label_smoothing": 0.2})], route="mlp")


def test_padded_sigmoid_units_are_masked() -> None:
    check_group([tiny({"model.activation": "sigmoid", "model.width": 32, "model.depth": 2}),
                 tiny({"model.activation": "sigmoid", "model.hidden_sizes": [8, 20]})])


@pytest.mark.parametrize("optimizer", [
    {"optimizer.kind": "sgd", "optimizer.lr": 0.05, "optimizer.momentum": 0.9},
    # plain momentum in every trial: the update in place, without Nesterov's extra term
    {"optimizer.kind": "sgd", "optimizer.lr": 0.05, "optimizer.momentum": 0.9,
     "optimizer.nesterov": False, "optimizer.weight_decay": 1e-3},
    {"optimizer.kind": "adam", "optimizer.lr": 0.005, "optimizer.weight_decay": 1e-3},
    {"optimizer.kind": "adamw", "optimizer.lr": 0.005, "optimizer.weight_decay": 0.05},
    {"optimizer.kind": "rmsprop", "optimizer.lr": 0.001, "optimizer.momentum": 0.5},
])
def test_each_optimiser_matches_torch_optim(optimizer: dict[str, Any]) -> None:
    base = {**LONG, **optimizer}
    varied = {**base, "optimizer.lr": optimizer["optimizer.lr"] / 3, "training.seed": 2,
              "optimizer.l1": 1e-4, "training.grad_clip_norm": 0.5}
    if optimizer["optimizer.kind"] == "sgd" and "optimizer.nesterov" not in optimizer:
        varied["optimizer.nesterov"] = True
    elif optimizer["optimizer.kind"] == "sgd":
        varied["optimizer.momentum"] = 0.5
    check_group([tiny(base), tiny(varied)])


def test_schedules_per_trial_match_lone_runs() -> None:
    check_group([
        tiny({**LONG, "schedule.kind": "cosine", "schedule.warmup_epochs": 1.0}),
        tiny({**LONG, "schedule.kind": "step", "schedule.step_epochs": 1.0,
              "schedule.gamma": 0.5}),
        tiny({**LONG, "schedule.kind": "one_cycle"}),
        tiny({**LONG, "schedule.kind": "plateau", "schedule.patience": 0,
              "schedule.min_delta": 0.5, "schedule.factor": 0.5,
              "schedule.floor_fraction": 0.125, "optimizer.lr": 0.02}),
    ])


def test_plateau_cuts_and_early_stopping_per_trial() -> None:
    plateau = tiny({"training.epochs": 8, "schedule.kind": "plateau", "schedule.patience": 0,
                    "schedule.min_delta": 0.5, "schedule.floor_fraction": 0.25,
                    "schedule.factor": 0.5})
    early = tiny({"training.epochs": 8, "early_stopping.enabled": True,
                  "early_stopping.patience": 1, "early_stopping.min_delta": 1.0,
                  "optimizer.lr": 0.003})
    plain = tiny({"training.epochs": 8, "optimizer.lr": 0.002})
    recs = check_group([plateau, early, plain])
    assert [r.results[0].status for r in recs] == ["stopped_early", "stopped_early",
                                                   "completed"]
    assert len({s.lr for s in recs[0].steps}) == 2  # a cut, then the floor ends the trial
    assert "reduce-on-plateau" in recs[0].results[0].message
    spe = recs[0].starts[0].steps_per_epoch
    assert recs[1].results[0].steps < recs[2].results[0].steps == 8 * spe
    assert [len(r.evals) for r in recs] == [r.results[0].steps // spe for r in recs]


def test_regression_trials_report_the_lone_runs_metrics() -> None:
    """Squared error, and per-trial MSE, MAE and R2 in target units at every evaluation."""
    friedman = {"data.source.name": "friedman", "data.source.n_samples": 600,
                "data.source.noise": 0.3, "training.epochs": 3}
    configs = [tiny(friedman), tiny({**friedman, "training.seed": 5, "optimizer.lr": 0.003,
                                     "model.width": 16})]
    recs = check_group(configs)
    for config, rec in zip(configs, recs, strict=True):
        want = alone(config).evals
        assert len(rec.evals) == len(want) == 3
        for got, lone in zip(rec.evals, want, strict=True):
            assert set(got.metrics) == set(lone.metrics) >= {"val_mse", "val_mae", "val_r2",
                                                             "train_r2"}
            assert got.metrics == pytest.approx(lone.metrics, rel=1e-4, abs=1e-6)


CNN = {"model.kind": "cnn", "model.channels": [4, 8], "model.hidden": 16}


@pytest.mark.parametrize("model", [{}, CNN], ids=["hand-written", "vmap"])
def test_each_trial_keeps_its_own_label_smoothing(model: dict[str, Any]) -> None:
    """Label smoothing rides on the trial axis: trials of 0.2, 0 and 0.05 fuse, and each
    computes its own loss and gradients, also after the first leaves the group (the stack
    then drops its row); trials of one value take torch's own kernel, as alone."""
    def config(smoothing: float, **values: Any) -> RunConfig:
        return tiny({**LONG, **model, "training.label_smoothing": smoothing, **values})

    mixed = [config(0.2), config(0.0, **{"training.seed": 2}),
             config(0.05, **{"optimizer.lr": 0.003})]
    assert len({fuse_signature(c) for c in mixed}) == 1
    recs, trainer = fused(mixed, extra=[[_Stopper("pruned", 2)], [], []])
    assert trainer.setup().hand_written == (not model)
    assert [r.results[0].status for r in recs] == ["pruned", "completed", "completed"]
    for config_, rec in zip(mixed, recs, strict=True):
        single = alone(config_)
        if rec.results[0].status == "pruned":
            spe = rec.starts[0].steps_per_epoch
            assert losses(rec) == pytest.approx(losses(single)[:2 * spe], rel=REL)
        else:
            assert_same_run(rec, single)
    if not model:
        check_group([config(0.2, **{"model.width": 16}), config(0.2, **{"training.seed": 3})])


@pytest.mark.parametrize(("kernel", "route"), [("auto", "conv"), ("vmap", "vmap")])
def test_cnn_matches_lone_runs(kernel: str, route: str) -> None:
    """The built-in CNN through the grouped-convolution pass (the default) and through vmap."""
    cnn = {**LONG, **CNN}
    check_group([tiny(cnn), tiny({**cnn, "training.seed": 3, "optimizer.lr": 0.003})],
                route=route, kernel=kernel)


AUGMENT = {"data.augment.crop_padding": 1, "data.augment.horizontal_flip": True,
           "data.augment.rotation": 10.0}


def test_augmented_cnn_members_each_draw_their_own_stream_as_alone() -> None:
    """Each member augments its batches from its own seed's generator with its own settings,
    exactly as alone: the first 100 steps of each (batch norm on, dropout off) are the lone
    runs' (float32, CPU)."""
    cnn = {**CNN, **AUGMENT, "model.dropout": 0.0, "training.batch_size": 32,
           "training.epochs": 3}  # 3 x 45 steps: over the 100 compared
    recs = check_group([tiny(cnn), tiny({**cnn, "training.seed": 3, "optimizer.lr": 0.003,
                                         "data.augment.rotation": 25.0,
                                         "data.augment.horizontal_flip": False})],
                       route="conv")
    assert len(recs[0].steps) >= STEPS


def test_augmented_members_sharing_a_seed_still_augment_alone() -> None:
    """One seed: the group draws one batch order, but each member still augments its own
    batch (the stacked MLP's per-row pass), or leaves it as it is when it has no
    augmentation."""
    mlp = {**AUGMENT, "training.epochs": 1}
    plain = {"data.augment.crop_padding": 0, "data.augment.horizontal_flip": False,
             "data.augment.rotation": 0.0}
    check_group([tiny(mlp), tiny({**mlp, "optimizer.lr": 0.003, "model.width": 8}),
                 tiny({**mlp, **plain, "optimizer.lr": 0.03})], route="mlp")


def test_user_model_file_fuses_through_vmap(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 24),\n"
        "                               torch.nn.Tanh(), torch.nn.Linear(24, n_outputs))\n")
    user = {**LONG, "model.kind": "python", "model.path": "net.py"}
    check_group([tiny(user), tiny({**user, "training.seed": 1, "optimizer.lr": 0.02})],
                base_dir=tmp_path, route="vmap")


def test_a_model_vmap_rejects_cannot_fuse(tmp_path: Path) -> None:
    (tmp_path / "net.py").write_text(
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self, n):\n"
        "        super().__init__()\n"
        "        self.lin = torch.nn.Linear(64, n)\n"
        "    def forward(self, x):\n"
        # a host read of a weight: vmap refuses it
        "        scale = float(self.lin.weight.detach().abs().max()) or 1.0\n"
        "        return self.lin(x.flatten(1)) / scale\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return Net(n_outputs)\n")
    user = {"model.kind": "python", "model.path": "net.py"}
    recorder = Recorder()
    trainer = FusedTrainer([tiny(user), tiny({**user, "optimizer.lr": 0.02})],
                           hooks=[[recorder], []], device="cpu", base_dir=tmp_path)
    with pytest.raises(FusionError, match="vmap"):
        trainer.fit()
    assert not recorder.starts and not recorder.results  # nothing reported: train alone
    assert alone(tiny(user), tmp_path).results[0].status == "completed"


class _Poison(TrainerHooks):
    """Makes its trial's weights NaN after `step` steps, as a too-high LR would."""

    def __init__(self, fused_trainer: list[FusedTrainer], row: int, step: int):
        self.box, self.row, self.step = fused_trainer, row, step

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        if event.step == self.step:
            with torch.no_grad():
                self.box[0].setup().stack.params[0][self.row].fill_(float("nan"))


class _Stopper(TrainerHooks):
    def __init__(self, status: str, at_eval: int):
        self.status, self.at_eval, self.seen = status, at_eval, 0

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        self.seen += 1
        if self.seen == self.at_eval:
            trainer.request_stop(self.status, f"{self.status} by the test")


def test_nan_pruned_and_early_stopped_trials_leave_the_others_unchanged() -> None:
    configs = [tiny({**LONG, "optimizer.lr": 0.01 * (i + 1), "training.seed": i})
               for i in range(4)]
    box: list[FusedTrainer] = []
    recs = [Recorder() for _ in configs]
    extra: list[list[TrainerHooks]] = [[], [_Poison(box, 1, 30)], [_Stopper("pruned", 1)],
                                       [_Stopper("stopped_early", 2)]]
    trainer = FusedTrainer(configs, hooks=[[r, *e] for r, e in zip(recs, extra, strict=True)],
                           device="cpu")
    box.append(trainer)
    results = trainer.fit()
    assert [r.status for r in results] == ["completed", "diverged", "pruned", "stopped_early"]
    assert results[1].steps == 31 and len(recs[1].steps) == 30  # NaN at step 31
    assert "lower the learning rate" in results[1].message
    spe = recs[0].starts[0].steps_per_epoch
    assert results[2].steps == spe and results[3].steps == 2 * spe
    assert recs[2].results[0] is results[2]
    # The survivor's whole run equals its run alone; the others' runs up to their stop too.
    lone = alone(configs[0])
    assert [s.loss for s in recs[0].steps] == pytest.approx([s.loss for s in lone.steps],
                                                            rel=REL)
    assert recs[0].evals[-1].metrics == pytest.approx(lone.evals[-1].metrics, rel=REL)
    for i in (2, 3):
        mine = [s.loss for s in recs[i].steps]
        assert mine == pytest.approx([s.loss for s in alone(configs[i]).steps][:len(mine)],
                                     rel=REL)


def test_written_back_weights_are_the_trials_own() -> None:
    sgd = {"optimizer.kind": "sgd", "optimizer.lr": 0.05}
    configs = [tiny({**sgd, "model.width": 16}),
               tiny({**sgd, "model.width": 32, "training.seed": 4})]
    _, trainer = fused(configs)
    model = trainer.members[0].model
    assert model is not None
    single = Trainer(configs[0], device="cpu")
    single.fit()
    assert single.model is not None
    for mine, theirs in zip(model.parameters(), single.model.parameters(), strict=True):
        assert torch.allclose(mine, theirs, rtol=1e-3, atol=1e-4)


def test_stop_event_stops_every_trial() -> None:
    import threading

    stop = threading.Event()

    class StopAt(TrainerHooks):
        def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
            if event.step == 5:
                stop.set()

    trainer = FusedTrainer([tiny(), tiny({"optimizer.lr": 0.1})], hooks=[[StopAt()], []],
                           device="cpu", stop_event=stop)
    assert [r.status for r in trainer.fit()] == ["stopped", "stopped"]


def test_each_trial_steps_carry_wall_time_without_the_pause() -> None:
    import itertools
    import threading
    import time

    pause = threading.Event()

    class PauseAt3(TrainerHooks):
        def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
            if event.step == 3 and not pause.is_set() and trainer is hooked[0]:
                pause.set()
                threading.Timer(0.4, pause.clear).start()

    recs = [Recorder(), Recorder()]
    trainer = FusedTrainer([tiny(), tiny({"optimizer.lr": 0.1})],
                           hooks=[[recs[0], PauseAt3()], [recs[1]]], device="cpu",
                           pause_event=pause)
    hooked = [trainer.members[0]]
    t0 = time.perf_counter()
    assert [r.status for r in trainer.fit()] == ["completed", "completed"]
    elapsed = time.perf_counter() - t0
    for rec in recs:
        walls = [s.wall_s for s in rec.steps]
        assert len(walls) == rec.results[0].steps
        assert walls[0] >= 0.0 and all(b >= a for a, b in itertools.pairwise(walls))
        assert max(b - a for a, b in itertools.pairwise(walls)) < 0.3  # the pause left out
        assert walls[-1] < elapsed - 0.3
        assert rec.evals[-1].wall_s >= walls[rec.evals[-1].step - 1]


def test_out_of_memory_names_the_unfinished_trials() -> None:
    class OutOfMemory(TrainerHooks):
        def on_fit_start(self, trainer: Trial, event: object) -> None:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    configs = [tiny(), tiny({"optimizer.lr": 0.1}), tiny({"optimizer.lr": 0.2})]
    trainer = FusedTrainer(configs, hooks=[[], [OutOfMemory()], []], device="cpu")
    with pytest.raises(GroupOutOfMemoryError) as info:
        trainer.fit()
    assert info.value.pending == [0, 1, 2]
    lone = FusedTrainer(configs[:1], hooks=[[OutOfMemory()]], device="cpu")
    assert lone.fit()[0].status == "out_of_memory"


def _sig(values: Mapping[str, Any]) -> str:
    return fuse_signature(tiny(dict(values)))


def test_signature_separates_what_cannot_fuse() -> None:
    assert _sig({"optimizer.lr": 0.1, "model.width": 8, "training.seed": 3,
                 "schedule.kind": "cosine", "training.grad_clip_norm": 1.0}) == _sig({})
    assert _sig({"training.batch_size": 32}) != _sig({})
    assert _sig({"model.depth": 2}) != _sig({})
    assert _sig({"optimizer.kind": "sgd"}) != _sig({})
    assert _sig({"training.epochs": 4}) != _sig({})
    cnn = {"model.kind": "cnn", "model.channels": [4]}
    assert _sig({**cnn, "model.hidden": 8}) != _sig({**cnn, "model.hidden": 16})
    with pytest.raises(FusionError, match="differ"):
        FusedTrainer([tiny(), tiny({"training.batch_size": 32})])
    # what a search names when trials cannot fuse: each differing path, larger or smaller
    from tunestudio.engine.fused import signature_difference

    base = tiny()
    assert signature_difference(base, tiny({"training.batch_size": 32, "model.depth": 2})) \
        == ["model.hidden_layers", "training.batch_size"]
    assert signature_difference(tiny({"training.batch_size": 128}), base) == \
        ["training.batch_size"]
    assert signature_difference(base, tiny({"optimizer.lr": 0.5, "training.seed": 9})) == []
    assert signature_difference(base, tiny({"data.augment.rotation": 20.0})) == []


class _StopAtEpoch(TrainerHooks):
    def __init__(self, epochs: int):
        self.epochs = epochs

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        if epoch + 1 == self.epochs:
            trainer.request_stop("stopped", "interrupted by the test")


@pytest.mark.parametrize("optimizer", [
    {"optimizer.kind": "sgd", "optimizer.lr": 0.05},
    {"optimizer.kind": "adam", "optimizer.lr": 0.005},
    # RMSprop keeps a momentum buffer beside its square average only when momentum > 0
    {"optimizer.kind": "rmsprop", "optimizer.lr": 0.002, "optimizer.momentum": 0.9},
])
def test_a_fused_trials_checkpoint_resumes_as_a_lone_trial(
        tmp_path: Path, optimizer: dict[str, Any]) -> None:
    """Interrupted after 2 of 4 epochs in a group, the trial goes on alone from its checkpoint
    (weights and optimiser state in torch.optim's layout, saved without building a torch
    optimiser: checkpoint._optimizer_part) and ends as it would have in full."""
    from tunestudio.engine.checkpoint import LATEST, CheckpointHook
    from tunestudio.engine.checkpoint import load as load_checkpoint

    configs = [tiny({**optimizer, "training.epochs": 4, "model.width": 16}),
               tiny({**optimizer, "training.epochs": 4, "model.width": 32, "training.seed": 3})]
    hook = CheckpointHook(tmp_path, monitor="val_accuracy")
    recs = [Recorder(), Recorder()]
    group = FusedTrainer(configs, hooks=[[recs[0], hook, _StopAtEpoch(2)], [recs[1]]],
                         device="cpu")
    group.fit()
    assert recs[0].results[0].status == "stopped"
    assert not group.members[0].optimizer_built
    state = load_checkpoint(tmp_path / LATEST)
    assert state["epoch"] == 2 and "optimizer" not in state
    resumed = Recorder()
    Trainer(configs[0], hooks=[resumed], device="cpu", resume=state).fit()
    full = alone(configs[0])
    spe = full.starts[0].steps_per_epoch
    assert [s.loss for s in resumed.steps] == pytest.approx(
        [s.loss for s in full.steps][2 * spe:], rel=1e-3)
    lone = tmp_path / "lone"
    Trainer(configs[0], hooks=[CheckpointHook(lone, monitor=None), _StopAtEpoch(2)],
            device="cpu").fit()
    want = load_checkpoint(lone / LATEST)["optimizer"]["state"]
    kept = load_checkpoint(tmp_path / LATEST)["optimizer_state"]  # the resume trained `state`
    assert len(want) == len(kept) == 4
    for index, tensors in want.items():  # the same buffers, in torch.optim's layout
        got = kept[index]
        assert sorted(got) == sorted(tensors), index
        for name, tensor in tensors.items():
            scale = float(tensor.abs().max())  # float32 rounding of two summation orders
            assert torch.allclose(got[name], tensor, rtol=1e-3, atol=1e-4 * scale), \
                (index, name)


def test_group_checkpoints_are_written_when_the_trial_ends(tmp_path: Path) -> None:
    """Paced as for a group's members: nothing on disk during a short trial, then its best and
    latest states at its end; the best is the best evaluation's, the latest the last epoch's."""
    from tunestudio.engine.checkpoint import BEST, LATEST
    from tunestudio.engine.checkpoint import load as load_checkpoint
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    configs = [tiny({"training.epochs": 4}), tiny({"training.epochs": 4, "optimizer.lr": 0.1})]
    seen: list[bool] = []

    class Look(TrainerHooks):
        def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
            seen.append((tmp_path / LATEST).exists())

    hook = PacedCheckpointHook(tmp_path, monitor="val_loss", min_interval_s=3600)
    recs = [Recorder(), Recorder()]
    FusedTrainer(configs, hooks=[[recs[0], hook, Look()], [recs[1]]], device="cpu").fit()
    assert seen == [False] * 4
    latest, best = load_checkpoint(tmp_path / LATEST), load_checkpoint(tmp_path / BEST)
    losses = [e.metrics["val_loss"] for e in recs[0].evals]
    assert latest["epoch"] == 4 and best["epoch"] == 1 + losses.index(min(losses))
    assert best["best_value"] == pytest.approx(min(losses))
    if best["epoch"] != latest["epoch"]:  # the best state kept its own weights
        assert not torch.equal(best["model"]["1.weight"], latest["model"]["1.weight"])


@pytest.mark.parametrize("every_epochs", [1, 2, 5])
def test_a_members_best_checkpoint_is_the_lone_trials(tmp_path: Path, every_epochs: int) -> None:
    """A group's member keeps a new best as copies of its rows and makes the full state only
    when it is written (at a due resume file or the fit's end): the file holds what a lone
    trial's eager capture of that epoch holds."""
    from tunestudio.engine.checkpoint import BEST
    from tunestudio.engine.checkpoint import load as load_checkpoint
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    # so high a learning rate that the validation loss is best after the first epoch and
    # rises after: the best state is made epochs after it was kept, when the plateau schedule
    # has cut the LR and early stopping counted bad evaluations since (both are the best
    # epoch's in the file)
    config = tiny({"training.epochs": 6, "optimizer.kind": "sgd", "optimizer.lr": 0.4,
                   "optimizer.momentum": 0.9, "model.width": 16, "schedule.kind": "plateau",
                   "schedule.patience": 0, "schedule.min_delta": 10.0,
                   "schedule.factor": 0.9,
                   "early_stopping.enabled": True, "early_stopping.patience": 100})
    other = tiny({"training.epochs": 6, "optimizer.kind": "sgd", "model.width": 32,
                  "training.seed": 4})
    group_hook = PacedCheckpointHook(tmp_path / "group", monitor="val_loss",
                                     every_epochs=every_epochs)
    FusedTrainer([other, config], hooks=[[], [group_hook]], device="cpu").fit()
    lone_hook = PacedCheckpointHook(tmp_path / "lone", monitor="val_loss",
                                    every_epochs=every_epochs)
    Trainer(config, hooks=[lone_hook], device="cpu").fit()
    fused_best = load_checkpoint(tmp_path / "group" / BEST)
    lone_best = load_checkpoint(tmp_path / "lone" / BEST)
    assert fused_best["epoch"] == 1
    for key in ("epoch", "step", "evaluated_at"):
        assert fused_best[key] == lone_best[key], key
    assert fused_best["plateau"]["cuts"] == 0 and fused_best["early_stopping"]["bad"] == 0
    for key in ("metrics", "best", "early_stopping", "plateau"):
        assert fused_best[key] == pytest.approx(lone_best[key], rel=1e-4), key
    assert fused_best["best_value"] == pytest.approx(lone_best["best_value"], rel=1e-4)
    assert torch.equal(fused_best["rng"]["batch_order"], lone_best["rng"]["batch_order"])
    for name, tensor in lone_best["model"].items():
        assert torch.allclose(fused_best["model"][name], tensor, rtol=1e-3, atol=1e-5), name
    for index, state in lone_best["optimizer"]["state"].items():
        assert torch.allclose(fused_best["optimizer_state"][index]["momentum_buffer"],
                              state["momentum_buffer"], rtol=1e-3, atol=1e-5)
    assert len(lone_best["optimizer"]["state"]) == len(fused_best["optimizer_state"]) == 4


def test_a_narrow_trial_left_alone_in_a_wider_stack_trains_as_alone() -> None:
    """The widest trial is pruned after its first evaluation; the narrow one goes on alone in
    the stack that is still as wide as the pruned trial was."""
    narrow = tiny({**LONG, "model.width": 8})
    wide = tiny({**LONG, "model.width": 32, "training.seed": 2})
    recs, _ = fused([narrow, wide], extra=[[], [_Stopper("pruned", 1)]])
    assert recs[1].results[0].status == "pruned"
    assert_same_run(recs[0], alone(narrow))


def test_each_member_is_charged_its_share_of_the_groups_time() -> None:
    """Case 37: every member of a group was charged the whole group's wall time, the same for
    every width and several times what it costs. Now each gets a share by what its step
    costs alone (a fixed part beside its parameters x batch size), the shares add up to the
    group's training time, and they rank the members by cost. By parameters alone the widths
    8..512 spread 56x, where alone they take about 4x."""
    import time

    widths = [8, 32, 128, 512]
    configs = [tiny({"model.width": w, "training.epochs": 2}) for w in widths]
    t0, cpu0 = time.perf_counter(), time.thread_time()
    recs, trainer = fused(configs)
    wall, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
    assert trainer.route == "mlp"
    durations = [rec.results[0].duration_s for rec in recs]
    assert durations == sorted(durations) and len(set(durations)) == len(durations)
    assert sum(durations) <= wall
    # the group's time, shared out, not lost: against this thread's CPU time, which the
    # training clock is on a CPU with one torch thread (other processes on the cores stretch
    # the wall time, not it; the clock is wall time otherwise, never less than this)
    assert sum(durations) >= 0.5 * cpu
    batch = configs[0].training.batch_size
    weights = [STEP_FIXED_WORK + rec.starts[0].n_parameters * batch for rec in recs]
    for d, w in zip(durations, weights, strict=True):
        # by cost alone, up to the moments between one member ending and the next
        assert d / sum(durations) == pytest.approx(w / sum(weights), rel=0.05)
    assert durations[-1] / durations[0] < 10  # not the 56x of parameters alone


def test_measured_costs_alone_share_the_groups_time_when_given() -> None:
    """The search's cost model (--fuse auto) gives what each member's step costs alone. (The
    members' ends, one after another at the last step, are shared among those still running:
    a loaded machine stretched them to 6 % of a one-epoch run, hence three epochs and 10 %;
    without them the shares follow each member's own work instead.)"""
    configs = [tiny({"model.width": w, "training.epochs": 3}) for w in (8, 32, 128)]
    recs = [Recorder() for _ in configs]
    FusedTrainer(configs, hooks=[[r] for r in recs], device="cpu",
                 time_weights=[1.0, 3.0, 2.0]).fit()
    durations = [rec.results[0].duration_s for rec in recs]
    assert [d / durations[0] for d in durations] == pytest.approx([1.0, 3.0, 2.0], rel=0.1)


class _SlowEnd(TrainerHooks):
    """A trial end whose bookkeeping takes a while (a slow disk, a remote store)."""

    def on_fit_end(self, trainer: Trial, result: object) -> None:
        import time

        time.sleep(0.4)


def test_members_ending_together_are_not_charged_each_others_ends() -> None:
    """Members of equal cost that end at the same step get equal times, however long the
    first one's end took (it was shared out to the members ending after it)."""
    configs = [tiny({"model.width": 16, "training.epochs": 1}) for _ in range(3)]
    recs = [Recorder() for _ in configs]
    FusedTrainer(configs, hooks=[[r, _SlowEnd()] for r in recs], device="cpu",
                 time_weights=[1.0, 1.0, 1.0]).fit()
    durations = [rec.results[0].duration_s for rec in recs]
    assert max(durations) - min(durations) < 0.2, durations


def test_a_member_that_stops_early_is_charged_only_while_it_trained() -> None:
    """A member pruned at its first of three evaluations stops sharing the group's time."""
    import time

    configs = [tiny({"model.width": 32, "training.epochs": 3}),
               tiny({"model.width": 32, "training.epochs": 3, "optimizer.lr": 0.02})]
    recs = [Recorder(), Recorder()]
    trainer = FusedTrainer(configs, hooks=[[recs[0]], [recs[1], _Stopper("pruned", 1)]],
                           device="cpu")
    t0 = time.perf_counter()
    trainer.fit()
    wall = time.perf_counter() - t0
    [ok], [pruned] = recs[0].results, recs[1].results
    assert pruned.status == "pruned" and ok.status == "completed"
    assert pruned.duration_s < 0.75 * ok.duration_s
    assert pruned.duration_s + ok.duration_s <= wall  # shared, never charged twice


def test_a_shared_batch_order_moves_every_members_generator() -> None:
    """Members of one seed share one batch order; each member's own generator (which its
    checkpoint carries, and a resume draws from) ends where the trial's alone ends, also
    after the member that drew the shared order stopped."""
    configs = [tiny({"training.epochs": 2}), tiny({"training.epochs": 2, "optimizer.lr": 0.003})]
    trainer = FusedTrainer(configs, hooks=[[_Stopper("pruned", 1)], []], device="cpu")
    assert [r.status for r in trainer.fit()] == ["pruned", "completed"]
    single = Trainer(configs[1], device="cpu")
    single.fit()
    assert torch.equal(trainer.members[1].state.generator.get_state(),
                       single.state.generator.get_state())


@pytest.mark.parametrize(("normalised", "head"), [(False, True), (True, True), (True, False)])
def test_grouped_convolution_pass_computes_what_vmap_computes(normalised: bool,
                                                              head: bool) -> None:
    """Outputs, gradients and batch-norm statistics of the grouped-convolution pass are vmap's,
    for per-trial and shared batches, in training and in evaluation, behind an image folder's
    input normalisation or not, with Linear layers after Flatten or with Flatten last (the
    output is the features, in (C, H, W) order, which the pass keeps channels-last before)."""
    from torch import nn

    from tunestudio.engine.fused.stacked import GroupedConvStack, VmapStack
    from tunestudio.engine.input_norm import ImageInput

    def cnn() -> nn.Module:
        net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4),
                            nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1),
                            nn.Tanh(), nn.Flatten(), nn.ReLU(), nn.Linear(6 * 4 * 4, 8),
                            nn.ReLU(), nn.Dropout(0.0), nn.Linear(8, 3))
        if not head:
            net = nn.Sequential(*list(net)[:7])
        return ImageInput(net, [0.4], [0.2]) if normalised else net

    torch.manual_seed(0)
    models = [cnn() for _ in range(3)]
    assert GroupedConvStack.applies(models[0])
    assert not GroupedConvStack.applies(nn.Sequential(nn.Flatten(), nn.Linear(4, 2)))
    grouped, mapped = GroupedConvStack(models, "cpu"), VmapStack(models, "cpu")
    x = torch.rand(3, 5, 1, 8, 8) * (255 if normalised else 1)
    for shared, training in ((False, True), (True, True), (False, False)):
        batch = x[0] if shared else x
        outs = [s.forward(batch, shared, training) for s in (grouped, mapped)]
        assert torch.allclose(outs[0], outs[1], atol=1e-5)
        if training:
            for out in outs:
                out.square().sum().backward()  # type: ignore[no-untyped-call]  # torch
            for a, b in zip(grouped.params, mapped.params, strict=True):
                assert a.grad is not None and b.grad is not None
                assert torch.allclose(a.grad, b.grad, rtol=1e-4, atol=1e-5)
                a.grad = b.grad = None
        for a, b in zip(grouped.buffers, mapped.buffers, strict=True):
            assert torch.allclose(a.float(), b.float(), atol=1e-6)


def test_a_finished_group_lets_go_of_its_loop_and_kernel() -> None:
    """A search lets each group's trainer go when it ends; its members' links back to the
    loop and the kernel (their clock, step flusher, later captures) made reference cycles that
    only a full collection broke, and a fused search of the digits template held every
    finished group's models and optimiser states meanwhile (487 MB after six groups of 16; its
    peak fell from 1.58 to 0.94 GB without them, benchmarks/templates_fused.py's 200 trials).
    A member's training time stays what it was."""
    configs = [tiny({"model.width": 16, "training.device": "cpu"}),
               tiny({"model.width": 32, "optimizer.lr": 0.003, "training.device": "cpu"})]
    trainer = FusedTrainer(configs)
    trainer.fit()
    for member in trainer.members:
        assert member.step_flusher is None and member.capture_later is None
        assert member.time_source is not None
        spent = member.time_source()
        assert spent > 0 and member.time_source() == spent
