"""A seeded search run again adds new points, reproducibly (the seeded-rerun case), and
parallel workers with one seed never draw the same points."""

from __future__ import annotations

import shutil
from pathlib import Path

import optuna
import pytest

from tiny_projects import tiny_project
from tunestudio.config import Budget, Project, load_project
from tunestudio.search import ExperimentRunner, RunOptions, open_store
from tunestudio.search.samplers import build_sampler, run_seed
from tunestudio.search.space import distributions, suggest

CASES = Path(__file__).parents[1] / "cases"


def _points(project: Project, name: str) -> list[tuple[object, ...]]:
    store = open_store(project)
    try:
        [exp] = [e for e in store.experiments() if e.name == name]
        return [tuple(sorted(t.params.items())) for t in store.trials(exp.id)]
    finally:
        store.close()


def _run_twice(project: Project, name: str, trials: int) -> list[tuple[object, ...]]:
    for _ in range(2):
        ExperimentRunner(project, name, options=RunOptions(trials=trials, device="cpu")).run()
    return _points(project, name)


@pytest.mark.parametrize(("name", "trials"), [("random-seeded", 3), ("tpe-seeded", 3),
                                              ("qmc-seeded", 2)])
def test_a_seeded_experiment_run_again_draws_new_points_reproducibly(
        name: str, trials: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "seeded.tuneproj"
    shutil.copy(CASES / "seeded.tuneproj", path)
    project = load_project(path)
    small = project.baseline.model_copy(update={
        "training": project.baseline.training.model_copy(update={"epochs": 1})})
    project = project.model_copy(update={"baseline": small})
    first = _run_twice(project, name, trials)
    assert len(first) == 2 * trials
    assert len(set(first)) == 2 * trials, first  # no point of the first run repeated
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path / "fresh"))  # a fresh database
    assert _run_twice(project, name, trials) == first  # the same runs, the same points


def test_an_unseeded_search_keeps_no_seed() -> None:
    search = tiny_project().experiments[0].search
    assert search.sampler_seed is None
    assert run_seed(search, 10, "host:1") is None


def test_parallel_workers_with_one_seed_draw_different_points() -> None:
    project = tiny_project({"sampler_seed": 0, "strategy": "random",
                            "budget": Budget(trials=4)})
    search = project.experiments[0].search
    seeds = {run_seed(search, 0, None), run_seed(search, 0, "host:101"),
             run_seed(search, 0, "host:102"), run_seed(search, 3, None)}
    assert len(seeds) == 4 and run_seed(search, 0, None) == 0
    dists = distributions(search, project.baseline)
    firsts = []
    for worker in ("host:101", "host:102"):
        study = optuna.create_study(
            direction="maximize", sampler=build_sampler(search, 1, run_seed(search, 0, worker)))
        firsts.append(suggest(study.ask(), dists))
    assert firsts[0] != firsts[1]
