"""Dotted paths into the JSON-like draft a document edits (`baseline.optimizer.lr`,
`experiments.0.search.budget.trials`): numeric parts index lists. Every write returns a new dict,
so an undo command can keep the draft before and after."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel


def get_path(data: Any, path: str) -> Any:
    """The value at the dotted `path` in `data`; KeyError or IndexError when there is none
    (ValueError for a non-numeric part into a list)."""
    node = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def set_path(data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `data` with a copy of `value` at the dotted `path` (`data` is left as it was);
    dict keys missing on the way are created as dicts. IndexError for a list index out of range."""
    out = copy.deepcopy(dict(data))
    parts = path.split(".")
    node: Any = out
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = copy.deepcopy(value)
    else:
        node[last] = copy.deepcopy(value)
    return out


def switch_variant(data: Mapping[str, Any], section: str,
                   variant: type[BaseModel]) -> dict[str, Any]:
    """Put `variant` at `section`, keeping the values of fields it shares with the current one
    (an LR survives a switch from Adam to SGD) and the variant's defaults for the rest."""
    try:
        current = get_path(data, section)
    except (KeyError, IndexError, TypeError):
        current = {}
    defaults = variant.model_construct().model_dump(mode="json")
    kept = {k: v for k, v in dict(current).items()
            if k in variant.model_fields and k not in ("kind", "type")}
    return set_path(data, section, {**defaults, **kept})
