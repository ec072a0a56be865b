"""The trials table's filter language on its own: comparisons by column title, knob path or its
last part, bare words, and clear errors for unknown or ambiguous names."""

from __future__ import annotations

import pytest

from tunestudio.gui.trials.filtering import FilterError, parse

KEYS = ["#", "state", "objective", "optimizer.lr", "optimizer.weight_decay", "model.width",
        "tags"]
ROW = {"#": 7, "state": "complete", "objective": 0.96, "optimizer.lr": 0.003,
       "optimizer.weight_decay": 1e-4, "model.width": 128, "tags": "keep, fast"}
CELLS = ["7", "complete", "0.96", "0.003", "0.0001", "128", "keep, fast"]


@pytest.mark.parametrize(("text", "expected"), [
    ("state=complete", True), ("state!=complete", False), ("lr<0.01", True),
    ("lr>=0.003", True), ("optimizer.lr>0.003", False), ("objective>0.95 width=128", True),
    ("objective>0.95 width=256", False), ("tags~keep", True), ("tags~slow", False),
    ("fast", True), ("slow", False), ("#=7", True), ("STATE=COMPLETE", True), ("", True),
])
def test_terms_all_have_to_hold(text: str, expected: bool) -> None:
    assert parse(text, KEYS)(ROW, CELLS) is expected


def test_a_missing_value_only_passes_not_equal() -> None:
    row = {**ROW, "objective": None}
    assert parse("objective!=1", KEYS)(row, CELLS)
    assert not parse("objective>0", KEYS)(row, CELLS)


def test_unknown_and_ambiguous_names_are_errors_that_list_the_columns() -> None:
    with pytest.raises(FilterError, match=r"no column 'speed'.*optimizer\.lr"):
        parse("speed>1", KEYS)
    with pytest.raises(FilterError, match="ambiguous"):
        parse("lr<1", [*KEYS, "schedule.lr"])
