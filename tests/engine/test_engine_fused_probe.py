"""The fused group size probe: the K of the most trials per second among K = 1, 4, 16, ...
up to the cap (timings stood in for, so the choice is exact), one answer per config shape,
device and cap, and 1 for a config that cannot fuse or a probe that fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from engine_helpers import tiny

from tunestudio.engine.fused import probe


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(probe, "_cache", {})


def timed(seconds: Callable[[int], float], tried: list[int], oom_from: int | None = None
          ) -> Callable[..., tuple[float, int]]:
    def time_steps(config: object, k: int, *_: object) -> tuple[float, int]:
        tried.append(k)
        if oom_from is not None and k >= oom_from:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return seconds(k), 0
    return time_steps


@pytest.mark.parametrize(("seconds", "cap", "tried", "chosen"), [
    (lambda k: 0.01 + 0.001 * k, 20, [1, 4, 16, 20], 20),  # bigger groups keep paying
    (lambda k: 0.001 * k * k, 20, [1, 4, 16, 20], 1),  # each trial costs more in a group
    (lambda k: 0.01 if k <= 4 else 0.01 * k, 64, [1, 4, 16, 64], 4),  # pays up to 4 only
    (lambda k: 0.01, 3, [1, 3], 3),
])
def test_the_group_size_with_the_most_trials_per_second_wins(
        monkeypatch: pytest.MonkeyPatch, seconds: Callable[[int], float], cap: int,
        tried: list[int], chosen: int) -> None:
    seen: list[int] = []
    monkeypatch.setattr(probe, "_time_steps", timed(seconds, seen))
    config = tiny()
    assert probe.probe_group_size(config, cap) == chosen
    assert seen == tried
    assert probe.probe_group_size(config, cap) == chosen and seen == tried  # cached
    probe.probe_group_size(config, cap, device="cuda:1")  # another device: probed again
    assert seen == tried * 2


def test_running_out_of_memory_keeps_the_best_size_that_fitted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(probe, "_time_steps", timed(lambda k: 0.01, seen, oom_from=16))
    assert probe.probe_group_size(tiny(), 64) == 4 and seen == [1, 4, 16]


def test_a_probe_that_fails_or_a_cap_of_one_gives_one(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(probe, "_time_steps", timed(lambda k: 0.01, seen, oom_from=None))
    assert probe.probe_group_size(tiny(), 1) == 1 and seen == []

    def broken(*_: object) -> tuple[float, int]:
        raise ValueError("the model file does not build")

    monkeypatch.setattr(probe, "_time_steps", broken)
    assert probe.probe_group_size(tiny({"model.width": 16}), 8) == 1


def test_a_real_probe_times_fused_steps_on_the_cpu() -> None:
    assert probe.probe_group_size(tiny(), 4) in (1, 4)
    # augmented data fuses (each member its own draws): the probe times it like any other
    assert probe.probe_group_size(tiny({"data.augment.horizontal_flip": True}), 4) in (1, 4)
    # data a DataLoader streams (here from a folder that is not there) trains alone
    streamed = tiny({"data.source": {"kind": "image_folder", "loading": "stream"}})
    assert probe.probe_group_size(streamed, 4) == 1
