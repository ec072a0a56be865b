"""Progress of a run on a terminal: a line per trial started and ended (trial i/N, state,
objective, best so far, elapsed time and ETA), a summary at the end, and, when the stream is a
terminal, a tqdm bar of the trials done below the lines."""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any, TextIO

from tqdm import tqdm

from tunestudio.search.events import RunSummary, TrialFinished, TrialStarted
from tunestudio.search.hooks import RunnerHooks


def _clock(seconds: float) -> str:
    return str(tqdm.format_interval(max(0.0, seconds)))


class ConsoleProgress(RunnerHooks):
    """Writes a run's progress to `stream` (default stderr); `quiet` writes nothing.
    `part_of_run`: a worker process that a run started (`run --workers N`), beside it on the
    same terminal: it writes its trials' lines, but neither a bar nor a summary (the run's
    count its trials, `on_other_trial_end`)."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False,
                 part_of_run: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.part_of_run = part_of_run
        self.started = time.monotonic()
        self.total: int | None = None
        self.tty = self.stream.isatty()
        self.bar: Any = None  # the tqdm bar of trials while a run goes on at a terminal
        self._own_done = 0  # this process's trials the bar counts
        self._others = 0  # trials of the workers this run started, ended so far
        self._lock = threading.RLock()  # the bar, updated from a worker's reader thread too

    def _say(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            if self.bar is not None:  # above the bar, which is redrawn below it
                self.bar.write(text, file=self.stream)
                self.stream.flush()
            else:
                print(text, file=self.stream, flush=True)

    def on_run_start(self, total_trials: int | None) -> None:
        """Restart the clock and, at a terminal, open the bar of `total_trials` trials (none for a
        worker the run started); says so where there is nothing to run."""
        self.started = time.monotonic()
        self.total = total_trials
        if self.tty and not self.quiet and total_trials != 0 and not self.part_of_run:
            # mininterval 0: a trial ends seconds apart, so each end redraws the bar
            self.bar = tqdm(total=total_trials, unit="trial", file=self.stream,
                            dynamic_ncols=True, leave=False, mininterval=0)
        if total_trials == 0:
            self._say("nothing to run: every trial of this experiment's plan has run on the "
                      "current config")

    def on_trial_start(self, ev: TrialStarted) -> None:
        """One line: the trial's place in the run (a worker: its number only), its device and values
        ('baseline' for none), then its note, if any."""
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in ev.params.items()) or "baseline"
        if self.part_of_run:  # its own count would read as the run's: the run counts
            self._say(f"trial #{ev.number} on {ev.device}: {params}")
        else:
            self._say(f"trial {ev.index}/{ev.total or '?'} (#{ev.number}) on {ev.device}: "
                      f"{params}")
        if ev.note:
            self._say(f"  trial #{ev.number}: {ev.note}")

    def on_message(self, text: str) -> None:
        """The note as one line, `note: ...`."""
        self._say(f"note: {text}")

    def on_stop_progress(self, lines: list[str]) -> None:
        """Where the stop rules stand, as one line."""
        self._say("stop rules: " + "; ".join(lines))

    def on_trial_end(self, ev: TrialFinished) -> None:
        """One line: the trial's state, objective, duration (s), the best objective so far, the
        elapsed time and, when the run's size is known, the ETA (elapsed time per trial ended times
        the trials left); the bar moves on."""
        elapsed = time.monotonic() - self.started
        done = ev.done + self._others  # the whole run's, its workers' trials included
        eta = ""
        if ev.total and not self.part_of_run:
            left = max(0, ev.total - done)
            eta = f"  ETA {_clock(elapsed / max(done, 1) * left)}"
        objective = "" if ev.objective is None else f" objective {ev.objective:.4g}"
        best = "" if ev.best_objective is None else f"  best {ev.best_objective:.4g}"
        note = f" ({ev.message.splitlines()[0]})" if ev.message and ev.state != "complete" else ""
        count = "" if self.part_of_run else f" {done}/{ev.total or '?'}"
        self._say(f"trial #{ev.number}{count}  {ev.state}{objective}{note}  "
                  f"{ev.duration_s:.1f}s{best}  elapsed {_clock(elapsed)}{eta}")
        with self._lock:
            if self.bar is not None:
                if ev.best_objective is not None and math.isfinite(ev.best_objective):
                    self.bar.set_postfix_str(f"best {ev.best_objective:.4g}", refresh=False)
                self.bar.update(max(0, ev.done - self._own_done))
            self._own_done = max(self._own_done, ev.done)

    def on_other_trial_end(self, ended: Mapping[str, Any]) -> None:
        """A trial of a worker this run started ended: the run's count and bar count it."""
        with self._lock:
            self._others += 1
            if self.bar is not None:
                self.bar.update(1)

    def on_run_end(self, summary: RunSummary) -> None:
        """Close the bar, then (not for a worker the run started) a summary: trials per state, the
        run's duration and closing message, and the best trial with its values."""
        with self._lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None
        if self.part_of_run:  # its run sums up the whole run
            return
        counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items())) or "no trials"
        self._say(f"{summary.experiment}: {counts} in {_clock(summary.duration_s)} "
                  f"({summary.message})")
        if summary.best_trial_id is not None and summary.best_objective is not None:
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in summary.best_params.items())
            self._say(f"best trial #{summary.best_number}: objective "
                      f"{summary.best_objective:.4g}  {params}")


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
