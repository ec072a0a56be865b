"""The CLI's own observers of a run (imported with the search layer, by the run command)."""

from __future__ import annotations

from tunestudio.cli import startup_gc
from tunestudio.search import RunnerHooks


class SettleOnRunStart(RunnerHooks):
    """Settles the garbage collector held during start-up (cli/startup_gc.py) once the run is
    set up (its study opened, its data read), just before it asks its first trial."""

    def on_run_start(self, total_trials: int | None) -> None:
        startup_gc.settle()
