"""An experiment of strategy 'pbt': one population trained as one fused group, perturbed by
`engine.pbt.Population`, or, where its members cannot fuse (data batched through a
DataLoader, a model torch.func cannot map over trials), as lone trials trained one interval at
a time that exchange checkpoints at each perturbation (`engine.pbt_lone.LonePopulation`): the
same decisions, records, lineage and resume. Each member is an ordinary trial (Optuna's and
ours, its first values drawn at random from the ranges) whose hyperparameters change while it
trains: its starting values and every exploit are stored (`Store.record_hparams`: which
member, at which step, from which source, the values before and after), so its schedule and
the population's lineage can be read back; its LR series is the rate each step trained with,
as for any trial.

Resume: at the end of each epoch (every `checkpoints.every_epochs`, at most every
`checkpoints.min_interval_s` seconds) the whole population is saved as one checkpoint file
(engine.pbt.capture_population; of lone members, each one's trial checkpoint), written
atomically after the series and exploits before it are stored. A run that finds its members
back in the queue (killed, or stopped) puts that file back and goes on from its epoch; the
exploits after it are forgotten with the series after it (`Store.resume_trial`), and are
decided again as the uninterrupted run decided them (each perturbation's draws are seeded by
the step). No exploit is applied or stored twice.

With `pbt.prune` on, a member pruned as hopeless (engine.pbt) ends as an ordinary pruned trial
whose message names the rule; its series and exploits stay. The population file carries each
pruned member's outcome and every member's run in the worst quantile: a member pruned before
the checkpoint stays pruned on resume (ended again with its outcome, untrained, if the kill
came before its end was recorded), and the later pruning decisions are the uninterrupted
run's."""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tunestudio.config import Project, RunConfig
from tunestudio.config.search import pbt_ranges
from tunestudio.engine import FitResult, TrainerHooks
from tunestudio.errors import TuneStudioError
from tunestudio.search.artifacts import CheckpointPlan
from tunestudio.search.events import TrialFinished, TrialStarted
from tunestudio.search.groups import GROUP_ATTR
from tunestudio.search.round_asks import ask_valid
from tunestudio.search.trial_run import (
    Prepared,
    Training,
    TrialContext,
    _device_name,
    _trial_device,
    _TrialHooks,
    finish,
    optuna_id,
)
from tunestudio.store import HparamChange, SeriesWriter
from tunestudio.store.lineage import Lineage, Member

if TYPE_CHECKING:
    from tunestudio.engine.fused import FusedTrainer
    from tunestudio.engine.fused.kernel import StackKernel
    from tunestudio.engine.pbt import Exploit, Population, Prune
    from tunestudio.engine.trial import Trial


# the population file's kind when its members trained as lone trials (each member's state a
# whole trial checkpoint, engine.checkpoint.capture), beside engine.pbt's fused "population"
LONE_KIND = "lone-population"


def population_file(ctx: TrialContext) -> Path | None:
    """Where the experiment's population keeps its checkpoint (None: checkpoints are off)."""
    return population_path(ctx.checkpoints, ctx.experiment_id)


def population_path(plan: CheckpointPlan | None, experiment_id: int) -> Path | None:
    """The population checkpoint of an experiment (by its store id) under `plan`'s running
    folder; None without checkpoints."""
    return None if plan is None else plan.running / f"population-{experiment_id}.pt"


def population_trials(plan: CheckpointPlan | None, experiment_id: int, population: int,
                      waiting: int) -> int:
    """Trials a run of the experiment starts: the `waiting` members of an interrupted
    population (it resumes; a member that ended meanwhile is not replaced, none is queued),
    else a population (a checkpoint left without members waiting is removed)."""
    path = population_path(plan, experiment_id)
    if path is not None and path.exists():
        if waiting > 0:
            return waiting
        path.unlink(missing_ok=True)
    return population


class _SavePopulation(TrainerHooks):
    """Saves the population at the end of an epoch, once (whichever member's hook runs
    first), every `every_epochs` epochs and at most every `min_interval_s` seconds; the
    members' series are written first, so the checkpoint is never ahead of them."""

    def __init__(self, path: Path, save: Callable[[int], None], every_epochs: int,
                 min_interval_s: float):
        self.path, self.save = path, save
        self.every_epochs, self.min_interval_s = every_epochs, min_interval_s
        self._done = -1
        self._last = -float("inf")

    def needs_state(self, trainer: Trial, epoch: int) -> bool:
        return False  # it reads the stacked rows, not the member's own model

    def on_epoch_end(self, trainer: Trial, epoch: int) -> None:
        if epoch == self._done:
            return
        self._done = epoch
        if (epoch + 1) % self.every_epochs or time.monotonic() - self._last < \
                self.min_interval_s:
            return
        self.save(epoch + 1)
        self._last = time.monotonic()


class _Member(_TrialHooks):
    """A member's hooks: a trial's series and observers, and its bookkeeping when it ends."""

    def __init__(self, ctx: TrialContext, run: Training,
                 ended: Callable[[Training, FitResult], None]):
        super().__init__(ctx, run.trial_id, run.writer, 0, None)
        self.run, self.ended = run, ended

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        self.ended(self.run, result)


class PopulationRun:
    """One population of an experiment (see the module docstring), trained on the calling
    thread; each member's bookkeeping (Optuna told, row finished) runs on `books`."""

    def __init__(self, ctx: TrialContext, books: ThreadPoolExecutor,
                 tally: Callable[[TrialFinished], None], say: Callable[[str], None]):
        self.ctx, self.books, self.tally, self.say = ctx, books, tally, say
        self.finishing: list[Future[TrialFinished]] = []
        self.path = population_file(ctx)
        self.results: list[FitResult] = []  # of the members ended so far
        self.runs: list[Training] = []
        self.keys: list[str] = []
        self.seed: int | None = None
        self.trainer: FusedTrainer | None = None
        self.population: Population | None = None
        # key -> the outcome of each member pruned (engine.pbt.Prune), as the file carries it
        self.pruned: dict[str, dict[str, Any]] = {}
        self._last_save = -float("inf")  # when the lone members' checkpoints were saved

    def run(self, ask: Callable[[int], Prepared | None],
            release: Callable[[Prepared], None], total: int | None) -> str:
        """Ask the population's members, train them, finish them; the run's closing message
        ("" when it ran to its end)."""
        ctx = self.ctx
        if ctx.baseline.program is not None:
            raise TuneStudioError(
                "population-based training copies a member's weights and optimiser state into "
                "another while both train, and changes its hyperparameters mid-run; a "
                "program's trial is a process of its own whose training state TuneStudio "
                "cannot stop at a step, copy or change: search a program with tpe or random, "
                "or train a built-in baseline")
        if ctx.baseline.hyper_schedule:
            raise TuneStudioError("the baseline follows a hyperparameter schedule "
                                  "(baseline.hyper_schedule, a schedule written back), and "
                                  "population-based training makes its own: empty "
                                  "baseline.hyper_schedule to run a population")
        members: list[Prepared] = []
        index = 0
        while len(members) < ctx.search.pbt.population:
            prepared, index = ask_valid(ask, index, self.tally, ctx.stop_event)
            if prepared is None:
                break
            members.append(prepared)
        if ctx.stop_event.is_set() or not members:
            for prepared in members:
                release(prepared)
            return ""
        self.train(members, total)
        for done in list(self.finishing):
            done.result()
        return ""

    # --- training -----------------------------------------------------------------------------

    def train(self, members: list[Prepared], total: int | None) -> None:
        """Train the population: fused where its signature allows, else (data through a
        DataLoader, a model torch.func cannot map, ...) as lone trials exchanging
        checkpoints; one that saved a checkpoint goes on from it, as it trained."""
        from tunestudio.engine.fused import FusionError, fusion_obstacle
        from tunestudio.engine.pbt import Population

        ctx = self.ctx
        asked = [str(optuna_id(p.trial)) for p in members]
        saved, note = self._saved(asked)
        seed = saved["seed"] if saved is not None else (
            ctx.search.sampler_seed if ctx.search.sampler_seed is not None
            else random.SystemRandom().randrange(2 ** 31))
        step = int(saved["step"]) if saved is not None else 0
        self.pruned = dict(saved.get("pruned", {})) if saved is not None else {}
        # pruned before the checkpoint, asked again (the kill came before their end was
        # recorded): they end again as they ended, untrained, with the message they had
        ended = [self._start(p, i + 1, total, int(self.pruned[k]["steps"]), "")
                 for i, (k, p) in enumerate(zip(asked, members, strict=True))
                 if k in self.pruned]
        training = [(i, k, p) for i, (k, p) in enumerate(zip(asked, members, strict=True))
                    if k not in self.pruned]
        keys = [k for _, k, _ in training]
        configs: list[RunConfig] = []
        for _, key, prepared in training:
            assert prepared.config is not None
            configs.append(RunConfig.model_validate_json(saved["members"][key]["config_json"])
                           if saved is not None else prepared.config)
        runs = [self._start(p, i + 1, total, step, note) for i, _, p in training]
        group_id = uuid.uuid4().hex[:12]
        self.books.submit(self._record_group, [*runs, *ended], group_id)
        for run in ended:
            self._ended(run, FitResult(**self.pruned[self._key(run)]))
        if not training:  # every member asked had been pruned: the population is done
            if self.path is not None:
                self.path.unlink(missing_ok=True)
            return
        self.runs = runs
        metric = ctx.search.objective.metric
        population = Population(ctx.search.pbt, pbt_ranges(ctx.search), metric,
                                ctx.search.objective.resolved_direction, seed=seed,
                                on_exploit=self._record_exploits, on_prune=self._say_prunes)
        if saved is not None:  # each member's run in the worst quantile, as saved
            streaks = saved.get("streaks", {})
            population.streaks = {i: int(streaks.get(k, 0)) for i, k in enumerate(keys)}
        self.population = population
        hooks: list[list[TrainerHooks]] = [[_Member(ctx, run, self._ended)] for run in runs]
        self.keys, self.seed = keys, seed
        lone = fusion_obstacle(configs[0]) if saved is None else \
            ("they trained alone before their checkpoint" if saved["kind"] == LONE_KIND
             else None)
        if lone is None:
            try:
                self._train_fused(configs, hooks, population, saved)
            except FusionError as exc:  # raised by the set-up, before any member trained
                lone = str(exc)
        if lone is not None:
            self.say(f"pbt: the members cannot train as one fused model ({lone}); they train "
                     "as lone trials, one interval at a time, exchanging checkpoints")
            self._train_lone(configs, hooks, population, saved)
        interrupted = any(r.status == "stopped" for r in self.results)
        if not interrupted and self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()

    def _train_fused(self, configs: list[RunConfig], hooks: list[list[TrainerHooks]],
                     population: Population, saved: dict[str, Any] | None) -> None:
        """The population as one fused model (see engine.pbt)."""
        from tunestudio.engine.fused import FusedTrainer
        from tunestudio.engine.pbt import restore_population

        ctx, keys = self.ctx, self.keys
        plan = ctx.checkpoints
        if self.path is not None and plan is not None:
            saver = _SavePopulation(self.path, self._save, plan.settings.every_epochs,
                                    plan.settings.min_interval_s)
            hooks = [[*h, saver] for h in hooks]
        first = configs[0]
        self.trainer = FusedTrainer(
            configs, hooks=hooks, base_dir=ctx.base_dir,
            device=_device_name(ctx.device or first.training.device),
            seeds=[c.training.seed for c in configs],
            stop_event=ctx.stop_event, pause_event=ctx.pause_event,
            datasets=ctx.data.get(first.data, ctx.base_dir), perturbation=population,
            restore=(lambda kernel, trials: restore_population(kernel, trials, keys, saved))
            if saved is not None else None)
        self.trainer.fit()

    def _train_lone(self, configs: list[RunConfig], hooks: list[list[TrainerHooks]],
                    population: Population, saved: dict[str, Any] | None) -> None:
        """The population as lone trials exchanging checkpoints (see engine.pbt_lone)."""
        from tunestudio.engine.pbt_lone import LonePopulation

        ctx, plan = self.ctx, self.ctx.checkpoints
        first = configs[0]
        saving = self.path is not None and plan is not None
        self._last_save = -float("inf")
        LonePopulation(
            configs, population, hooks=hooks, base_dir=ctx.base_dir,
            device=_device_name(ctx.device or first.training.device),
            seeds=[c.training.seed for c in configs],
            stop_event=ctx.stop_event, pause_event=ctx.pause_event,
            datasets=ctx.data.get(first.data, ctx.base_dir),
            resume=[saved["members"][k] for k in self.keys] if saved is not None else None,
            save=self._save_lone if saving else None,
            save_every=plan.settings.every_epochs if plan is not None else 1).fit()

    def _saved(self, keys: Sequence[str]) -> tuple[dict[str, Any] | None, str]:
        """The population's checkpoint when it holds every member asked (those it holds and
        were not asked ended before it was killed), with the note for the members; else None
        (the population starts over, the file removed)."""
        from tunestudio.engine.checkpoint import CheckpointError
        from tunestudio.engine.pbt import load_population

        if self.path is None or not self.path.exists():
            return None, ""
        try:
            state = load_population(self.path)
        except CheckpointError as exc:
            self.path.unlink(missing_ok=True)
            return None, f"population started over: {exc}"
        if not set(keys) <= set(state["members"]) | set(state.get("pruned", {})):
            self.path.unlink(missing_ok=True)
            return None, "population started over: its checkpoint holds other members"
        return state, f"population resumed from its checkpoint at step {int(state['step'])}"

    def _start(self, prepared: Prepared, index: int, total: int | None, step: int,
               note: str) -> Training:
        """The member's row: a new one, or its interrupted one, cut after `step` (0: it starts
        over) with its hyperparameter changes."""
        ctx = self.ctx
        trial, config = prepared.trial, prepared.config
        assert config is not None
        device = _trial_device(ctx, config)
        earlier = ctx.store.trial_of_optuna(ctx.experiment_id, optuna_id(trial))
        if earlier is not None and earlier.config_fingerprint == prepared.fingerprint:
            trial_id = earlier.id
            ctx.store.resume_trial(trial_id, step, note)
        else:
            trial_id = ctx.store.start_trial(
                ctx.experiment_id, number=trial.number, optuna_trial_id=optuna_id(trial),
                params=prepared.params, config_json=config.model_dump_json(), device=device,
                seed=config.training.seed, repeats=1, config_fingerprint=prepared.fingerprint,
                environment=prepared.environment,
                baseline_fingerprint=ctx.baseline_fingerprint)
        if step == 0:
            from tunestudio.engine.pbt import member_values

            ctx.store.clear_hparams(trial_id)
            ctx.store.record_hparams([HparamChange(
                trial_id, 0, None, {},
                {k: float(v) for k, v in member_values(config, list(pbt_ranges(ctx.search)))
                 .items()})])
        ctx.hooks.on_trial_start(TrialStarted(trial_id, trial.number, prepared.params,
                                              config.training.seed, device, index, total,
                                              config=config,
                                              resumed_from_step=step or None, note=note))
        return Training(prepared, trial_id, index, total, time.perf_counter(),
                        SeriesWriter(ctx.store), None, None, note)

    def _record_group(self, runs: list[Training], group_id: str) -> None:
        import optuna

        self.ctx.store.set_group([r.trial_id for r in runs], group_id)
        for run in runs:
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                run.prepared.trial.set_user_attr(GROUP_ATTR, group_id)

    def _record_exploits(self, exploits: list[Exploit]) -> None:
        """Each exploit in the store at once, on the training thread: before the checkpoint
        that holds its outcome."""
        runs = self.runs
        self.ctx.store.record_hparams([HparamChange(
            runs[e.member].trial_id, e.step, runs[e.source].trial_id, dict(e.before),
            dict(e.after)) for e in exploits])
        for e in exploits:
            self.say(f"pbt: trial #{runs[e.member].prepared.trial.number} took the weights of "
                     f"#{runs[e.source].prepared.trial.number} at step {e.step}: "
                     + ", ".join(f"{k.rsplit('.', 1)[-1]} {v:.4g}" for k, v in e.after.items()))

    def _say_prunes(self, prunes: list[Prune]) -> None:
        runs = self.runs
        for p in prunes:
            self.say(f"pbt: trial #{runs[p.member].prepared.trial.number} pruned at step "
                     f"{p.step}: {p.message}")

    def _key(self, run: Training) -> str:
        """The member's name in the population file (its Optuna trial id)."""
        return str(optuna_id(run.prepared.trial))

    def _carried(self) -> dict[str, Any]:
        """What the population file carries besides the members' states: each pruned member's
        outcome, and each running member's run in the worst quantile, by key."""
        population = self.population
        streaks = {} if population is None else \
            {self.keys[i]: n for i, n in population.streaks.items()}
        return {"pruned": dict(self.pruned), "streaks": streaks}

    def _save(self, epochs_done: int) -> None:
        from tunestudio.engine.checkpoint import save
        from tunestudio.engine.pbt import capture_population

        trainer = self.trainer
        kernel: StackKernel | None = trainer.kernel if trainer is not None else None
        if trainer is None or kernel is None or self.path is None:
            return
        live = [m for m in kernel.rows if m is not None]
        if live:
            live[0].flush_steps()  # the loop's buffered steps reach the writers
        for run in self.runs:
            run.flush()
        try:
            save({**capture_population(kernel, trainer.members, self.keys, epochs_done,
                                       self.seed), **self._carried()}, self.path)
        except OSError as exc:  # a full disk costs the resume point, not the population
            self.say(f"pbt: the population's checkpoint could not be written ({exc})")

    def _save_lone(self, epochs_done: int, states: list[dict[str, Any] | None]) -> None:
        """The lone members' checkpoints at the end of epoch `epochs_done` (after that point's
        exploits, stored already) as one file, at most every `min_interval_s` seconds; their
        series are written first, so the file is never ahead of them."""
        from tunestudio.engine.checkpoint import save
        from tunestudio.engine.pbt import POPULATION_FORMAT

        plan = self.ctx.checkpoints
        if self.path is None or plan is None or \
                time.monotonic() - self._last_save < plan.settings.min_interval_s:
            return
        members = {self.keys[k]: state for k, state in enumerate(states) if state is not None}
        if not members:
            return
        for run in self.runs:
            run.flush()
        step = int(next(iter(members.values()))["step"])
        try:
            save({"format": POPULATION_FORMAT, "kind": LONE_KIND, "epoch": epochs_done,
                  "step": step, "seed": self.seed, "members": members, **self._carried()},
                 self.path)
        except OSError as exc:  # a full disk costs the resume point, not the population
            self.say(f"pbt: the population's checkpoint could not be written ({exc})")
            return
        self._last_save = time.monotonic()

    def _ended(self, run: Training, result: FitResult) -> None:
        self.results.append(result)
        if result.status == "pruned":  # the file carries it from its next save
            self.pruned[self._key(run)] = outcome(result)
        done = self.books.submit(finish, self.ctx, run, [result])
        done.add_done_callback(lambda f: self.tally(f.result()))
        self.finishing.append(done)


def outcome(result: FitResult) -> dict[str, Any]:
    """A member's FitResult as plain values (a population file is read with
    `weights_only=True`); `FitResult(**outcome(r))` gives it back, without its traceback and
    input normalisation."""
    return {"status": result.status, "message": str(result.message),
            "metrics": {k: float(v) for k, v in result.metrics.items()},
            "best": {k: float(v) for k, v in result.best.items()},
            "epochs": float(result.epochs), "steps": int(result.steps),
            "duration_s": float(result.duration_s), "device": str(result.device),
            "best_at": {k: {m: float(v) for m, v in at.items()}
                        for k, at in result.best_at.items()}}


def run_population(ctx: TrialContext, books: ThreadPoolExecutor,
                   tally: Callable[[TrialFinished], None], say: Callable[[str], None], *,
                   ask: Callable[[int], Prepared | None], release: Callable[[Prepared], None],
                   total: int | None) -> str:
    """Train the experiment's population (see `PopulationRun`); the run's closing message."""
    return PopulationRun(ctx, books, tally, say).run(ask, release, total)


# --- replaying a member's schedule -------------------------------------------------------------

@dataclass(frozen=True)
class ReplayResult:
    """A member's schedule replayed from scratch: the member's objective, each replay's (one
    per training seed), their mean and the noise between seeds (`seed_noise`), and whether
    the member's result lies within it. The member's objective is on the validation split,
    by which its population ranked and copied its members: it carries that selection's
    optimism, which a replay has not had (benchmarks/pbt.py compares on the test split)."""

    member: float
    replays: list[float]
    mean: float
    noise: float
    within_noise: bool


def replay_schedule(project: Project, population: Lineage, member: Member, metric: str,
                    seeds: Sequence[int], *, base_dir: Path | None = None,
                    device: str | None = None, floor: float = 0.005) -> ReplayResult:
    """Train the schedule of `member`'s lineage (`Lineage.schedule`: the values that trained
    its final weights, through the members it copied) from scratch on the project's baseline
    (its starting values merged in, then each change at its step; weights of its own), once
    per training seed in `seeds`, as one fused group (one after another where they cannot
    fuse); the best `metric` of each. Raises
    TuneStudioError when the member has no schedule or no objective."""
    import statistics

    from tunestudio.config import merge_values
    from tunestudio.engine import Trainer
    from tunestudio.engine.fused import FusedTrainer, FusionError
    from tunestudio.engine.pbt import Replay

    if not member.changes or member.trial.objective is None:
        raise TuneStudioError(f"trial #{member.trial.number} has no schedule and result to "
                              "replay")
    schedule = population.schedule(member.trial.id)
    start = merge_values(project.baseline, schedule[0][1])
    configs = [start.model_copy(update={"training": start.training.model_copy(
        update={"seed": int(s)})}) for s in seeds]
    try:
        results = FusedTrainer(configs, base_dir=base_dir, device=device,
                               perturbation=Replay(schedule)).fit()
    except FusionError:  # a population of lone trials: each replay alone
        results = [Trainer(c, base_dir=base_dir, device=device,
                           perturbation=Replay(schedule)).fit() for c in configs]
    values = [float(r.best.get(metric, float("nan"))) for r in results]
    mean = statistics.fmean(values)
    noise = seed_noise(values, floor)
    return ReplayResult(member.trial.objective, values, mean, noise,
                        abs(member.trial.objective - mean) <= noise)


def seed_noise(values: Sequence[float], floor: float = 0.005) -> float:
    """How far one more run of the same schedule may lie from the mean of `values` (one run
    per seed) by the seed alone: the 95 % prediction interval t(0.975, n - 1) * s *
    sqrt(1 + 1/n) (s their standard deviation; about 2.5 s for 8 runs, 5 s for 3), at least
    `floor`; `floor` for fewer than 2 runs. A member compared with its replays is one run of
    its own, not a known value, and s is estimated from n runs: twice s took both as exact."""
    import math
    import statistics

    from scipy.stats import t as student

    n = len(values)
    if n < 2:
        return floor
    spread = float(student.ppf(0.975, n - 1)) * statistics.stdev(values) * math.sqrt(1 + 1 / n)
    return max(spread, floor)


# --- writing a member's schedule back --------------------------------------------------------

def write_back(project: Project, experiment: str, population: Lineage, member: Member,
               seeds: int = 3) -> tuple[Project, str]:
    """The project with the hyperparameter schedule of `member`'s lineage
    (`Lineage.schedule`: the values that trained its final weights) written back as a schedule
    of the baseline (its starting values merged in, each later change in `hyper_schedule`) and a new
    experiment that replays it: the baseline alone (a grid of no dimension) with `seeds` seeds,
    the same objective, its expected result the member's. Returns the project and the new
    experiment's name. Raises TuneStudioError when the member has no schedule, InvalidConfigError
    when the baseline refuses its values (another optimiser kind)."""
    from tunestudio.config import Budget, Experiment, PrunerConfig, SearchDefinition, merge_values
    from tunestudio.config.pbt import HyperChange

    if not member.changes:
        raise TuneStudioError(f"trial #{member.trial.number} has no schedule to write back")
    source = project.experiment(experiment)
    schedule = population.schedule(member.trial.id)
    baseline = merge_values(project.baseline, schedule[0][1])
    baseline = RunConfig.model_validate({**baseline.model_dump(), "hyper_schedule": [
        HyperChange(step=step, values=values).model_dump() for step, values in schedule[1:]]})
    names = {e.name for e in project.experiments}
    name = f"replay-{experiment}-{member.trial.number}"
    k = 2
    while name in names:
        name, k = f"replay-{experiment}-{member.trial.number}-{k}", k + 1
    metric = source.search.objective.metric
    result = "" if member.trial.objective is None else \
        f" ({metric} {member.trial.objective:.4g})"
    replay = Experiment(
        name=name,
        goal=f"Replay the hyperparameter schedule of trial #{member.trial.number} of "
        f"{experiment} (population-based training) from scratch on the baseline.",
        hypothesis="The schedule, not the weights the member inherited, made its result.",
        expected_result=f"Within the noise between seeds of the member's result{result}.",
        search=SearchDefinition(strategy="grid", dimensions=[], repeats=seeds,
                                budget=Budget(trials=1), pruner=PrunerConfig(kind="none"),
                                objective=source.search.objective))
    data = project.model_copy(update={"baseline": baseline,
                                      "experiments": [*project.experiments, replay]})
    return Project.model_validate(data.model_dump()), name
