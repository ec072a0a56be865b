"""A long command run as the process's own command (`tunestudio run`, `worker`) ends without
Python freeing every module, after doing what a normal exit does (cli.leave)."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from tunestudio import cli
from tunestudio.cli import training


def test_leave_flushes_joins_threads_and_runs_atexit_before_ending() -> None:
    code = """
import atexit, sys, threading, time
from tunestudio.cli import leave
def late():
    time.sleep(0.2)
    print("thread done")
threading.Thread(target=late).start()
atexit.register(lambda: print("atexit ran"))
print("buffered", end="")
leave(3)
print("never")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "bufferedthread done\natexit ran\n"


@pytest.mark.parametrize("command", ["run", "worker"])
def test_only_the_process_entry_of_a_long_command_leaves_at_once(
        command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    left: list[int] = []

    def fake(args: argparse.Namespace, *, queue: bool = True) -> int:
        return 7

    monkeypatch.setattr(training, "_cmd_run", fake)
    monkeypatch.setattr(training, "_cmd_worker", fake)
    monkeypatch.setattr(cli, "leave", left.append)
    monkeypatch.setattr(sys, "argv", ["tunestudio", command, "p.tuneproj"])
    assert cli.main() == 7 and left == [7]  # as the process's command (no argv given)
    assert cli.main([command, "p.tuneproj"]) == 7 and left == [7]  # in-process: returns
