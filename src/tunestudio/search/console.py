"""Progress of a run on a terminal: trial i/N, ETA, best so far, and a summary at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tunestudio.search.events import RunSummary, TrialFinished, TrialStarted
from tunestudio.search.hooks import RunnerHooks


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ConsoleProgress(RunnerHooks):
    def __init__(self, stream: TextIO | None = None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.started = time.monotonic()
        self.total: int | None = None
        self.tty = self.stream.isatty()

    def _say(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stream, flush=True)

    def on_run_start(self, total_trials: int | None) -> None:
        self.started = time.monotonic()
        self.total = total_trials
        if total_trials == 0:
            self._say("nothing to run: every trial of this experiment's plan has run on the "
                      "current config")

    def on_trial_start(self, ev: TrialStarted) -> None:
        params = ", ".join(f"{k}={_fmt(v)}" for k, v in ev.params.items()) or "baseline"
        self._say(f"trial {ev.index}/{ev.total or '?'} (#{ev.number}) on {ev.device}: {params}")
        if ev.note:
            self._say(f"  trial #{ev.number}: {ev.note}")

    def on_message(self, text: str) -> None:
        self._say(f"note: {text}")

    def on_trial_end(self, ev: TrialFinished) -> None:
        elapsed = time.monotonic() - self.started
        eta = ""
        if ev.total:
            left = max(0, ev.total - ev.done)
            eta = f"  ETA {_clock(elapsed / max(ev.done, 1) * left)}"
        objective = "" if ev.objective is None else f" objective {ev.objective:.4g}"
        best = "" if ev.best_objective is None else f"  best {ev.best_objective:.4g}"
        bar = _bar(ev.done, ev.total)
        note = f" ({ev.message.splitlines()[0]})" if ev.message and ev.state != "complete" else ""
        self._say(f"{bar} {ev.done}/{ev.total or '?'}  {ev.state}{objective}{note}  "
                  f"{ev.duration_s:.1f}s{best}  elapsed {_clock(elapsed)}{eta}")

    def on_run_end(self, summary: RunSummary) -> None:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.counts.items())) or "no trials"
        self._say(f"{summary.experiment}: {counts} in {_clock(summary.duration_s)} "
                  f"({summary.message})")
        if summary.best_trial_id is not None and summary.best_objective is not None:
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in summary.best_params.items())
            self._say(f"best trial #{summary.best_number} (id {summary.best_trial_id}): objective "
                      f"{summary.best_objective:.4g}  {params}")


def _fmt(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _bar(done: int, total: int | None, width: int = 20) -> str:
    if not total:
        return "[" + "?" * 3 + "]"
    filled = round(width * min(done, total) / total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"
