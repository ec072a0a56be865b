"""Which knobs moved the objective: Optuna's parameter importance of an experiment's study,
read from the project's storage URL. Used by the analysis view (on a worker thread) and by
anything else that wants the ranking without a window."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tunestudio.errors import TuneStudioError

if TYPE_CHECKING:
    from tunestudio.config import SearchDefinition

MIN_TRIALS = 2  # a ranking compares trials: fewer, and every knob would get an equal share


class TooFewTrialsError(TuneStudioError):
    """The trials ranked (complete, not excluded) are fewer than MIN_TRIALS, or all reached one
    objective value (nothing moved it): no importance to compute. `have`: how many there are;
    `more`: how many more complete trials, at least, a ranking needs (0 where their number is
    not the problem)."""

    def __init__(self, message: str, have: int, more: int) -> None:
        super().__init__(message)
        self.have = have
        self.more = more


_STUDIES: dict[tuple[str, str], Any] = {}  # (url, study) -> optuna.Study, kept for the session


def load_study(url: str, study_name: str, read_trials: bool = False) -> Any:
    """The experiment's Optuna study from the project's storage URL, kept for the session (so a
    refresh reads only new trials: Optuna caches finished ones). `read_trials` fills that cache
    now. Raises KeyError (Optuna's) when the study does not exist."""
    import optuna

    from tunestudio.store import optuna_engine_kwargs

    study = _STUDIES.get((url, study_name))
    if study is None:
        storage = optuna.storages.RDBStorage(url, engine_kwargs=optuna_engine_kwargs(url))
        study = optuna.load_study(study_name=study_name, storage=storage)
        _STUDIES[(url, study_name)] = study
    if read_trials:
        study.get_trials(deepcopy=False)
    return study


def param_importance(url: str, study_name: str, evaluator: str = "ped_anova",
                     excluded: Collection[int] = (), params: list[str] | None = None,
                     notes: list[str] | None = None) -> dict[str, float]:
    """Importance of each searched parameter (sums to 1), by Optuna's evaluator `ped_anova`
    (Watanabe et al. 2023), `fanova` (Hutter et al. 2014) or `mdi` (a random forest's mean
    decrease in impurity); for two objectives, of the first, in its own direction: PED-ANOVA
    ranks what makes a given target *low* (Optuna's evaluator warns about it), so a maximised
    first objective is handed over negated (fANOVA and MDI do not depend on the sign). Raises
    TooFewTrialsError with fewer than MIN_TRIALS complete trials left, or all of one value,
    KeyError for an unknown evaluator. `excluded`: the Optuna trial ids of the trials the user
    excluded (`Store.excluded_optuna_ids`), or that are not of the branch being ranked, left out
    of the ranking. `params`: the parameters to rank (None: those Optuna picks; fANOVA and MDI
    rank only the ones every finished trial has, PED-ANOVA each over the trials that have it).
    `notes`, when given, gets a sentence for each caveat of the evaluator (Optuna's warnings,
    said in our words: none reaches the user raw)."""
    import optuna

    from tunestudio.search.exclusion import kept_trials

    study = kept_trials(load_study(url, study_name), frozenset(excluded))
    _check_enough([t.values[0] for t in study.get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))])
    make: dict[str, Callable[[], Any]] = {
        "ped_anova": optuna.importance.PedAnovaImportanceEvaluator,
        "fanova": lambda: optuna.importance.FanovaImportanceEvaluator(seed=0),
        "mdi": lambda: optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)}
    target: Callable[[Any], float] | None = None
    if len(study.directions) > 1:
        sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else 1.0
        target = lambda t: sign * t.values[0]  # noqa: E731
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = optuna.importance.get_param_importances(study, evaluator=make[evaluator](),
                                                         params=params, target=target)
    for warning in caught:
        note = _note(str(warning.message))
        if note is not None and notes is not None and note not in notes:
            notes.append(note)
    return {k: float(v) for k, v in result.items()}


def _check_enough(values: list[float]) -> None:
    """Raises TooFewTrialsError where complete trials of these (first) objective values cannot
    be ranked (Optuna would warn and give every knob an equal share)."""
    if len(values) < MIN_TRIALS:
        more = MIN_TRIALS - len(values)
        raise TooFewTrialsError(
            f"{_trials(len(values))} complete, not excluded; importance compares trials and "
            f"needs at least {MIN_TRIALS}: run {more} more", len(values), more)
    if len(set(values)) == 1:
        raise TooFewTrialsError(
            f"all {len(values)} complete trials reached the same objective ({values[0]:g}): "
            "no knob moved it, so none can be ranked; run trials over a wider search space",
            len(values), 0)


def _trials(count: int) -> str:
    return f"{count} trial" + ("" if count == 1 else "s")


def _note(message: str) -> str | None:
    """Optuna's warning of an importance evaluator in our words (None: one that does not
    concern the user: the sign of a maximised objective is handled by `param_importance`)."""
    if "computes the importances of params to achieve low" in message:
        return None
    if "quantiles select the same set of trials" in message:
        return ("ped_anova: its best 10% of trials are all of them (ties in the objective); "
                "every knob gets an equal share. Run more trials, or try --evaluator fanova")
    if "have less than" in message and "regimes for parameter" in message:
        name = message.split("`")[1] if message.count("`") >= 2 else "a parameter"
        return (f"{name}: fewer than 2 trials where it applied, or where it did not; its "
                "share is rough until more trials run")
    return f"the evaluator warns: {message}"


@dataclass(frozen=True)
class BranchImportance:
    """The ranking within one branch of a conditional search: the trials whose `knob` (the
    dimension a condition names) has `value`, over the parameters every one of them has but
    `knob`. `importances` is empty when the branch has fewer than two finished trials or
    nothing varies in it."""

    knob: str
    value: Any
    trials: int
    importances: dict[str, float]


@dataclass(frozen=True)
class Importances:
    """Parameter importance of an experiment. In a search without conditions, `overall` is
    Optuna's ranking of every parameter and `branches` is empty. In a conditional search,
    `overall` ranks the parameters every finished trial has, a deciding knob (the branch,
    e.g. `optimizer.kind`) among them as a factor of its own, and each branch gets its own
    ranking (`branches`) that holds the conditional parameters (`conditional`) applying
    there: no parameter is ranked over trials it never applied to beside ones it did."""

    overall: dict[str, float]
    branches: list[BranchImportance] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the evaluator's caveats, in our words


def importances(url: str, study_name: str, search: SearchDefinition,
                evaluator: str = "ped_anova", excluded: Collection[int] = ()) -> Importances:
    """Importance of the experiment whose study is `study_name` and whose search is `search`
    (its conditions say which knobs branch): see `Importances`. Raises as
    `param_importance` does when the whole study has fewer than MIN_TRIALS complete trials (not
    excluded); a branch with too few has an empty ranking instead. The evaluator's caveats are
    in `notes`."""
    import optuna

    from tunestudio.config.search import same_value

    branches: dict[tuple[str, str], tuple[str, Any]] = {}
    searched = {d.path for d in search.dimensions}
    for dim in search.dimensions:
        if dim.condition is not None and dim.condition.path in searched:
            for value in dim.condition.values:
                branches.setdefault((dim.condition.path, repr(value)),
                                    (dim.condition.path, value))
    notes: list[str] = []
    if not branches:
        return Importances(param_importance(url, study_name, evaluator, excluded, notes=notes),
                           notes=notes)
    gone = frozenset(excluded)
    finished = [t for t in load_study(url, study_name, read_trials=True).get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)) if t._trial_id not in gone]
    common = set.intersection(*(set(t.params) for t in finished)) if finished else set()
    every = set().union(*(set(t.params) for t in finished))
    _check_enough([t.values[0] for t in finished])  # as a search without conditions does
    overall = param_importance(url, study_name, evaluator, gone, sorted(common),
                               notes) if common else {}
    ranked: list[BranchImportance] = []
    for knob, value in branches.values():
        inside = [t for t in finished if knob in t.params and same_value(t.params[knob], value)]
        names = sorted(set.intersection(*(set(t.params) for t in inside)) - {knob}) \
            if inside else []
        kept = {t._trial_id for t in inside}
        outside = gone | {t._trial_id for t in finished if t._trial_id not in kept}
        ranking: dict[str, float] = {}
        if len(inside) >= 2 and names:
            try:
                ranking = param_importance(url, study_name, evaluator, outside, names, notes)
            except (ValueError, RuntimeError, TooFewTrialsError):  # nothing varies within it
                ranking = {}
        ranked.append(BranchImportance(knob, value, len(inside), ranking))
    return Importances(overall, ranked, sorted(every - common), notes)


def forget_studies() -> None:
    """Drops the kept studies (a project closed, a storage URL changed)."""
    _STUDIES.clear()
