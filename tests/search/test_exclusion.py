"""Excluded trials as Optuna sees them: the sampler and importance learn from the study without
them (Optuna's record stays as it was), and a grid runs an excluded point again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.distributions import BaseDistribution, FloatDistribution
from optuna.trial import FrozenTrial, TrialState, create_trial

from tunestudio.config import CategoricalDimension, SearchDefinition, from_template
from tunestudio.config.fingerprint import point_fingerprint
from tunestudio.config.search import Budget
from tunestudio.search.exclusion import ExcludingSampler, kept_trials
from tunestudio.search.importance import forget_studies, param_importance
from tunestudio.search.plan import FINGERPRINT_ATTR, enqueue, plan_queue
from tunestudio.search.space import distributions, suggest

SPACE: dict[str, BaseDistribution] = {"x": FloatDistribution(0.0, 1.0)}


class Spy(optuna.samplers.RandomSampler):
    """Records which complete trials the sampler was shown, by each route samplers read."""

    def __init__(self) -> None:
        super().__init__(seed=0)
        self.seen: list[list[int]] = []

    def sample_independent(self, study: optuna.Study, trial: FrozenTrial, param_name: str,
                           param_distribution: Any) -> Any:
        done = (TrialState.COMPLETE,)
        public = [t.number for t in study.get_trials(deepcopy=False, states=done)]
        cached = [t.number for t in study._get_trials(deepcopy=False, states=done,
                                                      use_cache=True)]
        assert public == cached
        self.seen.append(public)
        return super().sample_independent(study, trial, param_name, param_distribution)


def _study(values: list[float], sampler: optuna.samplers.BaseSampler) -> optuna.Study:
    study = optuna.create_study(direction="maximize", sampler=sampler)
    for i, v in enumerate(values):
        study.add_trial(create_trial(params={"x": i / len(values)}, distributions=SPACE,
                                     value=v))
    return study


def test_the_sampler_is_shown_the_study_without_the_excluded_trials() -> None:
    spy = Spy()
    excluded: set[int] = set()
    study = _study([0.1, 0.9, 0.2], ExcludingSampler(spy, lambda: frozenset(excluded)))
    study.ask().suggest_float("x", 0.0, 1.0)
    assert spy.seen[-1] == [0, 1, 2]
    excluded.add(study.trials[1]._trial_id)  # read at the next trial, as a store mark is
    study.ask().suggest_float("x", 0.0, 1.0)
    assert spy.seen[-1] == [0, 2]
    assert study.trials[1].state == TrialState.COMPLETE  # Optuna's record is unchanged
    assert [t.number for t in study.get_trials(states=(TrialState.COMPLETE,))] == [0, 1, 2]


def test_tpe_samples_as_if_the_excluded_trials_never_ran() -> None:
    """TPE next to a poisoned best trial asks what TPE asks on the study without it."""
    rng = np.random.default_rng(1)
    values = [float(v) for v in rng.uniform(size=12)]
    values[3] = 10.0  # the broken trial that would pull every later sample towards x=0.25

    def tpe() -> optuna.samplers.TPESampler:
        return optuna.samplers.TPESampler(seed=7, n_startup_trials=5)

    with_it = _study(values, ExcludingSampler(tpe(), lambda: frozenset({with_it.trials[3]
                                                                        ._trial_id})))
    plain = _study(values, tpe())
    clean = optuna.create_study(direction="maximize", sampler=tpe())
    for t in with_it.trials:
        if t.number != 3:
            clean.add_trial(create_trial(params=t.params, distributions=SPACE, value=t.value))
    asked = [with_it.ask().suggest_float("x", 0.0, 1.0) for _ in range(3)]
    assert asked == [clean.ask().suggest_float("x", 0.0, 1.0) for _ in range(3)]
    assert asked != [plain.ask().suggest_float("x", 0.0, 1.0) for _ in range(3)]


def test_hyperbands_bracket_study_keeps_its_narrowing() -> None:
    study = _study([0.1, 0.2], optuna.samplers.RandomSampler(seed=0))
    study.pruner = optuna.pruners.HyperbandPruner()
    bracket = study.pruner._create_bracket_study(study, 0)
    view = kept_trials(bracket, frozenset({study.trials[0]._trial_id}))
    assert [t.number for t in view.get_trials(deepcopy=False)] == \
        [t.number for t in bracket.get_trials(deepcopy=False) if t.number != 0]


def test_importance_leaves_the_excluded_trials_out(tmp_path: Path) -> None:
    """Half the trials ran on broken data where x decided everything (and gave the lowest
    losses); on the sound half only y matters. Excluded, the broken half no longer makes x
    important."""
    url = f"sqlite:///{tmp_path / 'o.db'}"
    rng = np.random.default_rng(0)
    space: dict[str, BaseDistribution] = {"x": FloatDistribution(0, 1),
                                          "y": FloatDistribution(0, 1)}
    trials = []
    for i in range(40):
        x, y = rng.uniform(size=2)
        value = -10 * x if i % 2 else y + 0.01 * rng.normal()
        trials.append(create_trial(params={"x": x, "y": y}, distributions=space,
                                   value=float(value)))
    study = optuna.create_study(storage=url, study_name="s", direction="minimize")
    study.add_trials(trials)  # one transaction
    broken = [t._trial_id for t in study.trials if t.number % 2]
    forget_studies()
    everything = param_importance(url, "s", "ped_anova")
    sound = param_importance(url, "s", "ped_anova", excluded=broken)
    assert everything["x"] > 3 * everything["y"], everything
    assert sound["y"] > 3 * sound["x"], sound


def test_a_grid_runs_an_excluded_point_again() -> None:
    base = from_template("digits").baseline
    search = SearchDefinition(strategy="grid", budget=Budget(trials=None), dimensions=[
        CategoricalDimension(path="training.batch_size", choices=[32, 64])])
    study = optuna.create_study(direction="maximize")
    assert enqueue(study, search, base, None) == 2
    dists = distributions(search, base)
    for _ in range(2):
        trial = study.ask()
        trial.set_user_attr(FINGERPRINT_ATTR, point_fingerprint(base, suggest(trial, dists)))
        study.tell(trial, 0.5)
    assert plan_queue(study, search, base, None).entries == []
    first = study.trials[0]
    again = plan_queue(study, search, base, None, excluded={first._trial_id})
    assert again.entries == [{"training.batch_size": first.params["training.batch_size"]}]


def test_the_runners_next_asks_learn_without_the_excluded_trial(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the real runner (the digits template's TPE search, its trials' fits stood in:
    what the sampler is shown is the subject): the best trial excluded in the store between
    two runs, the sampler the runner builds is shown every earlier complete trial but that
    one, at each ask of the second run."""
    import tunestudio.search.runner as runner_module
    from tiny_projects import instant_fit, tiny_project
    from tunestudio.search import ExperimentRunner
    from tunestudio.store import Store, storage_url_for

    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(tmp_path))
    spies: list[Spy] = []

    def spy_sampler(*args: Any, **kwargs: Any) -> Spy:
        spies.append(Spy())
        return spies[-1]

    monkeypatch.setattr(runner_module, "build_sampler", spy_sampler)
    project = tiny_project({"sampler_seed": 0, "budget": Budget(trials=3), "fuse": "off"},
                           epochs=2, fraction=0.15)
    name = project.experiments[0].name
    ExperimentRunner(project, name, fit=instant_fit).run()
    with Store.open(storage_url_for(project)) as store:
        exp = store.experiment(name)
        assert exp is not None
        best = store.best_trial(exp.id, "maximize")
        assert best is not None and len(store.trials(exp.id)) == 3
        store.exclude_trials(exp.id, [best.number], "trained on the broken data file")
    ExperimentRunner(project, name, fit=instant_fit).run()
    seen = spies[-1].seen  # each ask of the second run, one per dimension
    assert seen and seen[0] == [n for n in range(3) if n != best.number]
    assert all(best.number not in numbers for numbers in seen), seen
    assert any(len(numbers) > 2 for numbers in seen)  # its own trials were shown as told
