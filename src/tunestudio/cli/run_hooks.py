"""The CLI's own observers of a run (imported with the search layer, by the run command)."""

from __future__ import annotations

import contextlib
import json
import sys

from tunestudio.cli import startup_gc
from tunestudio.local_workers import TRIAL_ENDED_KEY
from tunestudio.search import RunnerHooks, TrialFinished


class SettleOnRunStart(RunnerHooks):
    """Settles the garbage collector held during start-up (cli/startup_gc.py) once the run is
    set up (its study opened, its data read), just before it asks its first trial."""

    def on_run_start(self, total_trials: int | None) -> None:
        """Settles the collector (`startup_gc.settle`); `total_trials` is unused."""
        startup_gc.settle()


class TellTheRun(RunnerHooks):
    """A worker that a run started (`run --workers N`): each trial's end as one JSON line on
    stdout, the pipe its run reads (local_workers.LocalWorkers), so that the run's progress
    counts the whole run's trials."""

    def on_trial_end(self, ev: TrialFinished) -> None:
        """Writes `{TRIAL_ENDED_KEY: {"state", "number", "objective"}}` as one line on
        stdout; a closed stdout (the run is gone) is ignored."""
        line = json.dumps({TRIAL_ENDED_KEY: {"state": ev.state, "number": ev.number,
                                             "objective": ev.objective}})
        with contextlib.suppress(OSError, ValueError):  # the run is gone: nobody to tell
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
