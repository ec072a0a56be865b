"""The Python API for notebooks and scripts: open a project, run an experiment, and read its
trials as pandas DataFrames.

    import tunestudio as ts

    project = ts.load_project("digits.tuneproj")
    exp = project.experiment("bayes-lr-wd-width-batch")
    exp.run(trials=10, device="cpu")          # a tqdm progress bar, notebook-aware
    frame = exp.trials_frame()                # one row per trial
    steps, evaluations = exp.best().curves()  # the best trial's series

Everything reads and writes the project's trial history, the same database the app and the
CLI use, so a notebook sees the trials the app ran and the app sees the notebook's.
pandas, and ipywidgets for tqdm's widget in a notebook, are the optional extra `notebook`
(`pip install 'tunestudio[notebook]'`; without ipywidgets the bar is text);
`import tunestudio` stays light: this module, and torch with it, loads on first use.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tunestudio.config import Experiment as ExperimentConfig
from tunestudio.config import Project as ProjectConfig
from tunestudio.config import from_template, save_project
from tunestudio.config import load_project as load_project_file
from tunestudio.errors import TuneStudioError
from tunestudio.store import EnsembleRow, Store, TrialRow, storage_url_for
from tunestudio.store.records import trial_records

if TYPE_CHECKING:
    import pandas as pd

    from tunestudio.search import RunSummary
    from tunestudio.search.ensemble import Ensemble

PANDAS_MISSING = ("this needs pandas, which is not installed; install it with "
                  "`pip install 'tunestudio[notebook]'` (or `pip install pandas`)")

__all__ = ["Curves", "Experiment", "Project", "Trial", "load_project", "new_project"]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise TuneStudioError(PANDAS_MISSING) from None
    return pandas


def load_project(path: str | Path) -> Project:
    """Open a `.tuneproj` file. Raises ProjectFileError (a TuneStudioError) naming the file and
    each bad field when it is missing or invalid; the file is never changed."""
    path = Path(path).expanduser().resolve()
    return Project(load_project_file(path), path)


def new_project(path: str | Path, template: str = "digits", *, overwrite: bool = False
                ) -> Project:
    """Create a project file from a template (`digits`, ..., see `tunestudio new --help`) and
    open it. Raises TuneStudioError when the file exists and `overwrite` is False."""
    path = Path(path).expanduser().resolve()
    if path.suffix != ".tuneproj":
        path = path.with_suffix(".tuneproj")
    if path.exists() and not overwrite:
        raise TuneStudioError(f"{path}: already exists; pass overwrite=True to replace it")
    save_project(from_template(template), path)
    return load_project(path)


class Project:
    """An open project: its validated config (`config`), its file (`path`) and its trial
    history (`storage_url`)."""

    def __init__(self, config: ProjectConfig, path: Path) -> None:
        self.config = config
        self.path = path

    @property
    def name(self) -> str:
        """The project's name, as its file gives it."""
        return self.config.name

    @property
    def storage_url(self) -> str:
        """The SQLAlchemy URL of the project's trial history: the file's `storage_url`, or
        by default a SQLite file under the data directory keyed by the project's id (so that
        moving the project file keeps its history)."""
        return storage_url_for(self.config)

    @property
    def experiments(self) -> list[str]:
        """The experiments' names, in the project's order."""
        return [e.name for e in self.config.experiments]

    def experiment(self, name: str | None = None) -> Experiment:
        """The named experiment (default: the project's first). Raises TuneStudioError when
        there is none of that name, listing the known ones."""
        if not self.config.experiments:
            raise TuneStudioError("the project has no experiments; add one in the app or file")
        if name is None:
            return Experiment(self, self.config.experiments[0])
        try:
            return Experiment(self, self.config.experiment(name))
        except KeyError as exc:
            raise TuneStudioError(str(exc.args[0])) from None

    def _store(self) -> Store:
        return Store.open(self.storage_url)

    def __repr__(self) -> str:
        return f"<tunestudio project '{self.name}' {self.path}>"


class Curves(NamedTuple):
    """A trial's series as DataFrames, one row per point, ordered by (repeat, step):
    `steps` has repeat, step, epoch, loss, lr, grad_norm (one row per optimiser step);
    `evaluations` has repeat, step, epoch, wall_s (seconds since the fit started),
    train_loss, val_loss and one column per metric (one row per evaluation)."""

    steps: pd.DataFrame
    evaluations: pd.DataFrame


@dataclass(frozen=True)
class Trial:
    """One stored trial (a snapshot: `row` does not change when the history does)."""

    experiment: Experiment
    row: TrialRow

    @property
    def number(self) -> int:
        """The trial's number in its experiment (the table's #), from 0."""
        return self.row.number

    @property
    def state(self) -> str:
        """Its outcome: 'running', 'complete', 'pruned', 'failed', 'diverged', 'interrupted'
        or 'invalid'."""
        return self.row.state

    @property
    def objective(self) -> float | None:
        """Its objective: the objective metric at its best evaluation (the mean over its
        seeds when it repeated), or None when it has none (a trial that did not complete)."""
        return self.row.objective

    @property
    def params(self) -> dict[str, Any]:
        """The searched parameters' values it trained with, by name (a copy)."""
        return dict(self.row.params)

    def curves(self) -> Curves:
        """The trial's step and evaluation series (see Curves). Raises TuneStudioError without
        pandas."""
        pd = _pandas()
        with self.experiment.project._store() as store:
            steps = store.step_series([self.row.id]).get(self.row.id)
            evals = store.eval_series([self.row.id]).get(self.row.id)
        step_cols = ["repeat", "step", "epoch", "loss", "lr", "grad_norm"]
        step_frame = pd.DataFrame({c: [] for c in step_cols}) if steps is None else \
            pd.DataFrame({c: getattr(steps, c) for c in step_cols})
        eval_cols = ["repeat", "step", "epoch", "wall_s", "train_loss", "val_loss"]
        if evals is None:
            eval_frame = pd.DataFrame({c: [] for c in eval_cols})
        else:
            columns = {c: getattr(evals, c) for c in eval_cols}
            columns.update({k: v for k, v in evals.metrics.items() if k not in columns})
            eval_frame = pd.DataFrame(columns)
        return Curves(step_frame, eval_frame)

    def load_model(self, device: str = "cpu") -> Any:
        """The trained model of a trial that kept a checkpoint (its best one, loaded with
        `weights_only=True`), as a `torch.nn.Module` on `device` in eval mode. The model
        takes inputs shaped like the project's data, `(B, *input_shape)`, normalised inside.
        Raises CheckpointError (a TuneStudioError) when the trial kept none (trained before
        checkpoints, removed by the retention policy `checkpoints.keep_best`, or corrupt)."""
        from tunestudio.search.stored_model import load_stored_model

        project = self.experiment.project
        stored = load_stored_model(project.config, self.row.id, base_dir=project.path.parent,
                                   url=project.storage_url, device=device)
        return stored.trainer.model

    def __repr__(self) -> str:
        objective = "" if self.objective is None else f" objective={self.objective:.6g}"
        return f"<trial #{self.number} {self.state}{objective} {self.params}>"


class Experiment:
    """One experiment of a project: its search (`config`) and its trials."""

    def __init__(self, project: Project, config: ExperimentConfig) -> None:
        self.project = project
        self.config = config

    @property
    def name(self) -> str:
        """The experiment's name, unique in its project."""
        return self.config.name

    def run(self, trials: int | None = None, *, device: str | None = None,
            fuse: bool | int | str | None = None, timeout_s: float | None = None,
            progress: bool = True, tensorboard: str | Path | None = None) -> RunSummary:
        """Run trials of this experiment here, adding them to its history; blocks until they
        end and returns the run's summary (counts per state, the best trial). `trials`
        overrides the budget's count, `timeout_s` its time (seconds), `device` the baseline's
        (`cpu`, `cuda`, `cuda:N`, `mps`, `auto`). `fuse` overrides the experiment's fused
        training: True or "auto" (groups sized by a device probe), False or "off" (one trial at
        a time), or K (K trials at once). With `progress`, a tqdm bar (a widget in a
        notebook). With `tensorboard`, logs are written there while training. Interrupting
        (Ctrl+C, a notebook's stop button) ends the running trial as interrupted, then
        re-raises KeyboardInterrupt."""
        from tunestudio.search import ExperimentRunner, RunnerHooks, RunOptions

        hooks: list[RunnerHooks] = []
        if progress:
            hooks.append(_progress_bar(self.name))
        if tensorboard is not None:
            from tunestudio.search.tensorboard import TensorBoardHooks, objective_tags

            objective = self.config.search.objective
            hooks.append(TensorBoardHooks(Path(tensorboard), self.name,
                                          objective_tags(objective.metric, objective.second)))
        stop = threading.Event()
        runner = ExperimentRunner(
            self.project.config, self.name, base_dir=self.project.path.parent,
            options=RunOptions(trials=trials, timeout_s=timeout_s, device=device,
                               fuse=_fuse_option(fuse), run_programs=True),
            hooks=hooks, stop_event=stop, project_path=self.project.path)
        try:
            return runner.run()
        except KeyboardInterrupt:
            stop.set()
            raise

    def _rows(self, store: Store) -> list[TrialRow]:
        exp = store.experiment(self.name)
        return [] if exp is None else store.trials(exp.id)

    def records(self) -> list[dict[str, Any]]:
        """The trials as the records of `tunestudio trials --format json`, exact values."""
        direction = self.config.search.objective.resolved_direction
        with self.project._store() as store:
            return trial_records(store, self.name, self.project.config.baseline,
                                 {self.name: direction})

    def trials_frame(self) -> pd.DataFrame:
        """One row per trial (index: the trial's number), as `tunestudio trials --format
        json` lists them, flattened the way Optuna's `trials_dataframe()` is: trial_id,
        number, state, objective, objective_std, a `params_<name>` column per searched
        parameter, a `metrics_<name>` column per final metric, duration_s (seconds), device,
        seed, message, config_fingerprint, config ('current' or 'other'), noise ('best',
        'within noise', 'beyond noise' given the spread between seeds, or None) and
        environment (a dict). Missing values are NaN/None. Raises TuneStudioError without pandas."""
        pd = _pandas()
        rows = []
        for record in self.records():
            flat: dict[str, Any] = {}
            for key, value in record.items():
                if key in ("params", "metrics"):
                    flat.update({f"{key}_{k}": v for k, v in value.items()})
                elif key != "experiment":
                    flat[key] = value
            rows.append(flat)
        frame = pd.DataFrame(rows)
        if len(frame):
            frame = frame.set_index("number", drop=False)
            frame.index.name = None
        return frame

    def trial(self, number: int) -> Trial:
        """The trial of that number. Raises TuneStudioError when there is none."""
        with self.project._store() as store:
            for row in self._rows(store):
                if row.number == number:
                    return Trial(self, row)
        raise TuneStudioError(f"experiment '{self.name}' has no trial #{number}")

    def trials(self) -> list[Trial]:
        """Every stored trial, by number."""
        with self.project._store() as store:
            return [Trial(self, row) for row in self._rows(store)]

    def best(self) -> Trial | None:
        """The complete trial with the best objective (ties: the earliest) among those trained
        on the current baseline, or None: a trial of an older baseline is no result of the
        experiment as it stands (`tunestudio diff` shows what changed)."""
        from tunestudio.store import CurrentConfig

        direction = self.config.search.objective.resolved_direction
        with self.project._store() as store:
            rows = self._rows(store)
        row = CurrentConfig(self.project.config.baseline).best(rows, direction)
        return None if row is None else Trial(self, row)

    def ensemble(self, k: int, *, greedy: bool = False) -> Ensemble:
        """The ensemble of this experiment's `k` best trials (those that count for the best
        trial: complete, on the current baseline, not excluded; trials without a checkpoint
        are skipped and listed in `skipped`): their stored models' predictions (class
        probabilities or values) averaged on the validation split. With `greedy`, Caruana's
        ensemble selection with replacement in `k` rounds instead. The result holds
        `metrics`, `members` (each with its number, count and metrics), `gain` over the best
        single member, `summary()`, `evaluate_test()` (once) and `export(path, format)`
        ("state_dict", "torchscript" or "onnx"; checked against the average). It is kept in
        the history (`ensembles()`; `number` is its number there), with its test split's
        result and its exports; built again, it is the same record. Raises
        TuneStudioError (no trial, no checkpoint) and CheckpointError."""
        from tunestudio.search.ensemble import build_ensemble

        return build_ensemble(self.project.config, k, experiment=self.name, greedy=greedy,
                              base_dir=self.project.path.parent, url=self.project.storage_url)

    def ensembles(self) -> list[EnsembleRow]:
        """The ensembles built of this experiment's trials and kept in the history (by
        `ensemble(k)`, `tunestudio ensemble` or the window), oldest first: each with its
        `number`, `method` and `k`, `members` (trial numbers, counts, metrics), `metrics` on
        the validation split, `gain` over `best_member`, `test_metrics` (None until the test
        split is evaluated, once) and `exports`."""
        with self.project._store() as store:
            exp = store.experiment(self.name)
            return [] if exp is None else store.ensembles(exp.id)

    def __repr__(self) -> str:
        return f"<tunestudio experiment '{self.name}' of '{self.project.name}'>"


def _fuse_option(fuse: bool | int | str | None) -> str | None:
    """`run(fuse=)` as the runner's option: None keeps the experiment's setting. Raises
    TuneStudioError for anything but a bool, a positive int, "auto", "off" or digits."""
    if fuse is None:
        return None
    if isinstance(fuse, bool):
        return "auto" if fuse else "off"
    if isinstance(fuse, int):
        if fuse < 1:
            raise TuneStudioError(f"fuse={fuse}: give at least 1 trial at once, or False")
        return str(fuse)
    value = str(fuse).strip().lower()
    if value in ("auto", "off") or (value.isdigit() and int(value) >= 1):
        return value
    raise TuneStudioError(f"fuse={fuse!r}: use True/'auto', False/'off' or a number of trials")


def _progress_bar(name: str) -> Any:
    """A RunnerHooks drawing a tqdm bar: a widget in a notebook (with ipywidgets, the notebook
    extra), text on a terminal."""
    from tqdm.auto import tqdm

    from tunestudio.search import RunnerHooks, TrialFinished

    class TqdmProgress(RunnerHooks):
        def __init__(self) -> None:
            self.bar: Any = None

        def on_run_start(self, total_trials: int | None) -> None:
            self.bar = tqdm(total=total_trials, desc=name, unit="trial")

        def on_trial_end(self, ev: TrialFinished) -> None:
            if self.bar is None:
                return
            post = {"last": ev.state if ev.objective is None else f"{ev.objective:.4g}"}
            if ev.best_objective is not None and math.isfinite(ev.best_objective):
                post["best"] = f"{ev.best_objective:.4g}"
            self.bar.set_postfix(post, refresh=False)
            self.bar.update(1)

        def on_run_end(self, summary: RunSummary) -> None:
            if self.bar is not None:
                self.bar.close()

    return TqdmProgress()
