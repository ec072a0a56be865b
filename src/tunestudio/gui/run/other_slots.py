"""The running experiment's trials that other processes train: the worker processes of a run
with several workers (the toolbar's Workers, `--workers N`), or `tunestudio worker` on another
machine sharing the database. Their events never reach this window, but their series do reach
the store (each process flushes its points every second, store/writer.py), so the live view
reads them from there, once a second, off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tunestudio.gui.plots.axes import Curves, curves_of

if TYPE_CHECKING:
    from tunestudio.gui.common.history import History
    from tunestudio.store import TrialRow

POLL_MS = 1000
# A trial this window's own run starts is in the store a moment before its start event reaches
# the GUI thread: a running trial younger than this is left for the next read.
SETTLE_S = 1.0
MAX_POINTS = 20_000  # per trial and read: the loss peaks kept (store/downsample.py)


@dataclass(frozen=True)
class SlotsRead:
    """`running`: ids of the trials other processes train now; `series`: the stored curves of
    those and of the `followed` ones that ended since (their last points), by trial."""

    running: frozenset[int]
    series: tuple[tuple[TrialRow, Curves], ...]


def read_other_slots(history: History, url: str, experiment: str, own: frozenset[int],
                     followed: frozenset[int], max_points: int = MAX_POINTS) -> SlotsRead:
    """Runs in a worker lane. `own`: the trials this window's process trains (its own events
    draw them); `followed`: the other trials already drawn."""
    store = history.store(url)
    now = store.now()
    exp_id = history.experiment_id(url, experiment)
    if exp_id is None:
        return SlotsRead(frozenset(), ())
    running = frozenset(
        r.id for r in store.trials(exp_id, states=("running",))
        if r.id not in own and (r.started_at is None or now - r.started_at >= SETTLE_S))
    ids = sorted(running | (followed - own))
    found = history.series(url, ids, max_points) if ids else []
    return SlotsRead(running, tuple((ts.trial, curves_of(ts.steps, ts.evals)) for ts in found))
