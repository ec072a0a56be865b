"""Device discovery and resolution, the CPU thread count, and the warm-up."""

from __future__ import annotations

import os  # the module runtime reads the core count from
import subprocess
import sys

import pytest
import torch

from tunestudio.engine import DeviceError, available_devices, resolve_device, runtime, torch_threads
from tunestudio.errors import TuneStudioError


def test_cpu_is_always_listed_last() -> None:
    devices = available_devices()
    assert devices[-1].id == "cpu" and devices[-1].name
    assert all(d.id.startswith("cuda:") for d in devices if "cuda" in d.id)


def test_resolve_device() -> None:
    assert resolve_device("cpu") == "cpu"
    expected = "cuda:0" if torch.cuda.is_available() else None
    if expected is None:
        assert resolve_device("auto") in ("cpu", "mps")
        with pytest.raises(DeviceError, match=r"CUDA is not available.*use auto or cpu"):
            resolve_device("cuda")
    else:
        assert resolve_device("auto") == resolve_device("cuda") == "cuda:0"
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")
    with pytest.raises(DeviceError):
        resolve_device("cuda:99")


def test_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(runtime.THREADS_ENV, "3")
    assert torch_threads() == 3
    monkeypatch.setenv(runtime.THREADS_ENV, "many")
    with pytest.raises(TuneStudioError, match="positive whole number"):
        torch_threads()
    monkeypatch.delenv(runtime.THREADS_ENV)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert torch_threads() == 1
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    assert torch_threads() == runtime._default_threads


def test_a_step_with_much_arithmetic_trains_on_both_cores_of_a_two_core_cpu(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On 2 cores a small step keeps one thread, a large one (a fused group of wide MLPs: the
    digits template's 400-trial search 38.5 -> 30.7 s) takes torch's default of two; the
    setting and larger machines keep theirs whatever the step."""
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(runtime, "_default_threads", 2)
    assert torch_threads(runtime.PARALLEL_MACS / 2) == 1
    assert torch_threads(None) == 1
    assert torch_threads(runtime.PARALLEL_MACS) == 2
    assert runtime.counts_step_work()
    monkeypatch.setenv(runtime.THREADS_ENV, "1")
    assert torch_threads(runtime.PARALLEL_MACS * 10) == 1 and not runtime.counts_step_work()
    monkeypatch.delenv(runtime.THREADS_ENV)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    monkeypatch.setattr(runtime, "_default_threads", 8)
    assert torch_threads(1.0) == 8 and not runtime.counts_step_work()


def test_a_process_among_several_takes_its_share_of_the_threads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`--workers N`: each of the N processes counts 1/N of torch's default as its own, so
    that they do not each start a thread per core."""
    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 16)
    monkeypatch.setattr(runtime, "_default_threads", 8)
    try:
        runtime.share_cores(3)
        assert torch_threads() == 2
        runtime.share_cores(16)
        assert torch_threads() == 1  # never none
        monkeypatch.setattr(os, "cpu_count", lambda: 2)
        monkeypatch.setattr(runtime, "_default_threads", 2)
        runtime.share_cores(2)  # the large step's second thread is the other process's core
        assert torch_threads(runtime.PARALLEL_MACS * 10) == 1 and not runtime.counts_step_work()
    finally:
        runtime.share_cores(1)
    assert torch_threads(runtime.PARALLEL_MACS * 10) == 2


def test_a_fit_sets_its_thread_count_by_its_steps_arithmetic(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lone and the fused loop set the training thread's count at setup from their
    models' multiply-accumulates per step (each member's batch)."""
    from tunestudio.config import RunConfig
    from tunestudio.engine import Trainer
    from tunestudio.engine.fused import FusedTrainer

    monkeypatch.delenv(runtime.THREADS_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(runtime, "_default_threads", 2)
    seen: list[float | None] = []

    def recorded_apply(macs: float | None = None) -> int:
        seen.append(macs)
        return 1

    monkeypatch.setattr(runtime, "apply_torch_threads", recorded_apply)

    def config(width: int, batch: int) -> RunConfig:
        return RunConfig.model_validate({
            "data": {"source": {"kind": "builtin", "name": "digits"}},
            "model": {"kind": "mlp", "width": width, "depth": 1},
            "schedule": {"kind": "constant", "warmup_epochs": 0},
            "training": {"epochs": 1, "batch_size": batch, "device": "cpu"}})

    Trainer(config(100, 32), device="cpu").setup()
    assert seen[-1] == 32 * (64 * 100 + 100 * 10)
    FusedTrainer([config(100, 32), config(200, 32)], device="cpu").setup()
    assert seen[-1] == 32 * (64 * 100 + 100 * 10) + 32 * (64 * 200 + 200 * 10)


def test_warm_up_is_idempotent() -> None:
    runtime.warm_up()
    runtime.warm_up()
    assert runtime._warmed


def test_warm_up_loads_the_data_layer_a_run_would_import() -> None:
    """The window warms the engine in the background before Run: the data layer's imports
    (scikit-learn, SciPy, pandas) are paid there, not by the run while the live view draws. A
    run's own warm-up leaves scikit-learn to what splits uncached data (engine.split_cache)."""
    code = ("import sys; from tunestudio import engine; "
            "assert 'sklearn' not in sys.modules, 'loaded already'; engine.warm_up(); "
            "assert 'tunestudio.engine.data' in sys.modules and 'sklearn' not in sys.modules; "
            "engine.warm_up(scikit_learn=True); assert 'sklearn.model_selection' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_a_fused_group_never_imports_torch_dynamo() -> None:
    """torch.optim's first optimiser imports torch._dynamo (about 1 s): a fused search's
    warm-up leaves it out, a fused group builds no torch optimiser (its members' are built on
    first use, here never), not even to checkpoint them, and a lone trial pays it before its
    clock starts. A member's optimiser built afterwards holds the state the group wrote for
    it."""
    code = """
import pathlib, sys, tempfile
sys.path.insert(0, "tests/engine")
from engine_helpers import tiny
from tunestudio import engine
from tunestudio.engine.checkpoint import CheckpointHook
from tunestudio.engine.fused import FusedTrainer
engine.warm_up(optimizers=False)
folders = [pathlib.Path(tempfile.mkdtemp()) for _ in range(2)]
trainer = FusedTrainer([tiny({"optimizer.lr": lr}) for lr in (0.01, 0.02)], device="cpu",
                       hooks=[[CheckpointHook(f, monitor="val_loss")] for f in folders])
results = trainer.fit()
assert [r.status for r in results] == ["completed", "completed"], results
assert "torch._dynamo" not in sys.modules, "a fused group imported torch._dynamo"
member = trainer.members[0]
assert not member.optimizer_built
optimizer = member.optimizer
assert optimizer is not None and len(optimizer.state) == 4, optimizer.state  # 2 layers
assert all(float(s["step"]) == results[0].steps == 60 for s in optimizer.state.values())
assert "torch._dynamo" in sys.modules
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


def test_a_lone_trial_does_not_count_torch_optims_import_as_training_time() -> None:
    """Without the warm-up, a first Trainer.fit pays torch.optim's one-off import (about 1 s)
    before the trial's clock starts: its duration is its training's, not the import's."""
    code = """
import sys, time
sys.path.insert(0, "tests/engine")
from engine_helpers import tiny
from tunestudio.engine import Trainer
from tunestudio.engine.data import load_splits
config = tiny({"training.epochs": 1})
data = load_splits(config.data, None)  # its own one-off imports (scikit-learn) before
assert "torch._dynamo" not in sys.modules
started = time.perf_counter()
result = Trainer(config, datasets=data).fit()
wall = time.perf_counter() - started
assert "torch._dynamo" in sys.modules
assert result.duration_s < wall / 2, (result.duration_s, wall)
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
