"""A trial whose process told Optuna its outcome and then died (kill -9, power loss) before it
wrote our row: the row takes the outcome Optuna holds, and the metrics its evaluations give.

`trial_run._finish` writes the series first, then tells Optuna, then writes the row; a kill
between the last two leaves a row still 'running' beside an Optuna trial that is told. Left
'interrupted', the row would stay so for good (Optuna never runs a told trial again), so the
next run's start gives it Optuna's outcome, and rebuilds the metrics `_finish` would have
written from the series that were stored (`series_metrics`)."""

from __future__ import annotations

import math

import optuna
from optuna.trial import TrialState

from tunestudio.engine.best import note_evaluation
from tunestudio.search.trial_run import evaluation_metrics
from tunestudio.store import Store
from tunestudio.store.rows import EvalSeries, StepSeries

RECOVERED_NOTE = ("recovered from Optuna's record: the process that ran it ended after "
                  "telling Optuna its outcome, before recording it here (its metrics were "
                  "rebuilt from its recorded curves)")


def series_metrics(steps: StepSeries | None, evals: EvalSeries | None,
                   objective: str) -> dict[str, float]:
    """The metrics of a finished trial rebuilt from its stored series, as
    `trial_run.evaluation_metrics` lays them out: the metrics of the evaluation `objective` was best
    at (ties: the earlier, as `engine.best.note_evaluation` keeps them) of the last repeat,
    with that evaluation's epoch as `best_epoch`, the last evaluation's as `last_<metric>`,
    `steps` (the step points of all repeats, one per optimiser step) and `epochs` (epochs
    done: the last evaluation's when it was at the last step, else the last step's number
    over the steps of the first epoch). A metric missing from a point (NaN in the
    series) is left out of that point. Empty when neither series has a point."""
    metrics: dict[str, float] = {}
    if evals is not None and len(evals):
        last_repeat = int(evals.repeat[-1])
        best: dict[str, float] = {}
        best_at: dict[str, dict[str, float]] = {}
        last: dict[str, float] = {}
        for i in range(len(evals)):
            if int(evals.repeat[i]) != last_repeat:
                continue
            last = {name: float(values[i]) for name, values in evals.metrics.items()
                    if not math.isnan(values[i])}
            note_evaluation(best, best_at, last, float(evals.epoch[i]))
        metrics.update(evaluation_metrics(best_at, last, objective))
        metrics["epochs"] = float(evals.epoch[-1])
    if steps is not None and len(steps):
        metrics["steps"] = float(len(steps))
        at_end = evals is not None and len(evals) and int(evals.repeat[-1]) == int(
            steps.repeat[-1]) and int(evals.step[-1]) == int(steps.step[-1])
        mine = steps.repeat == steps.repeat[-1]
        per_epoch = int((steps.epoch[mine] == 0).sum())  # StepEvent.epoch: 0-based
        if not at_end and per_epoch:
            metrics["epochs"] = float(steps.step[-1]) / per_epoch
    return metrics


def recover_row(store: Store, row_id: int, frozen: optuna.trial.FrozenTrial,
                objective: str) -> bool:
    """Give row `row_id` the outcome Optuna holds for it (`frozen`): complete with its
    objective(s), or pruned, with `RECOVERED_NOTE` and the metrics of `series_metrics` for
    the objective metric `objective`. True when recovered; a failed or waiting trial is not
    (the caller marks it interrupted, and it runs again where it was queued)."""
    if frozen.state == TrialState.COMPLETE and frozen.values:
        values = list(frozen.values)
        state = "complete"
    elif frozen.state == TrialState.PRUNED:
        values, state = [], "pruned"
    else:
        return False
    steps = store.step_series([row_id]).get(row_id)
    evals = store.eval_series([row_id]).get(row_id)
    duration = frozen.duration.total_seconds() if frozen.duration is not None else None
    store.finish_trial(row_id, state=state, message=RECOVERED_NOTE,
                       objective=values[0] if values else None,
                       objective2=values[1] if len(values) > 1 else None,
                       metrics=series_metrics(steps, evals, objective), duration_s=duration)
    return True
