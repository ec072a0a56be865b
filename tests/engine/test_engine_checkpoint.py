"""Checkpoints of a fit: a fit stopped after an epoch and resumed from its checkpoint ends
exactly as the uninterrupted fit (deterministic, CPU); a truncated or foreign file is a clear
CheckpointError; checkpoints load with weights_only=True, nowhere else."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import pytest
import torch
from engine_helpers import Recorder, tiny

from tunestudio.engine import Trainer, TrainerHooks, Trial
from tunestudio.engine.checkpoint import CheckpointError, CheckpointHook, load, save

SRC = Path(__file__).resolve().parents[2] / "src"


class StopAfter(TrainerHooks):
    def __init__(self, epoch: int) -> None:
        self.epoch = epoch

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        if epoch + 1 == self.epoch:
            trainer.request_stop("stopped", "interrupted by the test")


def _config() -> object:
    return tiny({"training.epochs": 6, "training.deterministic": True, "model.dropout": 0.2,
                 "training.device": "cpu", "schedule.kind": "plateau"})


def test_a_resumed_fit_ends_exactly_as_the_uninterrupted_one(tmp_path: Path) -> None:
    config = _config()
    whole = Recorder()
    reference = Trainer(config, hooks=[whole], device="cpu").fit()  # type: ignore[arg-type]
    hook = CheckpointHook(tmp_path, monitor="val_accuracy")
    first = Recorder()
    stopped = Trainer(config, hooks=[first, hook, StopAfter(3)],  # type: ignore[arg-type]
                      device="cpu").fit()
    assert stopped.status == "stopped" and (tmp_path / "latest.pt").is_file()
    state = load(tmp_path / "latest.pt")
    assert state["epoch"] == 3 and state["step"] == stopped.steps
    rest = Recorder()
    resumed = Trainer(config, hooks=[rest], device="cpu",  # type: ignore[arg-type]
                      resume=state).fit()
    assert resumed.status == "completed" and resumed.steps == reference.steps
    assert [e.step for e in rest.steps] == [e.step for e in whole.steps][state["step"]:]
    assert [e.loss for e in rest.steps] == [e.loss for e in whole.steps][state["step"]:]
    assert resumed.metrics["val_loss"] == reference.metrics["val_loss"]
    assert resumed.best == reference.best


def test_the_best_checkpoint_holds_the_best_evaluation(tmp_path: Path) -> None:
    rec = Recorder()
    hook = CheckpointHook(tmp_path, monitor="val_loss")
    Trainer(tiny({"training.epochs": 4}), hooks=[rec, hook], device="cpu").fit()
    best = load(tmp_path / "best.pt")
    losses = [e.val_loss for e in rec.evals]
    assert best["metrics"]["val_loss"] == min(v for v in losses if v is not None)
    assert best["best_value"] == best["metrics"]["val_loss"]
    assert load(tmp_path / "latest.pt")["epoch"] == 4
    assert best["data"]["input_shape"] == [1, 8, 8] and best["data"]["n_outputs"] == 10


def test_truncated_missing_and_foreign_checkpoints_are_clear_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.pt"
    with pytest.raises(CheckpointError, match="missing"):
        load(path)
    trainer = Trainer(tiny(), hooks=[CheckpointHook(tmp_path, monitor=None)], device="cpu")
    trainer.fit()
    data = (tmp_path / "latest.pt").read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        load(path)
    path.write_bytes(data[:1000])  # torch's own advice is left out; the message ends whole
    with pytest.raises(CheckpointError) as cut:
        load(path)
    assert "If you are seeing" not in str(cut.value) and str(cut.value).endswith(")")
    save({"hello": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="not a TuneStudio checkpoint"):
        load(path)
    whole = load(tmp_path / "latest.pt")
    for key in ("model", "format"):  # a dict that lacks either one is refused too
        save({k: v for k, v in whole.items() if k != key}, path)
        with pytest.raises(CheckpointError, match="not a TuneStudio checkpoint"):
            load(path)
    state = load(tmp_path / "latest.pt")
    other = Trainer(tiny({"optimizer.lr": 0.5}), device="cpu", resume=state).fit()
    assert other.status == "failed" and "another config" in other.message and other.steps == 0


def test_checkpoints_load_with_weights_only_true_and_never_false() -> None:
    """Every torch.load in the sources passes weights_only=True; none passes False."""
    calls = 0
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"weights_only\s*=\s*False", text), path
        for match in re.finditer(r"torch\.load\(([^)]*)\)", text):
            calls += 1
            assert "weights_only=True" in match.group(1), (path, match.group(0))
    assert calls >= 1


def test_a_checkpoint_that_cannot_be_written_costs_the_checkpoint_not_the_fit(
        tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the checkpoint folder should be")
    hook = CheckpointHook(blocked, monitor="val_loss")
    result = Trainer(tiny(), hooks=[hook], device="cpu").fit()
    assert result.status == "completed"
    assert hook.error is not None and "could not be written" in hook.error


def test_an_augmented_image_run_resumes_exactly(tmp_path: Path) -> None:
    """The images template (a PNG folder, random crop and rotation on the device): the
    augmentation's generator and the normalisation statistics travel with the checkpoint."""
    from tunestudio.config import from_template, merge_values

    config = merge_values(from_template("images").baseline, {
        "training.epochs": 2, "training.device": "cpu", "training.deterministic": True,
        "early_stopping.enabled": False})
    reference = Trainer(config, device="cpu").fit()
    Trainer(config, device="cpu", hooks=[CheckpointHook(tmp_path, monitor="val_loss"),
                                         StopAfter(1)]).fit()
    state = load(tmp_path / "latest.pt")
    assert state["rng"]["augment"] is not None and state["data"]["normalization"] is not None
    resumed = Trainer(config, device="cpu", resume=state).fit()
    assert resumed.steps == reference.steps
    assert resumed.metrics["val_loss"] == reference.metrics["val_loss"]


class _Clock:
    """time.monotonic of engine.paced_checkpoint, moved on `per_epoch` seconds at each epoch
    end (before the checkpoint hook, which comes later in the hook list)."""

    def __init__(self, per_epoch: float) -> None:
        self.now, self.per_epoch = 1000.0, per_epoch

    def __call__(self) -> float:
        return self.now


class _Tick(TrainerHooks):
    def __init__(self, clock: _Clock) -> None:
        self.clock = clock

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        self.clock.now += self.clock.per_epoch


class _InPlace:
    """The checkpoint thread, run in place: each write is done when the next epoch ends."""

    def submit(self, fn: Callable[..., None], *args: object) -> Future[None]:
        done: Future[None] = Future()
        fn(*args)
        done.set_result(None)
        return done


def _paced_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The epochs whose resume file the paced hook writes during the fit (not at its end)."""
    from tunestudio.engine import paced_checkpoint

    monkeypatch.setattr(paced_checkpoint, "_checkpoint_thread", _InPlace)
    written: list[int] = []
    write = paced_checkpoint._save_quick

    def save_quick(state: dict[str, object], path: Path) -> None:
        if path.name == "latest.pt":  # a best state goes with it when it changed
            written.append(int(state["epoch"]))  # type: ignore[call-overload]
        write(state, path)

    monkeypatch.setattr(paced_checkpoint, "_save_quick", save_quick)
    return written


@pytest.mark.parametrize(("per_epoch", "expected"), [
    (0.0, []),  # epochs of no time at all: no file during the fit
    (4.0, [3, 6]),  # one file when 10 s have passed since the last (or the fit's start)
    (11.0, [1, 2, 3, 4, 5, 6, 7, 8]),  # long epochs: every epoch, as every_epochs says
])
def test_paced_resume_files_wait_for_min_interval_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_epoch: float,
        expected: list[int]) -> None:
    import time  # the module paced_checkpoint reads its clock from

    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    clock = _Clock(per_epoch)
    monkeypatch.setattr(time, "monotonic", clock)
    written = _paced_writes(monkeypatch)
    hook = PacedCheckpointHook(tmp_path, monitor="val_loss", min_interval_s=10.0,
                               hold_latest=True)
    result = Trainer(tiny({"training.epochs": 8}), hooks=[_Tick(clock), hook],
                     device="cpu").fit()
    assert result.status == "completed" and written == expected
    assert load(tmp_path / "latest.pt")["epoch"] == 8  # the end of the fit, durable


def test_a_resume_file_waits_a_hundred_times_its_own_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resume files are paced by min_interval_s (1 s here) and by their own cost: at most
    every WRITE_COST_FACTOR times the last write's seconds, so a big model's files cost at
    most about 1 % of its training while a small one's come as often as min_interval_s says
    (the write's cost is its wall time: a loaded machine lengthens it, never shortens it)."""
    import time

    from tunestudio.engine import paced_checkpoint
    from tunestudio.engine.paced_checkpoint import WRITE_COST_FACTOR, PacedCheckpointHook

    def fit(write_s: float, per_epoch: float) -> list[int]:
        clock = _Clock(per_epoch)
        with monkeypatch.context() as patch:
            patch.setattr(time, "monotonic", clock)
            written = _paced_writes(patch)
            quick = paced_checkpoint._save_quick

            def slow(state: dict[str, object], path: Path) -> None:
                time.sleep(write_s)  # a big model's file
                quick(state, path)

            patch.setattr(paced_checkpoint, "_save_quick", slow)
            hook = PacedCheckpointHook(tmp_path / str(write_s), monitor="val_loss",
                                       min_interval_s=1.0, hold_latest=True)
            result = Trainer(tiny({"training.epochs": 8}), hooks=[_Tick(clock), hook],
                             device="cpu").fit()
            assert result.status == "completed"
            return written

    assert fit(0.0, 60.0) == [1, 2, 3, 4, 5, 6, 7, 8]  # a write of ms: a file every epoch
    big = fit(0.1, 4.0)  # waits 100 x >= 0.1 s: two epochs of 4 s at least between its files
    assert WRITE_COST_FACTOR == 100.0
    assert big[0] == 1 and len(big) <= 3 and all(b - a >= 3 for a, b in itertools.pairwise(big))


def test_a_clean_stop_keeps_its_last_epoch_though_no_file_was_due(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hold_latest: the last whole epoch's state is kept in memory while its file waits, so a
    stopped fit (Ctrl+C) resumes from there (no monitor here: no improvement captures it)."""
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    written = _paced_writes(monkeypatch)
    config = _config()
    hook = PacedCheckpointHook(tmp_path, monitor=None, min_interval_s=3600.0,
                               hold_latest=True)
    stopped = Trainer(config, hooks=[hook, StopAfter(4)], device="cpu").fit()  # type: ignore[arg-type]
    assert stopped.status == "stopped" and written == []
    state = load(tmp_path / "latest.pt")
    assert state["epoch"] == 4 and state["step"] == stopped.steps


def test_an_ended_fit_writes_its_best_state_only_a_stopped_one_its_resume_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """final_best_only: a completed (or pruned, stopped early) trial is never resumed, so it
    writes its best state alone, in the background and without an fsync; a stopped trial
    writes its resume file durably, as before."""
    from tunestudio.engine import checkpoint as checkpoint_module
    from tunestudio.engine import paced_checkpoint
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    fsynced: list[str] = []
    real_save = checkpoint_module.save

    def save(state: dict[str, object], path: Path) -> None:
        fsynced.append(path.name)
        real_save(state, path)

    monkeypatch.setattr(paced_checkpoint, "save", save)
    ended, stopped = tmp_path / "ended", tmp_path / "stopped"
    rec = Recorder()
    hook = PacedCheckpointHook(ended, monitor="val_loss", min_interval_s=3600.0,
                               hold_latest=True, final_in_background=True,
                               final_best_only=True)
    assert Trainer(tiny({"training.epochs": 4}), hooks=[rec, hook],
                   device="cpu").fit().status == "completed"
    hook.wait()
    assert sorted(p.name for p in ended.iterdir()) == ["best.pt"] and fsynced == []
    losses = [e.metrics["val_loss"] for e in rec.evals]
    assert load(ended / "best.pt")["epoch"] == 1 + losses.index(min(losses))
    hook = PacedCheckpointHook(stopped, monitor="val_loss", min_interval_s=3600.0,
                               hold_latest=True, final_in_background=True,
                               final_best_only=True)
    result = Trainer(_config(), hooks=[hook, StopAfter(2)], device="cpu").fit()  # type: ignore[arg-type]
    hook.wait()
    assert result.status == "stopped" and "latest.pt" in fsynced
    assert load(stopped / "latest.pt")["epoch"] == 2


def test_a_pruned_fit_writes_no_checkpoint_with_final_best_only(tmp_path: Path) -> None:
    """A search keeps checkpoints of complete trials only: a pruned one writes none at its
    end (and none during the fit when no file is due)."""
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    class PruneAfter(TrainerHooks):
        def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
            if epoch + 1 == 2:
                trainer.request_stop("pruned", "pruned by the test")

    hook = PacedCheckpointHook(tmp_path, monitor="val_loss", min_interval_s=3600.0,
                               hold_latest=True, final_in_background=True,
                               final_best_only=True)
    result = Trainer(tiny({"training.epochs": 4}), hooks=[hook, PruneAfter()],
                     device="cpu").fit()
    hook.wait()
    assert result.status == "pruned" and not any(tmp_path.iterdir())


def test_a_resumed_fit_keeps_its_plateau_cuts_and_early_stopping_count(tmp_path: Path) -> None:
    """Every evaluation after the first is "no improvement" to both (min_delta 10): the
    plateau schedule halves the LR at each one and early stopping ends the fit at the sixth.
    Stopped after 3 epochs and resumed, the fit goes on at the cut LR and stops at the same
    step as the uninterrupted one: both states travel with the checkpoint."""
    config = tiny({"training.epochs": 8, "training.deterministic": True,
                   "schedule.kind": "plateau", "schedule.patience": 0,
                   "schedule.min_delta": 10.0, "schedule.factor": 0.5,
                   "schedule.floor_fraction": 1 / 1024, "early_stopping.enabled": True,
                   "early_stopping.patience": 5, "early_stopping.min_delta": 10.0})
    whole = Recorder()
    reference = Trainer(config, hooks=[whole], device="cpu").fit()
    assert reference.status == "stopped_early" and "did not improve" in reference.message
    hook = CheckpointHook(tmp_path, monitor="val_loss")
    stopped = Trainer(config, hooks=[hook, StopAfter(3)], device="cpu").fit()
    assert stopped.status == "stopped"
    state = load(tmp_path / "latest.pt")
    assert state["plateau"]["cuts"] == 2 and state["early_stopping"]["bad"] == 2
    rest = Recorder()
    resumed = Trainer(config, hooks=[rest], device="cpu", resume=state).fit()
    spe = whole.starts[0].steps_per_epoch
    assert [e.lr for e in rest.steps] == [e.lr for e in whole.steps][3 * spe:]
    assert rest.steps[0].lr == pytest.approx(config.optimizer.lr / 4)
    assert (resumed.status, resumed.steps, resumed.message) == \
        (reference.status, reference.steps, reference.message)


@pytest.mark.parametrize("paced", [False, True], ids=["eager", "paced"])
def test_the_final_evaluation_after_the_last_epoch_can_be_the_best(tmp_path: Path,
                                                                   paced: bool) -> None:
    """Evaluations every 3 epochs of 4: the fit's final evaluation comes after the last
    epoch's hook (which already wrote or held the last epoch's state); when it is the best,
    the best file holds the final model. (It kept epoch 3's: the model a search stored for a
    trial was not the one its objective came from.)"""
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook

    rec = Recorder()
    hook = PacedCheckpointHook(tmp_path, monitor="val_accuracy", min_interval_s=3600.0,
                               hold_latest=True, final_in_background=True,
                               final_best_only=True) if paced else \
        CheckpointHook(tmp_path, monitor="val_accuracy", every_epochs=100)
    result = Trainer(tiny({"training.epochs": 4, "evaluation.every": 3, "optimizer.lr": 0.003}),
                     hooks=[rec, hook], device="cpu").fit()
    if isinstance(hook, PacedCheckpointHook):
        hook.wait()
    assert [e.step for e in rec.evals] == [3 * result.steps // 4, result.steps]
    assert rec.evals[1].metrics["val_accuracy"] > rec.evals[0].metrics["val_accuracy"]
    best = load(tmp_path / "best.pt")
    assert best["step"] == result.steps and best["epoch"] == 4
    assert best["metrics"]["val_accuracy"] == rec.evals[1].metrics["val_accuracy"]


def test_the_last_epoch_is_written_though_every_epochs_skips_it(tmp_path: Path) -> None:
    """every_epochs=3 of 4 epochs: resume files at epoch 3 and at the last, epoch 4 (a fit
    that ended resumes at its end, not an epoch back)."""
    epochs: list[int] = []
    hook = CheckpointHook(tmp_path, monitor=None, every_epochs=3)
    Trainer(tiny({"training.epochs": 4}), hooks=[hook, _Saved(tmp_path, epochs)],
            device="cpu").fit()
    assert epochs == [3, 4]


class _Saved(TrainerHooks):
    """The epoch of `latest.pt` after each epoch's hooks, when it changed."""

    def __init__(self, folder: Path, epochs: list[int]) -> None:
        self.folder, self.epochs = folder, epochs

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        path = self.folder / "latest.pt"
        if path.exists():
            saved = int(load(path)["epoch"])
            if not self.epochs or self.epochs[-1] != saved:
                self.epochs.append(saved)


def test_a_snapshot_owns_every_tensor_and_shares_the_atoms() -> None:
    """`snapshot` copies tensors wherever they sit (dicts, lists: CUDA RNG states are a list
    of tensors) and keeps immutable values, lists of them included, as they are."""
    from tunestudio.engine.checkpoint import State, snapshot

    ints = tuple(range(625))  # Python's RNG state: kept, not copied item by item
    state: State = {"model": {"w": torch.zeros(2)}, "cuda": [torch.zeros(3), torch.ones(1)],
             "python": (3, ints, None), "step": 7}
    copy = snapshot(state)
    assert copy is not None and snapshot(None) is None
    state["model"]["w"].add_(1.0)
    for tensor in state["cuda"]:
        tensor.add_(5.0)
    assert torch.equal(copy["model"]["w"], torch.zeros(2))
    assert torch.equal(copy["cuda"][0], torch.zeros(3)) and torch.equal(copy["cuda"][1],
                                                                         torch.ones(1))
    assert isinstance(copy["cuda"], list) and copy["python"][1] is ints and copy["step"] == 7


def test_a_resumed_fits_training_time_sums_its_segments(tmp_path: Path) -> None:
    """The checkpoint carries the training time so far: a fit stopped after epoch 3 of 6 and
    resumed reports both runs' time, not only the time after the resume; time between the
    runs never counts."""
    import time

    class Slow(TrainerHooks):  # the first run's epochs compute for at least 0.2 s each
        def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
            until = time.thread_time() + 0.2  # CPU work: what a trial on the CPU is timed by
            while time.thread_time() < until:
                pass

    config = _config()
    hook = CheckpointHook(tmp_path, monitor="val_accuracy")
    stopped = Trainer(config, hooks=[Slow(), hook, StopAfter(3)],  # type: ignore[arg-type]
                      device="cpu").fit()
    state = load(tmp_path / "latest.pt")
    assert 0.4 < state["duration_s"] <= stopped.duration_s
    time.sleep(0.5)  # idle between the runs
    t0, cpu0 = time.perf_counter(), time.thread_time()
    resumed = Trainer(config, device="cpu", resume=state).fit()  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
    # the second segment by the clock the trial is timed by: this thread's CPU time (one torch
    # thread on a CPU), else wall time; another process on the cores stretches only the wall
    assert state["duration_s"] + cpu - 0.1 <= resumed.duration_s <= \
        state["duration_s"] + wall + 0.1
    assert resumed.duration_s > state["duration_s"]
