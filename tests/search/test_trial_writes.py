"""A trial's parameters and user attributes in one transaction (search/trial_writes.py), and
each written at once by an Optuna whose internals moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import optuna
import pytest
import sqlalchemy
from optuna.trial import TrialState

from tunestudio.search import trial_writes
from tunestudio.search.trial_writes import held_writes

if TYPE_CHECKING:  # Optuna wraps every storage in it; a private class, for the casts only
    from optuna.storages._cached_storage import _CachedStorage


@pytest.fixture(params=["held", "moved-internals"])
def held(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[bool]:
    if request.param == "moved-internals":  # as if a later Optuna had moved its RDB modules
        monkeypatch.setattr(trial_writes, "_models", None)
        monkeypatch.setattr(trial_writes, "_create_scoped_session", None)
    yield request.param == "held"


def _study(tmp_path: Path) -> tuple[optuna.Study, list[int]]:
    """A study on SQLite, and a list that counts the transactions that wrote to its database
    (Optuna's reads commit too)."""
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'o.db'}")
    commits: list[int] = []
    wrote: list[bool] = [False]

    def statement(conn: object, cursor: object, sql: str, *_: object) -> None:
        wrote[0] = wrote[0] or sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))

    def commit(conn: object) -> None:
        if wrote[0]:
            commits.append(1)
        wrote[0] = False

    sqlalchemy.event.listen(storage.engine, "before_cursor_execute", statement)
    sqlalchemy.event.listen(storage.engine, "commit", commit)
    study = optuna.create_study(storage=storage, study_name="s", direction="maximize")
    return study, commits


def _fresh(tmp_path: Path, number: int) -> optuna.trial.FrozenTrial:
    """The trial as another process reads it from the database."""
    other = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'o.db'}")
    return other.get_trials(deepcopy=False)[number]


def test_a_trials_parameters_and_attributes_are_written_in_one_transaction(
        tmp_path: Path, held: bool) -> None:
    study, commits = _study(tmp_path)
    trial = study.ask()
    commits.clear()
    with held_writes(trial) as holding:
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        width = trial.suggest_int("width", 16, 256)
        trial.suggest_categorical("batch_size", [32, 64])
        trial.set_user_attr("worker", "host:1")
        trial.set_user_attr("fingerprint", "abc")
        assert trial.params["lr"] == lr and trial.user_attrs["worker"] == "host:1"
        if held:  # the trial sees its values; the database, at the block's end
            assert _fresh(tmp_path, 0).params == {} and not commits
    assert holding is held
    assert len(commits) == (1 if held else 5)
    stored = _fresh(tmp_path, 0)
    assert stored.params == {"lr": lr, "width": width,
                             "batch_size": trial.params["batch_size"]}
    assert stored.user_attrs == {"worker": "host:1", "fingerprint": "abc"}
    assert trial.storage is study._storage  # the trial writes at once again
    study.tell(trial, 1.0)
    assert study.best_trial.params == stored.params


def test_a_changed_distribution_is_refused_as_optuna_refuses_it(tmp_path: Path,
                                                               held: bool) -> None:
    """Where the study's cache knows the earlier trials' distribution the suggest itself
    raises Optuna's ValueError; where it does not (a process's first trial of the study), the
    block's end does. Nothing of the refused trial's is written then but what came before it."""
    study, _ = _study(tmp_path)
    first = study.ask()
    with held_writes(first):
        first.suggest_int("width", 16, 256)
    study.tell(first, 1.0)
    second = study.ask()
    refused = pytest.raises(ValueError, match="Cannot set different distribution kind")
    with refused, held_writes(second):
        second.suggest_float("lr", 1e-3, 1e-1)
        second.suggest_categorical("width", [16, 32])
    assert _fresh(tmp_path, 1).params == {"lr": second.params["lr"]}

    other = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'o.db'}")
    third = other.ask()
    refused = pytest.raises(ValueError, match="Cannot set different distribution kind")
    with refused, held_writes(third):
        third.suggest_categorical("width", [16, 32])
    assert _fresh(tmp_path, 2).params == {}


def test_a_trial_another_process_finished_meanwhile_gets_none_of_them(
        tmp_path: Path, held: bool) -> None:
    """A sweep of another process failed the trial while it was sampled: the write refuses it
    as a lone write would (UpdateFinishedTrialError), and writes none of the held values."""
    study, _ = _study(tmp_path)
    trial = study.ask()
    finished = pytest.raises(optuna.exceptions.UpdateFinishedTrialError)
    with finished, held_writes(trial):
        if held:
            trial.set_user_attr("worker", "host:1")
        other = optuna.load_study(study_name="s", storage=f"sqlite:///{tmp_path / 'o.db'}")
        other._storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        trial.suggest_float("lr", 1e-3, 1e-1)
        trial.set_user_attr("budget", 3)
    stored = _fresh(tmp_path, 0)
    assert stored.state == TrialState.FAIL and stored.params == {}
    assert stored.user_attrs == {}


def test_a_value_the_database_cannot_store_is_refused_at_its_call(tmp_path: Path,
                                                                 held: bool) -> None:
    study, _ = _study(tmp_path)
    trial = study.ask()
    with held_writes(trial):
        with pytest.raises(TypeError):
            trial.set_user_attr("worker", object())
        trial.set_user_attr("fingerprint", "abc")
    assert _fresh(tmp_path, 0).user_attrs == {"fingerprint": "abc"}


def test_after_a_refused_write_the_run_gives_its_claim_back_itself(tmp_path: Path) -> None:
    """The run's count attribute (BUDGET_ATTR) is written with the parameters, all or none:
    when another process's sweep failed the trial first, the row holds none, that sweep gave
    nothing back, and the run does (search/runner.py `_budget_marked`)."""
    from tunestudio.search.plan import BUDGET_ATTR
    from tunestudio.search.runner import _budget_marked

    study, _ = _study(tmp_path)
    backend = cast("_CachedStorage", study._storage)._backend
    refused, marked = study.ask(), study.ask()
    with pytest.raises(optuna.exceptions.UpdateFinishedTrialError), held_writes(refused):
        refused.set_user_attr(BUDGET_ATTR, 7)
        backend.set_trial_state_values(refused._trial_id, TrialState.FAIL)
    with held_writes(marked):
        marked.set_user_attr(BUDGET_ATTR, 7)
    assert not _budget_marked(backend, refused._trial_id)
    assert _budget_marked(backend, marked._trial_id)
    assert not _budget_marked(backend, 10_000)  # no such trial
