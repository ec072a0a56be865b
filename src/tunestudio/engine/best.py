"""The best value of each metric over a fit's evaluations, and the evaluation it came from.

A trial is judged by the best value of its objective metric, and its checkpoint keeps the
model of that evaluation; what the trial reports beside the objective must describe that same
model (case 29: per-metric bests mixed the training loss of epoch 40 with the validation loss
of epoch 5, hiding the overfitting). Every loop (the lone trainer, fused members, program
trials) keeps both through `note_evaluation`. No torch here."""

from __future__ import annotations

import math
from collections.abc import Mapping

from tunestudio.config import metric_mode

EPOCH = "epoch"  # the key of an evaluation's epoch in `best_at`'s records


def note_evaluation(best: dict[str, float], best_at: dict[str, dict[str, float]],
                    metrics: Mapping[str, float], epoch: float) -> None:
    """Fold one evaluation (`metrics`, at `epoch` epochs) into `best` (metric -> best value so
    far: max for accuracy and R2, min otherwise; a NaN never replaces a number) and `best_at`
    (metric -> the whole evaluation, plus its `epoch`, at which that metric last strictly
    improved; a tie keeps the earlier one, as the checkpoint kept on that metric does).
    Both dicts are updated in place."""
    record: dict[str, float] | None = None
    for name, value in metrics.items():
        old = best.get(name)
        if old is None or math.isnan(old):
            improved = not math.isnan(value)
            best[name] = value
        elif math.isnan(value):
            improved = False
        else:
            improved = value > old if metric_mode(name) == "max" else value < old
            if improved:
                best[name] = value
        if improved:
            if record is None:
                record = {**metrics, EPOCH: float(epoch)}
            best_at[name] = record


def evaluation_of(best_at: Mapping[str, Mapping[str, float]], metric: str
                  ) -> dict[str, float] | None:
    """The evaluation (its metrics and `epoch`) at which `metric` was best, or None when it
    was never measured as a number."""
    found = best_at.get(metric)
    return None if found is None else dict(found)
