"""TPE's log normal CDF by torch (search/tpe_numerics.py): the same numbers as Optuna's own
function, the same points drawn, and Optuna's function kept where torch is absent or where a
later Optuna has none to replace."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import optuna
import pytest
import scipy.special
import torch  # noqa: F401  (loaded, as in every process that trains)
from optuna.samplers._tpe import _truncnorm

from tunestudio.config import SearchDefinition
from tunestudio.search import tpe_numerics
from tunestudio.search.samplers import build_sampler

optuna.logging.set_verbosity(optuna.logging.WARNING)

LogNdtr = Callable[[np.ndarray], np.ndarray]  # Optuna's log normal CDF, and ours

GRID = np.concatenate([np.linspace(-60.0, 40.0, 20001), -np.logspace(-8, 3, 500),
                       np.logspace(-8, 1.5, 500)])


@pytest.fixture
def optuna_own(monkeypatch: pytest.MonkeyPatch) -> LogNdtr:
    """Optuna's function as shipped, whatever an earlier test installed; restored after."""
    original = tpe_numerics._optuna_log_ndtr or _truncnorm._log_ndtr
    monkeypatch.setattr(_truncnorm, "_log_ndtr", original)
    monkeypatch.setattr(tpe_numerics, "_optuna_log_ndtr", None)
    return original


def test_building_a_tpe_sampler_installs_it_once(optuna_own: LogNdtr) -> None:
    assert _truncnorm._log_ndtr is optuna_own
    build_sampler(SearchDefinition(strategy="tpe"), 1)
    assert _truncnorm._log_ndtr is tpe_numerics.log_ndtr
    assert tpe_numerics.install()  # again: nothing wraps itself
    assert tpe_numerics._optuna_log_ndtr is optuna_own


def test_its_values_are_optunas_and_scipys(optuna_own: LogNdtr) -> None:
    tpe_numerics.install()
    ours = tpe_numerics.log_ndtr(GRID)
    assert ours.dtype == np.float64 and ours.shape == GRID.shape
    reference = scipy.special.log_ndtr(GRID)
    # (SciPy rounds log Phi(a) of a > 38 to 0; torch and Optuna keep the subnormal value)
    assert np.allclose(ours, reference, rtol=1e-12, atol=1e-300)
    assert np.allclose(ours, optuna_own(GRID), rtol=1e-7, atol=1e-300)
    # shapes Optuna passes: 2-d blocks, empty selections, numbers
    block = GRID[:600].reshape(20, 30)
    assert tpe_numerics.log_ndtr(block).shape == (20, 30)
    assert tpe_numerics.log_ndtr(np.empty(0)).shape == (0,)
    assert float(tpe_numerics.log_ndtr(0.0)) == pytest.approx(math.log(0.5), rel=1e-15)


def _search(n_trials: int) -> optuna.Study:
    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        wd = trial.suggest_float("wd", 1e-6, 1e-2, log=True)
        width = trial.suggest_int("width", 16, 512, log=True)
        batch = trial.suggest_categorical("batch", [32, 64, 128])
        return (math.log10(lr) + 2) ** 2 + 0.1 * (math.log10(wd) + 4) ** 2 \
            - 1e-3 * width * 32 / batch

    study = optuna.create_study(sampler=build_sampler(
        SearchDefinition(strategy="tpe", sampler_seed=3), 1))
    study.optimize(objective, n_trials=n_trials)
    return study


def test_a_tpe_search_draws_the_points_optunas_own_draws(optuna_own: LogNdtr,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    ours = _search(40)
    assert _truncnorm._log_ndtr is tpe_numerics.log_ndtr
    monkeypatch.setattr(tpe_numerics, "install", lambda: True)  # Optuna's function, as shipped
    monkeypatch.setattr(_truncnorm, "_log_ndtr", optuna_own)
    alone = _search(40)
    assert _truncnorm._log_ndtr is optuna_own
    for mine, own in zip(ours.trials, alone.trials, strict=True):
        assert mine.params["batch"] == own.params["batch"]
        assert mine.params["width"] == own.params["width"]
        for name in ("lr", "wd"):
            assert mine.params[name] == pytest.approx(own.params[name], rel=1e-6)


def test_without_torch_it_is_optunas_own(optuna_own: LogNdtr, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    tpe_numerics.install()
    calls: list[int] = []

    def own(a: np.ndarray) -> np.ndarray:
        calls.append(1)
        return optuna_own(a)

    monkeypatch.setattr(tpe_numerics, "_optuna_log_ndtr", own)
    monkeypatch.delitem(sys.modules, "torch")
    values = tpe_numerics.log_ndtr(GRID[:100])
    assert calls and np.array_equal(values, optuna_own(GRID[:100]))


def test_an_optuna_without_the_function_keeps_its_numerics(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.delattr(_truncnorm, "_log_ndtr")
    monkeypatch.setattr(tpe_numerics, "_optuna_log_ndtr", None)
    assert tpe_numerics.install() is False
    assert not hasattr(_truncnorm, "_log_ndtr")


def test_an_optuna_that_moved_the_module_keeps_its_numerics(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """The private import's fallback: where `optuna.samplers._tpe._truncnorm` is gone, nothing
    is replaced and building a TPE sampler still works."""
    from optuna.samplers import _tpe

    monkeypatch.setattr(tpe_numerics, "_optuna_log_ndtr", None)
    monkeypatch.delattr(_tpe, "_truncnorm")
    monkeypatch.setitem(sys.modules, "optuna.samplers._tpe._truncnorm", None)  # import fails
    assert tpe_numerics.install() is False
    assert tpe_numerics._optuna_log_ndtr is None
    assert isinstance(build_sampler(SearchDefinition(strategy="tpe"), 1),
                      optuna.samplers.TPESampler)
