"""Early stopping on a monitored metric: after `patience` evaluations without an improvement of
more than `min_delta` (the validation metric wiggles, so one bad evaluation is not enough), or
as soon as the metric reaches a target value."""

from __future__ import annotations

import math
from typing import Literal

from tunestudio.config import EarlyStoppingConfig


class EarlyStopping:
    """Early stopping on the config's monitored metric, minimised or maximised (`mode`): `observe`
    says when `patience` evaluations in a row brought no improvement of more than `min_delta`, or
    when the metric reached the config's target."""
    def __init__(self, config: EarlyStoppingConfig, mode: Literal["min", "max"]):
        self.config = config
        self.mode = mode
        self.best: float | None = None
        self.best_epoch = 0.0
        self.bad = 0

    def _improves(self, value: float) -> bool:
        if self.best is None:
            return True
        delta = self.config.min_delta
        return value < self.best - delta if self.mode == "min" else value > self.best + delta

    def observe(self, metrics: dict[str, float], epoch: float) -> str | None:
        """Feed one evaluation; a message saying why to stop, or None to go on."""
        cfg = self.config
        value = metrics.get(cfg.monitor)
        if not cfg.enabled or value is None:
            return None
        if math.isfinite(value) and self._improves(value):
            self.best, self.best_epoch, self.bad = value, epoch, 0
        else:
            self.bad += 1
        if cfg.target is not None and math.isfinite(value):
            reached = value <= cfg.target if self.mode == "min" else value >= cfg.target
            if reached:
                return (f"{cfg.monitor} reached the target {cfg.target:g} ({value:.4g}) at "
                        f"epoch {epoch:g}")
        if self.bad >= cfg.patience:
            by = f" by more than {cfg.min_delta:g}" if cfg.min_delta else ""
            best = f"{self.best:.4g}" if self.best is not None else "none"
            return (f"{cfg.monitor} did not improve{by} for {cfg.patience} evaluation(s); best "
                    f"{best} at epoch {self.best_epoch:g}")
        return None
