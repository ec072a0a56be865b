"""A trial's last evaluation is reported to the pruner but never judged: pruning it would save no
training and would take a finished result out of the best trials (Optuna never ranks a pruned
trial among them). With 4 epochs and the median pruner's default warm-up of 3 evaluations, the
digits template's 400-trial search marked a third of its trials pruned after their full
training. Earlier evaluations are judged as before, alone and in fused groups."""

from __future__ import annotations

import pytest

from tiny_projects import tiny_project
from tunestudio.config import Budget, CategoricalDimension, PrunerConfig
from tunestudio.search import ExperimentRunner, RunOptions, open_store

# two LRs that learn, two that barely move: below the median from the first evaluation on
LRS = CategoricalDimension(path="optimizer.lr", choices=[0.01, 0.012, 1e-6, 2e-6])


def _states(epochs: int, fuse: str) -> dict[float, tuple[str, int]]:
    """Each LR's trial: its state and how many evaluations it reported."""
    project = tiny_project({"strategy": "grid", "dimensions": [LRS], "budget": Budget(
        trials=None), "fuse": "fixed" if fuse != "off" else "off", "fuse_trials": 2,
        "pruner": PrunerConfig(kind="median", startup_trials=0, warmup_evaluations=1)},
        epochs=epochs)
    ExperimentRunner(project, project.experiments[0].name,
                     options=RunOptions(device="cpu", fuse=fuse)).run()
    store = open_store(project)
    try:
        rows = store.trials()
        evals = store.eval_series([r.id for r in rows])
        return {r.params["optimizer.lr"]: (r.state, len(evals[r.id])) for r in rows}
    finally:
        store.close()


@pytest.mark.parametrize("fuse", ["off", "2"])
def test_the_only_evaluation_left_to_judge_is_the_last_so_every_trial_completes(
        fuse: str) -> None:
    """Two epochs, one evaluation of warm-up: the second, last evaluation is the first the
    pruner may judge. The poor trials trained to the end and complete, objective and all."""
    states = _states(2, fuse)
    assert {lr: state for lr, (state, _) in states.items()} == dict.fromkeys(LRS.choices,
                                                                             "complete")


@pytest.mark.parametrize("fuse", ["off", "2"])
def test_an_evaluation_before_the_last_is_still_judged(fuse: str) -> None:
    """Three epochs: the poor trials are pruned at their second evaluation, with an epoch of
    training left to save."""
    states = _states(3, fuse)
    assert states[0.01] == ("complete", 3)  # the first: nothing finished to judge it against
    assert states[1e-6] == states[2e-6] == ("pruned", 2)
