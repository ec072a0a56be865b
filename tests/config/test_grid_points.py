"""Grid and one-variable-at-a-time points are exactly the values asked for (the
log-grid-endpoints case): decades exact on a log grid, both ends exact, never outside the
dimension's range nor the field's limits."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from tunestudio.config import (
    FloatDimension,
    IntDimension,
    SearchDefinition,
    from_template,
    merge_values,
    ovat_values,
)
from tunestudio.config.search import tidy_point

CASES = Path(__file__).parents[1] / "cases"


def test_five_log_points_from_0_001_to_10_are_the_five_decades_exactly() -> None:
    dim = FloatDimension(path="optimizer.lr", low=0.001, high=10.0, log=True, grid_points=5)
    assert dim.grid_values() == [0.001, 0.01, 0.1, 1.0, 10.0]  # ==, not approx
    base = from_template("digits").baseline
    for value in dim.grid_values():  # 10 is the field's maximum: still valid
        assert merge_values(base, {"optimizer.lr": value}).optimizer.lr == value


@pytest.mark.parametrize(("low", "high"), [(1e-8, 1.0), (1e-6, 10.0), (1e-5, 1e-1),
                                           (2e-5, 2e-1), (1e-3, 1e-2)])
def test_every_decade_of_any_log_grid_is_exact_and_inside_the_range(low: float,
                                                                    high: float) -> None:
    for n in range(2, 40):
        values = FloatDimension(path="optimizer.lr", low=low, high=high, log=True,
                                grid_points=n).grid_values()
        assert values[0] == low and values[-1] == high and len(values) == n
        assert all(low <= v <= high for v in values)
        assert values == sorted(values)
        span = math.log10(high / low)
        mantissa, _, power = f"{low:e}".partition("e")  # 2e-5 -> "2.000000", "-05"
        for i, v in enumerate(values):
            decades = (i / (n - 1)) * span
            if abs(decades - round(decades)) < 1e-9:  # low times a power of ten
                assert v == float(f"{mantissa}e{int(power) + round(decades)}"), (n, i, v)


def test_linear_and_stepped_grids_hit_their_round_values() -> None:
    wd = FloatDimension(path="optimizer.weight_decay", low=0.0, high=0.3, grid_points=4)
    assert wd.grid_values() == [0.0, 0.1, 0.2, 0.3]
    stepped = FloatDimension(path="optimizer.weight_decay", low=0.0, high=0.35, step=0.1,
                             grid_points=4)
    assert stepped.grid_values() == [0.0, 0.1, 0.2, 0.3]
    widths = IntDimension(path="model.width", low=16, high=1024, log=True, grid_points=7)
    assert widths.grid_values() == [16, 32, 64, 128, 256, 512, 1024]


def test_a_point_that_stands_for_no_short_number_is_kept() -> None:
    assert tidy_point(10 ** -3.5, 0.0, 1.0) == 10 ** -3.5
    assert tidy_point(10.00000000000001, 0.001, 10.0) == 10.0
    assert tidy_point(1.0000000000000009, 0.001, 10.0) == 1.0
    assert tidy_point(0.30000000000000004, 0.0, 1.0) == 0.3


def test_ovat_values_are_the_exact_points_too() -> None:
    base = from_template("digits").baseline
    search = SearchDefinition(strategy="ovat", budget={"trials": None}, dimensions=[
        FloatDimension(path="optimizer.lr", low=0.001, high=10.0, log=True, grid_points=5)])
    tried = [p["optimizer.lr"] for p in ovat_values(search, base) if p]
    assert tried == [v for v in [0.001, 0.01, 0.1, 1.0, 10.0] if v != base.optimizer.lr]


def test_a_range_beyond_the_fields_limits_is_refused_naming_the_limit() -> None:
    with pytest.raises(ValidationError, match=r"optimizer.lr: high \(20\) .* must be <= 10"):
        FloatDimension(path="optimizer.lr", low=0.001, high=20.0, log=True)
    with pytest.raises(ValidationError, match=r"optimizer.weight_decay: high \(2\)"):
        FloatDimension(path="optimizer.weight_decay", low=0.0, high=2.0)
    with pytest.raises(ValidationError, match=r"model.width: low \(0\)"):
        IntDimension(path="model.width", low=0, high=64)


def test_the_case_runs_five_trials_at_exactly_the_decades(tmp_path: Path) -> None:
    path = tmp_path / "decades.tuneproj"
    shutil.copy(CASES / "decades.tuneproj", path)
    run = subprocess.run([sys.executable, "-m", "tunestudio", "run", str(path), "--device",
                          "cpu", "--quiet"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    listed = subprocess.run([sys.executable, "-m", "tunestudio", "trials", str(path),
                             "--format", "json"], capture_output=True, text=True, timeout=600)
    rows = json.loads(listed.stdout)
    assert sorted(r["params"]["optimizer.lr"] for r in rows) == [0.001, 0.01, 0.1, 1.0, 10.0]
    assert "invalid" not in {r["state"] for r in rows}
