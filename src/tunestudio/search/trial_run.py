"""One trial from start to end: values merged and validated, trained once per repeat seed,
series written in batches, pruning fed from evaluations, the outcome told to Optuna and kept in
the store. Every outcome is data; nothing here raises for a bad trial.

The engine's trainer, data, devices and checkpoints (torch, scikit-learn: seconds to import) are
imported where a built-in trial needs them: a run of the user's program never loads them."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import optuna
from optuna.trial import FrozenTrial, TrialState

from tunestudio.config import InvalidConfigError, RunConfig, SearchDefinition, merge_values
from tunestudio.config.fingerprint import config_fingerprint, point_fingerprint
from tunestudio.config.project import objective_problem
from tunestudio.engine.best import EPOCH
from tunestudio.engine.environment import RunGitState, trial_environment
from tunestudio.engine.events import EvalEvent, FitResult, FitStartEvent, StepEvent, TrainerHooks
from tunestudio.search.artifacts import (
    CheckpointPlan,
    apply_retention,
    discard_working_files,
    upload_best,
    worth_keeping,
)
from tunestudio.search.events import TrialFinished, TrialStarted
from tunestudio.search.hooks import RunnerHooks
from tunestudio.search.liveness import Heartbeat
from tunestudio.search.plan import FINGERPRINT_ATTR, STATE_ATTR
from tunestudio.search.program import DEVICE as PROGRAM_DEVICE
from tunestudio.search.program import TrialFiles, fit_program
from tunestudio.search.program.slots import Slot
from tunestudio.search.pruning import PruningReporter, completed_trials, trial_told
from tunestudio.search.space import suggest
from tunestudio.search.trial_writes import held_writes
from tunestudio.store import SeriesWriter, Store

if TYPE_CHECKING:
    from tunestudio.config import DataConfig
    from tunestudio.engine.checkpoint import State
    from tunestudio.engine.data import Splits, SplitsCache
    from tunestudio.engine.paced_checkpoint import PacedCheckpointHook
    from tunestudio.engine.step_kernel import StepKernel
    from tunestudio.engine.trial import Trial

NORMALIZATION_ATTR = "ts_input_normalization"  # per-channel mean/std the trial's model applies

# FitResult.status -> our trial state
STATE_OF_STATUS = {
    "completed": "complete",
    "stopped_early": "complete",
    "pruned": "pruned",
    "stopped": "interrupted",
    "diverged": "diverged",
    "out_of_memory": "failed",
    "failed": "failed",
}


class FitFunction(Protocol):
    """Trains one config once. The default builds the engine's Trainer; benchmarks pass a
    function of known duration to measure what the search itself costs."""

    def __call__(self, config: RunConfig, *, hooks: Sequence[TrainerHooks], base_dir: Path | None,
                 device: str | None, seed: int, stop_event: threading.Event,
                 pause_event: threading.Event) -> FitResult: ...


def train_with_engine(config: RunConfig, *, hooks: Sequence[TrainerHooks],
                      base_dir: Path | None, device: str | None, seed: int,
                      stop_event: threading.Event, pause_event: threading.Event,
                      resume: Mapping[str, Any] | None = None,
                      datasets: Splits | None = None) -> FitResult:
    """The engine's Trainer; `resume` is a checkpoint state to continue from, `datasets` the
    config's data already split (None: the trainer loads it)."""
    from tunestudio.engine.trainer import Trainer

    trainer = Trainer(config, hooks=hooks, base_dir=base_dir, device=device, seed=seed,
                      stop_event=stop_event, pause_event=pause_event, resume=resume,
                      datasets=datasets)
    try:
        return trainer.fit()
    finally:
        release_kernel(trainer.kernel)


def release_kernel(kernel: StepKernel | None) -> None:
    """Drop a finished trial's (or group's) tensors now: the trainer sits in reference cycles
    (its hooks, the loop) that only Python's cyclic collector frees, and between its runs a
    fused search of the digits template grew to 1.6 GB (0.9 GB freed by one collection at the
    end); released at each end it peaked at 1.1 GB."""
    if kernel is not None:
        kernel.release()


@dataclass
class TrialContext:
    """What every trial of a run shares."""

    study: optuna.Study
    store: Store
    experiment_id: int
    search: SearchDefinition
    baseline: RunConfig
    distributions: Mapping[str, Any]
    base_dir: Path | None
    device: str | None
    hooks: RunnerHooks
    stop_event: threading.Event
    pause_event: threading.Event
    fit: FitFunction
    heartbeat: Heartbeat  # holds each popped trial (its Optuna id) until it is told
    best: Callable[[], float | None]
    checkpoints: CheckpointPlan | None = None  # None: no checkpoints, no resume
    git: RunGitState | None = None  # the project folder's git state, asked once per run
    data: RunSplits = field(default_factory=lambda: RunSplits())  # array data, split once
    program_files: Path | None = None  # a program baseline's trial folders (search/program)
    slot: Slot = field(default_factory=Slot)  # of parallel program trials on this machine

    @cached_property
    def baseline_fingerprint(self) -> str:
        """The baseline's own fingerprint: each trial is kept as current against it."""
        return config_fingerprint(self.baseline)


class RunSplits:
    """The engine's `SplitsCache` for a run's trials, made on first use: a run of the user's
    program never asks, so it never imports the engine's data layer (scikit-learn)."""

    def __init__(self) -> None:
        self._cache: SplitsCache | None = None

    def get(self, data: DataConfig, base_dir: Path | None) -> Splits | None:
        """See `SplitsCache.get`."""
        return self._made().get(data, base_dir)

    def put(self, data: DataConfig, base_dir: Path | None, splits: Splits) -> None:
        """See `SplitsCache.put`: the preflight's splits, kept for the trials."""
        self._made().put(data, base_dir, splits)

    def _made(self) -> SplitsCache:
        if self._cache is None:
            from tunestudio.engine.data import SplitsCache

            self._cache = SplitsCache()
        return self._cache


class _TrialHooks(TrainerHooks):
    """Engine events -> batched store writes, observers, and Optuna pruning."""

    def __init__(self, ctx: TrialContext, trial_id: int, writer: SeriesWriter, repeat: int,
                 pruning: PruningReporter | None):
        self.ctx, self.trial_id = ctx, trial_id
        self.writer, self.repeat = writer, repeat
        self.pruning = pruning
        self.metric = ctx.search.objective.metric
        self.evaluations = 0
        self.total_steps = 0  # the fit's planned steps (0: unknown, a program's)

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        self.total_steps = event.total_steps
        self.ctx.hooks.on_fit_start(self.trial_id, event)

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        self.writer.add_step(self.trial_id, event.step, event.epoch, event.loss, event.lr,
                             event.grad_norm, repeat=self.repeat, wall_s=event.wall_s)
        self.ctx.hooks.on_step(self.trial_id, event)

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        self.writer.add_eval(self.trial_id, event, repeat=self.repeat)
        self.ctx.hooks.on_evaluate(self.trial_id, event)
        value = event.metrics.get(self.metric)
        if self.pruning is not None and value is not None:
            # the trial's last evaluation (its planned steps trained, no repeat seed after it):
            # reported for the others' checks, never judged (see PruningReporter.submit)
            last = self.ctx.search.repeats == 1 and 0 < self.total_steps <= event.step
            self.pruning.submit(trainer, float(value), self.evaluations, last=last)
        self.evaluations += 1

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        # a complete trial's reports join the prune checks before it is told (see
        # PruningReporter.completed); with repeats it completes after its last fit
        if self.pruning is not None and self.ctx.search.repeats == 1 and \
                STATE_OF_STATUS.get(result.status) == "complete" and \
                result.best.get(self.metric) is not None:
            self.pruning.completed()


@dataclass
class Prepared:
    """A popped trial with its values merged and validated, ready to train."""

    trial: optuna.Trial
    params: dict[str, Any]
    config: RunConfig | None  # None: invalid, already recorded
    finished: TrialFinished | None = None  # set for an invalid trial
    fingerprint: str | None = None  # of `config` (config/fingerprint.py)
    environment: dict[str, Any] | None = None  # what it will run on (versions, files, git)


@dataclass
class Training:
    """A trial being trained: what its bookkeeping needs once the fits return."""

    prepared: Prepared
    trial_id: int
    index: int
    total: int | None
    started: float
    writer: SeriesWriter
    pruning: PruningReporter | None
    resume: State | None = None  # the checkpoint an interrupted trial goes on from
    note: str = ""  # what became of an interrupted trial's checkpoint
    # its checkpoint hooks, whose last writes finish() waits for (they overlap the next trial)
    savers: list[PacedCheckpointHook] = field(default_factory=list)

    def flush(self) -> None:
        """The trial's series and pruning reports written now (before a resume checkpoint,
        which must never be ahead of them)."""
        self.writer.flush()
        if self.pruning is not None:
            self.pruning.flush()


def prepare(ctx: TrialContext, trial: optuna.Trial, index: int, total: int | None,
            user_attrs: Mapping[str, Any] | None = None) -> Prepared:
    """Sample and validate (on the bookkeeping thread, while the previous trial trains). The
    trial's `user_attrs`, its sampled parameters and its config's fingerprint are written in
    one transaction (search/trial_writes.py); raises UpdateFinishedTrialError when another
    process finished the trial meanwhile (none of them written then)."""
    t0 = time.perf_counter()
    params: dict[str, Any] = {}
    refused: ValueError | None = None
    invalid: InvalidConfigError | None = None
    config: RunConfig | None = None
    fingerprint = ""
    try:
        with held_writes(trial):
            for key, value in (user_attrs or {}).items():
                trial.set_user_attr(key, value)
            params = suggest(trial, ctx.distributions, ctx.search, ctx.baseline)
            try:
                config = merge_values(ctx.baseline, params)
            except InvalidConfigError as exc:
                invalid = exc
                trial.set_user_attr(FINGERPRINT_ATTR, point_fingerprint(ctx.baseline, params))
            else:
                fingerprint = config_fingerprint(config)
                trial.set_user_attr(FINGERPRINT_ATTR, fingerprint)
    except ValueError as exc:  # Optuna refuses a dimension whose kind or choices changed
        refused = exc
    if refused is not None:
        message = (f"the search space no longer matches this experiment's earlier trials "
                   f"({refused}); put the changed search in a new experiment")
        return Prepared(trial, {}, None, _invalid(ctx, trial, {}, message, index, total, t0))
    if invalid is not None or config is None:
        finished = _invalid(ctx, trial, params, str(invalid), index, total, t0)
        return Prepared(trial, params, None, finished)
    problem = objective_problem(ctx.search, config)
    if problem is not None:  # e.g. a searched data.val_fraction of 0: refused before training
        finished = _invalid(ctx, trial, params, problem, index, total, t0)
        return Prepared(trial, params, None, finished)
    # Measured here, off the training thread (hashing a data file, asking git take a while).
    environment = trial_environment(config, device=_trial_device(ctx, config),
                                    base_dir=ctx.base_dir, git=ctx.git)
    return Prepared(trial, params, config, fingerprint=fingerprint, environment=environment)


def start(ctx: TrialContext, prepared: Prepared, index: int, total: int | None) -> Training:
    """Begin training a prepared trial: an interrupted trial back from the queue on the same config
    goes on in its store row from its checkpoint (a program trial: with its checkpoint folder);
    otherwise a new row starts (an earlier interrupted run's working files discarded when its config
    changed). Tells the observers `on_trial_start`, and returns the `Training` with its series
    writer and, where the study prunes (one objective, a pruner), its PruningReporter."""
    assert prepared.config is not None
    trial, config = prepared.trial, prepared.config
    seed0 = config.training.seed
    device = _trial_device(ctx, config)
    earlier = ctx.store.trial_of_optuna(ctx.experiment_id, optuna_id(trial)) \
        if ctx.checkpoints is not None else None
    resume: State | None = None
    note = ""
    if earlier is not None and earlier.config_fingerprint == prepared.fingerprint:
        # an interrupted trial, back from the queue, on the same config: it goes on
        assert ctx.checkpoints is not None
        trial_id = earlier.id
        if config.program is not None:  # it finds its checkpoint folder as it left it
            note = "runs again with its checkpoint folder"
        else:
            resume, note = resume_point(ctx.checkpoints, optuna_id(trial), config, seed0,
                                        ctx.search.repeats)
        ctx.store.resume_trial(trial_id, int(resume["step"]) if resume else 0, note)
    else:
        if earlier is not None:  # the baseline changed since: a new row, a fresh start
            assert ctx.checkpoints is not None
            discard_working_files(ctx.checkpoints, optuna_id(trial))
            note = (f"interrupted trial started over: its config changed since (trial row "
                    f"{earlier.id} keeps the interrupted run)")
        trial_id = ctx.store.start_trial(
            ctx.experiment_id, number=trial.number, optuna_trial_id=optuna_id(trial),
            params=prepared.params, config_json=config.model_dump_json(), device=device,
            seed=seed0, repeats=ctx.search.repeats, config_fingerprint=prepared.fingerprint,
            environment=prepared.environment, baseline_fingerprint=ctx.baseline_fingerprint,
        )
    ctx.hooks.on_trial_start(TrialStarted(trial_id, trial.number, prepared.params, seed0,
                                          device, index, total, config=config,
                                          resumed_from_step=int(resume["step"]) if resume
                                          else None, note=note))
    prunes = ctx.search.objective.second == "none" and ctx.search.pruner.kind != "none"
    pruning = PruningReporter(trial, ctx.search.objective.metric) if prunes else None
    return Training(prepared, trial_id, index, total, time.perf_counter(),
                    SeriesWriter(ctx.store), pruning, resume, note)


def trial_saver(ctx: TrialContext, plan: CheckpointPlan, run: Training, *,
                grouped: bool = False, best_value: float | None = None
                ) -> PacedCheckpointHook:
    """A trial's checkpoint hook (engine/paced_checkpoint.py) in its folder of `plan`: a lone
    trial's (and a fused group of one's) writes resume files as often as the project's
    `checkpoints.min_interval_s` and holds its latest epoch, so that a stopped run goes on from
    it; a member of a fused group of several (`grouped`) writes every GROUP_MIN_INTERVAL_S
    seconds and holds nothing (a group of 30 would capture 30 states an epoch). Either way a
    completed trial writes its best state only. `best_value`: the resumed trial's best so far."""
    from tunestudio.engine.paced_checkpoint import GROUP_MIN_INTERVAL_S, PacedCheckpointHook

    return PacedCheckpointHook(
        plan.folder(optuna_id(run.prepared.trial)), monitor=ctx.search.objective.metric,
        every_epochs=plan.settings.every_epochs, before_save=run.flush, best_value=best_value,
        min_interval_s=GROUP_MIN_INTERVAL_S if grouped else plan.settings.min_interval_s,
        hold_latest=not grouped, final_in_background=True, final_best_only=True)


def train(ctx: TrialContext, run: Training) -> list[FitResult]:
    """The fits of one trial, once per repeat seed, on the calling thread."""
    config = run.prepared.config
    assert config is not None
    device = _trial_device(ctx, config)
    results: list[FitResult] = []
    for repeat in range(ctx.search.repeats):
        result = _fit_once(ctx, run, config, device, repeat)
        results.append(result)
        if STATE_OF_STATUS.get(result.status) != "complete":
            break
    return results


def _fit_once(ctx: TrialContext, run: Training, config: RunConfig, device: str,
              repeat: int) -> FitResult:
    """One fit; the first seed's fit keeps checkpoints and may go on from one. A checkpoint
    that does not fit (the fit fails before its first step) is dropped with a note, and the
    trial starts over."""
    hooks: list[TrainerHooks] = [_TrialHooks(ctx, run.trial_id, run.writer, repeat,
                                             run.pruning if repeat == 0 else None)]
    if config.program is not None:  # the user's program, in a child process of its own
        assert ctx.program_files is not None
        return fit_program(config, hooks=hooks, repeat=repeat,
                           files=TrialFiles(ctx.program_files / str(optuna_id(run.prepared.trial)),
                                            repeat),
                           objective=ctx.search.objective.metric, base_dir=ctx.base_dir,
                           stop_event=ctx.stop_event, pause_event=ctx.pause_event,
                           trial_number=run.prepared.trial.number, slot=ctx.slot)
    plan = ctx.checkpoints if repeat == 0 else None
    resume = run.resume if repeat == 0 else None
    if plan is not None:
        if resume is not None:
            hooks[0].evaluations = ctx.store.eval_count(run.trial_id)  # type: ignore[attr-defined]
        saver = trial_saver(ctx, plan, run,
                            best_value=resume.get("best_value") if resume is not None else None)
        hooks.append(saver)
        run.savers.append(saver)
    seed = config.training.seed + repeat
    if ctx.fit is train_with_engine:
        result = train_with_engine(config, hooks=hooks, base_dir=ctx.base_dir, device=device,
                                   seed=seed, stop_event=ctx.stop_event,
                                   pause_event=ctx.pause_event, resume=resume,
                                   datasets=ctx.data.get(config.data, ctx.base_dir))
        if resume is None or result.status != "failed" or result.steps > 0:
            return result
        assert plan is not None
        run.resume = None
        run.note = (f"the checkpoint of trial #{run.prepared.trial.number} could not be used "
                    f"({result.message}); the trial started over")
        run.savers[-1].wait()  # its last write goes before the folder does
        discard_working_files(plan, optuna_id(run.prepared.trial))
        ctx.store.resume_trial(run.trial_id, 0, run.note)
        return _fit_once(ctx, run, config, device, repeat)
    return ctx.fit(config, hooks=hooks, base_dir=ctx.base_dir, device=device, seed=seed,
                   stop_event=ctx.stop_event, pause_event=ctx.pause_event)


def _saved(run: Training) -> None:
    """The trial's last checkpoint writes done; one that could not be written (a full disk)
    is noted with the trial."""
    for saver in run.savers:
        saver.wait()
        if saver.error and saver.error not in run.note:
            run.note = f"{run.note}; {saver.error}" if run.note else saver.error


def resume_point(plan: CheckpointPlan, optuna_trial_id: int, config: RunConfig, seed: int,
                 repeats: int) -> tuple[State | None, str]:
    """The checkpoint an interrupted trial goes on from, with a note for the user; (None,
    why) when it must start over: no checkpoint (interrupted in its first epoch), a missing,
    truncated or corrupt file, one saved for another config or seed, or several seeds per
    trial (their earlier fits are not kept). Starting over removes the old files."""
    from tunestudio.engine.checkpoint import LATEST, CheckpointError
    from tunestudio.engine.checkpoint import load as load_checkpoint

    folder = plan.folder(optuna_trial_id)
    why = ""
    if repeats > 1:
        why = "trials with several seeds start over when interrupted"
    elif not (folder / LATEST).exists():
        why = "it left no checkpoint (it was interrupted in its first epoch, or the file " \
            f"was removed from {folder})"
    else:
        try:
            state = load_checkpoint(folder / LATEST)
            if state.get("config_json") != config.model_dump_json() or \
                    state.get("seed") != seed:
                raise CheckpointError("it was saved for another config or seed (the baseline "
                                      "changed since)")
            return state, f"resumed from its checkpoint at step {int(state['step'])}"
        except (CheckpointError, KeyError, ValueError) as exc:
            why = str(exc)
    discard_working_files(plan, optuna_trial_id)
    return None, f"interrupted trial started over: {why}"


def finish(ctx: TrialContext, run: Training, results: Sequence[FitResult]) -> TrialFinished:
    """Series flushed, Optuna told, the trial row finished (on the bookkeeping thread). A
    trial that another process already failed for want of heartbeats (its point queued
    again) ends as interrupted, with that said; nothing is raised for it."""
    trial = run.prepared.trial
    try:
        _saved(run)
        if run.pruning is not None:
            run.pruning.close()
        run.writer.close()  # the series are complete before the trial is marked finished
        return _finish(ctx, trial, run.trial_id, results, run.index, run.total,
                       run.started, run.note)
    except optuna.exceptions.UpdateFinishedTrialError:
        message = (f"interrupted: another process found no heartbeat of trial #{trial.number} "
                   "and failed it (its point was queued again), so this result was not "
                   "recorded")
        ctx.store.interrupt_trial(run.trial_id, message)
        if ctx.checkpoints is not None:
            discard_working_files(ctx.checkpoints, optuna_id(trial))
        return TrialFinished(run.trial_id, trial.number, "interrupted", message, None,
                             ctx.best(), run.index, run.total,
                             time.perf_counter() - run.started)
    finally:
        ctx.heartbeat.release(optuna_id(trial))


def optuna_id(trial: optuna.Trial) -> int:
    """Optuna's storage id of a trial (its number is per study; the id is per database)."""
    return int(trial._trial_id)


def _trial_device(ctx: TrialContext, config: RunConfig) -> str:
    """Where the trial trains: a program chooses its own device."""
    if config.program is not None:
        return PROGRAM_DEVICE
    return _device_name(ctx.device or config.training.device)


def _device_name(spec: str) -> str:
    """The device a spec like 'auto' lands on; an unavailable one is left for the trainer to
    report as the trial's failure."""
    from tunestudio.engine.devices import DeviceError, resolve_device

    try:
        return resolve_device(spec)
    except DeviceError:
        return spec


def _objective(ctx: TrialContext, results: Sequence[FitResult]
               ) -> tuple[float | None, float | None, str]:
    metric = ctx.search.objective.metric
    values = [r.best.get(metric) for r in results]
    if any(v is None for v in values):
        return None, None, f"no '{metric}' was measured; does the run evaluate on a " \
            "validation split?"
    clean = [float(v) for v in values if v is not None]
    std = statistics.pstdev(clean) if len(clean) > 1 else None
    return statistics.fmean(clean), std, ""


def trial_metrics(result: FitResult, objective: str) -> dict[str, float]:
    """What a trial reports beside its objective, all of one model: the evaluation its
    objective came from (the model its checkpoint keeps), with that evaluation's `epoch` as
    `best_epoch`, and the last evaluation labelled `last_<metric>`, so a gap between the two
    (overfitting after the best epoch) shows. A fit whose objective was
    never measured reports its last evaluation alone (case 29: per-metric bests from
    different epochs read as one model)."""
    return evaluation_metrics(result.best_at, result.metrics, objective)


def evaluation_metrics(best_at: Mapping[str, Mapping[str, float]], last: Mapping[str, float],
                       objective: str) -> dict[str, float]:
    """`trial_metrics`' layout from the evaluation each metric was best at (`best_at`, as
    `engine.best.note_evaluation` keeps them, with their `epoch`) and the last evaluation's
    metrics (`last`); also what a trial recovered from its stored series reports
    (search/recovery.py)."""
    chosen = best_at.get(objective)
    if chosen is None:
        return dict(last)
    metrics = {k: v for k, v in chosen.items() if k != EPOCH}
    metrics["best_epoch"] = chosen[EPOCH]
    metrics.update({f"last_{k}": v for k, v in last.items()})
    return metrics


def _finish(ctx: TrialContext, trial: optuna.Trial, trial_id: int,
            results: Sequence[FitResult], index: int, total: int | None, t0: float,
            note: str = "") -> TrialFinished:
    last = results[-1]
    state = STATE_OF_STATUS.get(last.status, "failed")
    message = f"{note}; {last.message}" if note else last.message
    if last.traceback and state == "failed":
        message = f"{message}\n{last.traceback}".strip()
    objective: float | None = None
    std: float | None = None
    second: float | None = None
    if state == "complete":
        objective, std, problem = _objective(ctx, results)
        if objective is None:
            state, message = "failed", problem
        second = statistics.fmean(r.duration_s for r in results)
    metrics = trial_metrics(last, ctx.search.objective.metric)
    metrics.update(steps=float(sum(r.steps for r in results)), epochs=float(last.epochs))
    duration = sum(r.duration_s for r in results)
    plan = ctx.checkpoints
    resumable = plan is not None and state == "interrupted"
    # Only complete trials keep a checkpoint (retention keeps the best complete ones): a
    # pruned, diverged or failed trial's would be removed as soon as it was kept, as would
    # that of a complete trial outside the best so far.
    uploaded = False
    single = len(ctx.study.directions) == 1
    if plan is not None and state == "complete" and objective is not None and (
            not single or worth_keeping(plan, ctx.study, completed_trials(ctx.study),
                                        _told(trial, objective))):
        try:
            uploaded = upload_best(plan, trial) is not None
        except OSError as exc:  # a full disk costs the checkpoint, not the trial
            message = f"{message}\nthe checkpoint could not be kept: {exc}".strip()
    if not resumable and state not in ("complete", "pruned"):  # told FAIL: which failure
        trial.set_user_attr(STATE_ATTR, state)
    if last.normalization is not None:  # the input statistics the trial's model applies
        trial.set_user_attr(NORMALIZATION_ATTR, {"mean": list(last.normalization[0]),
                                                 "std": list(last.normalization[1])})
    told: FrozenTrial | None = None
    if resumable:  # back in the queue: the next run goes on from its last checkpoint
        ctx.study._storage.set_trial_state_values(optuna_id(trial), TrialState.WAITING)
    elif state == "complete" and objective is not None:
        values = [objective] if second is None or ctx.search.objective.second == "none" \
            else [objective, second]
        told = _tell(ctx.study, trial, values)
    elif state == "pruned":
        told = _tell(ctx.study, trial, state=TrialState.PRUNED)
    else:
        told = _tell(ctx.study, trial, state=TrialState.FAIL)
    trial_told(ctx.study, told)
    ctx.store.finish_trial(
        trial_id, state=state, message=message, objective=objective,
        objective2=second if ctx.search.objective.second != "none" else None,
        objective_std=std, metrics=metrics, duration_s=duration,
    )
    if plan is not None and not resumable:
        discard_working_files(plan, optuna_id(trial))
    if plan is not None and uploaded:
        # among the complete trials prune checks know (the whole study is swept at the end of
        # the run, see runner.py)
        apply_retention(plan, ctx.study, completed_trials(ctx.study) if single else None)
    return TrialFinished(trial_id, trial.number, state, message, objective, ctx.best(), index,
                         total, time.perf_counter() - t0, metrics,
                         second if ctx.search.objective.second != "none" else None)


def _tell(study: optuna.Study, trial: optuna.Trial, values: list[float] | None = None,
          state: TrialState | None = None) -> FrozenTrial:
    """`study.tell`, raising UpdateFinishedTrialError (as Optuna's writes do) where another
    process finished the trial meanwhile (its sweep failed it for want of heartbeats): Optuna's
    tell raises a bare ValueError for that."""
    try:
        return study.tell(trial, values, state=state)
    except ValueError:
        if study._storage.get_trial(optuna_id(trial)).state.is_finished():
            raise optuna.exceptions.UpdateFinishedTrialError(
                f"trial #{trial.number} was finished by another process") from None
        raise


def _told(trial: optuna.Trial, objective: float) -> FrozenTrial:
    """The trial as it will read once told complete with `objective` (its first value), for
    ranking it before it is told."""
    return FrozenTrial(number=trial.number, state=TrialState.COMPLETE, value=None,
                       values=[objective], datetime_start=None, datetime_complete=None,
                       params=trial.params, distributions=trial.distributions,
                       user_attrs=trial.user_attrs, system_attrs={}, intermediate_values={},
                       trial_id=optuna_id(trial))


def _invalid(ctx: TrialContext, trial: optuna.Trial, params: dict[str, Any], message: str,
             index: int, total: int | None, t0: float) -> TrialFinished:
    try:
        trial.set_user_attr(STATE_ATTR, "invalid")
        ctx.study.tell(trial, state=TrialState.FAIL)
    finally:
        ctx.heartbeat.release(optuna_id(trial))
    trial_id = ctx.store.record_invalid(
        ctx.experiment_id, number=trial.number, optuna_trial_id=optuna_id(trial), params=params,
        message=message, config_fingerprint=trial.user_attrs.get(FINGERPRINT_ATTR),
        baseline_fingerprint=ctx.baseline_fingerprint
        if trial.user_attrs.get(FINGERPRINT_ATTR) else None)
    return TrialFinished(trial_id, trial.number, "invalid", message, None, ctx.best(), index,
                         total, time.perf_counter() - t0)
