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


_KEY_NAMES = {"weight_decay": "wd", "batch_size": "bs", "momentum": "mom", "dropout": "drop",
              "warmup_epochs": "warmup", "label_smoothing": "ls"}


def compact(value: Any, digits: int = 3) -> str:
    """`0.00135` -> `1.35e-3`, `2e-05` -> `2e-5`, `0.25` -> `0.25`, `128` -> `128`: the
    shortest readable form for a legend."""
    if not isinstance(value, float) or isinstance(value, bool) or math.isnan(value) \
            or value == 0 or 1e-2 <= abs(value) < 1e4:
        return short(value, digits)
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def trial_label(experiment: str | None, number: int, params: Any, most: int = 3) -> str:
    """How legends and tooltips name a trial: `bayes #3 · lr=1.35e-3 · wd=2e-5` (the
    experiment, the trial's number, its first `most` searched values, shortened)."""
    parts = [f"{experiment} #{number}" if experiment else f"#{number}"]
    for key, value in list(dict(params).items())[:most]:
        name = str(key).rsplit(".", 1)[-1]
        parts.append(f"{_KEY_NAMES.get(name, name)}={compact(value)}")
    return " · ".join(parts)


def size(n_bytes: int) -> str:
    """`0` -> `0 B`, `1536` -> `1.5 KiB`, `5_242_880` -> `5 MiB`: a byte count in binary units
    with three significant digits (display only)."""
    value = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{n_bytes} B" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def number_list(values: Any, digits: int = 4) -> str:
    """`[0.01171, 0.02, 64]`: a list of values as `short` shows them (display only)."""
    return "[" + ", ".join(short(v, digits) for v in values) + "]"


def dimension_span(dim: Any, digits: int = 4) -> str:
    """What a search dimension (a model or its dict) ranges over, for reading:
    `0.0001 … 0.03, log`, `[0.01171, 0.02]` (its grid values), `{relu, gelu}` (choices).
    Floats with `digits` significant digits; the dimension itself stays exact."""
    body = dim if isinstance(dim, dict) else dim.model_dump()
    if body.get("choices") is not None:
        return "{" + ", ".join(short(c, digits) for c in body["choices"]) + "}"
    if body.get("values"):
        return number_list(body["values"], digits)
    span = f"{short(body.get('low'), digits)} … {short(body.get('high'), digits)}"
    return span + (", log" if body.get("log") else "")
