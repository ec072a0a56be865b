"""engine.host_memory: large freed buffers stay with the process, so a training step that
allocates them again touches no new pages."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tunestudio.engine import host_memory

# Each round holds five 8 MB blocks (a CNN step's activations; torch's CPU allocator takes them
# from the same malloc), writes them, then frees them: 40 MB free at the heap's top, beyond
# glibc's default trim threshold (twice the largest block freed so far), so by default each
# round maps and faults its pages anew. malloc and free are called directly: the Python objects
# torch makes around its tensors land in the heap at random places and sometimes keep its top.
ROUNDS = """
import ctypes, ctypes.util, json, resource, sys
from tunestudio.engine.host_memory import keep_freed_memory
applied = keep_freed_memory() if sys.argv[1] == "kept" else None
libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
SIZE = 8 * 1024 * 1024
def page_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
def one_round():
    held = [libc.malloc(SIZE) for _ in range(5)]
    for block in held:
        ctypes.memset(block, 1, SIZE)
    for block in held:
        libc.free(block)
one_round()
before = page_faults()
for _ in range(20):
    one_round()
print(json.dumps({"applied": applied, "faults": page_faults() - before}))
"""


def _faults(mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True,
                          timeout=300, check=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux's")
def test_freed_buffers_are_reused_without_new_page_faults() -> None:
    kept = _faults("kept")
    if not kept["applied"]:
        pytest.skip("this Linux's C library has no mallopt (not glibc)")
    default = _faults("default")
    # 20 rounds of 40 MB: 204,800 pages of 4 KB when each round maps its pages anew
    assert isinstance(default["faults"], int) and default["faults"] > 100_000
    assert isinstance(kept["faults"], int) and kept["faults"] < 1_000


def test_it_is_applied_once_and_answers_the_same_after() -> None:
    first = host_memory.keep_freed_memory()
    assert host_memory.keep_freed_memory() is first
    assert first is sys.platform.startswith("linux") or not first


def test_training_applies_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from tunestudio.engine import runtime

    calls: list[int] = []

    def counted() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(runtime, "keep_freed_memory", counted)
    runtime.apply_torch_threads()
    assert calls == [1]


def test_elsewhere_than_linux_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert host_memory._apply() is False
