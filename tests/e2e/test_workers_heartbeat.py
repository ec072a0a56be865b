"""`tunestudio run --workers N` on a loaded machine, with trials far slower than the heartbeat
interval and fused groups that wait, popped, longer than the grace for the group before them:
no live trial is taken for dead. Exit 0, every trial complete, none run twice, on SQLite and
on PostgreSQL, with 2 and 4 processes (the run and its `tunestudio worker`s)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from tiny_projects import tiny_project
from tunestudio.config import Budget, CategoricalDimension, PrunerConfig, save_project
from tunestudio.search import storage_url as project_storage_url
from tunestudio.search.liveness import HEARTBEAT_ENV, STALE_AFTER_ENV
from tunestudio.store import Store

TRIALS = 6
# A beat every half second, dead after 6 s without one: twelve beats of margin, as the
# defaults (2 s, 20 s) give ten; fused groups train one after another on the loaded
# machine, so the last group of an ask waits, popped and untrained, about as long as the grace.
LIVENESS = {HEARTBEAT_ENV: "0.5", STALE_AFTER_ENV: "6"}


@pytest.fixture
def cpu_load() -> Iterator[None]:
    """Two processes spinning on the CPU for the test's duration: beats and sweeps compete with
    training and with each other for the cores."""
    spin = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        yield
    finally:
        for proc in spin:
            proc.kill()
            proc.wait()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server (tests/pg_server.py)."""
    server = os.environ.get("TUNESTUDIO_TEST_PG_URL", "")
    if not server:
        if os.environ.get("CI"):
            pytest.fail("CI must provide PostgreSQL (.ci/postgres.sh sets TUNESTUDIO_TEST_PG_URL)")
        pytest.skip("no PostgreSQL: set TUNESTUDIO_TEST_PG_URL, or see the '==> PostgreSQL' "
                    "line above (tests/pg_server.py)")
    import sqlalchemy as sa

    name = f"ts_beat_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run_workers(tmp_path: Path, workers: int, storage_url: str | None) -> None:
    # Three batch sizes: an ask of 2 x 3 trials trains as up to three fused groups, one after
    # another; the last waits, popped, for the ones before it.
    batch = CategoricalDimension(path="training.batch_size", choices=[16, 32, 64])
    project = tiny_project({"budget": Budget(trials=TRIALS), "strategy": "random",
                            "dimensions": [batch], "fuse": "fixed", "fuse_trials": 2,
                            "pruner": PrunerConfig(kind="none")}, epochs=3, fraction=0.4)
    if storage_url is not None:
        project = project.model_copy(update={"storage_url": storage_url})
    path = tmp_path / "beat.tuneproj"
    save_project(project, path)
    proc = subprocess.run(
        [sys.executable, "-m", "tunestudio", "run", str(path), "--trials", str(TRIALS),
         "--workers", str(workers), "--quiet"],
        capture_output=True, text=True, timeout=600, env={**os.environ, **LIVENESS})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "no heartbeat" not in proc.stderr, proc.stderr
    url = storage_url or project_storage_url(project)  # the subprocess shares our data dir
    with Store.open(url) as store:
        rows = store.trials()
    assert sorted(r.number for r in rows) == list(range(TRIALS)), "a trial ran twice or not"
    assert {r.state for r in rows} == {"complete"}, [(r.number, r.state, r.message)
                                                     for r in rows]
    study = optuna.load_study(study_name=project.experiments[0].name, storage=url)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert states == [optuna.trial.TrialState.COMPLETE] * TRIALS  # nothing failed or retried


@pytest.mark.timeout(600)  # process start-ups dominate; a loaded machine slows them most
@pytest.mark.parametrize("workers", [2, 4])
def test_workers_on_sqlite_lose_no_live_trial(tmp_path: Path, workers: int,
                                              cpu_load: None) -> None:
    _run_workers(tmp_path, workers, None)


@pytest.mark.postgres
@pytest.mark.timeout(600)
@pytest.mark.parametrize("workers", [2, 4])
def test_workers_on_postgresql_lose_no_live_trial(tmp_path: Path, workers: int, pg_url: str,
                                                  cpu_load: None) -> None:
    _run_workers(tmp_path, workers, pg_url)
