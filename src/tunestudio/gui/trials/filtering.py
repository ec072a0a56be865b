"""The trials table's filter line, parsed once into a predicate over a row's values (no Qt, so it
is tested on its own and costs nothing per row beyond the comparisons).

Terms are separated by spaces and must all hold: `name<op>value` with op one of
`= != < <= > >= ~` (`~`: contains), or a bare word, which must appear in some cell. A name is a
column title, a dotted knob path or its last part (`lr` finds `optimizer.lr`), case-insensitive.
Examples: `state=complete`, `lr<0.01 objective>=0.95`, `tags~keep`, `adam`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TERM = re.compile(r"^([^<>=!~]+?)(<=|>=|!=|=|<|>|~)(.*)$")
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}
Predicate = Callable[[Mapping[str, Any], Sequence[str]], bool]


class FilterError(ValueError):
    """A term names no column; the message lists the names that exist."""


@dataclass(frozen=True)
class _Term:
    key: str | None  # None: a bare word
    op: str
    text: str
    number: float | None


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def resolve_name(name: str, keys: Sequence[str], aliases: Mapping[str, str]) -> str:
    low = name.strip().lower()
    if low in aliases:
        return aliases[low]
    exact = [k for k in keys if k.lower() == low]
    if exact:
        return exact[0]
    tails = [k for k in keys if k.lower().rsplit(".", 1)[-1] == low]
    if len(tails) == 1:
        return tails[0]
    if len(tails) > 1:
        raise FilterError(f"'{name}' is ambiguous: {', '.join(tails)}")
    raise FilterError(f"no column '{name}'; use one of: {', '.join(keys)}")


def parse(text: str, keys: Sequence[str], aliases: Mapping[str, str] | None = None
          ) -> Predicate:
    """A predicate over (values by key, display cells). Raises FilterError."""
    terms = []
    for word in text.split():
        m = _TERM.match(word)
        if m is None:
            terms.append(_Term(None, "~", word.lower(), None))
            continue
        key = resolve_name(m.group(1), keys, aliases or {})
        value = m.group(3)
        terms.append(_Term(key, m.group(2), value.lower(), _number(value)))

    def accepts(values: Mapping[str, Any], cells: Sequence[str]) -> bool:
        return all(_holds(t, values, cells) for t in terms)

    return accepts


def _holds(term: _Term, values: Mapping[str, Any], cells: Sequence[str]) -> bool:
    if term.key is None:
        return any(term.text in c.lower() for c in cells)
    value = values.get(term.key)
    if term.op == "~":
        return value is not None and term.text in str(value).lower()
    if value is None:
        return term.op == "!="
    if term.number is not None and isinstance(value, int | float) and not isinstance(value,
                                                                                     bool):
        return _OPS[term.op](float(value), term.number)
    return _OPS[term.op](str(value).lower(), term.text)
