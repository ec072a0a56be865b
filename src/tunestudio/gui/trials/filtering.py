"""The trials table's filter line, parsed once into a predicate over a row's values (no Qt, so it
is tested on its own and costs nothing per row beyond the comparisons).

Terms are separated by spaces and must all hold: `name<op>value` with op one of
`= != < <= > >= ~` (`~`: contains), or a bare word, which must appear in some cell. A name is a
column title, a dotted knob path or its last part (`lr` finds `optimizer.lr`), case-insensitive.
Examples: `state=complete`, `lr<0.01 objective>=0.95`, `tags~keep`, `adam`.

A parsed filter answers for one row (`Filter(values, cells)`) or for a whole table at once
(`Filter.mask`): each term is a numpy comparison over whole columns (numbers as floats, the rest
as lower-case text, a bare word over the display strings), so a filter over 100,000 trials
costs milliseconds, not a Python call per row."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

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
    """The column key a filter term's `name` means, case-insensitively: an alias in `aliases`, a
    key in `keys`, or the last part of one dotted key ("lr" for "optimizer.lr"). Raises
    FilterError when the name matches no column or the last part of several."""
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


Mask = npt.NDArray[np.bool_]


class Columns(Protocol):
    """A table seen by column, as `Filter.mask` reads it (rows in one fixed order)."""

    def __len__(self) -> int: ...

    def values(self, key: str) -> Sequence[Any]:
        """The raw values of a column (None: empty)."""

    def numbers(self, key: str) -> tuple[npt.NDArray[np.float64], Mask]:
        """The column as floats (NaN where a value is not a number) and where its values are
        numbers (int or float, not bool)."""

    def empty(self, key: str) -> Mask:
        """Where a column has no value (None)."""

    def texts(self, key: str) -> npt.NDArray[np.str_]:
        """A column's values as `str(value).lower()` ("" where empty)."""

    def shown(self, key: str) -> npt.NDArray[np.str_]:
        """A column's display strings, lower case (only bare words read them)."""

    def filter_keys(self) -> list[str]:
        """The columns' keys, in display order."""


@dataclass(frozen=True)
class Filter:
    """The terms of a filter line; all must hold. Call it on one row, or `mask` a table."""

    terms: tuple[_Term, ...]

    def __call__(self, values: Mapping[str, Any], cells: Sequence[str]) -> bool:
        return all(_holds(t, values, cells) for t in self.terms)

    def mask(self, table: Columns) -> Mask:
        """Which rows of `table` pass, as `__call__` would answer row by row."""
        keep = np.ones(len(table), dtype=bool)
        for term in self.terms:
            keep &= _column_holds(term, table)
        return keep


def parse(text: str, keys: Sequence[str], aliases: Mapping[str, str] | None = None
          ) -> Filter:
    """A filter over (values by key, display cells), or a whole table. Raises FilterError."""
    terms = []
    for word in text.split():
        m = _TERM.match(word)
        if m is None:
            terms.append(_Term(None, "~", word.lower(), None))
            continue
        key = resolve_name(m.group(1), keys, aliases or {})
        value = m.group(3)
        terms.append(_Term(key, m.group(2), value.lower(), _number(value)))
    return Filter(tuple(terms))


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


# every character a number's display string can hold ("1.5e-05", "nan", "-inf", "3.2 s"): a
# bare word with any other character is not in a number's cell, whatever the number
_NUMBER_CHARS = frozenset("0123456789.+-einaf s")


def _column_holds(term: _Term, table: Columns) -> Mask:
    """`_holds` of one term for every row of `table`, in numpy: numbers compared as floats,
    the rest (text, a missing value) as lower-case text over the whole column."""
    if term.key is None:
        out = np.zeros(len(table), dtype=bool)
        only_text = not set(term.text) <= _NUMBER_CHARS
        for key in table.filter_keys():
            if only_text:  # numbers' cells cannot hold it: skip a column of numbers alone
                _, numeric = table.numbers(key)
                text = ~numeric & ~table.empty(key)
                if not text.any():
                    continue
                out |= text & (np.char.find(table.shown(key), term.text) >= 0)
            else:
                out |= np.char.find(table.shown(key), term.text) >= 0
        return out
    empty = table.empty(term.key)
    if term.op == "~":
        return ~empty & (np.char.find(table.texts(term.key), term.text) >= 0)
    out = np.zeros(len(empty), dtype=bool)
    rest = ~empty  # compared as text
    if term.number is not None:
        numbers, numeric = table.numbers(term.key)
        with np.errstate(invalid="ignore"):
            out[numeric] = _OPS[term.op](numbers[numeric], term.number)
        rest &= ~numeric
    if rest.any():  # (the text of a column of numbers alone is never made)
        out[rest] = _OPS[term.op](table.texts(term.key)[rest], term.text)
    out[empty] = term.op == "!="
    return out
