"""A loaded data set before splitting: features, targets, and what the targets mean. Every
source (built-in, CSV, .npz, a user's function) ends up as one of these."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunestudio.config.common import Task
from tunestudio.errors import TuneStudioError


class DataError(TuneStudioError):
    """The data cannot be used as configured; the message names the problem and the fix."""


@dataclass(frozen=True)
class RawData:
    """`x` is float32 of shape (N, features) or (N, C, H, W); `y` holds class indices 0..K-1
    (int64) for classification or float32 values for regression."""

    x: np.ndarray
    y: np.ndarray
    task: Task
    class_names: tuple[str, ...] | None = None
    feature_names: tuple[str, ...] | None = None

    @property
    def n_classes(self) -> int | None:
        """The number of classes K (classification), or None for regression."""
        return len(self.class_names) if self.class_names is not None else None


def encode_labels(labels: np.ndarray, where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class labels of any kind (integers, integral floats, strings) -> indices 0..K-1 in
    sorted order, with the original labels as class names."""
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise DataError(f"{where}: classification labels must be whole numbers or names; "
                            "for continuous targets set the task to regression")
        labels = labels.astype(np.int64)
    values, indices = np.unique(labels, return_inverse=True)
    if len(values) < 2:
        raise DataError(f"{where}: the target has a single class ({values[0]!r}); "
                        "classification needs at least two")
    return indices.astype(np.int64).reshape(-1), tuple(str(v) for v in values)


def as_raw_data(x: object, y: object, task: Task, where: str,
                feature_names: tuple[str, ...] | None = None) -> RawData:
    """Validate arrays from a file or a user's function: shapes agree, features are finite
    numbers, labels are usable. Errors name the sample that is wrong."""
    try:
        xa = np.asarray(x)
        ya = np.asarray(y)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: X and y must be arrays ({exc})") from None
    if ya.ndim == 2 and ya.shape[1] == 1:
        ya = ya[:, 0]
    if ya.ndim != 1:
        raise DataError(f"{where}: y must be one target per sample (shape (N,)), "
                        f"got shape {ya.shape}")
    if xa.ndim == 1:
        xa = xa[:, None]
    if xa.ndim == 3:  # (N, H, W) grey images
        xa = xa[:, None]
    if xa.ndim not in (2, 4):
        raise DataError(f"{where}: X must be (N, features) or images (N, C, H, W), "
                        f"got shape {xa.shape}")
    if len(xa) != len(ya):
        raise DataError(f"{where}: X has {len(xa)} samples but y has {len(ya)}; they must match")
    if len(xa) < 2:
        raise DataError(f"{where}: needs at least 2 samples, has {len(xa)}")
    if xa.dtype.kind not in "biuf":
        raise DataError(f"{where}: X must hold numbers, not {xa.dtype}; encode text columns "
                        "as numbers")
    xa = np.ascontiguousarray(xa, dtype=np.float32)
    bad = ~np.isfinite(xa.reshape(len(xa), -1))
    if bad.any():
        row, col = (int(v) for v in np.argwhere(bad)[0])
        raise DataError(f"{where}: X has a NaN or infinite value at sample {row}, feature "
                        f"{col}; fill or remove it")
    if task == "classification":
        yi, names = encode_labels(ya, where)
        return RawData(xa, yi, task, names, feature_names)
    if ya.dtype.kind not in "biuf":
        raise DataError(f"{where}: regression targets must be numbers, not {ya.dtype}")
    yf = ya.astype(np.float32)
    if not np.all(np.isfinite(yf)):
        row = int(np.argwhere(~np.isfinite(yf))[0][0])
        raise DataError(f"{where}: y has a NaN or infinite value at sample {row}; fill or "
                        "remove it")
    return RawData(xa, yf, task, None, feature_names)
