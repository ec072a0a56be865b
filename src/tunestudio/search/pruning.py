"""Feeding Optuna's pruners from the trainer's evaluations, off the training thread.

Each report and each prune check is a database round trip (about 10 ms on SQLite, more on a
remote PostgreSQL, growing with the study). The training loop must not wait for them, so they
run on a small thread of their own; a decision arrives an evaluation or so later, which costs
a pruned trial a little extra training and saves every trial the waiting."""

from __future__ import annotations

import queue
import threading

import optuna

from tunestudio.engine import Trainer


class PruningReporter:
    def __init__(self, trial: optuna.Trial, metric: str):
        self.trial = trial
        self.metric = metric
        self._queue: queue.SimpleQueue[tuple[Trainer, float, int] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self.pruned = threading.Event()
        self.error: BaseException | None = None

    def submit(self, trainer: Trainer, value: float, step: int) -> None:
        if self.pruned.is_set():
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="tunestudio-pruning",
                                            daemon=True)
            self._thread.start()
        self._queue.put((trainer, value, step))

    def close(self) -> None:
        """Wait for the reports in flight, so Optuna has them all before the trial is told."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            trainer, value, step = item
            if self.pruned.is_set() or self.error is not None:
                continue
            try:
                self.trial.report(value, step=step)
                if self.trial.should_prune():
                    self.pruned.set()
                    trainer.request_stop(
                        "pruned", f"pruned after evaluation {step + 1}: {self.metric} = "
                        f"{value:.4g} is worse than most trials at this point",
                    )
            except Exception as exc:  # a lost report must not kill the trial; it is noted
                self.error = exc
