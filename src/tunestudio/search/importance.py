"""Which knobs moved the objective: Optuna's parameter importance of an experiment's study,
read from the project's storage URL. Used by the analysis view (on a worker thread) and by
anything else that wants the ranking without a window."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection
from typing import Any

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
                     excluded: Collection[int] = ()) -> dict[str, float]:
    """Importance of each searched parameter (sums to 1), by Optuna's evaluator `ped_anova`
    (Watanabe et al. 2023), `fanova` (Hutter et al. 2014) or `mdi` (a random forest's mean
    decrease in impurity); for two objectives, of the first, in its own direction: PED-ANOVA
    ranks what makes a given target *low* (Optuna's evaluator warns about it), so a maximised
    first objective is handed over negated (fANOVA and MDI do not depend on the sign). Raises
    ValueError (Optuna's) with fewer than two finished trials, KeyError for an unknown
    evaluator. `excluded`: the Optuna trial ids of the trials the user excluded
    (`Store.excluded_optuna_ids`), left out of the ranking."""
    import optuna

    from tunestudio.search.exclusion import kept_trials

    study = kept_trials(load_study(url, study_name), frozenset(excluded))
    make: dict[str, Callable[[], Any]] = {
        "ped_anova": optuna.importance.PedAnovaImportanceEvaluator,
        "fanova": lambda: optuna.importance.FanovaImportanceEvaluator(seed=0),
        "mdi": lambda: optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)}
    target: Callable[[Any], float] | None = None
    if len(study.directions) > 1:
        sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else 1.0
        target = lambda t: sign * t.values[0]  # noqa: E731
    with warnings.catch_warnings():  # the sign is handled above; the warning would mislead
        warnings.filterwarnings("ignore", message="PedAnovaImportanceEvaluator computes")
        result = optuna.importance.get_param_importances(study, evaluator=make[evaluator](),
                                                         target=target)
    return {k: float(v) for k, v in result.items()}


def forget_studies() -> None:
    """Drops the kept studies (a project closed, a storage URL changed)."""
    _STUDIES.clear()
