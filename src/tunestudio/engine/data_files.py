"""The user's data files: CSV (header row, a named target column, numeric features) and NumPy
.npz (arrays X and y). Every error names the file, the line or sample, the column, and a fix."""

from __future__ import annotations

import csv
import difflib
import math
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tunestudio.config.common import Task
from tunestudio.engine.dataset import DataError, RawData, as_raw_data, encode_labels
from tunestudio.errors import TuneStudioError

_MISSING = frozenset({"", "nan", "na", "n/a", "null", "none", "?"})


def resolve_path(raw: str, base_dir: Path | None, what: str, field: str,
                 error: type[TuneStudioError] = DataError) -> Path:
    """A relative path is relative to the project file's folder."""
    path = Path(raw).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    if not path.is_file():
        hint = f" (relative paths start at {base_dir})" if base_dir is not None \
            and not Path(raw).is_absolute() else ""
        raise error(f"{what} '{raw}' not found{hint}; check {field}")
    return path


def read_csv(path: Path, target: str, task: Task) -> RawData:
    """A UTF-8 CSV file with a header row as RawData, `target` the column to predict and every other
    column a feature; raises DataError for a file that is not UTF-8 or not CSV, has no header or no
    such target column, or holds values the task cannot use."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _parse_csv(path, csv.reader(handle), target, task)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save the "
                        "file as UTF-8 CSV") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None


def _parse_csv(path: Path, reader: Iterator[list[str]], target: str, task: Task) -> RawData:
    header = [h.strip() for h in next(reader, [])]
    if not any(header):
        raise DataError(f"{path}: the file is empty; it needs a header row naming the columns")
    if target not in header:
        close = difflib.get_close_matches(target, header, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise DataError(
            f"{path}: no target column '{target}'; the header has: {', '.join(header)}.{hint} "
            "Set data.source.target to the name of the column to predict"
        )
    t_col = header.index(target)
    feature_cols = [i for i in range(len(header)) if i != t_col]
    if not feature_cols:
        raise DataError(f"{path}: the only column is the target '{target}'; add feature columns")
    features: list[list[float]] = []
    targets: list[str] = []
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise DataError(f"{path}: line {line_no} has {len(row)} cells but the header has "
                            f"{len(header)}; fix that line")
        values: list[float] = []
        for i in feature_cols:
            values.append(_number(path, line_no, header[i], row[i]))
        features.append(values)
        targets.append(_target_cell(path, line_no, target, row[t_col]))
    if len(features) < 2:
        raise DataError(f"{path}: has {len(features)} data row(s); it needs at least 2")
    x = np.asarray(features, dtype=np.float32)
    names = tuple(header[i] for i in feature_cols)
    if task == "regression":
        y = np.asarray([_number(path, n + 2, target, v) for n, v in enumerate(targets)],
                       dtype=np.float32)
        return as_raw_data(x, y, task, str(path), names)
    labels = _labels(targets)
    indices, classes = encode_labels(labels, str(path))
    return RawData(x, indices, task, classes, names)


def _number(path: Path, line_no: int, column: str, cell: str) -> float:
    text = cell.strip()
    if text.lower() in _MISSING:
        raise DataError(f"{path}: line {line_no}, column '{column}' is empty or NaN "
                        f"({cell!r}); fill it in or remove the line")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{path}: line {line_no}, column '{column}': {cell!r} is not a number; "
                        "encode it as numbers or remove the column") from None
    if not math.isfinite(value):
        raise DataError(f"{path}: line {line_no}, column '{column}' is {cell!r}; use finite "
                        "numbers")
    return value


def _target_cell(path: Path, line_no: int, column: str, cell: str) -> str:
    text = cell.strip()
    if text.lower() in _MISSING:
        raise DataError(f"{path}: line {line_no}, target column '{column}' is empty or NaN; "
                        "fill it in or remove the line")
    return text


def _labels(cells: list[str]) -> np.ndarray:
    """Numeric class labels stay numbers (so '10' sorts after '9'); anything else is a name."""
    try:
        return np.asarray([float(c) for c in cells])
    except ValueError:
        return np.asarray(cells)


def read_npz(path: Path, task: Task) -> RawData:
    """An .npz archive with arrays `X` (features) and `y` (targets) as RawData; raises DataError for
    an unreadable archive, one without both arrays, or values the task cannot use."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            if "X" not in keys or "y" not in keys:
                raise DataError(f"{path}: has arrays {', '.join(keys) or '(none)'}; it needs "
                                "'X' (features) and 'y' (targets): np.savez(path, X=X, y=y)")
            x, y = archive["X"], archive["y"]
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable .npz file ({exc}); write it with "
                        "np.savez(path, X=X, y=y)") from None
    return as_raw_data(x, y, task, str(path))
