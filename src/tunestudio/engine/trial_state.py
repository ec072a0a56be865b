"""One trial's resumable training state, whichever loop trains it (alone, or as a member of a
fused group): its step and evaluations, the best value of each metric, early stopping, the
reduce-on-plateau controller, the batch order (and augmentation) generators and the training
time of the runs before a resume. It saves and loads itself (`state_dict` /
`load_state_dict`); a checkpoint captures it, and a fused group keeps a member's copy while
the group trains on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from tunestudio.config import RunConfig
from tunestudio.engine.best import note_evaluation
from tunestudio.engine.early_stopping import EarlyStopping
from tunestudio.engine.schedules import PlateauController

_EARLY_FIELDS = ("best", "best_epoch", "bad")
_PLATEAU_FIELDS = ("scale", "cuts", "best", "bad")


class TrialState:
    """The counters and generators of one trial's training (see the module docstring).
    `generator` draws the batch order (seeded by the trial's seed, as every loop draws it);
    `plateau` is the trial's LR schedule's controller (None without reduce-on-plateau, or
    until the schedule is built); `augment` is the augmentation's generator, if any.
    `prior_duration_s` is the training time in seconds of the runs before a resume."""

    def __init__(self, config: RunConfig, seed: int):
        self.step = 0
        self.evaluated_at = -1  # the step of the last evaluation
        self.metrics: dict[str, float] = {}
        self.best: dict[str, float] = {}
        self.best_at: dict[str, dict[str, float]] = {}  # metric -> its best evaluation
        self.early = EarlyStopping(config.early_stopping, config.early_stopping_mode)
        self.generator = torch.Generator().manual_seed(seed)
        self.plateau: PlateauController | None = None
        self.augment: torch.Generator | None = None
        self.prior_duration_s = 0.0

    def note_evaluation(self, metrics: dict[str, float], epoch: float) -> None:
        """Keep an evaluation at the current step: its metrics and the best value of each."""
        self.evaluated_at = self.step
        self.metrics = metrics
        note_evaluation(self.best, self.best_at, metrics, epoch)

    def state_dict(self) -> dict[str, Any]:
        """The state as plain values and CPU tensors (its own copies): `step`, `evaluated_at`,
        `metrics`, `best`, `best_at`, `early_stopping`, `plateau` (None without one) and `rng`
        (`batch_order`, `augment`: generator states). Checkpoints store these keys as they
        are (format 1)."""
        plateau = self.plateau
        return {
            "step": self.step,
            "evaluated_at": self.evaluated_at,
            "metrics": dict(self.metrics),
            "best": dict(self.best),
            "best_at": {k: dict(v) for k, v in self.best_at.items()},
            "early_stopping": {name: getattr(self.early, name) for name in _EARLY_FIELDS},
            "plateau": None if plateau is None else
            {name: getattr(plateau, name) for name in _PLATEAU_FIELDS},
            "rng": {"batch_order": self.generator.get_state(),
                    "augment": self.augment.get_state() if self.augment is not None else None},
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Put back what `state_dict` gave (or a checkpoint holds). A checkpoint written before
        `best_at` was kept has none: the trial then reports its later bests only. Raises
        KeyError when a key that every checkpoint has is missing."""
        self.step = int(state["step"])
        self.evaluated_at = int(state["evaluated_at"])
        self.metrics = dict(state["metrics"])
        self.best = dict(state["best"])
        self.best_at = {k: dict(v) for k, v in state.get("best_at", {}).items()}
        for name, value in state["early_stopping"].items():
            setattr(self.early, name, value)
        if self.plateau is not None and state.get("plateau"):
            for name, value in state["plateau"].items():
                setattr(self.plateau, name, value)
        rng = state["rng"]
        self.generator.set_state(rng["batch_order"])
        if self.augment is not None and rng.get("augment") is not None:
            self.augment.set_state(rng["augment"])
