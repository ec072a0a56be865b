"""Checks before a run that every trial would fail for one cause: the data and model files the
baseline names exist, the user's model file imports and has its function, the data reads.

Without them a missing data file or a model file with a syntax error let every trial of the
budget start, fail with the same traceback and count as "done". The checks read what the first
trial reads anyway (array data is split into the engine's disk cache of prepared splits, so
the trial reads it back; a source whose splits the cache holds is not read again). What a
search varies is left to the trials: a searched `data.*` field leaves the data unread, a
searched model kind leaves the model file alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tunestudio.config import (
    DataConfig,
    DatasetFileData,
    ImageFolderData,
    Project,
    PythonModel,
    RunConfig,
)
from tunestudio.errors import TuneStudioError
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.engine.data import Splits


NOT_STARTED = N_("Preflight", "'{experiment}' was not started: every trial would fail.")


class PreflightError(TuneStudioError):
    """The run was refused before its first trial; `problems` holds one line per cause, each
    naming the field to fix (`tunestudio.messages.Text` where the window can translate it),
    `headline` the first line of the message."""

    def __init__(self, experiment: str, problems: list[str]) -> None:
        self.experiment = experiment
        self.problems = problems
        self.headline = NOT_STARTED.format(experiment=experiment)
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.headline}\n{listing}")


def preflight(project: Project, experiment_name: str, base_dir: Path | None,
              keep: Callable[[DataConfig, Splits], None] | None = None) -> None:
    """Raises PreflightError when the baseline's files are missing or unreadable (paths are
    relative to `base_dir`, the project file's folder). Runs the user's model file's import and
    data function once, so it belongs where trials run: after the user trusted those files,
    off the GUI thread (it imports torch when the model file does). The array splits it reads
    or prepares go to `keep` (the run's trials use them as they are)."""
    experiment = project.experiment(experiment_name)
    searched = {d.path for d in experiment.search.dimensions}
    problems = missing_files(project.baseline, base_dir)
    if not problems and not any(p.startswith("data.") for p in searched):
        problems += _unreadable_data(project.baseline, base_dir, keep)
    if not problems and not searched & {"model.kind", "model.path", "model.function"}:
        problems += _unimportable_model(project.baseline, base_dir)
    if problems:
        raise PreflightError(experiment.name, problems)


def missing_files(config: RunConfig, base_dir: Path | None) -> list[str]:
    """One line per file or folder the config names that does not exist."""
    problems: list[str] = []
    source = config.data.source
    if isinstance(source, ImageFolderData):
        folder = _resolved(source.path, base_dir)
        from tunestudio.engine.demo_images import ensure_digits_folder

        # the images template's folder is built on first use: a run before any `train` too
        if not folder.is_dir() and not ensure_digits_folder(folder):
            problems.append(N_("Preflight", "data folder '{path}' not found{hint}; check "
                               "data.source.path").format(path=source.path,
                                                          hint=_hint(source.path, base_dir)))
    elif hasattr(source, "path"):
        path = str(source.path)
        if not _resolved(path, base_dir).is_file():
            problems.append(N_("Preflight", "data file '{path}' not found{hint}; check "
                               "data.source.path").format(path=path, hint=_hint(path, base_dir)))
    model = config.model
    if isinstance(model, PythonModel) and not _resolved(model.path, base_dir).is_file():
        problems.append(N_("Preflight", "model file '{path}' not found{hint}; check "
                           "model.path").format(path=model.path, hint=_hint(model.path, base_dir)))
    weights = getattr(model, "weights_path", None)
    if weights and not _resolved(weights, base_dir).is_file():
        problems.append(N_("Preflight", "weights file '{path}' not found{hint}; check "
                           "model.weights_path").format(path=weights,
                                                        hint=_hint(weights, base_dir)))
    return problems


def _unreadable_data(config: RunConfig, base_dir: Path | None,
                     keep: Callable[[DataConfig, Splits], None] | None = None) -> list[str]:
    from tunestudio.engine.data import check_readable
    from tunestudio.engine.image_folder import list_folder
    from tunestudio.engine.loader_data import load_dataset_file

    data, source = config.data, config.data.source
    try:
        if isinstance(source, DatasetFileData):
            load_dataset_file(data, base_dir)
        elif isinstance(source, ImageFolderData) and source.loading == "stream":
            list_folder(source, base_dir)  # streamed: the images are decoded by the trials
        else:  # array sources (a python data file's function runs here once more; splits
            # the disk cache holds are read back, not split again)
            splits = check_readable(data, base_dir)
            if splits is not None and keep is not None:
                keep(data, splits)
    except TuneStudioError as exc:
        return [N_("Preflight", "the data cannot be read: {error}").format(error=str(exc))]
    return []


def _unimportable_model(config: RunConfig, base_dir: Path | None) -> list[str]:
    from tunestudio.engine import user_code

    model = config.model
    if not isinstance(model, PythonModel):
        return []
    try:
        user_code.load_function(_resolved(model.path, base_dir), model.function, "model")
    except TuneStudioError as exc:
        return [N_("Preflight", "the model file cannot be used: {error}").format(error=str(exc))]
    return []


def _resolved(raw: str, base_dir: Path | None) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def _hint(raw: str, base_dir: Path | None) -> str:
    relative = base_dir is not None and not Path(raw).expanduser().is_absolute()
    return N_("Preflight", " (relative paths start at {folder})").format(folder=str(base_dir)) \
        if relative else ""


FAILURE_STREAK = 3  # the run's first trials failing with one message: stop the search
STREAK = N_("Preflight", "stopped: the first {limit} trials failed with the same error: {error}")


class FailureStreak:
    """What the preflight cannot see (a model function that raises, data that breaks the
    model): the first `limit` trials of a run all failing with the same message stop the run.
    Once a trial of the run succeeded, failures belong to the space searched (a batch size too
    large) and never stop it."""

    def __init__(self, limit: int = FAILURE_STREAK) -> None:
        self.limit = limit
        self._messages: list[str] = []
        self._succeeded = False

    def add(self, state: str, message: str | None) -> str | None:
        """Counts a finished trial (invalid ones, whose sampled values were rejected, are left
        out); returns the reason to stop once the streak is reached, else None."""
        if state == "invalid" or self._succeeded:
            return None
        if state != "failed":
            self._succeeded = True
            return None
        self._messages.append((message or "").partition("\n")[0])
        first = self._messages[: self.limit]
        if len(self._messages) == self.limit and len(set(first)) == 1:
            return STREAK.format(limit=self.limit, error=first[0])
        return None
