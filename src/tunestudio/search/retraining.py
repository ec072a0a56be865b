"""Training a config again, outside a search, for a question about one trial or the baseline:
k-fold cross-validation (is the result split-dependent?) and the learning-rate range test (what
LR should the search start from?). The GUI runs these on a worker thread; the CLI's `lr-find`
runs the range test on a project's baseline."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tunestudio.config import RunConfig
    from tunestudio.engine import CrossValidationResult, LRRangeResult


def cross_validate_config(config: RunConfig, base_dir: Path | None, seed: int | None,
                          stop_event: threading.Event | None = None) -> CrossValidationResult:
    """`evaluation.kfold` folds of `config`, each fold the validation split once (engine's
    `cross_validate`); ends early, with the folds done, when `stop_event` is set."""
    from tunestudio.engine import cross_validate

    return cross_validate(config, base_dir=base_dir, seed=seed, stop_event=stop_event)


def lr_range_test_config(config: RunConfig, base_dir: Path | None, seed: int | None = None,
                         stop_event: threading.Event | None = None, steps: int = 100,
                         device: str | None = None) -> LRRangeResult:
    """Leslie Smith's LR range test (Smith 2017, "Cyclical Learning Rates", section 3.3) on
    `config`: `steps` steps with the LR rising exponentially from 1e-7 to 10; suggested LR a
    tenth of the LR at the smoothed loss's minimum, range a hundredth of it up to it. Raises
    TuneStudioError when the loss diverges at once."""
    from tunestudio.engine import lr_range_test

    return lr_range_test(config, base_dir, seed=seed, stop_event=stop_event, steps=steps,
                         device=device)
