"""The project's trial history as the analysis views read it, from worker lanes: one Store per
URL, opened on first use (in a worker, never on the GUI thread) and shared by the lanes (the
Store is thread-safe). Every function here runs off the GUI thread and returns plain data."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tunestudio.store import CurrentConfig, EvalSeries, StepSeries, Store, TrialRow
    from tunestudio.store.columns import TrialColumns

MAX_POINTS = 250_000  # per trial and plot: peaks kept (store.downsample); far above a screen


@dataclass(frozen=True)
class TrialSeries:
    """What the plots of one trial need."""

    trial: TrialRow
    steps: StepSeries | None
    evals: EvalSeries | None


class History:
    """The trial history of one database at a time for the worker lanes: its Store, opened on first
    use and shared by the lanes' threads; every method queries the store and so runs off the GUI
    thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._url: str | None = None

    def store(self, url: str) -> Store:
        """The Store at `url`, opened on first use; another `url` closes the open one and opens that
        (errors from opening pass to the caller). Thread-safe."""
        with self._lock:
            if self._store is None or url != self._url:
                from tunestudio.store import Store

                if self._store is not None:
                    self._store.close()
                self._store, self._url = Store.open(url), url
            return self._store

    def experiment_id(self, url: str, name: str) -> int | None:
        """The id of the experiment named `name` in the store, or None when it has none yet."""
        row = self.store(url).experiment(name)
        return row.id if row is not None else None

    def trials(self, url: str, name: str, changed_since: float | None = None,
               limit: int | None = None, offset: int = 0) -> tuple[list[TrialRow], float]:
        """The experiment's trials (only those changed since `changed_since`, when given; one
        page of them with `limit` and `offset`) and the database's clock taken before
        reading, to pass back next time."""
        store = self.store(url)
        now = store.now()
        exp_id = self.experiment_id(url, name)
        if exp_id is None:
            return [], now
        return store.trials(exp_id, changed_since=changed_since, limit=limit,
                            offset=offset), now

    def columns(self, url: str, name: str) -> TrialColumns | None:
        """The experiment's trials by column (`Store.trial_columns`: one query over the columns
        the analysis draws); None when there is no such experiment yet."""
        exp_id = self.experiment_id(url, name)
        return None if exp_id is None else self.store(url).trial_columns(exp_id)

    def stale(self, url: str, current: CurrentConfig, trials: list[TrialRow]) -> set[int]:
        """Ids of the trials trained on another config than `current`'s baseline. The verdicts
        kept with the trials are read; those worked out here (trials not judged against this
        baseline yet) are kept in the history, so the next read finds them."""
        stale = current.stale(trials)
        current.keep(self.store(url))
        return stale

    def series(self, url: str, trial_ids: list[int], max_points: int = MAX_POINTS
               ) -> list[TrialSeries]:
        """The step and evaluation series of the trials `trial_ids` (in that order; a trial deleted
        meanwhile is left out), the step series downsampled to at most `max_points` points per
        trial, peaks kept."""
        from tunestudio.store import NotFoundError

        store = self.store(url)
        steps = store.step_series(trial_ids, max_points=max_points)
        evals = store.eval_series(trial_ids)
        out = []
        for tid in trial_ids:
            try:
                row = store.trial(tid)
            except NotFoundError:  # deleted meanwhile
                continue
            out.append(TrialSeries(row, steps.get(tid), evals.get(tid)))
        return out

    def close(self) -> None:
        """Closes the open Store, if any; the next query opens one again."""
        with self._lock:
            if self._store is not None:
                self._store.close()
            self._store, self._url = None, None
