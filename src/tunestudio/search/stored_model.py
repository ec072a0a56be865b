"""A finished trial's stored model, back in memory: the confusion matrix, per-class metrics and
the once-only test evaluation use its best checkpoint and train nothing. The GUI and the CLI
call these; they run headless."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tunestudio.config import Project, RunConfig
from tunestudio.engine import ConfusionMatrix, Trainer, confusion_matrix, evaluate_test
from tunestudio.engine.checkpoint import CheckpointError, State
from tunestudio.errors import TuneStudioError
from tunestudio.search.artifacts import CheckpointPlan, checkpoint_file, read_checkpoint
from tunestudio.search.storage import open_store, optuna_storage, storage_url
from tunestudio.store import Store, TrialRow


@dataclass
class StoredModel:
    """A trial's model with its data, ready to evaluate: `trainer` is set up (data split and
    model built on the device, no step taken) and holds the checkpoint's weights in eval mode;
    `state` is the whole checkpoint (step, epoch, normalisation statistics...)."""

    trial: TrialRow
    config: RunConfig
    trainer: Trainer
    state: State


def without_pretrained(config: RunConfig) -> RunConfig:
    """`config` with `model.weights_path` cleared, for rebuilding a trial's model from its
    checkpoint: the checkpoint holds every weight (the frozen backbone's too), so the
    pretrained file the trial started from is neither read nor needed, and may since have been
    moved or deleted. Freezing stays as trained (frozen batch norm keeps the same layers)."""
    spec = config.model
    if getattr(spec, "weights_path", None) is None:
        return config
    return config.model_copy(update={"model": spec.model_copy(update={"weights_path": None})})


def trial_state(project: Project, row: TrialRow, url: str | None = None) -> State:
    """The trial's best checkpoint (weights_only=True). Raises CheckpointError when it has none
    (trained before checkpoints, removed by retention, corrupt)."""
    if row.optuna_trial_id is None:
        raise CheckpointError(f"trial #{row.number} has no Optuna trial, so no checkpoint")
    storage = optuna_storage(url or storage_url(project))
    frozen = storage.get_trial(row.optuna_trial_id)
    return read_checkpoint(CheckpointPlan.for_project(project), frozen)


def trials_with_checkpoints(project: Project, study_name: str, url: str | None = None
                            ) -> list[int]:
    """Numbers of the trials of the experiment's Optuna study whose best checkpoint is still
    on disk (not removed by retention), in order: the trials that can be exported or
    evaluated. An unknown study has none."""
    storage = optuna_storage(url or storage_url(project))
    try:
        study_id = storage.get_study_id_from_name(study_name)
    except KeyError:
        return []
    plan = CheckpointPlan.for_project(project)
    kept = []
    for frozen in storage.get_all_trials(study_id, deepcopy=False):
        try:
            checkpoint_file(plan, frozen)
        except CheckpointError:
            continue
        kept.append(frozen.number)
    return sorted(kept)


def load_stored_model(project: Project, trial_id: int, *, base_dir: Path | None = None,
                      url: str | None = None, device: str | None = "cpu",
                      store: Store | None = None) -> StoredModel:
    """Rebuild trial `trial_id`'s model from its best checkpoint on `device` (default the CPU:
    an evaluation, not a training run) with the trial's data split. Raises CheckpointError
    (no usable checkpoint) or TuneStudioError (no stored config, data that no longer loads).
    A fine-tuned trial's `model.weights_path` is not read (see `without_pretrained`)."""
    own = store is None
    store = store or open_store(project, url)
    try:
        row = store.trial(trial_id)
    finally:
        if own:
            store.close()
    if not row.config_json:
        raise TuneStudioError(f"trial #{row.number} has no stored config")
    config = RunConfig.model_validate_json(row.config_json)
    state = trial_state(project, row, url)
    trainer = Trainer(without_pretrained(config), base_dir=base_dir, device=device, seed=row.seed)
    trainer.setup()
    assert trainer.model is not None
    try:
        trainer.model.load_state_dict(state["model"])
    except (RuntimeError, KeyError) as exc:
        raise CheckpointError(f"trial #{row.number}'s checkpoint does not fit its model "
                              f"(did the model file change?): {exc}") from None
    trainer.model.eval()
    return StoredModel(row, config, trainer, state)


def stored_confusion(project: Project, trial_id: int, *, split: Any = "val",
                     base_dir: Path | None = None, url: str | None = None
                     ) -> ConfusionMatrix:
    """The confusion matrix of the trial's stored model on a split (default validation)."""
    return confusion_matrix(load_stored_model(project, trial_id, base_dir=base_dir,
                                              url=url).trainer, split)


def stored_test_evaluation(project: Project, trial_id: int, *, base_dir: Path | None = None,
                           url: str | None = None) -> TrialRow:
    """Evaluate the trial's stored model on the test split, once: the metrics are stored with
    the trial; a second call raises TuneStudioError. Returns the updated row."""
    store = open_store(project, url)
    try:
        row = store.trial(trial_id)
        if row.test_metrics:
            raise TuneStudioError(f"trial #{row.number} was already evaluated on the test "
                                  "split (it is used once)")
        model = load_stored_model(project, trial_id, base_dir=base_dir, url=url, store=store)
        store.set_test_metrics(trial_id, evaluate_test(model.trainer))
        return store.trial(trial_id)
    finally:
        store.close()
