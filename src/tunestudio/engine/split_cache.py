"""Prepared splits of array sources kept on disk between processes, so that a run started again
(a restarted or preempted search, the next `tunestudio run`, the app opened again) reads its
train/validation/test arrays back instead of importing scikit-learn (about 2 s of CPU) and
loading and splitting the data again.

An entry is keyed by everything its values depend on: the data config (source, fractions,
seed, stratification, standardisation, class subset, fraction), the source's identity (for a
CSV or NPZ file its resolved path, modification time and size; for a built-in set the data
that ships with scikit-learn), and the versions of scikit-learn and NumPy (which draw the
split and generate the synthetic sets). A changed file or a new scikit-learn therefore misses
and is split afresh. Each entry stores its key and a SHA-256 of its arrays: an entry that is
truncated, foreign, or from another key is a miss and is rebuilt; a read never trusts it.

The values read back are bit-identical to a fresh split (the arrays are stored with their
dtypes, the floats as their exact repr). Built-in sets, CSV and NPZ files are kept; image
folders (cached as decoded images by engine.image_folder) and user code (which may return
other data each time) are not. Entries are written atomically (temp file, then rename) and at
most MAX_ENTRIES are kept, the least recently used removed first.

Beside them, the seeded draws of every split itself (`read_index_split`): which positions of n
samples go to the held-out part, keyed by what scikit-learn's `train_test_split` draws them
from (n, the part's size, the seed, the stratifying labels, the versions of scikit-learn and
NumPy). A source whose arrays are not kept (an image folder, decoded and cached on its own by
engine.image_folder) then splits without importing scikit-learn: about 1-1.6 s of each run's
start on a 2-core CPU. These entries are a few kilobytes; MAX_INDEX_ENTRIES are kept."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from tunestudio import paths
from tunestudio.config import BuiltinData, CsvData, DataConfig, NpzData

FORMAT = 1  # bump when the stored layout or the meaning of a field changes
MAX_ENTRIES = 16
MAX_INDEX_ENTRIES = 64
MAX_BYTES = 512 * 1024**2  # larger splits are split again each time rather than copied to disk
ARRAYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test", "feature_mean",
          "feature_std")


def folder() -> Path:
    """Where the entries live: `splits/` under TuneStudio's cache folder."""
    return paths.cache_dir() / "splits"


def cache_key(data: DataConfig, base_dir: Path | None) -> str | None:
    """The text that identifies `data`'s splits (see the module docstring), or None for a source
    that is not kept or a file that does not exist (its loading reports that)."""
    source = data.source
    identity: list[object]
    if isinstance(source, BuiltinData):
        identity = ["builtin"]
    elif isinstance(source, CsvData | NpzData):
        from tunestudio.engine.data_files import resolve_path
        from tunestudio.errors import TuneStudioError

        try:
            path = resolve_path(source.path, base_dir, "data file", "data.source.path")
            stat = path.stat()
        except (TuneStudioError, OSError):
            return None
        identity = [str(path.resolve()), stat.st_mtime_ns, stat.st_size]
    else:
        return None
    return json.dumps([FORMAT, data.model_dump_json(), identity, _version("scikit-learn"),
                       np.__version__])


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def entry_path(key: str) -> Path:
    """The `.npz` file of the cache entry for `key`: the first 32 hex digits of its SHA-256, under
    `folder()`."""
    return folder() / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"


def _digest(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def read(key: str) -> dict[str, Any] | None:
    """The stored fields of `key`'s entry (the arrays and the other fields of `Splits`), or None
    when there is none or it cannot be trusted (unreadable, another key, arrays that do not
    match their digest): the caller splits afresh and writes it again."""
    stored = _load(entry_path(key), key)
    if stored is None:
        return None
    scalars, arrays = stored
    values: dict[str, Any] = dict(scalars)
    values.update(arrays)
    for name in ("input_shape", "class_names", "feature_names"):
        if values.get(name) is not None:
            values[name] = tuple(values[name])
    if values.get("normalization") is not None:
        values["normalization"] = tuple(tuple(v) for v in values["normalization"])
    return values


def write(key: str, splits: object) -> None:
    """Store `splits` (an engine.data.Splits) under `key`; a full or read-only disk costs only
    the cache."""
    arrays: dict[str, np.ndarray] = {}
    scalars: dict[str, Any] = {}
    for f in fields(splits):  # type: ignore[arg-type]
        value = getattr(splits, f.name)
        if f.name in ARRAYS:
            if value is not None:
                arrays[f.name] = value
        else:
            scalars[f.name] = value
    if sum(a.nbytes for a in arrays.values()) > MAX_BYTES:
        return
    _store(entry_path(key), key, arrays, scalars, MAX_ENTRIES)


def index_split_key(n: int, size: int, seed: int, labels: np.ndarray | None) -> str:
    """The key of a seeded split of `n` samples into `n - size` and `size` (shuffled, stratified
    by `labels` `(n,)` when given): everything `train_test_split` draws it from."""
    stratify = None
    if labels is not None:
        array = np.ascontiguousarray(labels)
        digest = hashlib.sha256(f"{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
        stratify = digest.hexdigest()
    return json.dumps([FORMAT, "index split", int(n), int(size), int(seed), stratify,
                       _version("scikit-learn"), np.__version__])


def index_entry_path(key: str) -> Path:
    """Where the split draw of `key` (`index_split_key`) is kept: `splits/indices/` under the
    cache folder, apart from the prepared splits, so neither kind pushes the other out."""
    return folder() / "indices" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.npz"


def read_index_split(key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The positions `(n - size,)` and `(size,)` (int64, in the order drawn) of the split
    `index_split_key` names, or None: none stored, or one that cannot be trusted."""
    stored = _load(index_entry_path(key), key)
    if stored is None or set(stored[1]) != {"rest", "part"}:
        return None
    return stored[1]["rest"], stored[1]["part"]


def write_index_split(key: str, rest: np.ndarray, part: np.ndarray) -> None:
    """Store a split's positions under `key` (`read_index_split`); a full or read-only disk
    costs only the cache."""
    _store(index_entry_path(key), key, {"rest": np.asarray(rest, dtype=np.int64),
                                        "part": np.asarray(part, dtype=np.int64)}, {},
           MAX_INDEX_ENTRIES)


def _load(path: Path, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """An entry's scalar fields and arrays, or None: missing, unreadable, another key's, or
    arrays that do not match their digest."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            meta = json.loads(str(stored["meta"]))
            arrays = {name: stored[name] for name in stored.files if name != "meta"}
    except FileNotFoundError:
        return None
    except Exception:  # truncated, foreign or half-written: only a miss
        return None
    if not isinstance(meta, dict) or meta.get("key") != key \
            or meta.get("digest") != _digest(arrays):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    return dict(meta["fields"]), arrays


def _store(path: Path, key: str, arrays: dict[str, np.ndarray], scalars: dict[str, Any],
           keep: int) -> None:
    """Write an entry atomically (temp file, then rename), then keep the `keep` most recently
    used entries of its folder; an OSError costs only the cache."""
    meta = json.dumps({"key": key, "digest": _digest(arrays), "fields": scalars})
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as out:
            stored: dict[str, Any] = {"meta": np.array(meta), **arrays}
            np.savez(out, allow_pickle=False, **stored)
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return
    _prune(path.parent, keep)


def _prune(where: Path, keep: int) -> None:
    """Keep the `keep` most recently used entries of `where`."""
    try:
        entries = sorted(where.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[keep:]:
            old.unlink(missing_ok=True)
    except OSError:  # another process pruned the same file first
        pass
