"""An experiment's trials in an MLflow tracking store (`tunestudio export --format mlflow`),
written through MLflow's own client (`mlflow.MlflowClient`; the `mlflow-skinny` package is
the optional extra `pip install 'tunestudio[mlflow]'`).

Layout:
- one MLflow experiment per TuneStudio experiment, named `PROJECT/EXPERIMENT`, tagged with the
  project's id, the strategy and objective, its note the experiment's goal and hypothesis;
- one run per trial, named `trial-0007`: the trial's searched values as params (full
  precision: a float as its shortest exact text), tags `tunestudio.state`,
  `tunestudio.trial_number`, `tunestudio.config_fingerprint`, `tunestudio.config` (`current`
  when it trained the project's current baseline, else `other`) and more; its status
  (FINISHED, FAILED, KILLED or RUNNING), start and end times; per-step metrics (x axis: the
  optimiser step) `train/loss`, `train/lr`, `train/grad_norm`; per evaluation `eval/train_loss`,
  `eval/val_loss`, `eval/<metric>` (e.g. `eval/val_accuracy`), `eval/epoch`, `eval/wall_s`; at
  the end the objective (`objective/val_accuracy`, as the TensorBoard export names it) and the
  trial's final metrics under their own names (`val_accuracy`, `steps`, `duration_s`...);
- a trial repeated with several seeds: repeat r > 0 is a nested run (`trial-0007/repeat-2`);
- the experiment's best trial on the current baseline carries its model as the artifacts
  `model/model.pt` (a state dict: `torch.load(weights_only=True)` then `load_state_dict`) and
  `model/model.pt.json` (what the model takes and gives, its config), and the tag
  `tunestudio.best = true`.

Exporting again updates the same runs and never duplicates them: each run is found by its tag
`tunestudio.trial_uid` (the project's id and the trial's id); only points after the last
exported step (`tunestudio.last_step`, `tunestudio.last_eval_step`) are added, and a finished
trial that did not change is left alone. A run deleted in MLflow stays deleted and is not
exported anew."""

from __future__ import annotations

import json
import logging
import math
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunestudio.config import Project
from tunestudio.engine.checkpoint import CheckpointError
from tunestudio.errors import TuneStudioError
from tunestudio.search.storage import open_store
from tunestudio.search.tensorboard import objective_tags, step_walltimes
from tunestudio.store import CurrentConfig, EvalSeries, ExperimentRow, StepSeries, TrialRow

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Run

MISSING = ("the MLflow export needs MLflow's client, which is not installed; install it with "
           "`pip install 'tunestudio[mlflow]'` (or `pip install mlflow-skinny`)")
DB_NAME = "mlflow.db"  # the SQLite store in a folder named with -o DIR
ARTIFACTS_NAME = "mlartifacts"  # artifacts beside a SQLite store (as `mlflow server` names it)
TRIALS_PER_READ = 200  # trials whose series are read from the history at once
# MLflow's log_batch limits: 1000 metrics, 100 params, 100 tags per call
METRICS_PER_BATCH, PARAMS_PER_BATCH = 1000, 100
TAG = "tunestudio."
UID, REPEAT, STATE, LAST_STEP, LAST_EVAL = (TAG + "trial_uid", TAG + "repeat", TAG + "state",
                                            TAG + "last_step", TAG + "last_eval_step")
BEST, MODEL = TAG + "best", TAG + "model"
MODEL_DIR = "model"  # the artifact folder of the best trial's model
RUN_STATUS = {"complete": "FINISHED", "failed": "FAILED", "diverged": "FAILED",
              "running": "RUNNING"}  # pruned, interrupted and invalid: KILLED


@dataclass
class MlflowExport:
    """What an export did: the tracking URI written to, the MLflow experiment id of each
    TuneStudio experiment, how many runs (a trial, or one repeat of it) were created, updated
    with new points or state, and left unchanged, the run that holds each experiment's best
    model (experiment -> run id), and notes (a best trial whose checkpoint is gone)."""

    tracking_uri: str
    experiments: dict[str, str] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    models: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _client(tracking_uri: str) -> MlflowClient:
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise TuneStudioError(MISSING) from None
    # MLflow announces each schema migration of a new SQLite store at INFO level
    for name in ("mlflow.store.db.utils", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=tracking_uri)


def tracking_uri(output: str) -> str:
    """The MLflow tracking URI for what `-o` names: a URI as given (`sqlite:///runs.db`,
    `http://host:5000`, `file:./mlruns`...), a `.db` file as a SQLite store, anything else as a
    folder holding a SQLite store (`DIR/mlflow.db`; created when missing)."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", output) and not re.match(r"^[A-Za-z]:[\\/]",
                                                                       output):
        return output  # a URI (not a Windows drive letter)
    path = Path(output).expanduser().resolve()
    if path.suffix != ".db":
        path.mkdir(parents=True, exist_ok=True)
        path = path / DB_NAME
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path.as_posix()}"


def artifacts_root(uri: str) -> Path | None:
    """Where the artifacts of a SQLite store's new experiments go: `mlartifacts/` beside the
    database (MLflow itself would put them under the working directory). None for other
    stores, whose server or folder decides."""
    if not uri.startswith("sqlite:///"):
        return None
    database = uri.removeprefix("sqlite:///").split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database).resolve().parent / ARTIFACTS_NAME


def param_text(value: Any) -> str:
    """A trial's value as an MLflow param: a string as is, anything else as JSON (a float as
    its shortest exact text, `0.011712588580608897`; a list of widths as `[64, 128]`)."""
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _ms(seconds: float) -> int:
    return round(seconds * 1000.0)


def _run_name(number: int, repeat: int) -> str:
    return f"trial-{number:04d}" if repeat == 0 else f"trial-{number:04d}/repeat-{repeat}"


def _status(state: str) -> str:
    return RUN_STATUS.get(state, "KILLED")


def _trial_tags(project: Project, exp_name: str, t: TrialRow, current: CurrentConfig,
                repeat: int) -> dict[str, str]:
    tags = {UID: f"{project.id}/{t.id}", REPEAT: str(repeat), STATE: t.state,
            TAG + "project_id": str(project.id), TAG + "experiment": exp_name,
            TAG + "trial_id": str(t.id), TAG + "trial_number": str(t.number),
            TAG + "config": "current" if current.holds(t) else "other",
            TAG + "config_fingerprint": t.config_fingerprint or "",
            TAG + "device": t.device, TAG + "repeats": str(t.repeats),
            TAG + "seed": "" if t.seed is None else str(t.seed)}
    if t.group_id:
        tags[TAG + "group_id"] = t.group_id
    if t.resumed_from_step is not None:
        tags[TAG + "resumed_from_step"] = str(t.resumed_from_step)
    if t.message:
        tags[TAG + "message"] = t.message[:5000]  # MLflow keeps at most 8,000 characters
    if t.optuna_trial_id is not None:
        tags[TAG + "optuna_trial_id"] = str(t.optuna_trial_id)
    return tags


def _final_metrics(t: TrialRow, tags: tuple[str, str | None]) -> dict[str, float]:
    values: dict[str, float | None] = {**t.metrics, "duration_s": t.duration_s,
                                       tags[0]: t.objective, "objective_std": t.objective_std}
    if tags[1] is not None:
        values[tags[1]] = t.objective2
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(v)}


def _new_points(steps: StepSeries | None, evals: EvalSeries | None, repeat: int, start: float,
                last_step: int, last_eval: int) -> tuple[list[Metric], int, int]:
    """The per-step and per-evaluation metrics of one repeat after the last exported step and
    evaluation; returns them with the new last step and last evaluation step."""
    from mlflow.entities import Metric

    metrics: list[Metric] = []
    eval_steps, eval_walls = np.empty(0), np.empty(0)
    if evals is not None:
        mask = evals.repeat == repeat
        eval_steps = evals.step[mask].astype(np.float64)
        eval_walls = start + evals.wall_s[mask]
        for i in np.flatnonzero(mask & (evals.step > last_eval)):
            step, at = int(evals.step[i]), _ms(start + float(evals.wall_s[i]))
            values = {"epoch": evals.epoch[i], "wall_s": evals.wall_s[i],
                      "train_loss": evals.train_loss[i], "val_loss": evals.val_loss[i],
                      **{k: v[i] for k, v in evals.metrics.items()}}
            metrics += [Metric(f"eval/{k}", float(v), at, step)
                        for k, v in values.items() if not math.isnan(v)]  # NaN: not measured
            last_eval = step
    if steps is not None:
        walls = step_walltimes(steps, eval_steps, eval_walls, start)
        for i in np.flatnonzero((steps.repeat == repeat) & (steps.step > last_step)):
            step, at = int(steps.step[i]), _ms(float(walls[i]))
            metrics.append(Metric("train/loss", float(steps.loss[i]), at, step))  # NaN: diverged
            for key, column in (("train/lr", steps.lr), ("train/grad_norm", steps.grad_norm)):
                if math.isfinite(column[i]):
                    metrics.append(Metric(key, float(column[i]), at, step))
            last_step = step
    return metrics, last_step, last_eval


def _log(client: MlflowClient, run_id: str, metrics: Sequence[Metric] = (),
         params: Mapping[str, str] | None = None, tags: Mapping[str, str] | None = None) -> None:
    from mlflow.entities import Param, RunTag

    param_list = [Param(k, v) for k, v in (params or {}).items()]
    for i in range(0, len(param_list), PARAMS_PER_BATCH):
        client.log_batch(run_id, params=param_list[i:i + PARAMS_PER_BATCH])
    tag_list = [RunTag(k, v) for k, v in (tags or {}).items()]
    for i in range(0, len(tag_list), PARAMS_PER_BATCH):
        client.log_batch(run_id, tags=tag_list[i:i + PARAMS_PER_BATCH])
    for i in range(0, len(metrics), METRICS_PER_BATCH):
        client.log_batch(run_id, metrics=list(metrics[i:i + METRICS_PER_BATCH]))


def _existing_runs(client: MlflowClient, experiment_id: str,
                   project_id: str) -> dict[tuple[str, int], Run]:
    """The runs this project exported before, by (trial uid, repeat); deleted ones too, so
    that a run a user deleted is not exported again beside it."""
    from mlflow.entities import ViewType

    found: dict[tuple[str, int], Run] = {}
    token: str | None = None
    while True:
        page = client.search_runs([experiment_id],
                                  f"tags.`{TAG}project_id` = '{project_id}'",
                                  run_view_type=ViewType.ALL, max_results=1000,
                                  page_token=token)
        for run in page:
            uid, repeat = run.data.tags.get(UID), run.data.tags.get(REPEAT, "0")
            if uid is not None:
                found[(uid, int(repeat))] = run
        token = page.token
        if not token:
            return found


def _experiment_id(client: MlflowClient, project: Project, row: ExperimentRow,
                   root: Path | None) -> str:
    from mlflow.exceptions import MlflowException

    name = f"{project.name}/{row.name}"
    settings = next((e for e in project.experiments if e.name == row.name), None)
    tags = {TAG + "project": project.name, TAG + "project_id": str(project.id),
            TAG + "experiment": row.name, TAG + "study_name": row.study_name}
    if settings is not None:
        objective = settings.search.objective
        tags |= {TAG + "strategy": settings.search.strategy, TAG + "objective": objective.metric,
                 TAG + "direction": objective.resolved_direction}
    note = "\n\n".join(f"{label}: {text}" for label, text in
                       (("Goal", row.goal), ("Hypothesis", row.hypothesis),
                        ("Expected result", row.expected_result),
                        ("Conclusion", row.conclusion)) if text)
    if note:
        tags["mlflow.note.content"] = note
    found = client.get_experiment_by_name(name)
    if found is not None:
        if found.lifecycle_stage == "deleted":
            raise TuneStudioError(
                f"the MLflow experiment '{name}' was deleted in this store; restore it "
                f"(`mlflow experiments restore --experiment-id {found.experiment_id}`) or "
                "remove it for good (`mlflow gc`) before exporting again")
        experiment_id = str(found.experiment_id)
        for key, value in tags.items():
            if found.tags.get(key) != value:
                client.set_experiment_tag(experiment_id, key, value)
        return experiment_id
    location = None if root is None else \
        (root / re.sub(r"[^\w.\-]+", "_", name)).as_uri()
    try:
        return str(client.create_experiment(name, artifact_location=location, tags=tags))
    except MlflowException:  # another export created it meanwhile
        again = client.get_experiment_by_name(name)
        if again is None:
            raise
        return str(again.experiment_id)


def _export_trial(client: MlflowClient, experiment_id: str, project: Project, exp_name: str,
                  t: TrialRow, steps: StepSeries | None, evals: EvalSeries | None,
                  current: CurrentConfig, objective: tuple[str, str | None],
                  existing: dict[tuple[str, int], Run], result: MlflowExport) -> str:
    """Create or update the runs of one trial (one per repeat); returns repeat 0's run id
    ("" when that run was deleted in MLflow)."""
    from mlflow.entities import Metric

    start = t.started_at or t.updated_at
    repeats = sorted({*(() if steps is None else steps.repeat.tolist()),
                      *(() if evals is None else evals.repeat.tolist())} | {0})
    parent_id = ""
    for repeat in repeats:
        tags = _trial_tags(project, exp_name, t, current, repeat)
        run = existing.get((tags[UID], repeat))
        if run is not None and run.info.lifecycle_stage == "deleted":
            result.unchanged += 1  # deleted in MLflow on purpose: neither revived nor redone
            continue
        last_step = int(run.data.tags.get(LAST_STEP, "-1")) if run is not None else -1
        last_eval = int(run.data.tags.get(LAST_EVAL, "-1")) if run is not None else -1
        metrics, last_step, last_eval = _new_points(steps, evals, repeat, start, last_step,
                                                    last_eval)
        tags[LAST_STEP], tags[LAST_EVAL] = str(last_step), str(last_eval)
        params = {k: param_text(v) for k, v in t.params.items()}
        final: dict[str, float] = {}
        if repeat == 0:
            final = _final_metrics(t, objective)
        elif parent_id:
            tags["mlflow.parentRunId"] = parent_id
        if run is None:
            run = client.create_run(experiment_id, start_time=_ms(start), tags=tags,
                                    run_name=_run_name(t.number, repeat))
            result.created += 1
            changed_tags, new_params = tags, params
        else:
            changed_tags = {k: v for k, v in tags.items() if run.data.tags.get(k) != v}
            new_params = {k: v for k, v in params.items() if k not in run.data.params}
            final = {k: v for k, v in final.items() if run.data.metrics.get(k) != v}
            if not (metrics or changed_tags or new_params or final) \
                    and run.info.status == _status(t.state):
                result.unchanged += 1
                if repeat == 0:
                    parent_id = run.info.run_id
                continue
            result.updated += 1
        run_id = run.info.run_id
        if repeat == 0:
            parent_id = run_id
        at = _ms(t.finished_at or t.updated_at)
        metrics += [Metric(k, v, at, max(0, last_step)) for k, v in final.items()]
        _log(client, run_id, metrics, new_params, changed_tags)
        if t.state == "running":
            client.update_run(run_id, status="RUNNING")
        else:
            client.set_terminated(run_id, status=_status(t.state),
                                  end_time=_ms(t.finished_at or t.updated_at))
    return parent_id


def _log_best_model(client: MlflowClient, project: Project, exp_name: str, best: TrialRow,
                    run_id: str, runs: Iterable[tuple[str, Mapping[str, str]]],
                    base_dir: Path | None, url: str | None, result: MlflowExport) -> None:
    """The best trial's model as the artifacts `model/model.pt` and `model/model.pt.json` of
    its run (once), and `tunestudio.best` moved to its run."""
    from tunestudio.search.model_export import export_trial_model

    for other_id, tags in runs:
        if other_id != run_id and tags.get(BEST) == "true":
            client.set_tag(other_id, BEST, "false")
    client.set_tag(run_id, BEST, "true")
    result.models[exp_name] = run_id
    if client.get_run(run_id).data.tags.get(MODEL):
        return
    with tempfile.TemporaryDirectory(prefix="tunestudio-mlflow-") as tmp:
        out = Path(tmp) / "model.pt"
        try:
            export_trial_model(project, best.number, out, "state_dict", experiment=exp_name,
                               base_dir=base_dir, url=url, check=False)
        except CheckpointError as exc:
            result.notes.append(f"{exp_name}: best trial #{best.number} has no model to log "
                                f"({exc})")
            return
        client.log_artifacts(run_id, tmp, MODEL_DIR)
    client.set_tag(run_id, MODEL, f"{MODEL_DIR}/model.pt")


def export_mlflow(project: Project, output: str, experiment: str | None = None, *,
                  base_dir: Path | None = None, url: str | None = None,
                  include_excluded: bool = False) -> MlflowExport:
    """Write the trials of every experiment of the project's history (or of `experiment`;
    the excluded ones only with `include_excluded`) to
    the MLflow store that `output` names (see `tracking_uri`), as the module describes; an
    export repeated later adds what is new. `base_dir`: the project file's folder (a model
    file's relative path), `url`: the history's storage URL (default the project's).
    Raises TuneStudioError when MLflow is missing (before writing anything), when the store
    refuses (its message, e.g. a file store without `MLFLOW_ALLOW_FILE_STORE=true`), or when
    the experiment is unknown."""
    uri = tracking_uri(output)
    client = _client(uri)
    from mlflow.exceptions import MlflowException

    result = MlflowExport(uri)
    store = open_store(project, url)
    try:
        rows = [e for e in store.experiments() if experiment is None or e.name == experiment]
        if experiment is not None and not rows:
            raise TuneStudioError(f"the experiment '{experiment}' has no trials yet; run it "
                                  "first")
        current = CurrentConfig(project.baseline)
        for row in rows:
            settings = next((e for e in project.experiments if e.name == row.name), None)
            objective = objective_tags(settings.search.objective.metric,
                                       settings.search.objective.second) \
                if settings is not None else ("objective/value", None)
            experiment_id = _experiment_id(client, project, row, artifacts_root(uri))
            result.experiments[row.name] = experiment_id
            existing = _existing_runs(client, experiment_id, str(project.id))
            trials = [t for t in store.trials(row.id) if include_excluded or not t.excluded]
            run_ids: dict[int, str] = {}
            for begin in range(0, len(trials), TRIALS_PER_READ):
                chunk = trials[begin:begin + TRIALS_PER_READ]
                ids = [t.id for t in chunk]
                steps, evals = store.step_series(ids), store.eval_series(ids)
                for t in chunk:
                    run_ids[t.id] = _export_trial(client, experiment_id, project, row.name, t,
                                                  steps.get(t.id), evals.get(t.id), current,
                                                  objective, existing, result)
            best = None if settings is None else \
                current.best(trials, settings.search.objective.resolved_direction)
            if best is not None and not run_ids[best.id]:
                result.notes.append(f"{row.name}: the run of best trial #{best.number} was "
                                    "deleted in MLflow; its model was not logged")
            elif best is not None:
                others = [(r.info.run_id, r.data.tags) for r in existing.values()]
                _log_best_model(client, project, row.name, best, run_ids[best.id], others,
                                base_dir, url, result)
    except MlflowException as exc:
        raise TuneStudioError(f"MLflow store {uri}: {exc.message}") from None
    finally:
        store.close()
    return result
