"""Parallel program trials on one machine: `--workers N` runs N processes (this one and N - 1
`tunestudio worker` processes), each a slot that trains one program trial at a time. A slot's
program gets its share of the machine: the CPU threads divided between the slots
(OMP_NUM_THREADS, MKL_NUM_THREADS, unless the project sets them) and, with GPUs, one GPU per
slot in turn (CUDA_VISIBLE_DEVICES), so that N trials do not all train on the first GPU."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from tunestudio.local_workers import SLOT_ENV

__all__ = ["SLOT_ENV", "Slot"]


@dataclass(frozen=True)
class Slot:
    """Slot `index` (0-based) of `count` running at once on this machine."""

    index: int = 0
    count: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Slot:
        """The slot a spawned worker was given in SLOT_ENV; the only slot otherwise."""
        text = (env if env is not None else os.environ).get(SLOT_ENV, "")
        index, _, count = text.partition("/")
        if index.isdigit() and count.isdigit() and int(index) < int(count):
            return cls(int(index), int(count))
        return cls()

    def text(self) -> str:
        """The slot as SLOT_ENV gives it: `index/count`."""
        return f"{self.index}/{self.count}"

    def program_env(self, env: Mapping[str, str], fixed: Mapping[str, str]) -> dict[str, str]:
        """What this slot sets for its program on top of `env`; `fixed`: what the project
        sets itself, which wins."""
        if self.count <= 1:
            return {}
        out: dict[str, str] = {SLOT_ENV: self.text()}
        threads = str(max(1, (os.cpu_count() or 1) // self.count))
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if name not in fixed:
                out[name] = threads
        gpus = _visible_gpus(env.get("CUDA_VISIBLE_DEVICES"))
        if gpus and "CUDA_VISIBLE_DEVICES" not in fixed:
            out["CUDA_VISIBLE_DEVICES"] = gpus[self.index % len(gpus)]
        return out


def _visible_gpus(visible: str | None) -> list[str]:
    """The GPUs a program may use: those CUDA_VISIBLE_DEVICES lists, else those nvidia-smi
    lists (asked once), else none."""
    if visible is not None:
        return [g.strip() for g in visible.split(",") if g.strip()]
    return list(_nvidia_gpus())


@functools.cache
def _nvidia_gpus() -> tuple[str, ...]:
    tool = shutil.which("nvidia-smi")
    if tool is None:
        return ()
    try:
        done = subprocess.run([tool, "-L"], capture_output=True, text=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    count = sum(1 for line in done.stdout.splitlines() if line.startswith("GPU "))
    return tuple(str(i) for i in range(count))
