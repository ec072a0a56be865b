"""How numbers are shown: few significant digits, never more than the value has. Display only:
the value underneath (stored, exported, written into a project) stays whole."""

from __future__ import annotations

import math
from typing import Any


def short(value: Any, digits: int = 3) -> str:
    """`0.00030000000000000003` -> `0.0003`, `0.00375619614449984` -> `0.00376`, `128` ->
    `128`, `True` -> `True`, `None` -> ``. Floats with `digits` significant digits (`g`
    format); integers and other values as they are."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "nan"
    return f"{value:.{digits}g}"


def short_params(params: Any, digits: int = 3) -> str:
    """`lr=0.00135, wd=2e-05` (dotted keys shortened to their last part)."""
    return ", ".join(f"{str(k).rsplit('.', 1)[-1]}={short(v, digits)}"
                     for k, v in dict(params).items())
