"""What a project keeps of its trials' models: the best checkpoint of each trial (an Optuna
artifact), resume checkpoints of running trials, and how many finished trials keep theirs."""

from __future__ import annotations

from tunestudio.config.common import ConfigModel, field


class CheckpointSettings(ConfigModel):
    """The project's `checkpoints` section: when `enabled`, which trials keep their best model
    (the `keep_best` best complete trials of each experiment, and every running or interrupted
    one), and how often a running trial writes the checkpoint it resumes from: every
    `every_epochs` epochs, at most once every `min_interval_s` seconds."""

    enabled: bool = field(
        True, "Keep each trial's best model as a checkpoint and resume an interrupted trial "
        "from its last checkpoint.",
        advice="Keep it on: the confusion matrix, the test split and model export use the "
        "stored checkpoint instead of training the trial again.")
    keep_best: int = field(
        5, "Checkpoints kept per experiment: those of the N best complete trials (by the "
        "objective); running and interrupted trials always keep theirs, pruned, diverged and "
        "failed ones none. 0 keeps none.", ge=0)
    every_epochs: int = field(
        1, "Save a resume checkpoint every N epochs, at most every min_interval_s seconds. A "
        "trial stopped cleanly (Ctrl+C, Stop, closing the app) goes on from its last such "
        "epoch; a killed process loses at most the training since its last written "
        "checkpoint: N epochs, or min_interval_s seconds when that is longer.", ge=1)
    min_interval_s: float = field(
        1.0, "Seconds between two resume checkpoint files at least: with epochs of "
        "milliseconds, writing one every epoch would cost more time than a crash could lose. "
        "Epochs longer than this are checkpointed every every_epochs epochs as set; 0 writes "
        "every every_epochs epochs however short.", ge=0.0,
        advice="Lower it only when a killed run must lose less than this many seconds of "
        "training; a clean stop (Ctrl+C, Stop) keeps its last whole epoch either way.")
