"""Running an experiment: queue the budget, pop and run trials until none are left, the time
is up or a stop is requested. Each popped trial is beaten until it is told, so the trials of a
process that died are found, by the one mechanism of liveness.py.

The engine (torch, scikit-learn) and the fused groups are imported where a built-in run needs
them: a run of the user's program, whose trials are child processes, never loads them.

Several trials at once on one machine are several processes (`tunestudio worker`, started by
the run as early as it can: local_workers.py), each popping from the same queue: torch's
global state and the GIL make processes, not threads, the unit of parallel training."""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import optuna
from optuna.trial import TrialState

from tunestudio.config import DataConfig, Experiment, Project, StopRules
from tunestudio.engine.environment import RunGitState
from tunestudio.engine.events import overriding
from tunestudio.local_workers import (
    AUTO_ALONE_LINE,
    LocalWorkers,
    RunPipe,
    helper_count,
    worker_command,
)
from tunestudio.search.artifacts import CheckpointPlan, apply_retention, discard_working_files
from tunestudio.search.cache_reads import read_changes_only
from tunestudio.search.events import RunSummary, TrialFinished
from tunestudio.search.exclusion import ExcludingSampler
from tunestudio.search.hooks import RunnerHooks
from tunestudio.search.liveness import (
    Heartbeat,
    fail_stale,
    owner_is_gone,
    stale_after_s,
    worker_tag,
)
from tunestudio.search.plan import BUDGET_ATTR, WORKER_ATTR, Queue, finite_plan, plan_queue
from tunestudio.search.preflight import FailureStreak, preflight
from tunestudio.search.program import programs_dir
from tunestudio.search.program.checks import check_program
from tunestudio.search.program.orphans import stop_orphans
from tunestudio.search.program.slots import Slot
from tunestudio.search.queue import (
    MIN_AHEAD,
    Feeder,
    count_trials,
    know_trial,
    start_waiting,
    trial_ids,
    user_attr_of,
    waiting_ids,
)
from tunestudio.search.recovery import recover_row
from tunestudio.search.samplers import build_pruner, build_sampler, run_seed
from tunestudio.search.space import distributions
from tunestudio.search.storage import open_store, optuna_storage, storage_url
from tunestudio.search.trial_run import (
    FitFunction,
    Prepared,
    TrialContext,
    finish,
    optuna_id,
    prepare,
    start,
    train,
    train_with_engine,
)
from tunestudio.store import CurrentConfig, Store, StoreError, TrialRow
from tunestudio.store.budgets import UNBUDGETED
from tunestudio.store.stop_rules import check_stop

if TYPE_CHECKING:
    from tunestudio.engine.data import Splits
    from tunestudio.search.groups import FusePolicy, GroupTraining

optuna.logging.set_verbosity(optuna.logging.WARNING)
# We use heartbeats, grouped TPE and fail_stale_trials deliberately; their 'experimental'
# notices would only alarm users, as would Optuna's advice to beat through Study.optimize
# (liveness.py beats the trials that `ask` pops).
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used with")


@dataclass(frozen=True)
class RunOptions:
    """How one run of an experiment differs from the project's settings (the CLI's and the GUI's run
    options); None keeps the project's."""
    trials: int | None = None  # overrides the experiment's budget.trials
    timeout_s: float | None = None  # overrides budget.timeout_s
    device: str | None = None  # overrides the baseline's training.device
    workers: int = 1  # processes training at once on this machine
    # what chose `workers` (`--workers auto`, local_workers.auto_workers), said at the start
    workers_note: str = ""
    storage_url: str | None = None  # overrides the project's storage (remote workers)
    idle_wait_s: float = 0.0  # a worker keeps polling this long for newly queued trials
    tensorboard_dir: str | None = None  # local worker processes write TensorBoard logs here
    fuse: str | None = None  # "auto", "off" or a number of trials: overrides search.fuse
    # a worker's run's budget in trials (a worker plans none itself): sizes its share of each
    # fused round, as the run's own slot sizes its
    run_trials: int | None = None
    # A program baseline runs only on an explicit command (the CLI, the Python API): a
    # project opened in the window runs its program only once the user trusts it.
    run_programs: bool = False
    stop: StopRules | None = None  # overrides the experiment's search.stop


class _MultiHooks(RunnerHooks):
    """The run's observers as one: each `on_*` calls, in order, the hooks that override it,
    resolved once here. `on_step` runs for every trial at every step (8 calls a step in a
    fused group of 8), and no observer of the CLI overrides it: it is then a no-op, where a
    fan-out made at each call cost a few microseconds each."""

    def __init__(self, hooks: list[RunnerHooks]):
        self.hooks = hooks
        for name in (n for n in vars(RunnerHooks) if n.startswith("on_")):
            targets = overriding(hooks, name, RunnerHooks)
            setattr(self, name, _fan_out(targets) if targets else _ignore)


def _ignore(*args: object) -> None:
    """An event no observer of the run overrides."""


def _fan_out(targets: list[Callable[..., None]]) -> Callable[..., None]:
    if len(targets) == 1:
        return targets[0]

    def fan_out(*args: object) -> None:
        for target in targets:
            target(*args)

    return fan_out


STOP_RULE = "stopped by rule: "  # a run's closing message when a stop rule ended it
OTHERS_POLL_S = 0.5  # a run whose queue is empty looks this often whether others still train
QUEUE_POLL_S = 0.1  # a worker waiting for its run to queue trials looks this often
CLAIMS_KEPT = 4096  # far more trials than a process holds at once (fused groups included)


def study_name(experiment: Experiment) -> str:
    """The Optuna study name of an experiment: its name."""
    return experiment.name


class ExperimentRunner:
    """Runs one experiment of a project. `run()` blocks; call it from a worker thread in the GUI.
    Set `stop_event` to stop cleanly: the running trial ends as `interrupted`."""

    def __init__(self, project: Project, experiment_name: str, *, base_dir: Path | None = None,
                 options: RunOptions | None = None, hooks: list[RunnerHooks] | None = None,
                 stop_event: threading.Event | None = None,
                 pause_event: threading.Event | None = None,
                 fit: FitFunction = train_with_engine, project_path: Path | None = None,
                 queue: bool = True, queue_closed: threading.Event | None = None,
                 workers: LocalWorkers | None = None):
        self.project = project
        self.experiment = project.experiment(experiment_name)
        self.base_dir = base_dir
        self.options = options or RunOptions()
        self.hooks = _MultiHooks(list(hooks or []))
        self.stop_event = stop_event or threading.Event()
        self.pause_event = pause_event or threading.Event()
        self.fit = fit
        self.project_path = project_path
        self.queue = queue  # False for a remote worker: it only runs what a `run` queued
        # A worker its run spawned (local_workers.py): set once that run queues no more;
        # until then an empty queue means its trials are still to come
        self.queue_closed = queue_closed
        # this run's other workers, when the caller started them (the CLI, before its imports)
        self._given_workers = workers
        self._preflight_splits: list[tuple[DataConfig, Splits]] = []
        self.url = self.options.storage_url or storage_url(project)
        self._best: float | None = None
        self._idle_since: float | None = None
        self._idle_ran = 0  # trials run when it last waited idle
        self._storage: optuna.storages.RDBStorage | None = None
        self._heartbeat: Heartbeat | None = None  # this run's, while it runs
        self._feeder: Feeder | None = None  # this run's queue, written as it is popped
        # program trials never fuse: each is a process of its own
        self.fuse: FusePolicy | None = None
        if project.baseline.program is None:
            from tunestudio.search.groups import fuse_policy

            self.fuse = fuse_policy(self.experiment.search, self.options.fuse)
        self._fusing = self.fuse is not None and self.fuse.enabled and fit is train_with_engine
        self._fusing_line: str | None = None  # what --fuse auto chose, once it chose
        self._alone_sampler: Callable[[], ExcludingSampler] | None = None  # once it is open
        self._stop_reason: str | None = None  # the stop rule that held, as its message
        self._store: Store | None = None  # while it runs
        self._experiment_id = 0  # the store's id of the experiment, once it runs
        # The run's count of trials in the store (store/budgets.py): this run's own, or the one
        # its run told this worker through the pipe; None for a worker started by hand (it
        # claims from any run open on the experiment)
        self._budget_id: int | None = None
        # Optuna id of a trial popped lately -> the count it was claimed from (kept until it
        # can no longer go back to the queue unrun; CLAIMS_KEPT at most)
        self._claimed: dict[int, int] = {}
        self._claimed_lock = threading.Lock()  # popped on the bookkeeping thread, released here
        self._said_no_run = False  # a worker by hand said that queued trials wait for a run

    # -- the loop ---------------------------------------------------------------------------
    def _keep_splits(self, data: DataConfig, splits: Splits) -> None:
        """The preflight's splits, for the run's trials (put in their cache once it exists)."""
        self._preflight_splits.append((data, splits))

    def run(self) -> RunSummary:
        """Raises PreflightError, before any trial is queued, when every trial would fail for
        one cause (a missing data file, a model file that does not import, a program that
        cannot start), and ProgramNotTrustedError when the baseline is a program and the run
        was not started by an explicit command (RunOptions.run_programs)."""
        program = self.project.baseline.program
        # workers the caller started (the CLI, before its own imports), or none yet
        helpers = self._given_workers or LocalWorkers()
        try:
            if program is not None:
                check_program(program, self.experiment.name, self.base_dir,
                              self.options.run_programs)
            elif self.fit is train_with_engine:  # a stand-in fit (tests) reads no files
                preflight(self.project, self.experiment.name, self.base_dir,
                          keep=self._keep_splits)
            if self._given_workers is None:
                # The other workers start now, so that their start-up overlaps this one's;
                # they wait for the trials this run queues (until it closes their queue)
                helpers = self._spawn_workers()
            if program is None and self.fit is train_with_engine:
                from tunestudio.engine import warm_up
                from tunestudio.engine.runtime import share_cores

                share_cores(self._slot().count)  # N processes: each its share of the cores
                # torch's one-off start-up, kept out of the first trial's duration, before
                # the run queues its first trials for the workers beside it; torch.optim's
                # (about 1 s) here too unless the run may fuse, in which case it is paid only
                # once the run knows it trains one at a time (see _run)
                warm_up(optimizers=not self._fusing)
            store = open_store(self.project, self.url)
            try:
                return self._run(store, helpers)
            finally:
                store.close()
                if program is None and self.fit is train_with_engine:
                    from tunestudio.engine.runtime import share_cores

                    share_cores(1)  # the run is over: this process trains alone again
        except BaseException:
            # the run failed before its end: its workers go with it (killed outright while it
            # had queued nothing, so that none of them says the same failure again)
            helpers.terminate(kill=self._feeder is None or self._feeder.written == 0)
            raise

    def _open_study(self, store: Store, n_obj: int) -> tuple[optuna.storages.RDBStorage,
                                                              optuna.Study, int]:
        exp = self.experiment
        search = exp.search
        direction = search.objective.resolved_direction
        with store.setup_lock():  # processes starting together create Optuna's tables once
            storage = self._storage = optuna_storage(self.url)
            study = optuna.create_study(
                study_name=study_name(exp), storage=storage, load_if_exists=True,
                directions=[direction] if n_obj == 1 else [direction, "minimize"],
                sampler=build_sampler(search, n_obj), pruner=build_pruner(search.pruner, n_obj),
            )
        read_changes_only(study)  # a fused round's asks re-read only what changed
        # A seeded study run again, or by several workers, must not draw the same points.
        told = count_trials(study, [s for s in TrialState if s != TrialState.WAITING])
        experiment_id = store.ensure_experiment(
            exp.name, study.study_name, goal=exp.goal, hypothesis=exp.hypothesis,
            expected_result=exp.expected_result, conclusion=exp.conclusion,
            search_json=search.model_dump_json(),
        )
        seed = run_seed(search, told, None if self.queue else worker_tag())
        self._store, self._experiment_id = store, experiment_id  # what trials are claimed from

        def sampler(fusing: bool) -> ExcludingSampler:
            # Excluded trials (marked in our store, by any process) are kept from what it
            # learns; trials asked before others are told (fused groups, parallel processes)
            # make TPE lie about the running ones
            return ExcludingSampler(build_sampler(
                search, n_obj, seed,
                batches=fusing or self.options.workers > 1 or not self.queue),
                lambda: store.excluded_optuna_ids(experiment_id))

        study.sampler = sampler(self._fusing)
        # --fuse auto that trains one at a time after all samples as --fuse off does
        self._alone_sampler = lambda: sampler(False)
        return storage, study, experiment_id

    def _run(self, store: Store, helpers: LocalWorkers) -> RunSummary:
        search = self.experiment.search
        n_obj = 1 if search.objective.second == "none" else 2
        direction = search.objective.resolved_direction
        started = time.monotonic()
        storage, study, experiment_id = self._open_study(store, n_obj)
        if self.project.baseline.program is not None:
            # programs a dead TuneStudio process left running: stopped before their trials
            # are swept up and run again
            stopped = stop_orphans(programs_dir(self.project.id))
            if stopped:
                self.hooks.on_message(
                    f"stopped {len(stopped)} program trial(s) left running by a TuneStudio "
                    "process that ended without stopping them; they run again")
        self._sweep_stale(store, study, experiment_id)
        self._settle_rows(store, study, experiment_id)
        self._best = self._current_best(store, experiment_id, direction)
        # a plan of points needs the fingerprints of the trials run (an adaptive one, a count)
        stored = {r.optuna_trial_id: r.config_fingerprint for r in store.trials(experiment_id)
                  if r.optuna_trial_id is not None} \
            if finite_plan(search, self.project.baseline) is not None else None
        trials = self.options.trials if self.options.trials is not None \
            else search.budget.trials
        pbt = search.strategy == "pbt"
        if pbt:  # one population per run; one whose members wait in the queue goes on
            from tunestudio.search.pbt import population_trials

            trials = population_trials(self._checkpoints(), experiment_id,
                                       search.pbt.population,
                                       count_trials(study, (TrialState.WAITING,)))
        timeout = self.options.timeout_s if self.options.timeout_s is not None \
            else search.budget.timeout_s
        queue = plan_queue(study, search, self.project.baseline, trials, stored,
                           excluded=store.excluded_optuna_ids(experiment_id)) if self.queue \
            else Queue([], None)
        # The queue holds a few trials ahead of those training (search/queue.py): every read
        # of the queue costs per waiting trial, and Optuna's cache re-reads each waiting trial
        # at every read of the study (two per trial asked, one per trial told). The run tops
        # the queue up before each trial it pops itself, fused rounds included, so it keeps
        # none waiting for its own; local worker processes, which pop a fused group's worth at
        # once, find their share waiting when they start; a remote worker that pops it dry
        # doubles what is kept (Feeder).
        workers = self.options.workers
        ahead = 2 * workers * (self.fuse.cap if self._fusing and self.fuse is not None else 1) \
            if workers > 1 else MIN_AHEAD
        if self.queue:  # the count this run's processes claim from, whatever already waits
            self._close_dead_budgets(store, experiment_id)
            self._budget_id = store.open_run_budget(experiment_id, queue.total, worker_tag())
            helpers.tell_budget(self._budget_id)
        feeder = self._feeder = Feeder(study, storage, queue, ahead,
                                       on_all_queued=helpers.close_queue)
        feeder.top_up()
        total = queue.total
        deadline = started + timeout if timeout else None
        beat = self._heartbeat = Heartbeat(
            storage, sweep=lambda: self._sweep_stale(store, study, experiment_id))
        ctx = TrialContext(
            study=study, store=store, experiment_id=experiment_id, search=search,
            baseline=self.project.baseline,
            distributions=distributions(search, self.project.baseline),
            base_dir=self.base_dir, device=self.options.device, hooks=self.hooks,
            stop_event=self.stop_event, pause_event=self.pause_event, fit=self.fit,
            heartbeat=beat, best=lambda: self._best, checkpoints=self._checkpoints(),
            git=RunGitState(self.base_dir),
            program_files=programs_dir(self.project.id)
            if self.project.baseline.program is not None else None,
            slot=self._slot(),
        )
        for data, splits in self._preflight_splits:  # read once, by the preflight
            ctx.data.put(data, self.base_dir, splits)
        self._preflight_splits.clear()
        self.hooks.on_run_start(total)
        helpers.listen(self.hooks.on_other_trial_end)  # its workers' trials, in its progress
        if self.options.workers_note and self.options.workers > 1:
            self.hooks.on_message(self.options.workers_note)
        beat.start()
        feeder.start()
        if pbt and self.options.workers > 1:  # one fused population, in this process
            self.hooks.on_message("population-based training trains its population as one "
                                  "fused model in one process; --workers is ignored")
        counts: Counter[str] = Counter()
        message = ""
        streak = FailureStreak()
        halted: list[str] = []  # why the run stopped itself (its first trials failed alike)
        # Bookkeeping (sampling the next trial, telling Optuna, finishing rows) runs on one
        # thread of its own, overlapping training: trial k+1 is sampled while trial k trains,
        # and trial k is told while trial k+1 trains. FIFO order keeps every sample informed
        # by all trials but the one in flight, as with two parallel workers.
        books = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tunestudio-books")
        # Alone, the next trial is popped while this one trains; beside other processes
        # (--workers N, a worker process) it is popped only once this one is done, or this
        # process would hold a trial that an idle one could be training.
        alone = self.queue and self.options.workers <= 1
        unbounded = total is None and self.queue
        index = 0

        def prepare_next() -> Future[Prepared | None]:
            return books.submit(self._prepare, ctx, study, storage, unbounded, index + 1, total)

        def tally(finished: TrialFinished) -> None:
            counts[finished.state] += 1
            reason = streak.add(finished.state, finished.message)
            if reason is not None:
                halted.append(reason)
                self.stop_event.set()  # the running trial (failing alike, most likely) ends
            self._note_best(finished, direction)
            self.hooks.on_trial_end(replace(finished, best_objective=self._best))

        # a worker plans no queue: its fused rounds are its share of its run's
        planned = total if self.queue else self.options.run_trials
        grouped, ask_size = (None, 1) if pbt else \
            self._group_training(ctx, books, tally, planned)
        if grouped is None and self._fusing and self.project.baseline.program is None:
            # it might have fused, but trains one trial at a time: each builds a torch
            # optimiser, whose first one imports torch._dynamo (about 1 s), paid now rather
            # than inside the search; fused groups never build one (Trial.optimizer)
            from tunestudio.engine.runtime import warm_optimizers

            warm_optimizers()
        upcoming: Future[Prepared | None] | None = prepare_next() \
            if grouped is None and not pbt else None
        finishing: list[Future[TrialFinished]] = []
        ruled: str | None = None
        try:
            if pbt:  # one population, one fused group: the loop below has nothing to run
                from tunestudio.search.pbt import run_population

                message = run_population(
                    ctx, books, tally, self.hooks.on_message, total=total,
                    ask=lambda i: self._prepare(ctx, study, storage, unbounded, i, total),
                    release=lambda p: self._release(ctx, p, storage))
            elif grouped is not None:  # fused groups: the loop below has nothing to run
                from tunestudio.search.groups import run_groups

                message = run_groups(
                    ctx, grouped, size=ask_size, total=planned,
                    ask=lambda i: self._prepare(ctx, study, storage, unbounded, i, total),
                    release=lambda p: self._release(ctx, p, storage), deadline=deadline,
                    pause=self._wait_while_paused,
                    idle_wait=lambda i: self._idle_wait(study, i, store, experiment_id),
                    should_stop=lambda: self._stop_rule(store, experiment_id, direction, (),
                                                        grouped.wait))
                grouped.wait()
                ruled = message if message.startswith(STOP_RULE) else None
            while upcoming is not None and not self.stop_event.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    message = "time budget spent"
                    break
                ruled = self._stop_rule(store, experiment_id, direction, finishing)
                if ruled is not None:
                    message = ruled
                    break
                self._wait_while_paused()
                if self.stop_event.is_set():
                    break
                prepared = upcoming.result()
                upcoming = None
                if prepared is None:
                    if self._idle_wait(study, index, store, experiment_id):
                        upcoming = prepare_next()
                    continue
                index += 1
                if prepared.finished is not None:  # invalid: already recorded
                    tally(prepared.finished)
                    upcoming = prepare_next()
                    continue
                run = start(ctx, prepared, index, total)
                if alone:
                    upcoming = prepare_next()
                results = train(ctx, run)
                finishing.append(books.submit(finish, ctx, run, results))
                finishing[-1].add_done_callback(lambda done: tally(done.result()))
                if not alone:
                    upcoming = prepare_next()
            if upcoming is not None:
                self._release(ctx, upcoming.result(), storage)
            helpers.close_queue()  # this run queues no more: idle workers end
            books.shutdown(wait=True)
            for done in finishing:
                done.result()  # a bookkeeping failure (e.g. the database went away) surfaces
            if ctx.checkpoints is not None:  # after each trial it judged among fewer trials
                apply_retention(ctx.checkpoints, study)
            # A worker its run spawned (queue_closed) ends now: its run waits for the last
            # trials and says the final best (the worker's own outcome is only counted), and
            # the worker waiting on as well kept the run waiting for it up to OTHERS_POLL_S
            if not self.stop_event.is_set() and not message and self.queue_closed is None:
                self._wait_for_others(store, study, experiment_id, helpers)
        finally:
            books.shutdown(wait=True)
            feeder.stop()
            if self.queue and self._budget_id is not None:
                # its workers (here and elsewhere) claim no more; what waits, waits for the
                # next run (a database gone meanwhile: the run's own error says so, and the
                # next run on this host closes the count)
                with contextlib.suppress(StoreError):
                    store.close_run_budget(self._budget_id)
            beat.stop()
            helpers.finish(stopped=self.stop_event.is_set())
        best = self._best_current(store, experiment_id, direction)
        summary = RunSummary(
            experiment=self.experiment.name, study_name=study.study_name,
            storage_url=self.url, counts=helpers.whole_counts(counts),
            best_trial_id=best.id if best else None, best_number=best.number if best else None,
            best_objective=best.objective if best else None,
            best_params=dict(best.params) if best else {},
            duration_s=time.monotonic() - started,
            stopped=self.stop_event.is_set() and not halted,
            message=(halted[0] if halted else message
                     or ("stopped" if self.stop_event.is_set() else "done")),
            halted=bool(halted),
            stop_rule=(self._stop_reason or ruled[len(STOP_RULE):]) if ruled else None,
            fusing=self._fusing_line,
        )
        self.hooks.on_run_end(summary)
        return summary

    @property
    def stop_rules(self) -> StopRules:
        """The rules that stop this run: the run's own (`RunOptions.stop`), else the
        experiment's."""
        return self.options.stop or self.experiment.search.stop

    def _stop_rule(self, store: Store, experiment_id: int, direction: str,
                   finishing: Sequence[Future[TrialFinished]],
                   recorded: Callable[[], None] = lambda: None) -> str | None:
        """The run's closing message when one of the stop rules holds (None: go on), judged
        from the history every process shares, after the trials this process ran are
        recorded (`finishing`, or `recorded()` waits for them); says where the rules stand."""
        rules = self.stop_rules
        if not rules.active:
            return None
        recorded()
        for done in finishing:
            done.result()  # this process's last trial counts before the next one starts
        check = check_stop(rules, store.trials(experiment_id), direction,  # type: ignore[arg-type]
                           store.now())
        self.hooks.on_stop_progress(check.progress)
        if check.reason is None:
            return None
        self.hooks.on_message(f"stop rule: {check.reason}")
        self._stop_reason = check.reason  # the message itself: the window translates it
        return STOP_RULE + check.reason

    def _checkpoints(self) -> CheckpointPlan | None:
        """Checkpoints are kept for the engine's fits (a benchmark's stand-in has no model)."""
        if not self.project.checkpoints.enabled or self.fit is not train_with_engine:
            return None
        return CheckpointPlan.for_project(self.project)

    def _group_training(self, ctx: TrialContext, books: ThreadPoolExecutor,
                        tally: Callable[[TrialFinished], None], total: int | None
                        ) -> tuple[GroupTraining | None, int]:
        """The fused-groups trainer of this run and how many trials it asks at once, or None
        to train one trial at a time (the reason is said when the experiment asked to fuse;
        `--fuse auto` says what it chose and why, see `choose_fusing`)."""
        if self.fuse is None or not self.fuse.enabled:
            return None, 1
        from tunestudio.search.groups import GroupTraining, choose_fusing, run_alone_reason

        reason = run_alone_reason(ctx)
        if reason is not None:
            if self.fit is train_with_engine:
                self.hooks.on_message(reason)
            return None, 1
        choice = choose_fusing(ctx, self.fuse, total)
        self._fusing_line = choice.line
        if choice.line is not None:
            self.hooks.on_message(choice.line)
        if choice.size <= 1:
            assert self._alone_sampler is not None
            ctx.study.sampler = self._alone_sampler()
            if not choice.fused_pass:
                return None, 1
            # one at a time as groups of one on the fused MLP pass, no slower than the loop
            return GroupTraining(ctx, books, tally, self.hooks.on_message, choice.auto, 1), 1
        return GroupTraining(ctx, books, tally, self.hooks.on_message, choice.auto,
                             choice.members), choice.size

    def _prepare(self, ctx: TrialContext, study: optuna.Study,
                 storage: optuna.storages.RDBStorage, unbounded: bool, index: int,
                 total: int | None) -> Prepared | None:
        while True:
            if self._feeder is not None:
                self._feeder.top_up()
            trial = self._next_trial(study, storage, unbounded, ctx.heartbeat)
            if trial is None:
                return None
            with self._claimed_lock:
                claim = self._claimed.get(optuna_id(trial), UNBUDGETED)
            attrs: dict[str, object] = {WORKER_ATTR: worker_tag()}
            # Beside other processes, a sweep of theirs that finds this one dead and queues its
            # trial again gives the trial back to its run's count (a run alone dies with its
            # count: the next run closes it)
            marked = claim != UNBUDGETED and not (self.queue and self.options.workers <= 1)
            if marked:
                attrs[BUDGET_ATTR] = claim
            try:  # the attributes are written with the trial's parameters, or none of them
                return prepare(ctx, trial, index, total, attrs)
            except optuna.exceptions.UpdateFinishedTrialError:
                # another process found it dead in the meantime (and queued its point again)
                ctx.heartbeat.release(optuna_id(trial))
                if not (marked and _budget_marked(storage, optuna_id(trial))):
                    self._give_back(optuna_id(trial))  # else the sweep that took it did
                self.hooks.on_message(f"trial #{trial.number} was taken for dead by another "
                                      "process before it started; this process goes on")

    def _release(self, ctx: TrialContext, prepared: Prepared | None,
                 storage: optuna.storages.RDBStorage) -> None:
        """A trial sampled for a run that then stopped goes back to the queue with its values,
        for the next run to train."""
        if prepared is not None and prepared.finished is None:
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                if storage.set_trial_state_values(optuna_id(prepared.trial),
                                                  TrialState.WAITING):
                    self._give_back(optuna_id(prepared.trial))
            ctx.heartbeat.release(optuna_id(prepared.trial))

    def _next_trial(self, study: optuna.Study, storage: optuna.storages.RDBStorage,
                    unbounded: bool, heartbeat: Heartbeat) -> optuna.Trial | None:
        """Pop a queued trial atomically; only a time-bounded run creates new ones. The oldest
        waiting trials are found by their ids (search/queue.py), claimed one by one, and the
        claimed one made known to the study's cached storage (a trial another process queued
        is unknown to that cache and its first suggest would fail with a KeyError). The study's
        per-thread trial cache is cleared, as `Study.ask` clears it, so the sampler's cached
        reads for this trial (TPE's search space, its startup count) read once, afresh. The
        popped trial is held by `heartbeat` from this moment until it is told."""
        study._thread_local.cached_all_trials = None
        while True:
            ids = waiting_ids(storage, study._study_id, 8)
            if ids is None:  # an Optuna whose tables we do not know: through its cache
                ids = [t._trial_id for t in study._get_trials(
                    deepcopy=False, states=(TrialState.WAITING,), use_cache=True)]
            if not ids:
                break
            claim = self._claim()  # one trial of the run's count, before popping one
            if claim is None:  # the run started all it may: what waits is a later run's
                self._say_waiting_for_a_run()
                return None
            for trial_id in ids:
                # beaten before it is RUNNING: a trial that ran before (resumed, or queued
                # again) carries its earlier holder's last beat, and a sweep must never see it
                heartbeat.touch(trial_id)
                try:
                    started = start_waiting(storage, trial_id)  # atomic: one process wins
                    if started is None:  # pragma: no cover - an Optuna we do not know
                        started = storage.set_trial_state_values(trial_id, TrialState.RUNNING)
                    if started:
                        heartbeat.claim(trial_id, beaten=True)  # touched a moment ago
                        with self._claimed_lock:
                            self._claimed[trial_id] = claim
                            if len(self._claimed) > CLAIMS_KEPT:  # the oldest started long ago
                                del self._claimed[next(iter(self._claimed))]
                        know_trial(study, trial_id)
                        return optuna.Trial(study, trial_id)
                except optuna.exceptions.UpdateFinishedTrialError:
                    continue
            self._return_claim(claim)  # others took every trial we saw
            if len(ids) < 8:  # another process may have taken all we saw: look again
                break
        if not unbounded:
            return None
        trial = study.ask()
        heartbeat.claim(optuna_id(trial))
        return trial

    def _claim(self) -> int | None:
        """One trial from the run's count (store/budgets.py), or None: start none. A worker its
        run spawned claims nothing before the run has told it its count's id; a runner whose
        study is not open on a store (a test popping by hand) pops what is queued."""
        if self._store is None:
            return UNBUDGETED
        budget = self._budget_id
        if budget is None and isinstance(self.queue_closed, RunPipe):
            budget = self._budget_id = self.queue_closed.budget_id
            if budget is None:
                return None
        return self._store.claim_trial(self._experiment_id, budget)

    def _say_waiting_for_a_run(self) -> None:
        """A worker started by hand found trials queued but no open run to start them for:
        said once, since it ends (or waits) without training them."""
        if self.queue or isinstance(self.queue_closed, RunPipe) or self._said_no_run:
            return
        self._said_no_run = True
        self.hooks.on_message("trials wait in the queue, but no run of this experiment is "
                              "going on: a worker trains only a run's trials (`tunestudio run` "
                              "starts those waiting first)")

    def _return_claim(self, claim: int) -> None:
        if self._store is not None:
            self._store.give_back_trial(claim)

    def _give_back(self, trial_id: int) -> None:
        """The popped trial went back to the queue: its run may start another."""
        with self._claimed_lock:
            claim = self._claimed.pop(trial_id, None)
        if claim is not None:
            self._return_claim(claim)

    @staticmethod
    def _give_back_to(store: Store, claim: object) -> None:
        """A trial another process had claimed went back to the queue (`claim`: its
        BUDGET_ATTR, None where it was claimed from no run's count)."""
        if isinstance(claim, int) and claim != UNBUDGETED:
            store.give_back_trial(claim)

    def _close_dead_budgets(self, store: Store, experiment_id: int) -> None:
        """Runs of this host whose process ended without closing their count (killed) are
        closed: their trials left waiting are the next run's."""
        for budget_id, owner in store.open_run_budgets(experiment_id):
            if owner_is_gone(owner):
                store.close_run_budget(budget_id)

    def _idle_wait(self, study: optuna.Study, ran: int, store: Store,
                   experiment_id: int) -> bool:
        """A worker started before the run that queues its trials waits for them: one its run
        spawned, until that run closes its queue; one started by hand (`--wait`), while a run
        of the experiment is open (its count in the store: the run queues a few trials ahead
        of those training, so an empty queue does not mean it is done), else until it has run
        one or others are training; never more than `idle_wait_s` idle at a stretch (a run
        killed outright leaves its count open)."""
        closed = self.queue_closed
        if closed is not None and not closed.is_set():
            if self.stop_event.is_set():
                return False
            closed.wait(QUEUE_POLL_S)  # wakes at once when the run closes the queue
            return True
        wait = self.options.idle_wait_s
        if wait <= 0:
            return False
        if ran != self._idle_ran:  # it ran trials since it last waited: idle from now
            self._idle_ran, self._idle_since = ran, None
        runs = [b for b, _ in store.open_run_budgets(experiment_id) if b != self._budget_id]
        if not runs and (ran > 0 or count_trials(study, (TrialState.RUNNING,))):
            return False
        if self._idle_since is None:
            self._idle_since = time.monotonic()
        if time.monotonic() - self._idle_since > wait or self.stop_event.is_set():
            return False
        time.sleep(0.5)
        return True

    def _wait_while_paused(self) -> None:
        while self.pause_event.is_set() and not self.stop_event.is_set():
            time.sleep(0.05)

    def _note_best(self, finished: TrialFinished, direction: str) -> None:
        value = finished.objective
        if finished.state != "complete" or value is None:
            return
        if self._best is None or (value > self._best if direction == "maximize"
                                  else value < self._best):
            self._best = value

    def _best_current(self, store: Store, experiment_id: int, direction: str
                      ) -> TrialRow | None:
        """The best complete trial trained on the current config: one trained on an older
        baseline is no result of this experiment as it stands. From the verdicts kept with
        the trials (those not judged against this baseline judged first): one indexed query,
        not a read of every trial (seconds for a history of 100,000)."""
        current = CurrentConfig(self.project.baseline)
        current.settle(store, experiment_id)
        return store.best_trial(experiment_id, direction,  # type: ignore[arg-type]
                                current.baseline_fingerprint)

    def _current_best(self, store: Store, experiment_id: int, direction: str) -> float | None:
        best = self._best_current(store, experiment_id, direction)
        return best.objective if best else None

    def _wait_for_others(self, store: Store, study: optuna.Study, experiment_id: int,
                         helpers: LocalWorkers) -> None:
        """The queue is empty but other processes may still be training: wait for them, so
        that every process of a run ends with the same, final best trial. It looks again every
        OTHERS_POLL_S, and at once when one of this run's own worker processes ends a trial or
        ends (`helpers`): a run of two processes waited up to half a second for its worker's
        last trial after it ended."""
        while not self.stop_event.is_set():
            self._sweep_stale(store, study, experiment_id)
            # Optuna's state: a process that popped a fused group from the queue holds its
            # trials RUNNING there before it writes their rows here
            if not count_trials(study, (TrialState.RUNNING,)) and \
                    not self._settle_rows(store, study, experiment_id):
                return
            helpers.wait_for_news(OTHERS_POLL_S)

    def _sweep_stale(self, store: Store, study: optuna.Study, experiment_id: int) -> None:
        """Trials held by a process that died become interrupted (a crash, not a property of
        the config). The one judge is liveness.py's: a trial whose owner process on this host
        no longer exists goes back to the queue at once, in place, to resume from its
        checkpoint (it fails, without checkpoints); elsewhere, Optuna's `fail_stale_trials`
        fails a trial without a heartbeat for `stale_after_s()` and queues its point again."""
        assert self._storage is not None
        plan = self._checkpoints()
        # a program trial keeps its checkpoint folder under its Optuna trial id: it runs again
        again = TrialState.WAITING if plan is not None \
            or self.project.baseline.program is not None else TrialState.FAIL
        gone: list[int] = []
        for trial_id, owner in self._running_owners(study).items():
            if isinstance(owner, str) and owner_is_gone(owner):
                with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                    if self._storage.set_trial_state_values(trial_id, again):
                        gone.append(trial_id)
        if self._heartbeat is not None:
            self._heartbeat.beat_now()  # alive, as this sweep shows
        stale = fail_stale(study)
        for trial_id in stale:
            if plan is not None:  # its point runs again as a new trial, from the start
                discard_working_files(plan, trial_id)
        # each trial back in the queue (in place, or its point as a new trial) runs again in
        # the count of the run it was taken for
        back = [*(gone if again == TrialState.WAITING else []), *stale]
        claims = user_attr_of(self._storage, back, BUDGET_ATTR) if back else {}
        if claims is None:  # pragma: no cover - an Optuna whose tables we do not know
            claims = {i: self._storage.get_trial(i).user_attrs.get(BUDGET_ATTR) for i in back}
        for claim in claims.values():
            self._give_back_to(store, claim)
        notes = {**dict.fromkeys(gone, "interrupted: the process running it ended without "
                                 "finishing it"),
                 **dict.fromkeys(stale, f"interrupted: no heartbeat for more than "
                                 f"{stale_after_s()} s (the process running it stopped or lost "
                                 "the database); its point was queued again")}
        for trial_id, note in notes.items():
            row = store.trial_of_optuna(experiment_id, trial_id)
            if row is not None and row.state == "running":
                store.interrupt_trial(row.id, note)

    def _running_owners(self, study: optuna.Study) -> dict[int, object]:
        """The study's running trials (Optuna ids) and the process holding each (its
        WORKER_ATTR; None when not written yet), found through the index and one read of
        that attribute (a read of the study would bring back every queued trial and, the
        first time, the whole history; a read of each trial, its every report)."""
        assert self._storage is not None
        ids = trial_ids(self._storage, study._study_id, TrialState.RUNNING)
        owners = user_attr_of(self._storage, ids, WORKER_ATTR) if ids is not None else None
        if ids is None or owners is None:  # pragma: no cover - an Optuna we do not know
            return {t._trial_id: t.user_attrs.get(WORKER_ATTR) for t in
                    study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
        return {i: owners.get(i) for i in ids}

    def _settle_rows(self, store: Store, study: optuna.Study, experiment_id: int) -> int:
        """Our rows still 'running' whose Optuna trial is no longer held (told, or back in the
        queue): their process is writing the outcome, or died between telling Optuna and
        writing it. A row of a process on this host that no longer exists, or one whose trial
        was told more than `stale_after_s()` ago, becomes interrupted. Returns how many rows
        are still being written."""
        if not store.counts(experiment_id).get("running"):
            return 0
        assert self._storage is not None
        pending = 0
        objective = self.experiment.search.objective.metric
        for row in store.trials(experiment_id, states=("running",)):
            frozen = self._storage.get_trial(row.optuna_trial_id) \
                if row.optuna_trial_id is not None else None
            if frozen is None or frozen.state == TrialState.RUNNING:
                continue
            owner = frozen.user_attrs.get(WORKER_ATTR)
            told = frozen.datetime_complete
            if (isinstance(owner, str) and owner_is_gone(owner)) or frozen.state == \
                    TrialState.WAITING or (told is not None and (datetime.now() - told)
                                           .total_seconds() > stale_after_s()):
                if not recover_row(store, row.id, frozen, objective):
                    store.interrupt_trial(row.id, "interrupted: the process running it ended "
                                          "before it recorded the outcome")
            else:
                pending += 1
        return pending

    # -- local worker processes --------------------------------------------------------------
    def _slot(self) -> Slot:
        """This process's slot: the run's own is slot 0 of its `workers`; a worker's, the one
        its run gave it (SLOT_ENV), else the only one."""
        return Slot(0, max(1, self.options.workers)) if self.queue else Slot.from_env()

    def _spawn_workers(self) -> LocalWorkers:
        """The run's other processes (`local_workers.helper_count`), started before this run
        opens its store: each waits for the trials this run queues. None for a remote worker
        or a run without a project file (the workers read it)."""
        search = self.experiment.search
        trials = self.options.trials if self.options.trials is not None \
            else search.budget.trials
        extra = helper_count(self.options.workers, strategy=search.strategy, trials=trials)
        if extra <= 0 or self.project_path is None or not self.queue:
            return LocalWorkers()
        try:
            return LocalWorkers.spawn(worker_command(
                self.project_path, self.experiment.name, self.url, device=self.options.device,
                tensorboard_dir=self.options.tensorboard_dir,
                stop_rules_json=self.options.stop.model_dump_json()
                if self.options.stop is not None else None,
                fuse=self.options.fuse, run_trials=trials), extra)
        except OSError as exc:  # no process could be started (memory, a process limit)
            from tunestudio.errors import TuneStudioError

            if not self.options.workers_note:  # asked for by number: the user decides
                raise TuneStudioError(
                    f"could not start the worker processes of {self.options.workers} workers: "
                    f"{exc}; train with 1 worker") from None
            self.hooks.on_message(AUTO_ALONE_LINE.format(error=str(exc)))
            self.options = replace(self.options, workers=1, workers_note="")
            return LocalWorkers()


def check_experiment(project: Project, name: str | None) -> str:
    """The experiment a command means (see `Project.experiment_name`)."""
    return project.experiment_name(name)


def _budget_marked(storage: optuna.storages.RDBStorage, trial_id: int) -> bool:
    """Whether the trial's row carries its run's count (BUDGET_ATTR, written with its
    parameters: all or none), which a sweep that takes it for dead gives back."""
    try:
        return BUDGET_ATTR in storage.get_trial_user_attrs(trial_id)
    except Exception:  # the database went away: the run's next write says so
        return False
