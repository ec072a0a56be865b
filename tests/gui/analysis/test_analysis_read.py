"""The analysis reads the history by column (one query over what it draws): what it hands the
plots is what the full trial rows say, trial by trial: numbers, objectives, values, the other
states' marks, excluded and other-baseline trials, the Pareto front and the batch-size curves."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tunestudio.config import (
    Budget,
    CategoricalDimension,
    Experiment,
    FloatDimension,
    Objective,
    SearchDefinition,
    from_template,
)
from tunestudio.gui.analysis.data import load_analysis
from tunestudio.gui.common.history import History
from tunestudio.store import CurrentConfig, EvalPoint, Store
from tunestudio.store.pareto import pareto_front

DIMS = [FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True),
        CategoricalDimension(path="training.batch_size", choices=[32, 64])]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """40 trials in every state, some excluded, some trained on another baseline (judged when
    read, or judged and kept), some with a second objective, two with evaluation series;
    numbers stored out of order."""
    url = f"sqlite:///{(Path(tmp_path_factory.mktemp('read')) / 'h.sqlite').as_posix()}"
    current = CurrentConfig(from_template("digits").baseline)
    rng = random.Random(3)
    store = Store.open(url)
    eid = store.ensure_experiment("read", "read")
    numbers = list(range(40))
    rng.shuffle(numbers)
    for number in numbers:
        params = {"optimizer.lr": 10 ** rng.uniform(-4, -1),
                  "training.batch_size": rng.choice([32, 64])}
        other = number % 7 == 3
        tid = store.start_trial(
            eid, number=number, optuna_trial_id=number, params=params, config_json="{}",
            device="cpu", seed=0,
            config_fingerprint="another" if other else current.fingerprint(params),
            baseline_fingerprint=current.baseline_fingerprint if number % 2 and not other
            else None)
        state = ["complete"] * 5 + ["pruned", "failed", "running"]
        chosen = state[number % len(state)]
        if chosen != "running":
            store.finish_trial(tid, state=chosen,
                               objective=rng.choice([0.8, 0.9, rng.random()])
                               if chosen == "complete" else None,
                               objective2=rng.choice([1.0, 2.0, None]),
                               duration_s=rng.uniform(1, 9))
        if number in (1, 2):
            store.append_evals(tid, [
                EvalPoint(step=s, epoch=s, train_loss=1.0, val_loss=1 / (s + 1),
                          metrics={"val_accuracy": s / 10}, wall_s=s) for s in range(1, 4)])
    store.exclude_trials(eid, [n for n in range(40) if n % 5 == 4], "a bad run")
    store.close()
    return url, eid


@pytest.mark.parametrize("second", ["none", "train_time"])
@pytest.mark.parametrize("show_excluded", [False, True])
def test_the_read_by_column_is_what_the_rows_say(history: tuple[str, int], second: str,
                                                 show_excluded: bool) -> None:
    url, eid = history
    baseline = from_template("digits").baseline
    experiment = Experiment(name="read", search=SearchDefinition(
        dimensions=DIMS, budget=Budget(trials=40),
        objective=Objective(metric="val_accuracy", second=second)))
    reader = History()
    try:
        data = load_analysis(reader, url, experiment, baseline, show_excluded)
        rows = reader.store(url).trials(eid)
    finally:
        reader.close()
    complete = [r for r in rows if r.state == "complete" and r.objective is not None]
    done = sorted((r for r in complete if show_excluded or not r.excluded),
                  key=lambda r: r.number)
    assert len(done) > 10 and any(r.excluded for r in complete)
    assert data.numbers.tolist() == [r.number for r in done]
    assert data.ids.tolist() == [r.id for r in done]
    assert data.objective.tolist() == [r.objective for r in done]
    for path in ("optimizer.lr", "training.batch_size"):
        assert data.values[path] == [r.params[path] for r in done]
    assert data.excluded.tolist() == [r.excluded for r in done]
    assert data.excluded_hidden == (0 if show_excluded else sum(r.excluded for r in complete))
    for state in ("pruned", "failed"):
        assert data.other[state].tolist() == sorted(r.number for r in rows if r.state == state)
    assert "running" not in data.other
    stale = CurrentConfig(baseline).stale(done)
    assert stale and data.stale.tolist() == [r.id in stale for r in done]
    two = second != "none"
    seconds = [(r.objective2 if two else r.duration_s) for r in done]
    assert np.array_equal(data.train_time, np.array(
        [np.nan if s is None else s for s in seconds], dtype=np.float64), equal_nan=True)
    timed = [replace(r, objective2=s) for r, s in zip(done, seconds, strict=True)]
    front = {r.id for r in pareto_front(timed, ("maximize", "minimize"))}
    assert front and data.on_front.tolist() == [r.id in front for r in done]
    # the best trial of each batch size (ties: the lowest number) that has evaluations
    best: dict[int, int] = {}
    for r in done:
        size = r.params["training.batch_size"]
        # done holds only trials with an objective
        if not r.excluded and (size not in best or r.objective > next(  # type: ignore[operator]
                d.objective for d in done if d.number == best[size])):
            best[size] = r.number
    assert [(c.batch_size, c.number) for c in data.batch_curves] == \
        [(s, n) for s, n in sorted(best.items()) if n in (1, 2)]


def test_prefetching_a_study_the_history_lacks_is_quiet(tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A history whose trials have no Optuna study (written by another tool, or its Optuna
    tables dropped): the analysis view's prefetch of the study finds nothing to read and logs
    no traceback (it did: KeyError 'Record does not exist.' on every open at 100,000 trials)."""
    import optuna

    from tunestudio.gui.analysis.view import _prefetch

    url = f"sqlite:///{tmp_path / 'history.db'}"
    optuna.storages.RDBStorage(url)  # Optuna's tables, no study
    _prefetch(url, "no-such-study")
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
