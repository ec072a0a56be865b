"""The disk cache of prepared splits (engine/split_cache.py): values read back are
bit-identical to a fresh split, a changed source or scikit-learn misses, a corrupt or tampered
entry is rebuilt, and a cached source needs neither scikit-learn nor a second read."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tunestudio.config import BuiltinData, CsvData, DataConfig, PythonData, Task
from tunestudio.engine import data as engine_data
from tunestudio.engine import split_cache
from tunestudio.engine.data import Splits, check_readable, load_splits, split_indices
from tunestudio.engine.dataset import RawData


def fresh(data: DataConfig, base_dir: Path | None = None) -> Splits:
    """The splits computed without the cache."""
    raw, train, val, test = split_indices(data, base_dir)
    return engine_data._finish(raw, train, val, test, data.standardize)


def assert_identical(a: Splits, b: Splits) -> None:
    for f in dataclasses.fields(Splits):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert isinstance(x, np.ndarray) and isinstance(y, np.ndarray), f.name
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert x.tobytes() == y.tobytes(), f.name  # bit for bit, NaN-safe
        else:
            assert x == y and type(x) is type(y), f.name


def no_split(*args: object, **kwargs: object) -> object:
    raise AssertionError("split again although the cache holds the splits")


@pytest.mark.parametrize("data", [
    DataConfig(source=BuiltinData(name="digits"), test_fraction=0.1),
    DataConfig(source=BuiltinData(name="diabetes"), classes=None),  # regression: target scale
    DataConfig(source=BuiltinData(name="wine"), standardize=False, classes=[0, 2],
               fraction=0.8),
], ids=["digits", "diabetes", "wine-subset"])
def test_splits_read_back_are_bit_identical_to_a_fresh_split(
        data: DataConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_splits(data)  # a miss: split and written
    key = split_cache.cache_key(data, None)
    assert key is not None and split_cache.entry_path(key).is_file()
    expected = fresh(data)
    assert_identical(first, expected)
    monkeypatch.setattr(engine_data, "split_indices", no_split)
    assert_identical(load_splits(data), expected)  # a hit: read back, not split


def test_a_changed_file_or_scikit_learn_misses_and_is_split_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    data = DataConfig(source=CsvData(path="d.csv", target="label"))
    assert load_splits(data, tmp_path).n_train + load_splits(data, tmp_path).n_val == 36
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(50)))
    os.utime(csv, ns=(1, 1))  # even with an old time stamp: the size differs
    changed = load_splits(data, tmp_path)
    assert changed.n_train + changed.n_val + changed.n_test == 50
    assert_identical(changed, fresh(data, tmp_path))
    before = split_cache.cache_key(data, tmp_path)
    monkeypatch.setattr(split_cache, "_version", lambda name: "0.0-other")
    assert split_cache.cache_key(data, tmp_path) != before  # another scikit-learn's split
    assert split_cache.read(split_cache.cache_key(data, tmp_path) or "") is None
    assert split_cache.cache_key(data.model_copy(update={"split_seed": 3}), tmp_path) \
        != split_cache.cache_key(data, tmp_path)
    # not kept: user code may return other data each time; a missing file reports itself
    assert split_cache.cache_key(DataConfig(source=PythonData(path="x.py")), tmp_path) is None
    assert split_cache.cache_key(DataConfig(source=CsvData(path="gone.csv", target="label")),
                                 tmp_path) is None


def test_a_corrupt_or_tampered_entry_is_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DataConfig(source=BuiltinData(name="iris"))
    expected = load_splits(data)
    key = split_cache.cache_key(data, None)
    assert key is not None
    path = split_cache.entry_path(key)
    good = path.read_bytes()
    for bad in (good[: len(good) // 2], b"not an npz file"):
        path.write_bytes(bad)
        assert split_cache.read(key) is None
        assert_identical(load_splits(data), expected)  # split afresh and written again
        assert split_cache.read(key) is not None
    # a readable entry whose arrays no longer match their digest
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["x_train"] = arrays["x_train"].copy()
    arrays["x_train"][0, 0] += 1.0
    with path.open("wb") as out:
        np.savez(out, **arrays)
    assert split_cache.read(key) is None
    assert_identical(load_splits(data), expected)
    # an entry written for another key (a hash collision, a copied file) is not trusted
    other = split_cache.cache_key(data.model_copy(update={"split_seed": 1}), None)
    assert other is not None
    split_cache.entry_path(other).write_bytes(path.read_bytes())
    assert split_cache.read(other) is None


def test_the_preflight_check_reads_a_cached_source_no_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = DataConfig(source=BuiltinData(name="digits"))
    check_readable(data)  # a miss: read, and the splits cached for the first trial
    key = split_cache.cache_key(data, None)
    assert key is not None and split_cache.read(key) is not None
    monkeypatch.setattr(engine_data, "load_raw", no_split)
    monkeypatch.setattr(engine_data, "split_indices", no_split)
    check_readable(data)
    load_splits(data)


def test_a_cached_source_loads_without_importing_scikit_learn(tmp_path: Path) -> None:
    data = DataConfig(source=BuiltinData(name="digits"))
    load_splits(data)
    code = ("import sys\n"
            "from tunestudio.config import BuiltinData, DataConfig\n"
            "from tunestudio.engine.data import check_readable, load_splits\n"
            "data = DataConfig(source=BuiltinData(name='digits'))\n"
            "check_readable(data)\n"
            "print(load_splits(data).n_train, 'sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout.split()
    assert out == [str(load_splits(data).n_train), "False"]


# --- the seeded draws of a split (index entries) ----------------------------------------------

def _raw(labels: list[int], task: Task = "classification") -> RawData:
    y = np.asarray(labels, dtype=np.int64)
    return RawData(np.zeros((len(y), 2), np.float32), y, task, ("a", "b", "c"))


@pytest.mark.parametrize("stratified", [True, False], ids=["stratified", "shuffled"])
def test_a_split_read_back_is_the_draw_scikit_learn_makes(
        stratified: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from sklearn.model_selection import train_test_split

    raw = _raw([0, 1, 2] * 20 + [0, 1])
    index = np.arange(5, len(raw.y))  # a pool that is not 0..n-1, as after a test split
    data = DataConfig(source=BuiltinData(name="digits"), split_seed=3, stratified=stratified)
    rest, part = train_test_split(index, test_size=14, random_state=3, shuffle=True,
                                  stratify=raw.y[index] if stratified else None)
    expected = (np.sort(rest), np.sort(part))
    first = engine_data._split_off(raw, index, 14 / len(index), data, "validation")
    monkeypatch.setattr("sklearn.model_selection.train_test_split", no_split)
    again = engine_data._split_off(raw, index, 14 / len(index), data, "validation")
    for got in (first, again):
        assert [a.tobytes() for a in got] == [a.tobytes() for a in expected]
    # another seed, size or set of labels is another draw, never the one kept
    key = split_cache.index_split_key(len(index), 14, 3, raw.y[index] if stratified else None)
    assert split_cache.read_index_split(key) is not None
    others = [split_cache.index_split_key(len(index), 14, 4, None),
              split_cache.index_split_key(len(index), 15, 3, None),
              split_cache.index_split_key(len(index), 14, 3, raw.y[index][::-1])]
    assert key not in others and all(split_cache.read_index_split(k) is None for k in others)


def test_a_corrupt_or_foreign_index_entry_is_drawn_again() -> None:
    raw = _raw([0, 1, 2] * 10)
    index = np.arange(len(raw.y))
    data = DataConfig(source=BuiltinData(name="digits"))
    expected = engine_data._split_off(raw, index, 0.2, data, "validation")
    key = split_cache.index_split_key(len(index), 6, 0, raw.y)
    path = split_cache.index_entry_path(key)
    good = path.read_bytes()
    other = split_cache.index_split_key(len(index), 6, 1, raw.y)
    split_cache.index_entry_path(other).write_bytes(good)  # another key's entry
    assert split_cache.read_index_split(other) is None
    for bad in (good[: len(good) // 2], b"not an npz file"):
        path.write_bytes(bad)
        assert split_cache.read_index_split(key) is None
        got = engine_data._split_off(raw, index, 0.2, data, "validation")
        assert [a.tobytes() for a in got] == [a.tobytes() for a in expected]
        assert split_cache.read_index_split(key) is not None  # written again


def test_an_image_folder_splits_in_a_new_process_without_scikit_learn(tmp_path: Path) -> None:
    from image_helpers import write_folder

    from tunestudio.config import ImageFolderData

    root = write_folder(tmp_path / "imgs")
    data = DataConfig(source=ImageFolderData(path=str(root), channels=1), val_fraction=0.25,
                      test_fraction=0.25)
    first = load_splits(data)  # decoded, split and both draws kept
    code = ("import sys\n"
            "from tunestudio.config import DataConfig\n"
            "from tunestudio.engine.data import load_splits\n"
            f"data = DataConfig.model_validate_json({data.model_dump_json()!r})\n"
            "s = load_splits(data)\n"
            "print(s.x_train.sum(), s.x_val.sum(), s.x_test.sum(), 'sklearn' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout.split()
    assert out == [str(first.x_train.sum()), str(first.x_val.sum()), str(first.x_test.sum()),
                   "False"]
