"""Every step kernel (a plain module with torch.optim, the torch.func vmap stack, the stacked
MLP pass) computes the same step events for the same config and seed, whether the recorder
reads each step at once (CPU) or buffers them (an accelerator's way, forced here): the same
loss, learning rate and gradient norm, and each step stamped with its own wall time."""

from __future__ import annotations

import itertools

import pytest
from engine_helpers import Recorder, tiny

from tunestudio.engine import StepEvent, Trainer
from tunestudio.engine import step_recorder as sr
from tunestudio.engine.fused import FusedTrainer

CONFIG = {"training.epochs": 2}
OTHER = {"training.epochs": 2, "optimizer.lr": 0.003, "training.seed": 5}


def run(kernel: str, buffered: bool) -> list[StepEvent]:
    """The first trial's step events under `kernel` ("module": a lone Trainer; else a fused
    group of two, the second another config, so the kernel computes a trial axis)."""
    previous = sr.FORCE_BUFFERED
    sr.FORCE_BUFFERED = buffered
    try:
        rec = Recorder()
        if kernel == "module":
            Trainer(tiny(CONFIG), hooks=[rec], device="cpu").fit()
        else:
            group = FusedTrainer([tiny(CONFIG), tiny(OTHER)], hooks=[[rec], []], device="cpu",
                                 kernel=kernel)  # type: ignore[arg-type]
            group.fit()
            assert group.route == kernel
    finally:
        sr.FORCE_BUFFERED = previous
    assert rec.results[0].status == "completed"
    return rec.steps


@pytest.fixture(scope="module")
def runs() -> dict[tuple[str, bool], list[StepEvent]]:
    return {(kernel, buffered): run(kernel, buffered)
            for kernel in ("module", "vmap", "mlp") for buffered in (False, True)}


@pytest.mark.parametrize("buffered", [False, True])
@pytest.mark.parametrize("kernel", ["module", "vmap", "mlp"])
def test_every_kernel_gives_the_same_step_events(
        runs: dict[tuple[str, bool], list[StepEvent]], kernel: str, buffered: bool) -> None:
    reference = runs[("module", False)]
    steps = runs[(kernel, buffered)]
    assert [(s.step, s.epoch) for s in steps] == [(s.step, s.epoch) for s in reference]
    assert [s.loss for s in steps] == pytest.approx([s.loss for s in reference], rel=1e-4)
    assert [s.lr for s in steps] == pytest.approx([s.lr for s in reference], rel=1e-12)
    assert [s.grad_norm for s in steps] == pytest.approx([s.grad_norm for s in reference],
                                                         rel=1e-3)


@pytest.mark.parametrize("buffered", [False, True])
@pytest.mark.parametrize("kernel", ["module", "vmap", "mlp"])
def test_each_step_keeps_its_own_wall_time(
        runs: dict[tuple[str, bool], list[StepEvent]], kernel: str, buffered: bool) -> None:
    """A buffered step was once stamped when its buffer was read back: most gaps were a few
    microseconds (the read-back loop) and one was the whole buffer's time. With each step's
    own time no gap is shorter than a step, which on any machine takes well over 20 us (a busy
    machine only makes steps longer)."""
    walls = [s.wall_s for s in runs[(kernel, buffered)]]
    gaps = [b - a for a, b in itertools.pairwise(walls)]
    assert walls[0] >= 0.0 and min(gaps) >= 0.0
    instant = sum(gap < 20e-6 for gap in gaps)
    assert instant <= len(gaps) // 10, gaps
