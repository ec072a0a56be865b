"""The training loop: outcomes, events, early stopping, divergence, stop and pause, seeds."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import pytest
import torch
from engine_helpers import Recorder, tiny

from tunestudio.config import from_template
from tunestudio.engine import (
    EvalEvent,
    StepEvent,
    Trainer,
    TrainerHooks,
    Trial,
    planned_lr,
    resolve_device,
)
from tunestudio.engine.step_recorder import FLUSH_STEPS

NEEDS_CUDA = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (torch.cuda.is_available() is False)")
# The loop on the CPU, where each step is read at once, and on a GPU, where steps run ahead
# of the host and are read in batches (step_recorder.py).
DEVICES = ["cpu", pytest.param("cuda", marks=NEEDS_CUDA)]


def test_digits_baseline_reaches_95_percent(recorder: Recorder) -> None:
    config = from_template("digits").baseline  # device auto: CUDA where there is one
    assert config.training.device == "auto"
    result = Trainer(config, hooks=[recorder]).fit()
    assert result.status in ("completed", "stopped_early"), result.message
    assert result.metrics["val_accuracy"] >= 0.95
    assert result.best["val_accuracy"] >= result.metrics["val_accuracy"]
    assert result.best["val_loss"] <= result.metrics["val_loss"]
    assert result.device == resolve_device("auto") and result.traceback is None
    assert len(recorder.results) == 1 and recorder.results[0] is result


def test_events_describe_the_run(recorder: Recorder) -> None:
    config = tiny({"training.epochs": 4, "schedule.kind": "cosine",
                   "schedule.warmup_epochs": 1.0})
    began = time.perf_counter()
    result = Trainer(config, hooks=[recorder]).fit()
    fit_wall_s = time.perf_counter() - began
    (start,) = recorder.starts
    assert start.steps_per_epoch * 4 == start.total_steps == result.steps == len(recorder.steps)
    assert start.n_parameters == 64 * 32 + 32 + 32 * 10 + 10
    assert [s.step for s in recorder.steps] == list(range(1, result.steps + 1))
    assert [s.lr for s in recorder.steps] == pytest.approx(
        list(planned_lr(config, start.n_train)))
    assert {s.epoch for s in recorder.steps} == {0, 1, 2, 3}
    assert all(s.grad_norm > 0 and s.samples_per_s > 0 for s in recorder.steps)
    assert recorder.epochs == [0, 1, 2, 3]
    assert [e.epoch for e in recorder.evals] == [1.0, 2.0, 3.0, 4.0]
    last = recorder.evals[-1]
    assert set(last.metrics) == {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
    assert last.val_loss == last.metrics["val_loss"] and last.train_loss > 0
    assert result.metrics == dict(last.metrics)
    # events carry wall time since training began; the duration is the training clock's
    # (engine/training_clock.py: on a one-thread CPU the thread's CPU time, which a loaded
    # machine keeps below the wall time), never more than the fit's wall time
    assert 0 < recorder.evals[0].wall_s < last.wall_s < fit_wall_s
    assert 0 < result.duration_s <= fit_wall_s
    assert result.epochs == 4.0


def test_same_seed_same_losses_other_seed_other_losses() -> None:
    def losses(seed: int) -> list[float]:
        rec = Recorder()
        Trainer(tiny({"model.dropout": 0.1}), hooks=[rec], seed=seed).fit()
        return [s.loss for s in rec.steps]

    first = losses(1)
    assert losses(1) == first
    assert losses(2) != first


def test_evaluation_every_n_steps_and_final_evaluation(recorder: Recorder) -> None:
    config = tiny({"evaluation.unit": "step", "evaluation.every": 7, "training.epochs": 2})
    result = Trainer(config, hooks=[recorder]).fit()
    steps = [e.step for e in recorder.evals]
    assert steps[:-1] == list(range(7, result.steps, 7))
    assert steps[-1] == result.steps  # the final model is always evaluated


def test_early_stopping_on_patience(recorder: Recorder) -> None:
    config = tiny({"training.epochs": 20, "early_stopping.enabled": True,
                   "early_stopping.monitor": "val_loss", "early_stopping.patience": 2,
                   "early_stopping.min_delta": 100.0})  # nothing counts as an improvement
    result = Trainer(config, hooks=[recorder]).fit()
    assert result.status == "stopped_early"
    assert len(recorder.evals) == 3 and result.epochs == 3.0
    assert "did not improve by more than 100 for 2 evaluation(s)" in result.message


def test_early_stopping_on_a_target(recorder: Recorder) -> None:
    config = tiny({"training.epochs": 30, "early_stopping.enabled": True,
                   "early_stopping.monitor": "val_accuracy", "early_stopping.target": 0.9,
                   "early_stopping.patience": 100})
    result = Trainer(config, hooks=[recorder]).fit()
    assert result.status == "stopped_early"
    assert "val_accuracy reached the target 0.9" in result.message
    assert result.metrics["val_accuracy"] >= 0.9
    assert all(e.metrics["val_accuracy"] < 0.9 for e in recorder.evals[:-1])
    assert result.epochs < 30


def test_plateau_schedule_ends_training_at_its_floor(recorder: Recorder) -> None:
    config = tiny({"schedule.kind": "plateau", "schedule.factor": 0.5,
                   "schedule.patience": 0, "schedule.floor_fraction": 0.25,
                   "schedule.min_delta": 100.0, "training.epochs": 20, "optimizer.lr": 0.01})
    result = Trainer(config, hooks=[recorder]).fit()
    assert result.status == "stopped_early" and "cut the LR 2 times" in result.message
    assert result.epochs == 3.0  # eval 1 sets the best, evals 2 and 3 cut to 1/2 and 1/4
    by_epoch = {s.epoch: s.lr for s in recorder.steps}
    assert by_epoch == {0: 0.01, 1: 0.01, 2: 0.005}


NAN_MODEL = """
import torch

class Poisoned(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        out = self.inner(x)
        return out * float("nan") if self.calls == 5 else out

def build_model(input_shape, n_outputs):
    return Poisoned(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, n_outputs)))
"""


def test_nan_in_the_loss_ends_as_diverged(tmp_path: Path, recorder: Recorder) -> None:
    (tmp_path / "model.py").write_text(NAN_MODEL)
    config = tiny({"model.kind": "python", "model.path": "model.py"})
    result = Trainer(config, hooks=[recorder], base_dir=tmp_path).fit()
    assert result.status == "diverged"
    assert result.steps == 5
    assert "loss became nan at step 5" in result.message and "lower the learning rate" \
        in result.message
    assert len(recorder.steps) == 4  # the NaN step itself is not reported as a point


def test_huge_learning_rate_diverges() -> None:
    config = tiny({"optimizer.kind": "sgd", "optimizer.lr": 10.0, "optimizer.momentum": 0.9,
                   "training.epochs": 20})
    result = Trainer(config).fit()
    assert result.status == "diverged"
    assert result.steps < 20 * 18


def test_user_model_file_trains(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "def build_model(input_shape, n_outputs):\n"
        "    c, h, w = input_shape\n"
        "    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c * h * w, 48),\n"
        "                               torch.nn.ReLU(), torch.nn.Linear(48, n_outputs))\n")
    config = tiny({"model.kind": "python", "model.path": "model.py", "training.epochs": 8})
    result = Trainer(config, base_dir=tmp_path).fit()
    assert result.status == "completed", result.message
    assert result.metrics["val_accuracy"] > 0.9


def test_user_code_exception_fails_with_its_traceback(tmp_path: Path,
                                                      recorder: Recorder) -> None:
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.lin = torch.nn.Linear(64, 10)\n"
        "    def forward(self, x):\n"
        "        return self.lin(x)  # forgot to flatten the images\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return Net()\n")
    config = tiny({"model.kind": "python", "model.path": "model.py"})
    result = Trainer(config, hooks=[recorder], base_dir=tmp_path).fit()
    assert result.status == "failed"
    assert "RuntimeError" in result.message
    assert result.traceback is not None and "forgot to flatten" in result.traceback
    assert len(recorder.exceptions) == 1 and result.steps == 0


def test_wrong_output_width_is_explained(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 3))\n")
    config = tiny({"model.kind": "python", "model.path": "model.py"})
    result = Trainer(config, base_dir=tmp_path).fit()
    assert result.status == "failed"
    assert "returned shape (64, 3)" in result.message and "n_outputs=10" in result.message


def test_bad_data_fails_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b\n1,2\n3,4\n")
    config = tiny({"data.source.kind": "csv", "data.source.path": "d.csv",
                   "data.source.target": "y"})
    result = Trainer(config, base_dir=tmp_path).fit()
    assert result.status == "failed" and "no target column 'y'" in result.message
    assert result.traceback is None and result.steps == 0 and result.metrics == {}


def test_out_of_memory_suggests_a_smaller_batch(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(
        "import torch\n"
        "class Greedy(torch.nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.lin = torch.nn.Linear(64, 10)\n"
        "    def forward(self, x):\n"
        "        torch.empty(2 ** 50, dtype=torch.uint8)  # a petabyte: the allocator fails\n"
        "        return self.lin(x.flatten(1))\n"
        "def build_model(input_shape, n_outputs):\n"
        "    return Greedy()\n")
    config = tiny({"model.kind": "python", "model.path": "model.py",
                   "training.batch_size": 128})
    result = Trainer(config, base_dir=tmp_path).fit()
    assert result.status == "out_of_memory", result.message
    assert "batch size 128" in result.message and "(e.g. 64)" in result.message


class StopAt(TrainerHooks):
    def __init__(self, step: int, event: threading.Event) -> None:
        self.step, self.event = step, event

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        if event.step == self.step:
            self.event.set()


@pytest.mark.parametrize("device", DEVICES)
def test_stop_request_ends_training_within_one_step(recorder: Recorder, device: str) -> None:
    stop = threading.Event()
    result = Trainer(tiny({"training.epochs": 50, "training.device": device}),
                     hooks=[StopAt(7, stop), recorder], stop_event=stop).fit()
    assert result.status == "stopped"
    # the stop is checked before every step; a GPU's step 7 reaches the hook with its batch of
    # up to FLUSH_STEPS steps, so there the stop lands within that batch
    slack = 0 if device == "cpu" else FLUSH_STEPS
    assert 7 <= result.steps <= 7 + slack
    assert [s.step for s in recorder.steps] == list(range(1, result.steps + 1))


def test_stop_from_another_thread() -> None:
    stop = threading.Event()
    started = threading.Event()

    class Signal(TrainerHooks):
        def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
            started.set()

    def stop_once_started() -> None:
        if started.wait(30):
            stop.set()

    threading.Thread(target=stop_once_started, daemon=True).start()
    t0 = time.perf_counter()
    result = Trainer(tiny({"training.epochs": 5000}), hooks=[Signal()], stop_event=stop).fit()
    assert result.status == "stopped" and time.perf_counter() - t0 < 20


def test_a_hook_prunes_through_request_stop() -> None:
    class Pruner(TrainerHooks):
        def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
            if event.epoch >= 2:
                trainer.request_stop("pruned", "worse than the median")

    result = Trainer(tiny({"training.epochs": 10}), hooks=[Pruner()]).fit()
    assert result.status == "pruned" and result.message == "worse than the median"
    assert result.epochs == 2.0
    with pytest.raises(ValueError, match="unknown status"):
        Trainer(tiny()).request_stop("exploded")


@pytest.mark.parametrize("device", DEVICES)
def test_pause_waits_and_resumes(recorder: Recorder, device: str) -> None:
    pause = threading.Event()

    class PauseAt3(TrainerHooks):
        def __init__(self) -> None:
            self.times: dict[int, float] = {}

        def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
            self.times[event.step] = time.perf_counter()
            if event.step == 3:
                pause.set()
                threading.Timer(0.4, pause.clear).start()

    hook = PauseAt3()
    t0 = time.perf_counter()
    result = Trainer(tiny({"training.device": device}), hooks=[hook, recorder],
                     pause_event=pause).fit()
    elapsed = time.perf_counter() - t0
    assert result.status == "completed"
    times = [hook.times[s] for s in sorted(hook.times)]
    assert max(b - a for a, b in itertools.pairwise(times)) >= 0.35
    if device == "cpu":  # each step reported as it ends: the pause follows step 3 at once
        assert hook.times[4] - hook.times[3] >= 0.35
    assert [s.step for s in recorder.steps] == list(range(1, result.steps + 1))
    assert result.duration_s < elapsed - 0.3  # paused time is not training time
    # each step carries its wall-clock time of training: never decreasing, pause left out
    walls = [s.wall_s for s in recorder.steps]
    assert all(b >= a for a, b in itertools.pairwise(walls)) and walls[0] >= 0.0
    assert max(b - a for a, b in itertools.pairwise(walls)) < 0.3
    assert walls[-1] < elapsed - 0.3
    # the same clock as the evaluations
    last_eval = recorder.evals[-1]
    assert walls[last_eval.step - 1] <= last_eval.wall_s < walls[last_eval.step - 1] + 0.3


def test_step_events_off_sends_no_step_events_but_evaluates(recorder: Recorder) -> None:
    result = Trainer(tiny(), hooks=[recorder], step_events=False).fit()
    assert result.status == "completed"
    assert recorder.steps == [] and len(recorder.evals) == 3


def test_regression_metrics_in_target_units(recorder: Recorder) -> None:
    config = tiny({"data.source.name": "friedman", "data.source.n_samples": 600,
                   "data.source.noise": 0.3, "model.width": 64, "training.epochs": 25,
                   "early_stopping.monitor": "val_r2", "optimizer.lr": 0.005})
    trainer = Trainer(config, hooks=[recorder])
    result = trainer.fit()
    assert result.status == "completed", result.message
    keys = {"train_loss", "train_mse", "train_mae", "train_r2", "val_loss", "val_mse",
            "val_mae", "val_r2"}
    assert set(result.metrics) == keys
    assert result.metrics["val_r2"] > 0.7
    assert trainer.datasets is not None
    scale = trainer.datasets.target_std ** 2
    assert result.metrics["val_mse"] == pytest.approx(result.metrics["val_loss"] * scale,
                                                      rel=1e-4)


def test_l1_and_clipping_train(recorder: Recorder) -> None:
    config = tiny({"optimizer.l1": 1e-4, "training.grad_clip_norm": 0.5,
                   "training.epochs": 4})
    result = Trainer(config, hooks=[recorder]).fit()
    assert result.status == "completed" and result.metrics["val_accuracy"] > 0.85
    assert max(s.grad_norm for s in recorder.steps) > 0.5  # reported before clipping


def test_cnn_trains_on_digits() -> None:
    config = tiny({"model.kind": "cnn", "model.channels": [8], "model.hidden": 32,
                   "training.epochs": 3})
    result = Trainer(config).fit()
    assert result.status == "completed" and result.metrics["val_accuracy"] > 0.85


def test_a_trainer_fits_once() -> None:
    """A lone trainer and a fused group each fit once (their members' state is spent)."""
    from tunestudio.engine.fused import FusedTrainer

    trainer = Trainer(tiny({"training.epochs": 1}), device="cpu")
    assert trainer.fit().status == "completed"
    with pytest.raises(RuntimeError, match="already run fit"):
        trainer.fit()
    group = FusedTrainer([tiny({"training.epochs": 1})] * 2, device="cpu")
    assert all(r.status == "completed" for r in group.fit())
    with pytest.raises(RuntimeError, match="already run fit"):
        group.fit()
