"""Scale-out on a real PostgreSQL: one `run` and two `worker` processes on the same experiment.
Every trial runs exactly once, none is lost, and every process ends with the same best trial."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tiny_projects import tiny_project
from tunestudio.config import Budget, save_project
from tunestudio.store import Store

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_database() -> Iterator[str]:
    PG_URL = os.environ.get("TUNESTUDIO_TEST_PG_URL", "")  # noqa: N806  (set by the session)
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must provide PostgreSQL (.ci/postgres.sh sets TUNESTUDIO_TEST_PG_URL)")
        pytest.skip("no PostgreSQL: set TUNESTUDIO_TEST_PG_URL, or see the '==> PostgreSQL' "
                    "line above (tests/pg_server.py)")
    import sqlalchemy as sa

    name = f"ts_scale_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_run_and_two_workers_share_one_experiment(tmp_path: Path, pg_database: str) -> None:
    # one trial at a time: a fused process pops a whole group's worth of queued trials at once
    # and can drain this small queue before the others start (sharing is what is tested here)
    project = tiny_project({"budget": Budget(trials=12), "fuse": "off"}, epochs=8, fraction=0.4)
    project = project.model_copy(update={"storage_url": pg_database})
    exp = project.experiments[0]
    path = tmp_path / "team.tuneproj"
    save_project(project, path)

    cmd = [sys.executable, "-m", "tunestudio"]
    workers = [subprocess.Popen([*cmd, "worker", str(path), "--experiment", exp.name,
                                 "--storage", pg_database, "--wait", "60", "--quiet"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    runner = subprocess.Popen([*cmd, "run", str(path), "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    outputs = []
    for proc in [runner, *workers]:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))

    ran = [sum(o["counts"].values()) for o in outputs]
    assert sum(ran) == 12
    # a process starting late on a loaded machine may find the queue already drained
    assert sum(n >= 1 for n in ran) >= 2, f"the trials should spread over processes: {ran}"
    assert len({o["best_trial"] for o in outputs}) == 1

    store = Store.open(pg_database)
    try:
        trials = store.trials()
        assert len(trials) == 12
        assert sorted(t.number for t in trials) == list(range(12))
        assert {t.state for t in trials} == {"complete"}
        best = store.best_trial(trials[0].experiment_id, "maximize")
        assert best is not None and best.id == outputs[0]["best_trial"]
    finally:
        store.close()

    import optuna

    study = optuna.load_study(study_name=exp.name, storage=pg_database)
    assert len(study.trials) == 12
