"""`tunestudio info PROJECT` answered with the standard library alone when it can be: the
project's validated summary kept from an earlier load, and the SQLite history read with
sqlite3. Importing the pydantic models and SQLAlchemy took 1.5 of the command's 2 seconds,
whatever the history's size.

The summary (name, id, storage URL, each experiment's strategy, objective and direction, the
baseline's fingerprint) is written by the commands that load the project with its models
(`info`, `run`), under the cache folder, keyed by a SHA-256 of the project file's bytes and
by TuneStudio's version: an edited file, or another version, has no summary and takes the full
path, which writes one. The full path (`history._cmd_info`) is also taken whenever this one
would answer differently or would have to write: a history that is not SQLite or does not
exist yet, one whose schema is not this version's, trials not yet judged against this
baseline (the full path keeps their verdicts), repeated trials, a second objective or a
one-variable-at-a-time experiment (their extra figures need the trials' rows), kept
ensembles, or any error. Only figures that are plain SQL aggregates are answered here, with
the same queries as `store.trials`; a test compares both paths' answers."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tunestudio.config import Project

FORMAT = 1
COMPLETE = "complete"


def summary_file(project_bytes: bytes) -> Path:
    """Where the summary of a project file with these bytes is kept."""
    from tunestudio import __version__, paths

    digest = hashlib.sha256(project_bytes + b"\0" + __version__.encode()).hexdigest()
    return paths.cache_dir() / "project_summaries" / f"{digest[:32]}.json"


def remember(project: Project, project_bytes: bytes, baseline_fingerprint: str) -> None:
    """Keep the summary of `project`, loaded from a file holding `project_bytes`; a full or
    read-only disk costs only the next `info` its speed."""
    import os

    from tunestudio.store.migrations import MIGRATIONS, target_version
    from tunestudio.store.rows import TRIAL_STATES

    summary = {
        "format": FORMAT, "name": project.name, "id": str(project.id),
        "storage_url": project.storage_url.strip(), "baseline": baseline_fingerprint,
        "schema_version": target_version(MIGRATIONS), "states": list(TRIAL_STATES),
        "experiments": [{
            "name": e.name, "strategy": e.search.strategy, "objective": e.search.objective.metric,
            "direction": e.search.objective.resolved_direction,
            "second": e.search.objective.second} for e in project.experiments],
    }
    path = summary_file(project_bytes)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(summary))
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def answer(path_text: str) -> dict[str, Any] | None:
    """`info`'s record for the project at `path_text`, or None when the full path must answer
    (see the module docstring)."""
    project_path = Path(path_text).resolve()
    try:
        summary = json.loads(summary_file(project_path.read_bytes()).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("format") != FORMAT:
        return None
    from tunestudio import paths

    project_id = uuid.UUID(summary["id"])
    url = summary["storage_url"] or paths.default_storage_url(project_id)
    experiments = _experiments(url, summary)
    if experiments is None:
        return None
    return {"project": summary["name"], "id": str(project_id), "path": str(project_path),
            "storage_url": url, "experiments": experiments,
            "checkpoints": paths.checkpoint_disk_use(project_id)}


def _sqlite_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///PATH` URL (no driver, no query, no URI form)."""
    if not url.startswith("sqlite:///"):
        return None
    name = url[len("sqlite:///"):]
    if not name or "?" in name or name.startswith("file:") or name == ":memory:":
        return None
    path = Path(name)
    return path if path.is_file() else None


def _experiments(url: str, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    database = _sqlite_file(url)
    if database is None:
        return None
    try:
        conn = sqlite3.connect(database, timeout=30.0, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        conn.execute("BEGIN")  # one snapshot for every figure
        return _read(conn, summary)
    except sqlite3.Error:  # locked, corrupt, another schema: the full path says what is wrong
        return None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, summary: dict[str, Any]) -> list[dict[str, Any]] | None:
    stored = conn.execute("SELECT value FROM ts_meta WHERE key = 'schema_version'").fetchone()
    if stored is None or int(stored[0]) != summary["schema_version"]:
        return None  # the full path upgrades it
    baseline = summary["baseline"]
    known = {name: (eid, study) for eid, name, study in conn.execute(
        "SELECT id, name, study_name FROM ts_experiment")}
    records: list[dict[str, Any]] = []
    for exp in summary["experiments"]:
        record: dict[str, Any] = {
            "name": exp["name"], "study_name": exp["name"], "strategy": exp["strategy"],
            "objective": exp["objective"], "direction": exp["direction"]}
        found = known.get(exp["name"])
        if found is None:
            records.append({**record, "counts": {}, "best": None,
                            "trained_on_other_config": 0, "excluded": {},
                            "best_on_other_config": None})
            continue
        eid, study = found
        if exp["second"] != "none" or exp["strategy"] == "ovat" or _count(
                conn, "repeats > 1 AND state = ?", eid, COMPLETE) \
                or conn.execute("SELECT 1 FROM ts_ensemble WHERE experiment_id = ? LIMIT 1",
                                (eid,)).fetchone() is not None \
                or _unjudged(conn, eid, baseline):
            return None  # rows to read, verdicts to keep, ensembles to describe
        counts = dict.fromkeys(summary["states"], 0)
        for state, n in conn.execute("SELECT state, count(*) FROM ts_trial WHERE "
                                     "experiment_id = ? GROUP BY state", (eid,)):
            counts[state] = int(n)
        best = _best(conn, eid, exp["direction"], baseline)
        overall = _best(conn, eid, exp["direction"], None)
        current = _count(conn, "verdict_baseline = ? AND verdict_current = 1", eid, baseline)
        excluded = {str(n): str(why) for n, why in conn.execute(
            "SELECT number, excluded_reason FROM ts_trial WHERE experiment_id = ? AND "
            "excluded_reason IS NOT NULL ORDER BY number", (eid,))}
        records.append({
            **record, "study_name": study, "counts": counts, "best": _brief(best),
            "trained_on_other_config": sum(counts.values()) - current,
            "excluded": excluded,
            "best_on_other_config": _brief(overall) if overall is not None
            and not _holds(overall, baseline) else None})
    return records


def _unjudged(conn: sqlite3.Connection, eid: int, baseline: str) -> bool:
    """Whether a trial's verdict was not judged against `baseline`: as store.trials.unjudged,
    four ranges of the verdict index, empty at once for a history judged against it."""
    return bool(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM ts_trial WHERE experiment_id = ?1 AND verdict_baseline "
        "IS NULL) OR EXISTS (SELECT 1 FROM ts_trial WHERE experiment_id = ?1 AND "
        "verdict_baseline < ?2) OR EXISTS (SELECT 1 FROM ts_trial WHERE experiment_id = ?1 AND "
        "verdict_baseline > ?2) OR EXISTS (SELECT 1 FROM ts_trial WHERE experiment_id = ?1 AND "
        "verdict_baseline = ?2 AND verdict_current IS NULL)", (eid, baseline)).fetchone()[0])


def _count(conn: sqlite3.Connection, where: str, eid: int, *args: object) -> int:
    return int(conn.execute(f"SELECT count(*) FROM ts_trial WHERE experiment_id = ? AND {where}",
                            (eid, *args)).fetchone()[0])


def _best(conn: sqlite3.Connection, eid: int, direction: str, baseline: str | None
          ) -> tuple[Any, ...] | None:
    """As store.trials.best_row: the complete, not excluded trial with the best objective
    (ties: the lowest number, then id), among the current ones with `baseline`."""
    order = "DESC" if direction == "maximize" else "ASC"
    # `+`: not from the verdict index, which would sort every current trial (130 ms at 100,000
    # trials); down the (experiment, state, objective) index to the first current one
    current = " AND +verdict_baseline = ? AND +verdict_current = 1" if baseline else ""
    row: tuple[Any, ...] | None = conn.execute(
        "SELECT id, number, objective, params_json, config_fingerprint, verdict_baseline, "
        "verdict_current FROM ts_trial WHERE experiment_id = ? AND state = ? AND objective "
        f"IS NOT NULL AND excluded_reason IS NULL{current} ORDER BY objective {order}, number, "
        "id LIMIT 1", (eid, COMPLETE, *((baseline,) if baseline else ()))).fetchone()
    return row


def _holds(row: tuple[Any, ...], baseline: str) -> bool:
    """CurrentConfig.holds for a trial judged against `baseline` (every trial is, here)."""
    return row[4] is not None and row[5] == baseline and bool(row[6])


def _brief(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"trial_id": int(row[0]), "number": int(row[1]), "objective": row[2],
            "params": dict(json.loads(row[3]))}
