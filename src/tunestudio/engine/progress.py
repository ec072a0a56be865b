"""Progress of one training run on a terminal (the `train` command): a tqdm bar over the
optimiser steps (loss, LR and samples/s beside it) with one line per evaluation above it when
the stream is a terminal; plain lines, one per evaluation, into a file or a pipe."""

from __future__ import annotations

import math
from typing import Any, TextIO

from tqdm import tqdm

from tunestudio.engine.events import EvalEvent, FitResult, FitStartEvent, StepEvent, TrainerHooks
from tunestudio.engine.trial import Trial

STEP_REFRESH_S = 0.25  # at most this often the bar is redrawn


class ProgressLine(TrainerHooks):
    """Writes a run's progress to `stream`; `metric` (e.g. 'val_accuracy') is shown first on
    each evaluation line. The live bar appears only when `stream.isatty()`."""

    def __init__(self, stream: TextIO, metric: str | None = None):
        self.stream = stream
        self.metric = metric
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.total = 0
        self.spe = 1
        self.bar: Any = None  # the tqdm bar while a live run trains
        self._done = 0  # steps counted on the bar

    def on_fit_start(self, trainer: Trial, event: FitStartEvent) -> None:
        """One line: the device, the training and validation samples, the parameters and the steps;
        at a terminal, a bar of the steps opens."""
        self.total, self.spe = event.total_steps, event.steps_per_epoch
        self._write(f"training on {event.device}: {event.n_train} train / {event.n_val} "
                    f"validation samples, {event.n_parameters} parameters, "
                    f"{event.total_steps} steps")
        if self.live:
            self.bar = tqdm(total=event.total_steps, unit="step", file=self.stream,
                            dynamic_ncols=True, mininterval=STEP_REFRESH_S, leave=False)
            self._done = 0  # a resumed run's first step moves the bar to where it goes on

    def on_step_end(self, trainer: Trial, event: StepEvent) -> None:
        """Move the bar to the step, with the epoch, loss, learning rate and samples per second."""
        if self.bar is None:
            return
        self.bar.set_postfix_str(f"epoch {event.epoch + 1}  loss {event.loss:.4g}  lr "
                                 f"{event.lr:.3g}  {event.samples_per_s:,.0f} samples/s",
                                 refresh=False)
        self.bar.update(event.step - self._done)
        self._done = event.step

    def on_evaluate_end(self, trainer: Trial, event: EvalEvent) -> None:
        """One line: the epoch, the training loss, up to three metrics (the monitored one first,
        validation metrics preferred) and the seconds of training."""
        shown = [k for k in event.metrics if k.startswith("val_")] or list(event.metrics)
        if self.metric is not None and self.metric in event.metrics:
            shown = [self.metric, *[k for k in shown if k != self.metric]]
        values = "  ".join(f"{k} {_fmt(event.metrics[k])}" for k in shown[:3])
        self._write(f"epoch {event.epoch:g}/{self.total / self.spe:g}  train_loss "
                    f"{_fmt(event.train_loss)}  {values}  {event.wall_s:.1f} s")

    def on_fit_end(self, trainer: Trial, result: FitResult) -> None:
        """Close the bar."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self._write(f"{result.status}: {result.message} ({result.duration_s:.1f} s)")

    def _write(self, text: str) -> None:
        if self.bar is not None:  # above the bar, which is redrawn below it
            self.bar.write(text, file=self.stream)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)
