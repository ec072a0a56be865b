"""Our tables, all prefixed `ts_`, beside Optuna's in the same database.

Optuna creates its tables from its own metadata (`studies`, `trials`, `trial_params`, ...) and
we create ours from this one, so either may come first and neither touches the other's tables.
Index names carry the table name, because PostgreSQL wants them unique per schema.

Choices that keep the history fast and portable:
- Times are floats, seconds since the Unix epoch (the database's clock, see clock.py): cheap to
  compare and identical on SQLite and PostgreSQL.
- Trial states are plain text checked in Python, not an SQL CHECK: SQLite cannot alter a CHECK
  constraint without rebuilding the table, and a new state must not need that.
- Step points, by far the most numerous rows, are clustered by (trial, repeat, step): on SQLite
  a WITHOUT ROWID table, one B-tree that is both the table and its index, about 20% smaller
  and faster to append to and to read one trial from. A step stored twice keeps the first.
- Evaluation points are few (one per epoch) and keep their metrics as a small JSON object,
  since the metric names depend on the task.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.schema import DDL

PREFIX = "ts_"

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

meta = Table(
    "ts_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

experiment = Table(
    "ts_experiment", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("study_name", String(512), nullable=False),
    Column("goal", Text, nullable=False, server_default=""),
    Column("hypothesis", Text, nullable=False, server_default=""),
    Column("expected_result", Text, nullable=False, server_default=""),
    Column("conclusion", Text, nullable=False, server_default=""),
    Column("search_json", Text, nullable=False, server_default="{}"),
    Column("created_at", Float, nullable=False),
    Column("finished_at", Float),
)

trial = Table(
    "ts_trial", metadata,
    Column("id", Integer, primary_key=True),
    Column("experiment_id", Integer, ForeignKey("ts_experiment.id", ondelete="CASCADE"),
           nullable=False),
    Column("optuna_trial_id", Integer),
    Column("number", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("message", Text, nullable=False, server_default=""),
    Column("params_json", Text, nullable=False, server_default="{}"),
    Column("config_json", Text, nullable=False, server_default=""),
    # SHA-256 of the full config trained (config/fingerprint.py); NULL for no config at all
    Column("config_fingerprint", String(64)),
    Column("group_id", String(64)),  # trials trained together as one fused model share it
    Column("objective", Float),
    Column("objective2", Float),
    Column("objective_std", Float),
    Column("metrics_json", Text, nullable=False, server_default="{}"),
    Column("device", String(64), nullable=False, server_default=""),
    Column("seed", BigInteger),
    Column("repeats", Integer, nullable=False, server_default="1"),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("duration_s", Float),
    # When it started or resumed. Liveness is Optuna's trial heartbeat (search/liveness.py);
    # this column is no longer beaten (kept, as the layout of existing databases).
    Column("heartbeat_at", Float),
    Column("updated_at", Float, nullable=False),  # any change
    Column("notes", Text, nullable=False, server_default=""),
    Column("tags_json", Text, nullable=False, server_default="[]"),
    Column("test_metrics_json", Text),
    # What the trial ran on (engine/environment.py): versions, device, user file hashes, git.
    Column("environment_json", Text, nullable=False, server_default="{}"),
    Column("resumed_from_step", Integer),  # the checkpoint step an interrupted trial went on from
    # Why the user left the trial out of results and of what the sampler learns; NULL: counted
    Column("excluded_reason", Text),
    # Whether the trial trained the config its values give on a baseline (store/provenance.py),
    # kept so that views of a long history need not fingerprint each trial: the fingerprint of
    # the baseline it was judged against and the verdict. NULL: not judged yet.
    Column("verdict_baseline", String(64)),
    Column("verdict_current", Boolean),
    Index(None, "experiment_id", "number"),
    Index(None, "experiment_id", "state", "objective"),
    Index(None, "state", "heartbeat_at"),
    Index(None, "updated_at"),
    # what `info` asks of a long history, answered from these indexes alone (a scan of the
    # table itself reads every trial's config snapshot: a second per 100,000 trials)
    Index(None, "experiment_id", "verdict_baseline", "verdict_current"),
    Index(None, "experiment_id", "repeats", "state"),
)
# The few excluded trials, a partial index. As DDL rather than Index(..., sqlite_where=...,
# postgresql_where=...): those keywords load SQLAlchemy's PostgreSQL dialect at import, a
# tenth of every command's start-up.
EXCLUDED_INDEX = ("CREATE INDEX ix_ts_trial_excluded ON ts_trial (experiment_id, number) "
                  "WHERE excluded_reason IS NOT NULL")
event.listen(trial, "after_create", DDL(EXCLUDED_INDEX))  # type: ignore[no-untyped-call]

step = Table(
    "ts_step", metadata,
    Column("trial_id", Integer, ForeignKey("ts_trial.id", ondelete="CASCADE"), nullable=False),
    Column("repeat", SmallInteger, nullable=False, server_default="0"),
    Column("step", Integer, nullable=False),
    Column("epoch", Float),
    Column("loss", Float),
    Column("lr", Float),
    Column("grad_norm", Float),
    Column("wall_s", Float),  # seconds of training at the step (NULL: stored before version 6)
    PrimaryKeyConstraint("trial_id", "repeat", "step"),
    sqlite_with_rowid=False,
)

evaluation = Table(
    "ts_eval", metadata,
    Column("id", Integer, primary_key=True),
    Column("trial_id", Integer, ForeignKey("ts_trial.id", ondelete="CASCADE"), nullable=False),
    Column("repeat", SmallInteger, nullable=False, server_default="0"),
    Column("step", Integer, nullable=False),
    Column("epoch", Float),
    Column("wall_s", Float),
    Column("train_loss", Float),
    Column("val_loss", Float),
    Column("metrics_json", Text, nullable=False, server_default="{}"),
    Index(None, "trial_id", "repeat", "step"),
)

# A trial's hyperparameters that change while it trains (population-based training): one row
# per change, `values_json` from `step` on. Its first row (step 0, no source) holds the values it
# started with; each exploit adds one, with the trial it copied (`source_trial_id`) and the
# values it had until then (`before_json`). The values at any step are the last row at or
# before it; the rows with a source are the population's lineage.
hparam = Table(
    "ts_hparam", metadata,
    Column("trial_id", Integer, ForeignKey("ts_trial.id", ondelete="CASCADE"), nullable=False),
    Column("step", Integer, nullable=False),
    Column("source_trial_id", Integer),
    Column("before_json", Text, nullable=False, server_default="{}"),
    Column("values_json", Text, nullable=False, server_default="{}"),
    PrimaryKeyConstraint("trial_id", "step"),
)


# Ensembles built of an experiment's trials (search/ensemble.py): what they averaged, how they
# scored on the validation split, the test split's result (evaluated once) and where they were
# exported. Members are referred to by trial number, as the user names trials; a member's
# metrics are kept with it, so the record stays readable after a member is deleted.
ensemble = Table(
    "ts_ensemble", metadata,
    Column("id", Integer, primary_key=True),
    Column("experiment_id", Integer, ForeignKey("ts_experiment.id", ondelete="CASCADE"),
           nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, ... within the experiment
    Column("method", String(16), nullable=False),  # "top" (the top K) or "greedy" (Caruana)
    Column("k", Integer, nullable=False),  # K for the top K; the rounds of a greedy selection
    Column("task", String(16), nullable=False),
    Column("metric", String(200), nullable=False),  # the experiment's objective
    Column("direction", String(8), nullable=False),
    # [{"number", "trial_id", "count", "objective", "metrics"}] in the order chosen
    Column("members_json", Text, nullable=False),
    Column("metrics_json", Text, nullable=False, server_default="{}"),  # on the validation split
    Column("best_member", Integer),  # the number of the member best on `metric`
    Column("gain", Float),  # on `metric`, over that member; positive is better
    Column("skipped_json", Text, nullable=False, server_default="{}"),  # number -> why
    Column("test_metrics_json", Text),  # NULL until the test split is evaluated (once)
    Column("tested_at", Float),
    # [{"format", "files", "metadata", "checked", "max_abs_difference", "agrees", "at"}]
    Column("exports_json", Text, nullable=False, server_default="[]"),
    Column("created_at", Float, nullable=False),
    Index(None, "experiment_id", "number", unique=True),
)

# What each run of an experiment may still start (search/runner.py): one row per run, opened
# with its trial count and closed when it ends. Every process that pops a queued trial for the
# run (the run itself, its `--workers`, `tunestudio worker`s on other machines) first takes one
# from `trials_left` in one conditional UPDATE, so the run starts exactly its count, whatever
# was left waiting in Optuna's queue by a run that stopped early. NULL `trials_left`: no count
# (until its time is up); `owner` is the run's process, `host:pid`.
run_budget = Table(
    "ts_run_budget", metadata,
    Column("id", Integer, primary_key=True),
    Column("experiment_id", Integer, ForeignKey("ts_experiment.id", ondelete="CASCADE"),
           nullable=False),
    Column("trials_left", Integer),
    Column("owner", String(300), nullable=False, server_default=""),
    Column("opened_at", Float, nullable=False),
    Column("closed_at", Float),  # NULL while the run goes on
    Index(None, "experiment_id", "closed_at"),
)

# Tables in creation order; dropping goes the other way.
TABLES = (meta, experiment, trial, step, evaluation, hparam, ensemble, run_budget)
