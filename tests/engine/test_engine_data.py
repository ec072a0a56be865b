"""Built-in and file data, the fixed seeded split, train-only standardisation, class subsets,
fractions and k-fold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tunestudio.config import BuiltinData, CsvData, DataConfig, NpzData, PythonData
from tunestudio.engine import DataError, UserFunctionError, kfold_splits, load_splits


@pytest.mark.parametrize(("name", "shape", "classes"), [
    ("digits", (1, 8, 8), 10), ("iris", (4,), 3), ("wine", (13,), 3),
    ("breast_cancer", (30,), 2), ("moons", (2,), 2), ("spirals", (2,), 2),
    ("diabetes", (10,), None), ("friedman", (10,), None),
])
def test_builtin_sets_load(name: str, shape: tuple[int, ...], classes: int | None) -> None:
    data = DataConfig(source=BuiltinData(name=name, n_samples=300))
    splits = load_splits(data)
    assert splits.input_shape == shape
    assert splits.n_classes == classes
    assert splits.x_train.dtype == np.float32
    assert splits.x_train.shape[1:] == shape
    total = splits.n_train + splits.n_val + splits.n_test
    assert splits.n_val == pytest.approx(0.2 * total, abs=1)
    assert splits.n_test == pytest.approx(0.1 * total, abs=1)


def test_split_is_fixed_by_seed_and_stratified() -> None:
    a = load_splits(DataConfig(split_seed=3))
    b = load_splits(DataConfig(split_seed=3))
    c = load_splits(DataConfig(split_seed=4))
    np.testing.assert_array_equal(a.x_val, b.x_val)
    assert not np.array_equal(a.y_val, c.y_val)
    train_share = np.bincount(a.y_train) / a.n_train
    val_share = np.bincount(a.y_val) / a.n_val
    np.testing.assert_allclose(train_share, val_share, atol=0.01)


def test_standardised_on_training_split_only() -> None:
    splits = load_splits(DataConfig(source=BuiltinData(name="wine")))
    np.testing.assert_allclose(splits.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(splits.x_train.std(axis=0), 1, atol=1e-3)
    assert np.abs(splits.x_val.mean(axis=0)).max() > 0.01  # not refitted on validation
    raw = load_splits(DataConfig(source=BuiltinData(name="wine"), standardize=False))
    assert raw.x_train.mean() > 1  # wine's raw features are far from zero mean


def test_regression_targets_standardised_with_their_scale_kept() -> None:
    splits = load_splits(DataConfig(source=BuiltinData(name="diabetes")))
    assert splits.y_train.mean() == pytest.approx(0, abs=1e-5)
    assert splits.target_std > 50  # diabetes targets span roughly 25..346


def test_class_subset_reindexes_and_fraction_shrinks() -> None:
    full = load_splits(DataConfig())
    subset = load_splits(DataConfig(classes=[3, 8]))
    assert subset.n_classes == 2 and subset.class_names == ("3", "8")
    assert set(np.unique(subset.y_train)) == {0, 1}
    assert subset.n_train == pytest.approx(full.n_train / 5, rel=0.1)
    small = load_splits(DataConfig(fraction=0.25))
    assert small.n_train == pytest.approx(full.n_train / 4, rel=0.05)
    with pytest.raises(DataError, match="not classes"):
        load_splits(DataConfig(classes=[1, 12]))


def test_kfold_partitions_the_pool_and_keeps_the_test_split() -> None:
    data = DataConfig(source=BuiltinData(name="iris"))
    fixed = load_splits(data)
    folds = kfold_splits(data, 5)
    assert len(folds) == 5
    assert sum(f.n_val for f in folds) == fixed.n_train + fixed.n_val
    for fold in folds:
        assert fold.n_train + fold.n_val == fixed.n_train + fixed.n_val
        assert fold.n_test == fixed.n_test
    with pytest.raises(DataError, match="lower"):
        kfold_splits(data, 10_000)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def csv_config(path: Path, target: str = "label", task: str = "classification") -> DataConfig:
    return DataConfig(source=CsvData(path=path.name, target=target, task=task),
                      val_fraction=0.25, test_fraction=0.0, stratified=False)


def test_csv_loads_with_named_classes(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 3 * 2.5},{'cat' if i % 2 else 'dog'}" for i in range(40))
    write(tmp_path / "pets.csv", "a,b,label\n" + rows + "\n\n")
    splits = load_splits(csv_config(tmp_path / "pets.csv"), tmp_path)
    assert splits.class_names == ("cat", "dog")
    assert splits.input_shape == (2,)
    assert splits.feature_names == ("a", "b")
    assert splits.n_train + splits.n_val == 40


def test_csv_missing_target_column_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "a,b,Label\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError) as info:
        load_splits(csv_config(tmp_path / "d.csv", target="label"), tmp_path)
    message = str(info.value)
    assert "no target column 'label'" in message
    assert "a, b, Label" in message and "Did you mean 'Label'" in message
    assert "data.source.target" in message


@pytest.mark.parametrize(("body", "expected"), [
    ("1,2,0\n3,x,1\n", "line 3, column 'b': 'x' is not a number"),
    ("1,2,0\n3,,1\n", "line 3, column 'b' is empty or NaN"),
    ("1,NaN,0\n3,4,1\n", "line 2, column 'b' is empty or NaN"),
    ("1,2,0\n3,4\n", "line 3 has 2 cells but the header has 3"),
    ("1,2,0\n3,4,\n", "line 3, target column 'label' is empty"),
])
def test_csv_bad_cells_name_line_and_column(tmp_path: Path, body: str, expected: str) -> None:
    write(tmp_path / "d.csv", "a,b,label\n" + body)
    with pytest.raises(DataError, match=expected):
        load_splits(csv_config(tmp_path / "d.csv"), tmp_path)


def test_missing_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"'nope.csv' not found .*data.source.path"):
        load_splits(csv_config(tmp_path / "nope.csv"), tmp_path)


def test_npz_loads_images_and_reports_missing_arrays(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "img.npz", X=rng.normal(size=(60, 12, 12)), y=np.arange(60) % 3)
    data = DataConfig(source=NpzData(path="img.npz"))
    splits = load_splits(data, tmp_path)
    assert splits.input_shape == (1, 12, 12) and splits.n_classes == 3
    np.savez(tmp_path / "bad.npz", features=np.zeros((4, 2)))
    with pytest.raises(DataError, match=r"needs 'X' .* and 'y'"):
        load_splits(DataConfig(source=NpzData(path="bad.npz")), tmp_path)
    x = rng.normal(size=(30, 3))
    x[7, 2] = np.nan
    np.savez(tmp_path / "nan.npz", X=x, y=np.arange(30) % 2)
    with pytest.raises(DataError, match="sample 7, feature 2"):
        load_splits(DataConfig(source=NpzData(path="nan.npz")), tmp_path)


def test_python_data_file(tmp_path: Path) -> None:
    write(tmp_path / "mydata.py", (
        "import numpy as np\n"
        "def load_data():\n"
        "    x = np.linspace(0, 1, 200).reshape(100, 2)\n"
        "    return x, x.sum(axis=1)\n"
        "def broken():\n"
        "    return {}['missing']\n"))
    data = DataConfig(source=PythonData(path="mydata.py", task="regression"))
    splits = load_splits(data, tmp_path)
    assert splits.task == "regression" and splits.input_shape == (2,)
    with pytest.raises(UserFunctionError) as info:
        load_splits(DataConfig(source=PythonData(path="mydata.py", function="broken",
                                                 task="regression")), tmp_path)
    assert "KeyError" in str(info.value)
    assert "mydata.py" in info.value.user_traceback and "broken" in info.value.user_traceback


def test_a_splits_cache_splits_once_and_reads_a_changed_file_again(tmp_path: Path) -> None:
    from tunestudio.engine.data import SplitsCache

    cache = SplitsCache()
    digits = DataConfig(source=BuiltinData(name="digits"))
    first = cache.get(digits, None)
    assert first is not None and cache.get(digits, None) is first
    assert not first.x_train.flags.writeable  # shared by every trial: nobody writes into it
    other = cache.get(digits.model_copy(update={"split_seed": 1}), None)
    assert other is not None and other is not first
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    data = DataConfig(source=CsvData(path=str(csv), target="label"))
    before = cache.get(data, None)
    assert before is not None and cache.get(data, None) is before
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 5},{i % 2}\n" for i in range(50)))
    after = cache.get(data, None)
    assert after is not None and after.n_train + after.n_val + after.n_test == 50
    csv.write_text("not a table")  # the trainer's own loading reports what is wrong
    assert cache.get(data, None) is None
    assert cache.get(DataConfig(source=PythonData(path="x.py")), tmp_path) is None  # user code


def test_a_fit_on_cached_read_only_splits_trains_as_one_that_loads_its_data() -> None:
    from engine_helpers import Recorder, tiny

    from tunestudio.engine import Trainer
    from tunestudio.engine.data import SplitsCache

    config = tiny({"training.epochs": 2})
    alone, shared = Recorder(), Recorder()
    Trainer(config, hooks=[alone], device="cpu").fit()
    Trainer(config, hooks=[shared], device="cpu",
            datasets=SplitsCache().get(config.data, None)).fit()
    assert [s.loss for s in shared.steps] == [s.loss for s in alone.steps]
