"""Store: the trial history of one project, the only object the search layer, the CLI and the GUI
use to read and write it.

Contract (after Optuna's storage base class):
- Thread-safe. Every method runs in its own transaction on a connection from the pool, so the
  trial threads, the GUI thread and a SeriesWriter's timer may call one Store at once. Open one
  Store per process (an engine must not cross a fork).
- Every write is one transaction: it is all there or not at all, also when the process is
  killed. Readers see only committed data; a reader never waits for a writer on SQLite (WAL) or
  PostgreSQL.
- Known database problems (locked, disk full, corrupt, unreachable) raise StoreError with a
  message for the user; a wrong call (an unknown state, a bad direction) raises ValueError;
  anything else is a bug and propagates.
- Rows returned are snapshots; later writes do not change them.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.exc import NoResultFound

from tunestudio import paths
from tunestudio.config.fingerprint import fingerprint_json
from tunestudio.store import (
    budgets,
    ensembles,
    experiments,
    hparams,
    migrations,
    schema,
    series,
    trials,
)
from tunestudio.store.clock import epoch_now
from tunestudio.store.database import Database, display_url
from tunestudio.store.errors import NotFoundError
from tunestudio.store.hparams import HparamChange
from tunestudio.store.rows import (
    EnsembleMember,
    EnsembleRow,
    EvalLike,
    EvalSeries,
    ExperimentRow,
    StepSeries,
    TrialRow,
    TrialState,
    check_state,
)
from tunestudio.store.series import EvalRecord, StepRecord, StepTuple, step_record
from tunestudio.store.writer import SeriesWriter

if TYPE_CHECKING:
    from tunestudio.config import Project
    from tunestudio.store.columns import TrialColumns


def storage_url_for(project: Project) -> str:
    """The project's own storage URL, or its default SQLite file under the data dir (keyed by
    the project's id, so that moving the project file keeps its history)."""
    return project.storage_url.strip() or paths.default_storage_url(project.id)


class Store:
    """One project's trial history. Create with `Store.open(url)`."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._writers: weakref.WeakSet[SeriesWriter] = weakref.WeakSet()
        self._writers_lock = threading.Lock()

    # -- opening and closing --------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, busy_timeout_s: float = 30.0) -> Store:
        """Connect, then create our tables or upgrade them when needed. Raises StoreError for
        a bad URL, a missing driver, an unreachable server, a corrupt or locked file, or a
        database written by a newer TuneStudio."""
        db = Database(url, busy_timeout_s=busy_timeout_s)
        try:
            db.check_connection()
            with db.read() as conn:
                version = migrations.stored_version(conn)
            migrations.check_supported(version, migrations.MIGRATIONS)
            if version != migrations.target_version(migrations.MIGRATIONS):
                with db.schema_lock() as conn:
                    migrations.upgrade(conn, migrations=migrations.MIGRATIONS)
        except BaseException:
            db.close()
            raise
        return cls(db)

    @classmethod
    def for_project(cls, project: Project) -> Store:
        """`Store.open` on the project's storage URL (see `storage_url_for`); raises StoreError like
        `open`."""
        return cls.open(storage_url_for(project))

    @property
    def url(self) -> str:
        """The URL as given, password included: pass it to Optuna."""
        return self._db.url

    @property
    def display_url(self) -> str:
        """The URL with its password hidden, for messages and logs."""
        return display_url(self._db.parsed)

    @property
    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._db.read() as conn:
            version = migrations.stored_version(conn)
        assert version is not None
        return version

    def setup_lock(self) -> AbstractContextManager[None]:
        """Hold while creating Optuna's storage on this database, so that processes starting
        together on a fresh database do not race to create Optuna's tables (ours are already
        safe). Other processes wait for it; it holds no lock on any table:

            with store.setup_lock():
                storage = optuna.storages.RDBStorage(store.url, ...)
        """
        return self._db.setup_lock()

    def series_writer(self, *, flush_points: int = 5000, flush_seconds: float = 1.0
                      ) -> SeriesWriter:
        """A new SeriesWriter on this store, writing when `flush_points` points wait or
        `flush_seconds` seconds have passed; `close()` closes it. Raises ValueError for
        `flush_points` < 1 or `flush_seconds` <= 0."""
        return SeriesWriter(self, flush_points=flush_points, flush_seconds=flush_seconds)

    def close(self) -> None:
        """Flush and close the writers of this store, then release its connections."""
        with self._writers_lock:
            writers = list(self._writers)
        try:
            for writer in writers:
                writer.close()
        finally:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- experiments ----------------------------------------------------------------------
    def ensure_experiment(self, name: str, study_name: str, *, goal: str | None = None,
                          hypothesis: str | None = None, expected_result: str | None = None,
                          conclusion: str | None = None, search_json: str | None = None) -> int:
        """The experiment's id, created if new. Journal fields given (not None) overwrite the
        stored ones; those left None keep their stored value ('' for a new experiment)."""
        journal = {"goal": goal, "hypothesis": hypothesis, "expected_result": expected_result,
                   "conclusion": conclusion, "search_json": search_json}
        with self._db.write() as conn:
            return experiments.ensure(conn, name, study_name, journal)

    def experiments(self) -> list[ExperimentRow]:
        """Every experiment, by id."""
        with self._db.read() as conn:
            return experiments.all_rows(conn)

    def experiment(self, name: str) -> ExperimentRow | None:
        """The experiment named `name`, or None where there is none."""
        with self._db.read() as conn:
            return experiments.by_name(conn, name)

    def set_conclusion(self, experiment_id: int, text: str) -> None:
        """Replace the experiment's conclusion (a journal field); raises NotFoundError where
        `experiment_id` is not in the history."""
        with self._db.write() as conn:
            experiments.update_one(conn, experiment_id, conclusion=text)

    def finish_experiment(self, experiment_id: int) -> None:
        """Record when the experiment's last run ended."""
        with self._db.write() as conn:
            experiments.finish(conn, experiment_id)

    def delete_experiment(self, experiment_id: int) -> None:
        """Delete the experiment with its trials and series (not its Optuna study)."""
        ids = select(schema.trial.c.id).where(schema.trial.c.experiment_id == experiment_id)
        with self._db.write() as conn:
            conn.execute(delete(schema.step).where(schema.step.c.trial_id.in_(ids)))
            conn.execute(delete(schema.evaluation).where(schema.evaluation.c.trial_id.in_(ids)))
            conn.execute(delete(schema.hparam).where(schema.hparam.c.trial_id.in_(ids)))
            conn.execute(delete(schema.trial).where(schema.trial.c.experiment_id
                                                    == experiment_id))
            conn.execute(delete(schema.ensemble).where(schema.ensemble.c.experiment_id
                                                       == experiment_id))
            conn.execute(delete(schema.run_budget).where(schema.run_budget.c.experiment_id
                                                         == experiment_id))
            result = conn.execute(delete(schema.experiment).where(schema.experiment.c.id
                                                                  == experiment_id))
            if result.rowcount == 0:
                raise NotFoundError(f"experiment {experiment_id} is not in the trial history")

    # -- what a run may still start (schema.run_budget) -----------------------------------
    def open_run_budget(self, experiment_id: int, trials: int | None, owner: str) -> int:
        """Opens a run's count of trials (None: no count) for its processes to claim from;
        returns its id. `owner`: the run's process, `host:pid`."""
        with self._db.write() as conn:
            return budgets.open_budget(conn, experiment_id, trials, owner)

    def close_run_budget(self, budget_id: int) -> None:
        """The run ended: nothing more is claimed from its count. Idempotent."""
        with self._db.write() as conn:
            budgets.close_budget(conn, budget_id)

    def open_run_budgets(self, experiment_id: int) -> list[tuple[int, str]]:
        """(id, owner) of the experiment's runs still open, oldest first."""
        with self._db.read() as conn:
            return budgets.open_budgets(conn, experiment_id)

    def claim_trial(self, experiment_id: int, budget_id: int | None = None) -> int | None:
        """Takes one trial from the count of run `budget_id` (None: of the oldest open run that
        has room), atomically across processes and machines. Returns the id of the run's count
        it took from; `budgets.UNBUDGETED` (0) where `budget_id` is None and no run of the
        experiment ever kept a count (what is queued is the budget); None where no count has
        room: start no trial."""
        with self._db.write() as conn:
            return budgets.claim(conn, experiment_id, budget_id)

    def give_back_trial(self, budget_id: int) -> None:
        """One trial back to the count it was claimed from, while that run is open (the trial
        went back to the queue without running)."""
        if budget_id == budgets.UNBUDGETED:
            return
        with self._db.write() as conn:
            budgets.give_back(conn, budget_id)

    def run_trials_left(self, budget_id: int) -> int | None:
        """How many trials the run's count still allows (None: no count). Raises NotFoundError
        for an unknown id."""
        with self._db.read() as conn:
            try:
                return budgets.trials_left(conn, budget_id)
            except NoResultFound:
                raise NotFoundError(f"run budget {budget_id} is not in the trial history"
                                    ) from None

    # -- the trial lifecycle --------------------------------------------------------------
    def start_trial(self, experiment_id: int, *, number: int, optuna_trial_id: int | None,
                    params: Mapping[str, Any], config_json: str, device: str, seed: int | None,
                    repeats: int = 1, config_fingerprint: str | None = None,
                    environment: Mapping[str, Any] | None = None,
                    baseline_fingerprint: str | None = None) -> int:
        """A new trial in state 'running'; returns its id.
        `config_fingerprint` (config/fingerprint.py) is computed from `config_json` when not
        given. `environment` is what it runs on (engine.trial_environment: versions, device,
        user file hashes, git), any JSON object. `baseline_fingerprint`: the fingerprint
        (`config_fingerprint`) of the baseline that `params` were merged into to give the
        config trained; the trial is kept as current against that baseline (provenance.py),
        so no view fingerprints it again while the baseline stays. None: judged when read."""
        if config_fingerprint is None:
            config_fingerprint = fingerprint_json(config_json)
        with self._db.write() as conn:
            return trials.insert(conn, experiment_id, number=number,
                                 optuna_trial_id=optuna_trial_id, params=params,
                                 config_json=config_json, device=device, seed=seed,
                                 repeats=repeats, state=TrialState.RUNNING,
                                 config_fingerprint=config_fingerprint,
                                 environment=environment,
                                 baseline_fingerprint=baseline_fingerprint)

    def set_group(self, trial_ids: Sequence[int], group_id: str | None) -> None:
        """The trials train together as one fused model, the group `group_id` (None: the
        trials train alone)."""
        if trial_ids:
            with self._db.write() as conn:
                trials.set_group(conn, trial_ids, group_id)

    def finish_trial(self, trial_id: int, *, state: str, message: str = "",
                     objective: float | None = None, objective2: float | None = None,
                     objective_std: float | None = None,
                     metrics: Mapping[str, float] | None = None,
                     duration_s: float | None = None) -> None:
        """Record the outcome. The series still buffered in this store's writers are written
        first, so a finished trial always has its full series. Without `duration_s`, the time
        since the start is recorded."""
        state = check_state(state)
        if state == TrialState.RUNNING:
            raise ValueError("finish_trial needs a final state, not 'running'")
        self._flush_writers()
        with self._db.write() as conn:
            trials.update_one(
                conn, trial_id, state=state, message=message,
                objective=trials.finite_or_none(objective),
                objective2=trials.finite_or_none(objective2),
                objective_std=trials.finite_or_none(objective_std),
                metrics_json=trials.dumps_metrics(metrics), finished_at=epoch_now(),
                duration_s=(epoch_now() - schema.trial.c.started_at) if duration_s is None
                else float(duration_s),
            )

    def record_invalid(self, experiment_id: int, *, number: int, optuna_trial_id: int | None,
                       params: Mapping[str, Any], message: str, config_json: str = "",
                       config_fingerprint: str | None = None,
                       baseline_fingerprint: str | None = None) -> int:
        """A sampled config that failed validation: kept, with the reason, as data.
        `config_fingerprint` is that of the merged values it was refused for
        (`config.fingerprint.point_fingerprint`); `baseline_fingerprint` as for
        `start_trial`."""
        with self._db.write() as conn:
            return trials.insert(conn, experiment_id, number=number,
                                 optuna_trial_id=optuna_trial_id, params=params,
                                 config_json=config_json, device="", seed=None, repeats=0,
                                 state=TrialState.INVALID, message=message,
                                 config_fingerprint=config_fingerprint,
                                 baseline_fingerprint=baseline_fingerprint)

    def interrupt_trial(self, trial_id: int, message: str) -> None:
        """A running trial stopped by the user (Ctrl+C, Stop). A trial that already finished
        keeps its outcome."""
        self._flush_writers()
        t = schema.trial
        with self._db.write() as conn:
            state = conn.execute(select(t.c.state).where(t.c.id == trial_id)).scalar_one_or_none()
            if state is None:
                raise NotFoundError(f"trial {trial_id} is not in the trial history")
            if state == TrialState.RUNNING:
                trials.update_one(conn, trial_id, state=TrialState.INTERRUPTED, message=message,
                                  finished_at=epoch_now(),
                                  duration_s=epoch_now() - t.c.started_at)

    def trial_of_optuna(self, experiment_id: int, optuna_trial_id: int) -> TrialRow | None:
        """Our row of an Optuna trial (the latest, should there be several), or None."""
        with self._db.read() as conn:
            rows = trials.rows_of_optuna(conn, experiment_id, optuna_trial_id)
        return rows[-1] if rows else None

    def resume_trial(self, trial_id: int, from_step: int, message: str = "") -> None:
        """An interrupted trial runs again in place: state 'running',
        `resumed_from_step` recorded, and its series and hyperparameter changes cut after
        `from_step` (0: all of it, the trial starts over), so that no step, and no exploit of
        population-based training, is stored twice. One transaction."""
        t = schema.trial
        with self._db.write() as conn:
            hparams.delete_after(conn, [trial_id], from_step)
            conn.execute(delete(schema.step).where(schema.step.c.trial_id == trial_id,
                                                   schema.step.c.step > from_step))
            conn.execute(delete(schema.evaluation).where(
                schema.evaluation.c.trial_id == trial_id, schema.evaluation.c.step > from_step))
            trials.update_one(conn, trial_id, state=TrialState.RUNNING, message=message,
                              heartbeat_at=epoch_now(), finished_at=None, duration_s=None,
                              objective=None, objective2=None, objective_std=None,
                              resumed_from_step=from_step if from_step > 0 else None)
            if from_step <= 0:
                conn.execute(t.update().where(t.c.id == trial_id).values(started_at=epoch_now()))

    def eval_count(self, trial_id: int, repeat: int = 0) -> int:
        """How many evaluation points the trial has stored (for one repeat)."""
        e = schema.evaluation
        with self._db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(e).where(
                e.c.trial_id == trial_id, e.c.repeat == repeat)).scalar_one())

    # -- series ---------------------------------------------------------------------------
    def append_steps(self, trial_id: int, rows: Iterable[StepTuple], repeat: int = 0) -> None:
        """Rows of (step, epoch, loss, lr, grad_norm[, wall_s]) as Python numbers, in one
        transaction. A step already stored for this trial and repeat keeps its first values."""
        records: list[StepRecord] = [step_record(trial_id, repeat, *r) for r in rows]
        self._write_series(records, [])

    def append_evals(self, trial_id: int, rows: Iterable[EvalLike], repeat: int = 0) -> None:
        """Evaluation points (EvalPoint or the engine's events), in one transaction."""
        self._write_series([], [series.eval_record(trial_id, repeat, p) for p in rows])

    def step_series(self, trial_ids: Sequence[int], max_points: int | None = None
                    ) -> dict[int, StepSeries]:
        """Step series of the trials that have any, by trial id. With `max_points`, each is
        downsampled keeping its loss peaks and troughs (see downsample.py)."""
        with self._db.read() as conn:
            result = series.read_steps(conn, trial_ids)
        if max_points is not None:
            from tunestudio.store.downsample import downsample  # numpy: with the first read

            result = {k: downsample(v, max_points) for k, v in result.items()}
        return result

    def eval_series(self, trial_ids: Sequence[int]) -> dict[int, EvalSeries]:
        """Evaluation series of the trials that have any, by trial id."""
        with self._db.read() as conn:
            return series.read_evals(conn, trial_ids)

    # -- readers and edits ----------------------------------------------------------------
    def trials(self, experiment_id: int | None = None, *, changed_since: float | None = None,
               states: Sequence[str] | None = None, limit: int | None = None,
               offset: int = 0) -> list[TrialRow]:
        """All trials (of one experiment, or all), ordered by experiment and number, without
        their config snapshots. One query.

        With `changed_since` (a `now()` taken earlier), only trials created or changed since
        then: what a view polling a running experiment needs. Take
        the next `now()` before reading and pass it back a few seconds early, since a change is
        stamped when it is made and becomes visible when its transaction commits; rows seen
        twice simply replace themselves. Deletions are not reported. With `states`, only
        trials in one of those states (e.g. the few still "running" of a long history).
        `limit` and `offset` read one page of that order (a view shows the first page of a
        long history at once, then the rest)."""
        with self._db.read() as conn:
            return trials.all_rows(conn, experiment_id, changed_since, states, limit, offset)

    def trial_columns(self, experiment_id: int) -> TrialColumns:
        """The experiment's trials by column (ids, numbers, states, objectives, durations, the
        complete trials' values, provenance): one query over those columns only, for views
        over a whole long history (see `store.columns`)."""
        from tunestudio.store import columns  # numpy: loaded by the views that read columns

        with self._db.read() as conn:
            return columns.read_columns(conn, experiment_id)

    def stream_trials(self, experiment_id: int | None = None, *, batch: int = 2000
                      ) -> Iterator[TrialRow]:
        """`trials()` with each row's environment, read `batch` rows at a time in one read
        transaction (one consistent snapshot) held while the iterator is consumed: for
        writing a long history out with flat memory. Close the iterator (or exhaust it)
        to end the transaction."""
        with self._db.read() as conn:
            yield from trials.stream_rows(conn, experiment_id, batch)

    def param_names(self, experiment_id: int | None = None) -> list[str]:
        """The sorted names of every parameter of the trials (of one experiment, or all), read
        with flat memory."""
        with self._db.read() as conn:
            return trials.param_names(conn, experiment_id, 5000)

    def repeated_count(self, experiment_id: int | None = None) -> int:
        """How many complete trials (of one experiment, or all) ran more than one seed."""
        with self._db.read() as conn:
            return trials.repeated_count(conn, experiment_id)

    def environments(self, experiment_id: int | None = None) -> dict[int, dict[str, Any]]:
        """The environment record of every trial (of one experiment, or all) by trial id, in
        one query; `{}` for a trial that recorded none (invalid, or stored before version 3)."""
        with self._db.read() as conn:
            return trials.environments(conn, experiment_id)

    def now(self) -> float:
        """The database's clock (seconds since the epoch), which stamps every change."""
        with self._db.read() as conn:
            return float(conn.execute(epoch_now().select()).scalar_one())

    def trial(self, trial_id: int) -> TrialRow:
        """One trial, with its config snapshot. Raises NotFoundError."""
        with self._db.read() as conn:
            return trials.one_row(conn, trial_id)

    def best_trial(self, experiment_id: int, direction: Literal["maximize", "minimize"],
                   baseline_fingerprint: str | None = None) -> TrialRow | None:
        """The complete, not excluded trial with the best objective (ties: the earliest), or
        None. With `baseline_fingerprint`, only among the trials whose kept verdict says they
        are current against that baseline (`CurrentConfig.settle` first)."""
        with self._db.read() as conn:
            return trials.best_row(conn, experiment_id, direction, baseline_fingerprint)

    def unjudged_trials(self, baseline_fingerprint: str, experiment_id: int | None = None,
                        *, batch: int = 2000
                        ) -> Iterator[list[tuple[int, dict[str, Any], str | None]]]:
        """Pages of (trial id, values, config fingerprint) of the trials (of one experiment,
        or all) whose provenance verdict was not kept against this baseline, by id; each page
        one short read, so the caller may write between pages."""
        after = 0
        while True:
            with self._db.read() as conn:
                page = trials.unjudged(conn, baseline_fingerprint, experiment_id, after, batch)
            if not page:
                return
            yield page
            after = page[-1][0]

    def record_verdicts(self, baseline_fingerprint: str, verdicts: Mapping[int, bool]) -> None:
        """Keep provenance verdicts (trial id -> trained the baseline merged with its values)
        judged against the baseline with this fingerprint; one transaction."""
        if verdicts:
            with self._db.write() as conn:
                trials.record_verdicts(conn, baseline_fingerprint, verdicts)

    def other_config_count(self, experiment_id: int, baseline_fingerprint: str) -> int:
        """How many trials of the experiment are not kept as current against this baseline."""
        with self._db.read() as conn:
            return trials.other_config_count(conn, experiment_id, baseline_fingerprint)

    def excluded_reasons(self, experiment_id: int) -> dict[int, str]:
        """The experiment's excluded trials, number -> why."""
        with self._db.read() as conn:
            return trials.excluded_reasons(conn, experiment_id)

    def counts(self, experiment_id: int | None = None) -> dict[str, int]:
        """Trials per state, every state present (0 when none)."""
        with self._db.read() as conn:
            return trials.state_counts(conn, experiment_id)

    def update_trial_notes(self, trial_id: int, notes: str, tags: Sequence[str]) -> None:
        """Replace the trial's notes and tags; raises NotFoundError where `trial_id` is not in the
        history."""
        with self._db.write() as conn:
            trials.update_one(conn, trial_id, notes=notes, tags_json=json.dumps(list(tags)))

    def exclude_trials(self, experiment_id: int, numbers: Sequence[int], reason: str) -> None:
        """Leave the trials numbered `numbers` of the experiment out of the best trial, the
        Pareto front, importance, noise verdicts, default plots and exports, and of what the
        sampler learns from now on; they stay in the history, marked with `reason`. One
        transaction: all or none. Raises ValueError for an empty reason and NotFoundError
        naming the numbers the experiment does not have (nothing is changed then)."""
        reason = reason.strip()
        if not reason:
            raise ValueError("give a reason for excluding the trials (e.g. 'broken data file'): "
                             "it is shown wherever they appear")
        self._set_excluded(experiment_id, numbers, reason)

    def include_trials(self, experiment_id: int, numbers: Sequence[int]) -> None:
        """Undo `exclude_trials`: the trials count again. Raises NotFoundError as it does."""
        self._set_excluded(experiment_id, numbers, None)

    def _set_excluded(self, experiment_id: int, numbers: Sequence[int],
                      reason: str | None) -> None:
        with self._db.write() as conn:
            missing = trials.set_excluded(conn, experiment_id, numbers, reason)
        if missing:
            listed = ", ".join(f"#{n}" for n in missing)
            raise NotFoundError(f"the experiment has no trial {listed}; "
                                "`tunestudio trials PROJECT` lists its trials")

    def excluded_optuna_ids(self, experiment_id: int) -> frozenset[int]:
        """The Optuna trial ids of the experiment's excluded trials (what the sampler skips)."""
        with self._db.read() as conn:
            return trials.excluded_optuna_ids(conn, experiment_id)

    def set_test_metrics(self, trial_id: int, metrics: Mapping[str, float]) -> None:
        """The metrics of the single, on-request evaluation on the test split."""
        with self._db.write() as conn:
            trials.update_one(conn, trial_id, test_metrics_json=trials.dumps_metrics(metrics))

    def clear_series(self, trial_id: int) -> None:
        """Delete the trial's step and evaluation series (it trains again from the start)."""
        self._flush_writers()
        with self._db.write() as conn:
            conn.execute(delete(schema.step).where(schema.step.c.trial_id == trial_id))
            conn.execute(delete(schema.evaluation).where(schema.evaluation.c.trial_id
                                                         == trial_id))

    # -- hyperparameters that change while a trial trains (population-based training) -----
    def record_hparams(self, changes: Iterable[HparamChange]) -> None:
        """Store hyperparameter changes (see `HparamChange`) in one transaction. Raises
        sqlalchemy's IntegrityError for a trial changed twice at one step."""
        with self._db.write() as conn:
            hparams.insert_changes(conn, changes)

    def hparam_changes(self, trial_ids: Sequence[int]) -> dict[int, list[HparamChange]]:
        """Each trial's hyperparameter changes in step order (an empty list for a trial whose
        values never changed, which is every trial but those of population-based training)."""
        with self._db.read() as conn:
            return hparams.read_changes(conn, list(trial_ids))

    def clear_hparams(self, trial_id: int) -> None:
        """Forget a trial's hyperparameter changes (it starts over)."""
        with self._db.write() as conn:
            hparams.delete_after(conn, [trial_id], -1)

    def delete_trial(self, trial_id: int) -> None:
        """Delete the trial and its series (Optuna keeps its own record of the trial)."""
        with self._db.write() as conn:
            hparams.delete_after(conn, [trial_id], -1)
            conn.execute(delete(schema.step).where(schema.step.c.trial_id == trial_id))
            conn.execute(delete(schema.evaluation).where(schema.evaluation.c.trial_id
                                                         == trial_id))
            result = conn.execute(delete(schema.trial).where(schema.trial.c.id == trial_id))
            if result.rowcount == 0:
                raise NotFoundError(f"trial {trial_id} is not in the trial history")

    # -- ensembles ------------------------------------------------------------------------
    def record_ensemble(self, experiment_id: int, *, method: str, k: int, task: str,
                        metric: str, direction: str, members: Sequence[EnsembleMember],
                        metrics: Mapping[str, float], best_member: int | None,
                        gain: float | None, skipped: Mapping[int, str] | None = None
                        ) -> EnsembleRow:
        """Keep an ensemble built of the experiment's trials (see EnsembleRow) and return it
        as stored. The same ensemble built again (the same trials, each counted as often, by
        the same method) is kept once: its stored row is returned unchanged, with the test
        split's result it may already hold. Raises ValueError for an unknown method or no
        members."""
        with self._db.write() as conn:
            same = ensembles.find_same(conn, experiment_id, method, members)
            if same is not None:
                return same
            new = ensembles.insert(conn, experiment_id, method=method, k=k, task=task,
                                   metric=metric, direction=direction, members=members,
                                   metrics=metrics, best_member=best_member, gain=gain,
                                   skipped=skipped or {})
            return ensembles.by_id(conn, new)

    def ensembles(self, experiment_id: int | None = None) -> list[EnsembleRow]:
        """The ensembles kept (of one experiment, or all), by experiment and number."""
        with self._db.read() as conn:
            return ensembles.all_rows(conn, experiment_id)

    def ensemble(self, ensemble_id: int) -> EnsembleRow:
        """Raises NotFoundError for an unknown id."""
        with self._db.read() as conn:
            return ensembles.by_id(conn, ensemble_id)

    def set_ensemble_test_metrics(self, ensemble_id: int, metrics: Mapping[str, float]) -> None:
        """The ensemble's result on the test split. Raises ValueError when it holds one
        already (the test split is evaluated once per ensemble), NotFoundError for an unknown
        id."""
        with self._db.write() as conn:
            ensembles.set_test(conn, ensemble_id, metrics)

    def add_ensemble_export(self, ensemble_id: int, export: Mapping[str, Any]) -> None:
        """Record an export of the ensemble (format, files, metadata file, check), stamped
        with the time. Raises NotFoundError for an unknown id."""
        with self._db.write() as conn:
            ensembles.add_export(conn, ensemble_id, export)

    def delete_ensemble(self, ensemble_id: int) -> None:
        """Forget a kept ensemble (its exported files stay). Raises NotFoundError."""
        with self._db.write() as conn:
            result = conn.execute(delete(schema.ensemble)
                                  .where(schema.ensemble.c.id == ensemble_id))
            if result.rowcount == 0:
                raise NotFoundError(f"ensemble {ensemble_id} is not in the trial history")

    # -- for SeriesWriter -----------------------------------------------------------------
    def _write_series(self, steps: Sequence[StepRecord], evals: Sequence[EvalRecord]) -> None:
        if not steps and not evals:
            return
        with self._db.write() as conn:
            series.insert_steps(conn, steps)
            series.insert_evals(conn, evals)

    def _register_writer(self, writer: SeriesWriter) -> None:
        with self._writers_lock:
            self._writers.add(writer)

    def _unregister_writer(self, writer: SeriesWriter) -> None:
        with self._writers_lock:
            self._writers.discard(writer)

    def _flush_writers(self) -> None:
        with self._writers_lock:
            writers = list(self._writers)
        for writer in writers:
            writer.flush()
