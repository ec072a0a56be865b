"""The check every comparison of trials makes: do the compared trials differ in more than the
searched knobs (another baseline, an edited epoch count)? Then their curves do not compare what
they seem to, and the view says so."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tunestudio.config.diff import config_diff

if TYPE_CHECKING:
    from tunestudio.store import TrialRow


def extra_differences(trials: Sequence[TrialRow], searched: Iterable[str]) -> list[str]:
    """Config paths (besides the searched ones and the seed) in which the trials' stored
    configs differ, sorted; [] with fewer than two configs."""
    configs = [json.loads(t.config_json) for t in trials if t.config_json]
    skip = set(searched) | {"training.seed"}
    found: set[str] = set()
    for other in configs[1:]:
        found |= {line.path for line in config_diff(configs[0], other)
                  if line.differs and line.path not in skip}
    return sorted(found)


def differs_note(trials: Sequence[TrialRow], searched: Iterable[str]) -> str:
    """A sentence for a comparison whose trials differ beyond the searched knobs ("" if not)."""
    extra = extra_differences(trials, searched)
    if not extra:
        return ""
    shown = ", ".join(extra[:4]) + (f" and {len(extra) - 4} more" if len(extra) > 4 else "")
    return f"⚠ These trials differ in more than the searched knobs: {shown}."
