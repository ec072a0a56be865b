"""A conditional space through the real runner and TPE: define-by-run (a dimension is
suggested only where it applies), no trial records a value of the other branch, and the grid
runs exactly the valid combinations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import optuna
import pytest

from program_helpers import conditional_project, rows, run
from tunestudio.config import CategoricalDimension, FloatDimension, from_template
from tunestudio.config.search import Budget, Condition, SearchDefinition
from tunestudio.search.space import distributions, suggest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

def _branch_ok(params: dict[str, object]) -> bool:
    kind = params["params.kind"]
    return ("params.momentum" in params) == (kind == "sgd") and \
        ("params.beta1" in params) == (kind == "adam")


@pytest.mark.parametrize(("strategy", "trials"), [("tpe", 8), ("grid", None)])
def test_no_trial_records_a_value_of_the_other_branch(tmp_path: Path, strategy: str,
                                                      trials: int | None) -> None:
    project, path = conditional_project(tmp_path, strategy=strategy, trials=trials, seed=1)
    run(project, path)
    done = rows(project)
    assert all(t.state == "complete" for t in done), [t.message for t in done]
    assert all(_branch_ok(t.params) for t in done), [t.params for t in done]
    if strategy == "grid":
        assert len(done) == 5  # 2 sgd + 3 adam, not 2 x 2 x 3
        assert max(t.objective or 0 for t in done) == pytest.approx(1.0)


def test_tpe_is_asked_only_for_the_dimensions_that_apply() -> None:
    base = from_template("digits").baseline
    search = SearchDefinition(strategy="tpe", budget=Budget(trials=30), dimensions=[
        CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"]),
        FloatDimension(path="optimizer.momentum", low=0.0, high=0.99,
                       condition=Condition(path="optimizer.kind", values=["sgd"])),
        FloatDimension(path="optimizer.beta1", low=0.5, high=0.99,
                       condition=Condition(path="optimizer.kind", values=["adam"]))])
    dists = distributions(search, base)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=4))
    for _ in range(12):
        trial = study.ask()
        values = suggest(trial, dists, search, base)
        study.tell(trial, sum(float(v) for v in values.values() if not isinstance(v, str)))
    kinds = {t.params["optimizer.kind"] for t in study.trials}
    assert kinds == {"sgd", "adam"}
    for t in study.trials:  # Optuna's own record holds only the branch's parameters
        assert set(t.params) == {"optimizer.kind", "optimizer.momentum" if
                                 t.params["optimizer.kind"] == "sgd" else "optimizer.beta1"}


def test_a_tpe_search_of_the_digits_template_keeps_each_branch_apart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The digits template through the real runner (its trials' fits stand in, so the test
    stays cheap: what is searched, merged and recorded is the subject): TPE over the
    optimizer's kind, momentum for SGD only and beta1 for Adam only. No trial records a
    parameter of the other branch, and each config the fit received is of its kind's
    optimizer, with the branch's value."""
    from tiny_projects import instant_fit, tiny_project
    from tunestudio.search import ExperimentRunner
    from tunestudio.store import Store, storage_url_for

    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path))
    project = tiny_project({
        "strategy": "tpe", "sampler_seed": 0, "budget": Budget(trials=6), "fuse": "off",
        "dimensions": [
            CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"]),
            FloatDimension(path="optimizer.momentum", low=0.0, high=0.95,
                           condition=Condition(path="optimizer.kind", values=["sgd"])),
            FloatDimension(path="optimizer.beta1", low=0.8, high=0.95,
                           condition=Condition(path="optimizer.kind", values=["adam"]))]},
        epochs=2, fraction=0.15)
    name = project.experiments[0].name
    fitted: list[dict[str, object]] = []

    def fit(config: Any, **kw: Any) -> Any:
        fitted.append(config.optimizer.model_dump())
        return instant_fit(config, **kw)

    ExperimentRunner(project, name, fit=fit).run()
    with Store.open(storage_url_for(project)) as store:
        exp = store.experiment(name)
        assert exp is not None
        done = store.trials(exp.id)
    assert len(done) == 6 and all(t.state == "complete" for t in done), \
        [(t.state, t.message) for t in done]
    kinds = {t.params["optimizer.kind"] for t in done}
    assert kinds == {"sgd", "adam"}
    for t in done:
        kind = t.params["optimizer.kind"]
        assert set(t.params) == {"optimizer.kind", "optimizer.momentum" if kind == "sgd"
                                 else "optimizer.beta1"}, t.params
    kinds_fitted = sorted(str(o["kind"]) for o in fitted)
    assert kinds_fitted == sorted(str(t.params["optimizer.kind"]) for t in done)
    for optimizer in fitted:  # the branch's value reached the optimizer it belongs to
        branch = "momentum" if optimizer["kind"] == "sgd" else "beta1"
        assert any(t.params.get(f"optimizer.{branch}") == optimizer[branch] for t in done)


def _tpe_points(search: SearchDefinition, sampler: optuna.samplers.BaseSampler) -> list[Any]:
    base = from_template("digits").baseline
    dists = distributions(search, base)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    points = []
    for _ in range(20):
        trial = study.ask()
        values = suggest(trial, dists, search, base)
        points.append(values)
        study.tell(trial, sum(float(v) for v in values.values() if not isinstance(v, str)))
    return points


@pytest.mark.parametrize("conditional", [False, True])
def test_tpe_draws_the_group_decomposed_points_only_paying_for_them_where_needed(
        conditional: bool) -> None:
    """`build_sampler`'s TPE decomposes the space into groups only where a dimension has a
    condition (each ask recomputes the groups over every finished trial); either way its
    points are those of Optuna's group-decomposed multivariate TPE of the same seed."""
    from tunestudio.search.samplers import build_sampler

    condition = Condition(path="optimizer.kind", values=["sgd"]) if conditional else None
    search = SearchDefinition(strategy="tpe", sampler_seed=3, budget=Budget(trials=20),
                              dimensions=[
        CategoricalDimension(path="optimizer.kind", choices=["sgd", "adam"]),
        FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True),
        FloatDimension(path="optimizer.momentum", low=0.0, high=0.99, condition=condition)])
    grouped = optuna.samplers.TPESampler(seed=3, multivariate=True, group=True,
                                         n_startup_trials=5)
    assert _tpe_points(search, build_sampler(search, 1)) == _tpe_points(search, grouped)
