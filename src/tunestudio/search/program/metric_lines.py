"""Metrics read from what a program prints: `epoch 3 train_loss=0.41 val_acc=0.93` holds
epoch 3 and two metrics. The default pattern finds `key=value` and `key: value` pairs whose
value is a number (nan and inf included); `epoch N` and `step N` (also `Epoch 3/20`) count
too. A project may give its own regular expression instead (see ProgramConfig.metric_pattern).

A line that holds the experiment's objective is an evaluation; one that holds a loss
(`loss`, `train_loss`) but not the objective is a training step; any other line is output."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tunestudio.config.program import DEFAULT_METRIC_PATTERN

_COUNTERS = re.compile(
    r"(?i)\b(?P<key>epoch|step|iter|iteration)\s+(?P<value>\d+)(?:\s*/\s*\d+)?\b")
_DEFAULT = re.compile(DEFAULT_METRIC_PATTERN, re.IGNORECASE)
LOSS_KEYS = ("loss", "train_loss", "train/loss")
STEP_KEYS = ("step", "iter", "iteration", "global_step")


@dataclass(frozen=True, slots=True)
class MetricLine:
    """The numbers one printed line holds, by name (names lower-cased for epoch/step only)."""

    values: dict[str, float]

    @property
    def epoch(self) -> float | None:
        """The value printed as `epoch`, or None."""
        return self.values.get("epoch")

    @property
    def step(self) -> int | None:
        """The first finite value printed under one of STEP_KEYS, as an int, or None."""
        for key in STEP_KEYS:
            value = self.values.get(key)
            if value is not None and math.isfinite(value):
                return int(value)
        return None

    @property
    def loss(self) -> float | None:
        """The first value printed under one of LOSS_KEYS (the training loss), or None."""
        for key in LOSS_KEYS:
            if key in self.values:
                return self.values[key]
        return None


class MetricLineParser:
    """Finds metrics in lines with the default pattern or a project's own."""

    def __init__(self, pattern: str = ""):
        self.custom = re.compile(pattern) if pattern else None

    def parse(self, line: str) -> MetricLine | None:
        """The line's numbers, or None when it holds none."""
        values: dict[str, float] = {}
        if self.custom is None:
            for match in _COUNTERS.finditer(line):
                values[match["key"].lower()] = float(match["value"])
            for match in _DEFAULT.finditer(line):
                key = match["key"]
                values[key.lower() if key.lower() in ("epoch", *STEP_KEYS) else key] = \
                    _number(match["value"])
        elif {"key", "value"} <= set(self.custom.groupindex):
            for match in self.custom.finditer(line):
                try:
                    values[match["key"]] = _number(match["value"])
                except ValueError:
                    continue
        else:
            for match in self.custom.finditer(line):
                for key, text in match.groupdict().items():
                    if text is None:
                        continue
                    try:
                        values[key] = _number(text)
                    except ValueError:
                        continue
        return MetricLine(values) if values else None


def _number(text: str) -> float:
    """Python's float() reads nan, inf and infinity in any case."""
    return float(text)
