"""Two configs side by side: every leaf by its dotted path, with the ones that differ marked.
What `tunestudio diff` prints and the window shows for two trials."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

MISSING: Any = object()  # a path one side does not have (another variant of a union)


@dataclass(frozen=True, slots=True)
class ConfigLine:
    """One dotted path (`optimizer.lr`) with its value on each side; `MISSING` where that side's
    config has no such field (e.g. `optimizer.momentum` beside an Adam optimiser)."""

    path: str
    left: Any
    right: Any

    @property
    def differs(self) -> bool:
        """Whether the two sides differ (`same_value`); a path only one side has always differs."""
        return not same_value(self.left, self.right)


def same_value(a: Any, b: Any) -> bool:
    """Equal as stored: types matter for booleans (True is not 1), floats compare exactly
    (0.1 and 0.1000000000000001 differ) and two NaNs are the same value."""
    if a is MISSING or b is MISSING:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def flatten(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, value) for every leaf of nested mappings; lists are leaves."""
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from flatten(value, f"{path}.")
        else:
            yield path, value


def config_diff(left: Mapping[str, Any], right: Mapping[str, Any]) -> list[ConfigLine]:
    """Every leaf path of either config (as `model_dump(mode="json")` data), in the left's order
    with the right's extra paths after; see `ConfigLine.differs`."""
    a, b = dict(flatten(left)), dict(flatten(right))
    paths = list(a) + [p for p in b if p not in a]
    return [ConfigLine(p, a.get(p, MISSING), b.get(p, MISSING)) for p in paths]


def show_value(value: Any) -> str:
    """A value as the diff prints it: floats in full (repr), `-` where the field is missing."""
    if value is MISSING:
        return "-"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)
