"""Python's cyclic garbage collector during a command's start-up.

A command's start-up creates a few hundred thousand objects that live as long as the process
(the modules of torch, Optuna, SQLAlchemy, pydantic and ours). CPython runs a full collection
each time the long-lived objects grow by a quarter, and each full collection walks all of them
while finding nearly nothing: measured on a 2-core CPU, `tunestudio run` of a 30-trial search
made four during its start-up (0.30 s, 10-700 objects freed each) and one more during its
search (0.15 s), which walked the start-up's objects again. So a command run as the process's
own entry point holds the collector while it loads (`hold`), then freezes everything loaded
(`gc.freeze()`: "move them to a permanent generation and ignore them in all the future
collections", CPython's documentation) and collects as usual from there (`settle`): later
collections walk only what was made after. `run` and `worker` settle once the run is set up
(cli/run_hooks.py `SettleOnRunStart`, after the study is opened, before the first trial is
asked), or when they end; every other command once its arguments are parsed, so a long one
(`train`, an export) never runs without the collector.

Only the process's own command does this (`tunestudio.cli.main` with `argv=None`): a caller
that runs `main([...])` in its own process (the tests, a notebook) keeps its collector as it
is."""

from __future__ import annotations

import gc

_held = False


def hold() -> None:
    """Hold the cyclic collector until `settle` (no-op when it is already off)."""
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def settle() -> None:
    """Freeze what start-up loaded and collect as usual again; no-op unless `hold` held it.
    Idempotent."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()

