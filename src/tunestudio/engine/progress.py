"""A text progress line for terminals (the `train` command): one line per evaluation, or one
line rewritten in place with the latest step when the stream is a terminal."""

from __future__ import annotations

import math
import time
from typing import TextIO

from tunestudio.engine.events import EvalEvent, FitResult, FitStartEvent, StepEvent, TrainerHooks
from tunestudio.engine.trainer import Trainer

STEP_REFRESH_S = 0.25


class ProgressLine(TrainerHooks):
    def __init__(self, stream: TextIO, metric: str | None = None):
        self.stream = stream
        self.metric = metric
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.total = 0
        self.spe = 1
        self._last_draw = 0.0
        self._eval = ""

    def on_fit_start(self, trainer: Trainer, event: FitStartEvent) -> None:
        self.total, self.spe = event.total_steps, event.steps_per_epoch
        self.stream.write(f"training on {event.device}: {event.n_train} train / {event.n_val} "
                          f"validation samples, {event.n_parameters} parameters, "
                          f"{event.total_steps} steps\n")
        self.stream.flush()

    def on_step_end(self, trainer: Trainer, event: StepEvent) -> None:
        now = time.monotonic()
        if not self.live or now - self._last_draw < STEP_REFRESH_S:
            return
        self._last_draw = now
        self._draw(f"step {event.step}/{self.total}  epoch {event.epoch + 1}  loss "
                   f"{event.loss:.4g}  lr {event.lr:.3g}  {event.samples_per_s:,.0f} samples/s"
                   f"{self._eval}", end="")

    def on_evaluate_end(self, trainer: Trainer, event: EvalEvent) -> None:
        shown = [k for k in event.metrics if k.startswith("val_")] or list(event.metrics)
        if self.metric is not None and self.metric in event.metrics:
            shown = [self.metric, *[k for k in shown if k != self.metric]]
        values = "  ".join(f"{k} {_fmt(event.metrics[k])}" for k in shown[:3])
        self._eval = f"  | {values}"
        self._draw(f"epoch {event.epoch:g}/{self.total / self.spe:g}  train_loss "
                   f"{_fmt(event.train_loss)}  {values}  {event.wall_s:.1f} s", end="\n")

    def on_fit_end(self, trainer: Trainer, result: FitResult) -> None:
        self._draw(f"{result.status}: {result.message} ({result.duration_s:.1f} s)", end="\n")

    def _draw(self, text: str, end: str) -> None:
        if self.live:
            self.stream.write("\r\x1b[2K" + text + end)
        elif end:
            self.stream.write(text + "\n")
        self.stream.flush()


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)
