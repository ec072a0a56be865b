"""The one heartbeat: its settings, and a process whose trial another process already failed
for want of heartbeats (a false alarm, or a process that hung past the grace) going on."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import optuna
import pytest
import sqlalchemy
from optuna.trial import TrialState

from tiny_projects import tiny_project
from tunestudio.config import Budget
from tunestudio.search import ExperimentRunner, RunnerHooks, liveness, open_store, storage_url
from tunestudio.search.events import TrialFinished
from tunestudio.search.liveness import (
    HEARTBEAT_ENV,
    STALE_AFTER_ENV,
    Heartbeat,
    LivenessSettingError,
    heartbeat_interval_s,
    stale_after_s,
)
from tunestudio.search.storage import optuna_storage
from tunestudio.search.trial_run import train_with_engine


def test_settings_default_and_refuse_unusable_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HEARTBEAT_ENV, raising=False)
    monkeypatch.delenv(STALE_AFTER_ENV, raising=False)
    assert (heartbeat_interval_s(), stale_after_s()) == (2.0, 20)
    monkeypatch.setenv(STALE_AFTER_ENV, "6")
    monkeypatch.setenv(HEARTBEAT_ENV, "0.5")
    assert (heartbeat_interval_s(), stale_after_s()) == (0.5, 6)
    for name, value, words in [(STALE_AFTER_ENV, "2", "at least 3"),
                               (STALE_AFTER_ENV, "4.5", "whole number"),
                               (STALE_AFTER_ENV, "soon", "not a number"),
                               (HEARTBEAT_ENV, "0", "must be positive"),
                               (HEARTBEAT_ENV, "3", "a third of")]:
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(LivenessSettingError, match=words) as caught:
                heartbeat_interval_s()
            assert name in str(caught.value) and "unset it" in str(caught.value)


def test_a_trial_failed_by_another_process_ends_interrupted_and_the_search_goes_on() -> None:
    """While trial #1 trains, another process fails it in Optuna (as its sweep would): this
    process says so, records the trial as interrupted, and runs the rest; nothing raises."""
    project = tiny_project({"budget": Budget(trials=3)}, epochs=2)
    name = project.experiments[0].name
    url = storage_url(project)
    fits = 0

    def fit(config: Any, **kw: Any) -> Any:
        nonlocal fits
        fits += 1
        if fits == 2:
            other = optuna.storages.RDBStorage(url)  # another process's connection
            study = optuna.load_study(study_name=name, storage=other)
            # the one training (the next, sampled ahead, is held too)
            held = min(study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)),
                       key=lambda t: t.number)
            assert other.set_trial_state_values(held._trial_id, TrialState.FAIL)
            other.engine.dispose()
        return train_with_engine(config, **kw)

    messages: list[str] = []

    class Notes(RunnerHooks):
        def on_trial_end(self, ev: TrialFinished) -> None:
            messages.append(ev.message)

    summary = ExperimentRunner(project, name, fit=fit, hooks=[Notes()]).run()
    assert summary.counts == {"complete": 2, "interrupted": 1}
    store = open_store(project)
    try:
        rows = {r.number: r for r in store.trials()}
    finally:
        store.close()
    assert [rows[n].state for n in range(3)] == ["complete", "interrupted", "complete"]
    assert "another process found no heartbeat of trial #1" in rows[1].message
    assert any("result was not recorded" in m for m in messages)


def test_a_popped_trial_is_beaten_once_as_it_is_taken(tmp_path: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The beat written just before a queued trial turns RUNNING is its first: claiming it
    writes no second one (one write per trial less)."""
    storage = optuna_storage(f"sqlite:///{tmp_path / 'beat.db'}")
    study = optuna.create_study(study_name="s", storage=storage)
    study.enqueue_trial({})
    beats: list[int] = []

    def beat(_storage: Any, ids: list[int]) -> bool:
        beats.extend(ids)
        return True

    monkeypatch.setattr(liveness, "beat_trials", beat)
    heartbeat = Heartbeat(storage, interval_s=3600)
    project = tiny_project()
    runner = ExperimentRunner(project, project.experiments[0].name)
    trial = runner._next_trial(study, storage, False, heartbeat)
    assert trial is not None and beats == [trial._trial_id]
    assert heartbeat.held() == [trial._trial_id]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies are read from /proc")
def test_a_dead_owner_not_yet_reaped_is_gone() -> None:
    """A worker killed with the run that spawned it stays a zombie until the system's init
    reaps it (about 2 s here); a run started meanwhile takes its trials and programs for
    orphaned, not for still running."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    tag = f"{socket.gethostname()}:{child.pid}"
    deadline = time.monotonic() + 30
    while Path(f"/proc/{child.pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        assert liveness.owner_is_gone(tag)  # exited, its status not collected: a zombie
    finally:
        child.wait()
    assert liveness.owner_is_gone(tag)
    assert not liveness.owner_is_gone(f"{socket.gethostname()}:{os.getpid()}")
    assert not liveness.owner_is_gone(f"another-host:{child.pid}")


def test_on_windows_liveness_never_sends_a_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows reads os.kill(pid, 0) as CTRL_C_EVENT to the process group: there the owner's
    liveness is psutil's (a stand-in here, which knows only this process), and no process is
    signalled; without psutil an owner is taken for alive (the heartbeats then decide)."""
    import types

    def no_signals(pid: int, sig: int) -> None:
        raise AssertionError(f"os.kill({pid}, {sig})")

    monkeypatch.setattr(liveness, "WINDOWS", True)
    # (liveness's own import of os, not re-exported)
    monkeypatch.setattr(liveness.os, "kill", no_signals)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "psutil",
                        types.SimpleNamespace(pid_exists=lambda pid: pid == os.getpid()))
    host = socket.gethostname()
    assert liveness.owner_is_gone(f"{host}:{os.getpid() + 1}")
    assert not liveness.owner_is_gone(f"{host}:{os.getpid()}")
    monkeypatch.setitem(sys.modules, "psutil", None)  # not installed
    assert not liveness.owner_is_gone(f"{host}:{os.getpid() + 1}")


def test_a_trial_told_before_its_process_died_keeps_the_outcome_optuna_holds() -> None:
    """kill -9 between telling Optuna a trial's outcome and writing our row: the next run
    gives the row the outcome Optuna holds (here complete, with its objective) instead of
    'interrupted', which would stay so for good: Optuna never runs a told trial again."""
    from tunestudio.search.plan import WORKER_ATTR
    from tunestudio.search.recovery import RECOVERED_NOTE

    project = tiny_project({"budget": Budget(trials=3)}, epochs=2)
    name = project.experiments[0].name
    ExperimentRunner(project, name).run()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = f"{socket.gethostname()}:{dead.pid}"  # a process of this host that ended
    storage = optuna_storage(storage_url(project))
    study = optuna.load_study(study_name=name, storage=storage)
    frozen = {t.number: t for t in study.get_trials(deepcopy=False)}
    store = open_store(project)
    try:
        before = {r.number: r for r in store.trials()}
        with storage.engine.begin() as conn:  # told by a process that then died
            for number in (0, 1):
                conn.execute(sqlalchemy.text(
                    "UPDATE trial_user_attributes SET value_json = :tag "
                    "WHERE trial_id = :trial AND key = :key"),
                    {"tag": json.dumps(gone), "trial": frozen[number]._trial_id,
                     "key": WORKER_ATTR})
            # and our rows as it left them: still running, no outcome
            conn.execute(sqlalchemy.text("UPDATE ts_trial SET state = 'running', objective = "
                                         "NULL, message = '', metrics_json = '{}' "
                                         "WHERE number IN (0, 1)"))
    finally:
        store.close()
    ExperimentRunner(project, name).run()  # its start settles the rows; then 3 more trials
    store = open_store(project)
    try:
        rows = {r.number: r for r in store.trials()}
    finally:
        store.close()
    for number in (0, 1):
        assert rows[number].state == before[number].state == "complete"
        assert rows[number].objective == frozen[number].values[0] == before[number].objective
        assert rows[number].message == RECOVERED_NOTE
        # the metrics _finish wrote, rebuilt from the series: the same evaluation, exactly
        assert rows[number].metrics == before[number].metrics
        duration = rows[number].duration_s
        assert duration is not None and duration > 0
    assert [rows[n].state for n in range(3, 6)] == ["complete"] * 3
