"""Entry script of the PyInstaller bundle: the `tunestudio` command, adapted to being frozen.

- The search runner starts extra local workers as `sys.executable -m tunestudio worker ...`.
  In the bundle `sys.executable` is this program, which has no `-m`, so a leading
  `-m tunestudio` is dropped and the same command runs.
- A windowed Windows build has no console: `sys.stdout`/`sys.stderr` are None, and code that
  writes to them (logging, the CLI's JSON output) would fail. They go to the null device.
- `multiprocessing.freeze_support()` lets a spawned child of the frozen program (torch
  DataLoader workers on Windows and macOS) run its task instead of starting the app again.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path


def _argv() -> list[str]:
    args = sys.argv[1:]
    return args[2:] if args[:2] == ["-m", "tunestudio"] else args


def _null_streams() -> None:
    # Kept open for the life of the process, as the real streams would be.
    if sys.stdout is None:
        sys.stdout = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = Path(os.devnull).open("w", encoding="utf-8")  # noqa: SIM115


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _null_streams()
    from tunestudio.cli import main

    sys.exit(main(_argv()))
