"""How the process's C allocator treats the large host buffers of training on the CPU.

A CNN step allocates and frees activations of several MB each (the `images` template's CNN at
batch 64: 3.2 MB per layer alone, 12.8 MB in a fused group of four). glibc's malloc serves such
blocks from fresh `mmap`s, or returns the top of its heap to the system once more than
`M_TRIM_THRESHOLD` (by default twice the largest block freed so far) lies free there, so the next
step touches new pages and the kernel zeroes each one again: 600,000 minor page faults in
`benchmarks/fused_trials.py --model cnn --ks 4,8` on one thread, against 135,000-195,000 with
the settings below, and its fused group of four trained 15 % faster (1.98-2.12 s against
1.66-1.75 s; the `images` template's search: 8-12 % more trials an hour, fused or not). PyTorch's
CPU tuning guide gets the same from jemalloc or tcmalloc through LD_PRELOAD; those are not
Python packages, and mallopt(3) is glibc's own switch. An MLP's buffers are too small to
matter (the digits template's groups: no change).

The cost: up to TRIM_THRESHOLD_BYTES of freed memory stays with the process (counted in its
resident set) until it is reused."""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading

# mallopt(3)'s parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# blocks up to this size come from the heap, not from an mmap of their own (glibc's upper
# limit for the setting on 64-bit systems, HEAP_MAX_SIZE / 2)
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
# the heap's top is given back to the system only past this much free memory
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024

_lock = threading.Lock()
_applied: bool | None = None


def keep_freed_memory() -> bool:
    """Make glibc's malloc keep freed blocks of up to MMAP_THRESHOLD_BYTES in the heap and
    give the heap's top back only past TRIM_THRESHOLD_BYTES free (see the module docstring),
    once per process; later calls return the first one's answer. True where it was applied
    (Linux with glibc), False elsewhere (macOS, Windows, musl: their allocators are left as they
    are) or where glibc refused a value. Never raises."""
    global _applied
    with _lock:
        if _applied is None:
            _applied = _apply()
        return _applied


def _apply() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # no glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success, 0 for a value it refuses
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
