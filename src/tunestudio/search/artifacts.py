"""Trial checkpoints as Optuna artifacts: while a trial trains, its latest and best checkpoints
are plain files in the project's `running/<optuna trial id>/` folder (the latest is what an
interrupted trial resumes from); when the trial completes, its best checkpoint is uploaded to
the project's `optuna.artifacts.FileSystemArtifactStore` (so `optuna.artifacts` and
optuna-dashboard list it) and the folder goes (a pruned, diverged or failed trial uploads none,
nor does a complete one outside the `keep_best` best so far: retention would remove it at
once). A retention rule then keeps the checkpoints of the
`keep_best` best complete trials of the experiment and removes the others' files.

Optuna offers no way to drop an artifact's record from a finished trial, so a checkpoint
removed by retention stays listed there with its file gone; `checkpoint_file` says so.

The engine's checkpoint module (torch) is imported only where a checkpoint file is at hand: a
run of the user's program, whose trials keep no such files, never loads it."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna.artifacts.exceptions import ArtifactNotFound
from optuna.trial import TrialState

from tunestudio import paths
from tunestudio.config import CheckpointSettings, Project
from tunestudio.search.plan import CurrentPoints

if TYPE_CHECKING:
    from tunestudio.engine.checkpoint import State

CHECKPOINT_ATTR = "ts_checkpoint"  # Optuna user attr: the artifact id of the best checkpoint


@dataclass(frozen=True)
class CheckpointPlan:
    """Where a project's checkpoints go and what is kept."""

    settings: CheckpointSettings
    artifacts: Path  # the FileSystemArtifactStore's folder
    running: Path  # one folder per trial in flight
    # which trials trained the current baseline: retention ranks them first, as the best
    # trial, export-model and the views count them (None: every trial alike)
    current: CurrentPoints | None = None

    @classmethod
    def for_project(cls, project: Project) -> CheckpointPlan:
        """The plan of a project: its checkpoint settings, its artifact and resume folders under the
        data dir (keyed by the project's id), and the trials that trained its current baseline."""
        return cls(project.checkpoints, paths.artifacts_dir(project.id),
                   paths.resume_dir(project.id), CurrentPoints(project.baseline))

    def folder(self, optuna_trial_id: int) -> Path:
        """The working folder of one trial: latest.pt and best.pt while it trains."""
        return self.running / str(optuna_trial_id)

    def artifact_store(self) -> FileSystemArtifactStore:
        """Optuna's FileSystemArtifactStore on the `artifacts` folder, where best checkpoints are
        kept."""
        return FileSystemArtifactStore(str(self.artifacts))


def upload_best(plan: CheckpointPlan, trial: optuna.Trial) -> str | None:
    """Upload the trial's best checkpoint (its latest when it never evaluated) as an artifact
    named `trial-<number>-best.pt` and record its id in the trial's user attr
    `ts_checkpoint`; returns the id, or None when the trial left no checkpoint. The trial must
    still be running (Optuna refuses attrs on a finished trial). Raises OSError when the disk
    is full."""
    folder = plan.folder(int(trial._trial_id))
    if not folder.is_dir():
        return None
    from tunestudio.engine.checkpoint import BEST, LATEST

    source = folder / BEST if (folder / BEST).is_file() else folder / LATEST
    if not source.is_file():
        return None
    named = folder / f"trial-{trial.number}-best.pt"
    shutil.copyfile(source, named)
    try:
        artifact_id = upload_artifact(artifact_store=plan.artifact_store(), file_path=str(named),
                                      study_or_trial=trial, mimetype="application/octet-stream")
    finally:
        named.unlink(missing_ok=True)
    trial.set_user_attr(CHECKPOINT_ATTR, artifact_id)
    return artifact_id


def discard_working_files(plan: CheckpointPlan, optuna_trial_id: int) -> None:
    """A finished trial no longer needs its resume checkpoints."""
    shutil.rmtree(plan.folder(optuna_trial_id), ignore_errors=True)


def _ranking(plan: CheckpointPlan, study: optuna.Study
             ) -> Callable[[optuna.trial.FrozenTrial], tuple[bool, float, int]]:
    """Retention's order of complete trials, best first: the current baseline's before
    another's (`plan.current`), then by the first objective, ties to the earlier trial."""
    sign = -1.0 if study.directions[0] == optuna.study.StudyDirection.MAXIMIZE else 1.0
    current = plan.current
    return lambda t: (current is not None and not current.holds(t), sign * t.values[0],
                      t.number)


def _kept_complete(trials: Sequence[optuna.trial.FrozenTrial]) -> list[optuna.trial.FrozenTrial]:
    """The complete trials among `trials` that were given a checkpoint."""
    return [t for t in trials if t.state == TrialState.COMPLETE and t.values
            and isinstance(t.user_attrs.get(CHECKPOINT_ATTR), str)]


def worth_keeping(plan: CheckpointPlan, study: optuna.Study,
                  trials: Sequence[optuna.trial.FrozenTrial],
                  candidate: optuna.trial.FrozenTrial) -> bool:
    """Whether a trial completing now (`candidate`, with the values it is told) would be among
    the `keep_best` that `apply_retention` keeps, ranked among `trials` (the study's complete
    trials as this process knows them): a checkpoint that retention would remove at once is
    not uploaded (two file copies, two storage writes and a retention pass; most trials of
    a long search).
    Another process's trials told since this process last read the study can only rank the
    candidate lower, so a stale `trials` uploads more, never less, than retention keeps."""
    key = _ranking(plan, study)
    mine = key(candidate)
    better = sum(1 for t in _kept_complete(trials)
                 if t.number != candidate.number and key(t) < mine)
    return better < plan.settings.keep_best


def apply_retention(plan: CheckpointPlan, study: optuna.Study,
                    trials: Sequence[optuna.trial.FrozenTrial] | None = None) -> list[int]:
    """Remove the checkpoint files of finished trials outside the `keep_best` best complete
    trials of the study (by the first objective, ties to the earlier trial), the trials of
    the current baseline ranked before those of another (`plan.current`), so the best trial
    that `info` and `export-model` name keeps its checkpoint after the baseline changed
    (case 27); running, waiting and interrupted trials keep theirs. Returns the trial numbers
    whose checkpoints were removed now. `trials`: judge among these instead of reading all of
    the study's (after each trial, the study's complete trials and the one just finished;
    every queued trial of the study is read back on each `get_trials`, milliseconds each
    time)."""
    keep_n = plan.settings.keep_best
    every = study.get_trials(deepcopy=False) if trials is None else trials
    finished = [t for t in every
                if t.state.is_finished() and isinstance(t.user_attrs.get(CHECKPOINT_ATTR), str)]
    complete = _kept_complete(finished)
    complete.sort(key=_ranking(plan, study))
    keep = {t.number for t in complete[:keep_n]}
    removed: list[int] = []
    store = plan.artifact_store()
    for t in finished:
        artifact_id = str(t.user_attrs[CHECKPOINT_ATTR])
        if t.number in keep or not (plan.artifacts / artifact_id).exists():
            continue
        try:
            store.remove(artifact_id)
        except ArtifactNotFound:  # another process's retention got there first
            continue
        removed.append(t.number)
    return removed


def checkpoint_file(plan: CheckpointPlan, frozen: optuna.trial.FrozenTrial) -> Path:
    """The file of a trial's best checkpoint: its artifact once finished, its working
    best.pt (or latest.pt) while running or interrupted. Raises CheckpointError saying why
    there is none."""
    from tunestudio.engine.checkpoint import BEST, LATEST, CheckpointError

    artifact_id = frozen.user_attrs.get(CHECKPOINT_ATTR)
    if isinstance(artifact_id, str):
        path = plan.artifacts / artifact_id
        if path.is_file():
            return path
        raise CheckpointError(
            f"trial #{frozen.number}'s checkpoint is not in {plan.artifacts}: the retention "
            f"setting removed it (checkpoints.keep_best = {plan.settings.keep_best}: only the "
            "best finished trials keep theirs; raise it and run the trial again), or the "
            "trial ran with another data folder (TUNESTUDIO_DATA_DIR)")
    folder = plan.folder(int(frozen._trial_id))
    for name in (BEST, LATEST):
        if (folder / name).is_file():
            return folder / name
    if frozen.state == TrialState.COMPLETE:
        raise CheckpointError(
            f"trial #{frozen.number} keeps no checkpoint: the retention setting kept none for "
            f"it (checkpoints.keep_best = {plan.settings.keep_best}: only the best finished "
            "trials keep theirs, and it was not among them when it finished; raise it and run "
            "the trial again), or it ran with checkpoints off")
    raise CheckpointError(
        f"trial #{frozen.number} has no stored checkpoint (only complete trials keep one, "
        "not pruned, diverged or failed ones; or it ran before checkpoints were kept, with "
        "checkpoints off, or ended before its first epoch); run it again")


def read_checkpoint(plan: CheckpointPlan, frozen: optuna.trial.FrozenTrial) -> State:
    """The trial's best checkpoint, loaded with weights_only=True. Raises CheckpointError."""
    from tunestudio.engine.checkpoint import CheckpointError, load

    path = checkpoint_file(plan, frozen)
    if path.parent == plan.artifacts:
        try:
            with plan.artifact_store().open_reader(path.name) as reader:
                data: Any = reader.read()
        except ArtifactNotFound:
            raise CheckpointError(f"trial #{frozen.number}'s checkpoint file is gone") from None
        return load(io.BytesIO(data), f"checkpoint of trial #{frozen.number}")
    return load(path, f"checkpoint of trial #{frozen.number}")
