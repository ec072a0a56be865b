"""What a project keeps of its trials' models: the best checkpoint of each trial (an Optuna
artifact), resume checkpoints of running trials, and how many finished trials keep theirs."""

from __future__ import annotations

from tunestudio.config.common import ConfigModel, field


class CheckpointSettings(ConfigModel):
    enabled: bool = field(
        True, "Keep each trial's best model as a checkpoint and resume an interrupted trial "
        "from its last checkpoint.",
        advice="Keep it on: the confusion matrix, the test split and model export use the "
        "stored checkpoint instead of training the trial again.")
    keep_best: int = field(
        5, "Checkpoints kept per experiment: those of the N best finished trials (by the "
        "objective); running and interrupted trials always keep theirs. 0 keeps none.", ge=0)
    every_epochs: int = field(
        1, "Save a resume checkpoint every N epochs (an interrupted trial loses at most the "
        "epochs since).", ge=1)
