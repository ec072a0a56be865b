"""The process's own command holds the cyclic garbage collector while it loads, then freezes
what it loaded and collects as usual (cli/startup_gc.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tiny_projects import tiny_project
from tunestudio.cli import startup_gc
from tunestudio.config import save_project


@pytest.fixture
def freezes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The collector on, as in a process that starts a command (the GUI's tests leave it off
    in this process: gui/app/gc_policy.py collects on a timer), and as it was afterwards; each
    `gc.freeze()` call of cli/startup_gc.py counted (other threads of this test process may
    freeze objects too, so the permanent generation's size would not tell)."""
    calls: list[int] = []

    def freeze() -> None:
        calls.append(1)
        gc.freeze()

    monkeypatch.setattr(startup_gc, "gc", SimpleNamespace(
        freeze=freeze, enable=gc.enable, disable=gc.disable, isenabled=gc.isenabled))
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield calls
    finally:
        startup_gc.settle()
        if not enabled:
            gc.disable()


def test_hold_then_settle_freezes_what_was_loaded_and_collects_again(
        freezes: list[int]) -> None:
    startup_gc.hold()
    assert not gc.isenabled() and not freezes
    startup_gc.settle()
    assert gc.isenabled() and len(freezes) == 1
    startup_gc.settle()  # idempotent: nothing more frozen
    assert gc.isenabled() and len(freezes) == 1


def test_settle_without_hold_and_hold_of_a_disabled_collector_change_nothing(
        freezes: list[int]) -> None:
    startup_gc.settle()
    assert gc.isenabled() and not freezes
    gc.disable()  # a caller that runs without the collector keeps it off
    startup_gc.hold()
    startup_gc.settle()
    assert not gc.isenabled() and not freezes


def test_a_caller_running_main_in_process_keeps_its_collector(freezes: list[int]) -> None:
    from tunestudio.cli import main

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert gc.isenabled() and not freezes


def test_tunestudio_run_makes_no_full_collection_before_its_run_is_set_up(
        tmp_path: Path) -> None:
    path = tmp_path / "tiny.tuneproj"
    save_project(tiny_project(epochs=2), path)
    code = f"""
import atexit, gc, json, sys
full = []  # each full collection: whether start-up's objects were frozen by then
def seen(phase, info):
    if phase == "start" and info["generation"] == 2:
        full.append(gc.get_freeze_count() > 0)
gc.callbacks.append(seen)
atexit.register(lambda: print("GC " + json.dumps(
    {{"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(), "full": full}}),
    file=sys.stderr))
sys.argv = ["tunestudio", "run", {str(path)!r}, "--quiet", "--device", "cpu"]
from tunestudio.cli import main
sys.exit(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={**_env(tmp_path)})
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("GC "))
    seen = json.loads(line[3:])
    # the collector runs again, start-up's objects were frozen (tens of thousands at least),
    # and no full collection walked them while the command loaded (five did before)
    assert seen["enabled"] and seen["frozen"] > 50_000
    assert all(seen["full"]), seen


def _env(tmp_path: Path) -> dict[str, str]:
    import os

    return {**os.environ, "TUNESTUDIO_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(("command", "held"), [("run", True), ("worker", True),
                                               ("train", False)])
def test_only_a_run_sets_up_with_the_collector_held(
        command: str, held: bool, monkeypatch: pytest.MonkeyPatch, freezes: list[int]) -> None:
    from tunestudio import cli
    from tunestudio.cli import training

    during: list[bool] = []

    def fake(args: object, **kw: object) -> int:
        during.append(not gc.isenabled())
        return 0

    for name in ("_cmd_run", "_cmd_worker", "_cmd_train"):
        monkeypatch.setattr(training, name, fake)
    monkeypatch.setattr(cli, "leave", lambda code: None)
    monkeypatch.setattr(sys, "argv", ["tunestudio", command, "p.tuneproj"])
    assert cli.main() == 0
    # a run (or worker) sets up with it held and settles at its start; any other command,
    # however long, runs with the collector on; all leave it on
    assert during == [held] and gc.isenabled() and len(freezes) == 1
