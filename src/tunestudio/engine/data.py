"""From a data config to train/validation/test arrays: load, keep a class subset and a fraction
("simplify to go fast"), split with a fixed seed (stratified for classification), and
standardise with statistics of the training split only, so nothing leaks from validation or
test into training. Regression targets are standardised too (metrics are reported back in the
target's own units)."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from tunestudio.config import (
    BuiltinData,
    CsvData,
    DataConfig,
    DatasetFileData,
    ImageFolderData,
    NpzData,
    PythonData,
)
from tunestudio.config.common import Task
from tunestudio.engine import split_cache, user_code
from tunestudio.engine.builtin_data import load_builtin
from tunestudio.engine.data_files import read_csv, read_npz, resolve_path
from tunestudio.engine.dataset import DataError, RawData, as_raw_data
from tunestudio.engine.image_folder import load_image_folder

SplitName = Literal["train", "val", "test"]
_EMPTY = np.empty(0, dtype=np.int64)
# Per-channel (mean, std) of the training images on the 0..1 scale.
Normalization = tuple[tuple[float, ...], tuple[float, ...]]


@dataclass(frozen=True)
class Splits:
    """Arrays ready for training. Features are float32, standardised when configured, or, for
    an image folder, uint8 images `(N, C, H, W)` with `normalization` the per-channel
    (mean, std) of the training split on the 0..1 scale, which the model applies to its input
    (see engine.input_norm). `y` is int64 class indices or float32 (standardised) regression
    targets, and `target_mean`/`target_std` turn predictions back into the target's units."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    task: Task
    n_classes: int | None
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] | None = None
    feature_names: tuple[str, ...] | None = None
    target_mean: float = 0.0
    target_std: float = 1.0
    normalization: Normalization | None = None
    # array features standardised with the training split's per-feature mean and standard
    # deviation, flattened `(prod(input_shape),)`; None when not standardised (images: see
    # `normalization`). An exported model applies them itself (engine/delivery.py).
    feature_mean: np.ndarray | None = None
    feature_std: np.ndarray | None = None

    @property
    def n_outputs(self) -> int:
        """The model's outputs: the number of classes, 1 for regression."""
        return self.n_classes if self.n_classes is not None else 1

    @property
    def n_train(self) -> int:
        """Samples in the training split."""
        return len(self.y_train)

    @property
    def n_val(self) -> int:
        """Samples in the validation split."""
        return len(self.y_val)

    @property
    def n_test(self) -> int:
        """Samples in the test split."""
        return len(self.y_test)

    def arrays(self, split: SplitName) -> tuple[np.ndarray, np.ndarray]:
        """`(x, y)` of one split, 'train', 'val' or 'test'; raises KeyError for another name."""
        return {"train": (self.x_train, self.y_train), "val": (self.x_val, self.y_val),
                "test": (self.x_test, self.y_test)}[split]


def load_splits(data: DataConfig, base_dir: Path | None = None) -> Splits:
    """The fixed train/validation/test split of a data config (array sources and image
    folders; a python_dataset comes through engine.loader_data). Built-in sets, CSV and NPZ
    files are read back from the disk cache of prepared splits when it holds them under the
    source's current identity (engine.split_cache: bit-identical values, no scikit-learn
    import), and written to it when split afresh."""
    key = split_cache.cache_key(data, base_dir)
    if key is not None:
        stored = split_cache.read(key)
        if stored is not None:
            return Splits(**stored)
    raw, train, val, test = split_indices(data, base_dir)
    splits = _finish(raw, train, val, test, data.standardize)
    if key is not None:
        split_cache.write(key, splits)
    return splits


def check_readable(data: DataConfig, base_dir: Path | None = None) -> Splits | None:
    """Raises DataError (or a user code error) when `data`'s source cannot be read, as
    `load_raw` does. A source whose prepared splits the disk cache holds under its current
    identity was read before and is not read again (the splits are read back); otherwise the
    splits are prepared now and cached. Returns those splits, for the run's first trial to
    use as they are (None where the source is not cached, or a config that cannot be split:
    the trials report that, as a failed trial names the fraction to change)."""
    key = split_cache.cache_key(data, base_dir)
    if key is not None:
        stored = split_cache.read(key)
        if stored is not None:
            return Splits(**stored)
    load_raw(data, base_dir)
    if key is not None:
        with contextlib.suppress(DataError):
            return load_splits(data, base_dir)
    return None


def split_indices(data: DataConfig, base_dir: Path | None = None
                  ) -> tuple[RawData, np.ndarray, np.ndarray, np.ndarray]:
    """The prepared data and the sorted sample indices of its train, validation and test
    splits (seeded, stratified when configured)."""
    raw = _prepared(data, base_dir)
    pool, test = _split_off(raw, np.arange(len(raw.y)), data.test_fraction, data, "test")
    share = data.val_fraction / (1.0 - data.test_fraction) if data.test_fraction < 1 else 0.0
    train, val = _split_off(raw, pool, share, data, "validation")
    return raw, train, val, test


def kfold_splits(data: DataConfig, k: int, base_dir: Path | None = None) -> list[Splits]:
    """k splits of the same pool (everything but the fixed test split): each fold is the
    validation split once. The test split is the one `load_splits` holds out."""
    raw = _prepared(data, base_dir)
    pool, test = _split_off(raw, np.arange(len(raw.y)), data.test_fraction, data, "test")
    if k < 2 or k > len(pool):
        raise DataError(f"k-fold needs 2 <= k <= {len(pool)} samples (got k={k}); lower k")
    stratify = data.stratified and raw.task == "classification"
    if stratify:
        counts = np.bincount(raw.y[pool])
        smallest = int(counts[counts > 0].min()) if len(pool) else 0
        if smallest < k:
            raise DataError(f"stratified {k}-fold needs at least {k} samples of every class; the "
                            f"rarest has {smallest}. Lower evaluation.kfold or turn off "
                            "data.stratified")
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = StratifiedKFold(k, shuffle=True, random_state=data.split_seed) if stratify \
        else KFold(k, shuffle=True, random_state=data.split_seed)
    return [_finish(raw, pool[tr], pool[va], test, data.standardize)
            for tr, va in splitter.split(pool, raw.y[pool])]


# --- loading, with a small cache so a search does not re-read a file for every trial ---------

_cache: OrderedDict[tuple[object, ...], RawData] = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 4


def load_raw(data: DataConfig, base_dir: Path | None) -> RawData:
    """The whole data set of a data config, before splitting: user code is called each time (its
    output may change), an image folder comes from its disk cache, built-in sets, CSV and NPZ files
    from a small in-memory cache (read-only arrays, shared by every trial). Raises DataError for a
    python_dataset source (no arrays), for data that cannot be used, and for a file that is missing
    or unreadable."""
    source = data.source
    if isinstance(source, DatasetFileData):
        raise DataError("a python_dataset source has no arrays: its Datasets are batched "
                        "through a DataLoader; this operation needs an array or image source")
    if isinstance(source, ImageFolderData):  # cached on disk, keyed by the folder's files
        return load_image_folder(source, base_dir)
    if isinstance(source, PythonData):  # user code: run it every time, its output may change
        file = resolve_path(source.path, base_dir, "data file", "data.source.path")
        func = user_code.load_function(file, source.function, "data")
        what = f"{source.function}() in '{file}'"
        result = user_code.call(func, what)
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise DataError(f"{what} must return a pair (X, y), got {type(result).__name__}")
        x, y = (_to_numpy(v) for v in result)
        return as_raw_data(x, y, source.task, what)
    key, path = _raw_key(data, base_dir)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if isinstance(source, BuiltinData):
        raw = load_builtin(source, data.split_seed)
    elif isinstance(source, CsvData):
        assert path is not None
        raw = read_csv(path, source.target, source.task)
    else:
        assert path is not None
        raw = read_npz(path, source.task)
    for array in (raw.x, raw.y):
        array.flags.writeable = False  # shared by every trial through the cache
    with _cache_lock:
        _cache[key] = raw
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return raw


def _raw_key(data: DataConfig, base_dir: Path | None) -> tuple[tuple[object, ...], Path | None]:
    """The cache key of an array source's raw data (the file's path, modification time and
    size for CSV and NPZ files, so a changed file is read again), and its resolved file.
    Raises DataError for a missing file."""
    source = data.source
    key: tuple[object, ...] = (source.model_dump_json(), data.split_seed)
    path: Path | None = None
    if isinstance(source, CsvData | NpzData):
        path = resolve_path(source.path, base_dir, "data file", "data.source.path")
        stat = path.stat()
        key = (*key, str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    return key, path


class SplitsCache:
    """The splits of array sources (built-in sets, CSV and NPZ files) kept for the trials of
    one run, which share their data config: splitting and standardising the data again for
    each trial cost about 1 ms on digits and grows with the data. Keyed by the data config
    and, for files, the file's path, modification time and size (a file changed during the run
    is read again). The arrays are read-only, shared by every trial (a Trainer copies them into
    its tensors). Image folders and user code are not kept (their loading decides per device,
    or may give other data each time). Thread-safe."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._splits: OrderedDict[tuple[object, ...], Splits] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, data: DataConfig, base_dir: Path | None) -> Splits | None:
        """The splits of `data`, loaded once; None for a source this cache does not keep and
        for data that cannot be loaded (the trainer then loads it and reports the problem)."""
        if not isinstance(data.source, BuiltinData | CsvData | NpzData):
            return None
        try:
            key = (*_raw_key(data, base_dir)[0], data.model_dump_json())
            with self._lock:
                if key in self._splits:
                    self._splits.move_to_end(key)
                    return self._splits[key]
            splits = load_splits(data, base_dir)
        except Exception:  # the trainer's own loading says what is wrong, as a failed trial
            return None
        return self.put(data, base_dir, splits, key)

    def put(self, data: DataConfig, base_dir: Path | None, splits: Splits,
            key: tuple[object, ...] | None = None) -> Splits:
        """Keep `splits` (of `data`, e.g. read by the run's preflight) for the trials; returns
        the kept, read-only splits. Raises DataError where the source cannot be identified."""
        if key is None:
            key = (*_raw_key(data, base_dir)[0], data.model_dump_json())
        for array in (splits.x_train, splits.y_train, splits.x_val, splits.y_val,
                      splits.x_test, splits.y_test):
            array.flags.writeable = False
        with self._lock:
            self._splits[key] = splits
            while len(self._splits) > self.size:
                self._splits.popitem(last=False)
        return splits


def _to_numpy(value: object) -> object:
    detach = getattr(value, "detach", None)  # a torch tensor, without importing torch here
    if callable(detach):
        return detach().cpu().numpy()
    return value


def _prepared(data: DataConfig, base_dir: Path | None) -> RawData:
    """Loaded, class subset applied (labels re-indexed 0..k-1), fraction drawn."""
    raw = load_raw(data, base_dir)
    x, y, names = raw.x, raw.y, raw.class_names
    if data.classes is not None and raw.task == "classification":
        assert names is not None
        unknown = sorted(set(data.classes) - set(range(len(names))))
        if unknown:
            raise DataError(f"data.classes: {unknown} are not classes of this data set; it has "
                            f"classes 0 to {len(names) - 1} ({', '.join(names)})")
        keep = sorted(set(data.classes))
        mask = np.isin(y, keep)
        remap = np.full(len(names), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        x, y, names = x[mask], remap[y[mask]], tuple(names[i] for i in keep)
    if data.fraction < 1.0:
        index = np.arange(len(y))
        _, kept = _split_off(RawData(x, y, raw.task, names), index, data.fraction, data,
                             "data.fraction")
        x, y = x[kept], y[kept]
    return RawData(x, y, raw.task, names, raw.feature_names)


def _split_off(raw: RawData, index: np.ndarray, share: float, data: DataConfig, what: str
               ) -> tuple[np.ndarray, np.ndarray]:
    """Split `index` into (rest, part) with `part` about `share` of it, seeded and stratified
    (scikit-learn's `train_test_split`). The draw depends only on the number of samples, the
    part's size, the seed and the stratifying labels, and is read back from the disk cache
    where an earlier process drew it (`split_cache.read_index_split`: no scikit-learn import)."""
    if share <= 0:
        return index, _EMPTY
    if share >= 1:
        return _EMPTY, index
    size = max(1, round(len(index) * share))
    if size >= len(index):
        raise DataError(f"only {len(index)} samples: too few to hold out a {what} split; use "
                        "more data or lower the fraction")
    stratify = raw.y[index] if data.stratified and raw.task == "classification" else None
    key = split_cache.index_split_key(len(index), size, data.split_seed, stratify)
    drawn = split_cache.read_index_split(key)
    if drawn is None:
        from sklearn.model_selection import train_test_split

        try:
            drawn = train_test_split(np.arange(len(index)), test_size=size,
                                     random_state=data.split_seed, shuffle=True,
                                     stratify=stratify)
        except ValueError as exc:
            raise DataError(f"cannot split off the {what} samples stratified ({exc}); use more "
                            "data, a larger fraction, or turn off data.stratified") from None
        split_cache.write_index_split(key, drawn[0], drawn[1])
    rest, part = drawn
    return np.sort(index[rest]), np.sort(index[part])


def _finish(raw: RawData, train: np.ndarray, val: np.ndarray, test: np.ndarray,
            standardize: bool) -> Splits:
    if len(train) == 0:
        raise DataError("the training split is empty; lower val_fraction/test_fraction")
    if raw.x.dtype == np.uint8:
        return _finish_images(raw, train, val, test, standardize)
    width = int(np.prod(raw.x.shape[1:]))
    flat = raw.x[train].reshape(len(train), width)
    mean = flat.mean(axis=0) if standardize else np.zeros(flat.shape[1], np.float32)
    std = flat.std(axis=0) if standardize else np.ones(flat.shape[1], np.float32)
    std = np.where(std > 1e-6, std, 1.0).astype(np.float32)  # constant features stay 0

    def scale(rows: np.ndarray) -> np.ndarray:
        x = raw.x[rows].reshape(len(rows), width)
        return np.ascontiguousarray(((x - mean) / std).reshape((len(rows), *raw.x.shape[1:])),
                                    dtype=np.float32)

    t_mean, t_std = 0.0, 1.0
    if raw.task == "regression" and standardize:
        t_mean = float(raw.y[train].mean())
        t_std = float(raw.y[train].std()) or 1.0

    def target(rows: np.ndarray) -> np.ndarray:
        if raw.task == "classification":
            return np.ascontiguousarray(raw.y[rows], dtype=np.int64)
        return np.ascontiguousarray((raw.y[rows] - t_mean) / t_std, dtype=np.float32)

    return Splits(
        x_train=scale(train), y_train=target(train), x_val=scale(val), y_val=target(val),
        x_test=scale(test), y_test=target(test), task=raw.task, n_classes=raw.n_classes,
        input_shape=tuple(int(d) for d in raw.x.shape[1:]), class_names=raw.class_names,
        feature_names=raw.feature_names, target_mean=t_mean, target_std=t_std,
        feature_mean=mean.astype(np.float32) if standardize else None,
        feature_std=std if standardize else None,
    )


def channel_statistics(images: np.ndarray, rows: np.ndarray, standardize: bool,
                       chunk: int = 4096) -> Normalization:
    """Per-channel mean and standard deviation of uint8 images `(N, C, H, W)` at `rows`, on
    the 0..1 scale (chunked, float64 sums, so memory stays bounded); (0, 1) per channel when
    not standardising."""
    channels = images.shape[1]
    if not standardize or len(rows) == 0:
        return (0.0,) * channels, (1.0,) * channels
    total = np.zeros(channels)
    squares = np.zeros(channels)
    for start in range(0, len(rows), chunk):
        part = images[rows[start:start + chunk]].astype(np.float64) / 255.0
        total += part.sum(axis=(0, 2, 3))
        squares += np.square(part).sum(axis=(0, 2, 3))
    count = len(rows) * images.shape[2] * images.shape[3]
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    std = np.where(std > 1e-6, std, 1.0)
    return tuple(float(m) for m in mean), tuple(float(s) for s in std)


def _finish_images(raw: RawData, train: np.ndarray, val: np.ndarray, test: np.ndarray,
                   standardize: bool) -> Splits:
    """uint8 images stay uint8 (a quarter of float32's memory on the device); the model
    converts and normalises them with the training split's channel statistics."""
    def images(rows: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(raw.x[rows])

    def labels(rows: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(raw.y[rows], dtype=np.int64)

    return Splits(
        x_train=images(train), y_train=labels(train), x_val=images(val), y_val=labels(val),
        x_test=images(test), y_test=labels(test), task=raw.task, n_classes=raw.n_classes,
        input_shape=tuple(int(d) for d in raw.x.shape[1:]), class_names=raw.class_names,
        normalization=channel_statistics(raw.x, train, standardize),
    )
