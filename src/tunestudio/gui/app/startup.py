"""How long the app took to show its window, counted from the start of the process (not of
this module's import), so the figure includes Python's own start-up and every import."""

from __future__ import annotations

import os
import time
from pathlib import Path

_FALLBACK = time.time()  # used where the OS cannot say when the process started


def process_start_time() -> float:
    """Unix time at which this process started (to 10 ms on Linux)."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # stat(5) field 22: after boot
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
        return time.time() - (uptime - started)
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil  # type: ignore[import-untyped]

        return float(psutil.Process().create_time())
    except Exception:
        return _FALLBACK


def seconds_since_process_start() -> float:
    """Seconds since this process started (`process_start_time`)."""
    return time.time() - process_start_time()
