"""Sampled values merged into the baseline and validated: the only way a trial's config is made,
so a trial never trains on a config pydantic has not accepted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from tunestudio.config.dotted import set_values
from tunestudio.config.problems import validation_problems
from tunestudio.config.run import RunConfig
from tunestudio.errors import TuneStudioError


class InvalidConfigError(TuneStudioError):
    """A merged config failed validation; the search records the trial as `invalid`."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{loc}: {msg}" for loc, msg in problems))


def merge_values(baseline: RunConfig, values: Mapping[str, Any]) -> RunConfig:
    """A trial's config: the sampled `values`, by dotted path (`optimizer.lr` -> 0.003), written
    into a copy of `baseline` (a `kind` first, switching its section's variant: see
    `set_values`), then validated. Raises InvalidConfigError, holding the (field path, message)
    problems, when pydantic refuses the result; `baseline` itself is never changed."""
    data = set_values(RunConfig, baseline.model_dump(mode="python"), values)
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidConfigError(validation_problems(exc, data)) from None
