"""Observer interface of a running experiment, Lightning-style: every method is a no-op, so an
observer overrides only what it shows. Called from the runner's thread."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tunestudio.engine import EvalEvent, FitStartEvent, StepEvent
from tunestudio.search.events import RunSummary, TrialFinished, TrialStarted


class RunnerHooks:
    """The base class of a run's observers (the console, TensorBoard, the GUI's worker): each `on_*`
    method is a no-op an observer overrides to show that event."""
    def on_run_start(self, total_trials: int | None) -> None:
        """The run begins; `total_trials` is what this run will start (None: time-bounded)."""

    def on_trial_start(self, ev: TrialStarted) -> None:
        """A trial's config is valid and training is about to begin."""

    def on_fit_start(self, trial_id: int, ev: FitStartEvent) -> None:
        """Data and model are built on the device (once per repeat)."""

    def on_step(self, trial_id: int, ev: StepEvent) -> None:
        """One optimisation step finished."""

    def on_evaluate(self, trial_id: int, ev: EvalEvent) -> None:
        """One validation pass finished."""

    def on_message(self, text: str) -> None:
        """A note about the whole run, said once (e.g. why some trials cannot train fused)."""

    def on_stop_progress(self, lines: list[str]) -> None:
        """Where the experiment's stop rules stand, one line per active rule (e.g. '12 trials
        without improvement of 20'); said at the start and after each trial."""

    def on_trial_end(self, ev: TrialFinished) -> None:
        """A trial ended in any state, invalid ones included."""

    def on_other_trial_end(self, ended: Mapping[str, Any]) -> None:
        """A trial of another process of this run ended: a worker the run started (`--workers
        N`), which says so on its stdout (local_workers.TRIAL_ENDED_KEY). `ended` holds its
        `state`, `number` and `objective`. Called on the thread that reads that worker."""

    def on_run_end(self, summary: RunSummary) -> None:
        """The run ended (budget spent, stopped, or nothing left to run)."""
