"""Exports keep stored values exactly (the csv-precision case): the CSV holds the same floats as
the JSON export, not 6 significant digits."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from cli_helpers import tunestudio
from tunestudio.cli.history import write_rows

CASES = Path(__file__).parents[1] / "cases"




def test_csv_writes_every_float_in_full_and_the_table_rounds_for_the_eye() -> None:
    row = {"experiment": "e", "trial_id": 1, "number": 0, "state": "complete",
           "objective": 0.9582172632217407, "params": {"optimizer.lr": 0.00375619614449984},
           "duration_s": 1.2345678912345, "config": "current", "message": ""}
    out = io.StringIO()
    write_rows([row], "csv", out)
    [back] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert float(back["optimizer.lr"]) == 0.00375619614449984
    assert float(back["objective"]) == 0.9582172632217407
    assert float(back["duration_s"]) == 1.2345678912345
    table = io.StringIO()
    write_rows([row], "table", table)
    assert "0.00375620" not in table.getvalue() and "0.0037562" in table.getvalue()


def test_the_csv_export_equals_the_json_export(tmp_path: Path) -> None:
    path = tmp_path / "export.tuneproj"
    shutil.copy(CASES / "csv-export.tuneproj", path)
    run = tunestudio("run", str(path), "--device", "cpu", "--quiet")
    assert run.returncode == 0, run.stderr
    as_csv = tunestudio("export", str(path), "--format", "csv").stdout
    as_json = json.loads(tunestudio("export", str(path), "--format", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(rows) == len(as_json) == 3
    for line, record in zip(rows, as_json, strict=True):
        assert float(line["objective"]) == record["objective"]
        assert float(line["duration_s"]) == record["duration_s"]
        for name, value in record["params"].items():
            assert float(line[name]) == value, name


def _record(number: int) -> dict[str, object]:
    return {"experiment": "e", "trial_id": number + 1, "number": number, "state": "complete",
            "objective": 0.5 + number / 10, "params": {"optimizer.lr": 10.0 ** -number},
            "duration_s": 1.0, "config": "current", "message": "a\nb"}


def test_csv_and_json_are_written_as_the_records_arrive() -> None:
    """`trials`/`export` stream a long history: each record is out before the next is read, and
    the JSON is exactly what json.dump writes of the whole list."""
    for fmt in ("csv", "json"):
        out = io.StringIO()
        seen: list[int] = []

        def records(out: io.StringIO, seen: list[int], fmt: str
                    ) -> Iterator[dict[str, object]]:
            for n in range(3):
                if n:  # the record before this one is already written
                    assert f"{0.5 + (n - 1) / 10!r}" in out.getvalue(), (fmt, n)
                seen.append(n)
                yield _record(n)

        write_rows(records(out, seen, fmt), fmt, out, params=["optimizer.lr"])
        assert seen == [0, 1, 2]
        if fmt == "json":
            assert out.getvalue() == json.dumps([_record(n) for n in range(3)], indent=2) + "\n"
        else:
            rows = list(csv.DictReader(io.StringIO(out.getvalue())))
            assert [float(r["optimizer.lr"]) for r in rows] == [1.0, 0.1, 0.01]
    empty = io.StringIO()
    write_rows(iter([]), "json", empty)
    assert empty.getvalue() == "[]\n"
