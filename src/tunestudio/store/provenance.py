"""Was a trial trained on the current config? The question every view of the history must answer
after the baseline changed: a trial keeps the fingerprint of the full config it trained, and it
is *current* when that equals the fingerprint of today's baseline merged with the trial's own
values. A trial trained on another baseline (other epochs, width, preprocessing...) is still
shown, marked, but is neither counted by a plan nor reported as the best trial.

    current = CurrentConfig(project.baseline)
    current.holds(row)          # one TrialRow
    current.best(rows, "maximize")

Fingerprinting a trial's config validates it (milliseconds): a view of 100,000 trials took
minutes. So the verdict is kept with each trial, with the fingerprint of the baseline it was
judged against: a search stores its trials as current against its own baseline, `holds` reads
a kept verdict when it was judged against today's baseline, and `settle` judges (once) and keeps
the verdicts of the trials that were not, e.g. after the baseline changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from tunestudio.config import RunConfig
from tunestudio.config.fingerprint import config_fingerprint, point_fingerprint
from tunestudio.store.rows import TrialRow

if TYPE_CHECKING:
    from tunestudio.store.store import Store

CACHE_SIZE = 65_536  # fingerprints kept by values (a grid's points repeat; random ones do not)


class CurrentConfig:
    """Answers, for trials of one project, whether each was trained on `baseline` merged with
    its values. Fingerprints of the current configs are cached by values, so asking for
    thousands of trials of a grid costs one validation per distinct point."""

    def __init__(self, baseline: RunConfig) -> None:
        self.baseline = baseline
        self._cache: dict[str, str] = {}
        self._judged: dict[int, bool] = {}  # verdicts worked out here, not kept yet

    @cached_property
    def baseline_fingerprint(self) -> str:
        """The fingerprint of the baseline itself: what kept verdicts were judged against."""
        return config_fingerprint(self.baseline)

    def fingerprint(self, params: Mapping[str, Any]) -> str:
        """The fingerprint a trial with these values has when trained now."""
        key = json.dumps(dict(params), sort_keys=True, default=str)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= CACHE_SIZE:  # a long stream of distinct points: bounded
                self._cache.clear()
            found = self._cache[key] = point_fingerprint(self.baseline, params)
        return found

    def holds(self, row: TrialRow) -> bool:
        """True when the trial trained the config that its values give on the current baseline.
        A trial without a fingerprint (none could be computed for it) is not current. The
        verdict kept with the trial is read when it was judged against this baseline."""
        return self.holds_values(row.id, row.params, row.config_fingerprint,
                                 row.verdict_baseline, row.verdict_current)

    def holds_values(self, trial_id: int, params: Mapping[str, Any],
                     config_fingerprint: str | None, verdict_baseline: str | None,
                     verdict_current: bool | None) -> bool:
        """`holds` from a trial's fields alone (a view that reads the history by column)."""
        if config_fingerprint is None:
            return False
        if verdict_current is not None and verdict_baseline == self.baseline_fingerprint:
            return verdict_current
        verdict = config_fingerprint == self.fingerprint(params)
        if len(self._judged) < CACHE_SIZE:
            self._judged[trial_id] = verdict
        return verdict

    def keep(self, store: Store) -> int:
        """Keep in the history the verdicts `holds` had to work out (trials not judged against
        this baseline yet), so that later views read them; returns how many. Raises what the
        store raises (StoreError)."""
        judged, self._judged = self._judged, {}
        store.record_verdicts(self.baseline_fingerprint, judged)
        return len(judged)

    def settle(self, store: Store, experiment_id: int | None = None) -> int:
        """Judge every trial (of one experiment, or all) whose verdict was not kept against
        this baseline, and keep the verdicts, a page at a time; returns how many were judged.
        Costs nothing when the history was written, or last settled, on this baseline; after
        the baseline changed, one validation per distinct point, once. Afterwards the store's
        aggregates (`best_trial`, `other_config_count` with `baseline_fingerprint`) are
        exact."""
        count = 0
        for page in store.unjudged_trials(self.baseline_fingerprint, experiment_id):
            verdicts = {tid: fingerprint is not None and fingerprint == self.fingerprint(params)
                        for tid, params, fingerprint in page}
            store.record_verdicts(self.baseline_fingerprint, verdicts)
            count += len(verdicts)
        return count

    def stale(self, rows: Iterable[TrialRow]) -> set[int]:
        """Ids of the trials trained on another config."""
        return {r.id for r in rows if not self.holds(r)}

    def best(self, rows: Iterable[TrialRow], direction: Literal["maximize", "minimize"]
             ) -> TrialRow | None:
        """The complete, current, not excluded trial with the best objective (ties: the lowest
        number), or None; `Store.best_trial` ignores provenance, this does not."""
        if direction not in ("maximize", "minimize"):
            raise ValueError(f"direction must be 'maximize' or 'minimize', not {direction!r}")
        sign = -1.0 if direction == "maximize" else 1.0
        done = [r for r in rows if r.counted]
        # best first, fingerprinting only until a current one is found: one validation per
        # trial of a 100,000-trial history took minutes
        done.sort(key=lambda r: (sign * float(r.objective or 0.0), r.number, r.id))
        return next((r for r in done if self.holds(r)), None)


def trained_on_current_config(row: TrialRow, baseline: RunConfig) -> bool:
    """Whether `row` was trained on `baseline` merged with its values (one trial; for many, use
    one `CurrentConfig`, which caches)."""
    return CurrentConfig(baseline).holds(row)
