"""A user's make_datasets(split_seed) file: batched through a DataLoader, checked with clear
messages, evaluated and trained like any other source."""

from __future__ import annotations

from pathlib import Path

import pytest
from image_helpers import write_dataset_file, write_folder

from tunestudio.config import (
    CNNModel,
    ConstantSchedule,
    DataConfig,
    DatasetFileData,
    RunConfig,
    TrainingConfig,
)
from tunestudio.engine import DataError, Trainer, UserFunctionError
from tunestudio.engine.evaluation import evaluate_split
from tunestudio.engine.loader_data import LoaderSplits, load_data


def config(path: Path, workers: int = 0, **data: object) -> RunConfig:
    return RunConfig(
        data=DataConfig(source=DatasetFileData(path=str(path)), **data),
        model=CNNModel(channels=[4], hidden=8),
        schedule=ConstantSchedule(warmup_epochs=0),
        training=TrainingConfig(epochs=2, batch_size=8, device="cpu", num_workers=workers),
    )


@pytest.fixture
def dataset_file(tmp_path: Path) -> Path:
    write_folder(tmp_path / "imgs")
    return write_dataset_file(tmp_path / "imgs", tmp_path / "datasets.py")


def test_datasets_load_with_classes_and_shape(dataset_file: Path) -> None:
    data = load_data(config(dataset_file).data, None, "cpu")
    assert isinstance(data, LoaderSplits)
    assert (data.n_train, data.n_val, data.n_test) == (20, 4, 0)
    assert data.input_shape == (1, 8, 8) and data.n_classes == 3
    assert data.class_names == ("class_0", "class_1", "class_2")


@pytest.mark.parametrize("workers", [0, 1])
def test_trains_through_the_loader(dataset_file: Path, workers: int) -> None:
    trainer = Trainer(config(dataset_file, workers))
    result = trainer.fit()
    assert result.ok, result.message
    assert result.steps == 2 * 3 and "val_accuracy" in result.metrics
    again = evaluate_split(trainer, "val")
    assert again["val_loss"] == pytest.approx(result.metrics["val_loss"], rel=1e-5)


def test_fraction_keeps_a_seeded_subset(dataset_file: Path) -> None:
    data = load_data(config(dataset_file, fraction=0.5).data, None, "cpu")
    assert (data.n_train, data.n_val) == (10, 2)


def test_wrong_results_get_clear_messages(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def make_datasets(split_seed):\n    return [1, 2, 3, 4]\n")
    with pytest.raises(DataError, match=r"must return \(train, val\)"):
        load_data(config(bad).data, None, "cpu")
    bad.write_text("def make_datasets(split_seed):\n    return 5, 6\n")
    with pytest.raises(DataError, match=r"must be a torch\.utils\.data\.Dataset"):
        load_data(config(bad).data, None, "cpu")
    bad.write_text("def make_datasets(split_seed):\n    return [(1, 0)] * 4, [(1, 0)] * 2\n")
    with pytest.raises(DataError, match="inputs must be float tensors"):
        load_data(config(bad).data, None, "cpu")
    bad.write_text("def make_datasets(split_seed):\n    raise OSError('no disk')\n")
    with pytest.raises(UserFunctionError, match="no disk"):
        load_data(config(bad).data, None, "cpu")
    result = Trainer(config(bad)).fit()  # in a fit, the failure is the result, not a crash
    assert result.status == "failed" and "no disk" in result.message


def test_class_subset_is_rejected_for_a_dataset_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not apply to a python_dataset"):
        DataConfig(source=DatasetFileData(), classes=[0, 1])


def test_lr_range_test_runs_on_loader_data(dataset_file: Path) -> None:
    from tunestudio.engine.lr_finder import lr_range_test

    result = lr_range_test(config(dataset_file), steps=12, device="cpu")
    assert len(result.lrs) >= 5 and result.suggested_lr > 0


def test_samples_of_different_shapes_are_named(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.py"
    ragged.write_text(
        "import torch\n"
        "def make_datasets(split_seed):\n"
        "    train = [(torch.zeros(1, 4 + i % 2, 4), i % 2) for i in range(8)]\n"
        "    return train, train[:2]\n")
    result = Trainer(config(ragged)).fit()
    assert result.status == "failed"
    assert "samples differ in shape" in result.message and "Resize" in result.message


TORCHVISION_DATASETS = '''
import torch
from torchvision import datasets, transforms


def make_datasets(split_seed):
    tf = transforms.Compose([transforms.Grayscale(), transforms.ToTensor()])
    full = datasets.ImageFolder(FOLDER, transform=tf)
    g = torch.Generator().manual_seed(split_seed)
    return torch.utils.data.random_split(full, [len(full) - 4, 4], generator=g)
'''


def test_a_dataset_file_built_on_torchvision_loads_in_a_fresh_process(tmp_path: Path) -> None:
    """torchvision's ImageFolder and transforms, as users write them; a fresh interpreter, so
    that nothing imported torchvision before the user's file does (beside a CPU-only torch,
    PyPI's torchvision fails its own import unless TuneStudio prepares it)."""
    import subprocess
    import sys

    write_folder(tmp_path / "imgs")
    file = tmp_path / "datasets.py"
    file.write_text(f"FOLDER = {str(tmp_path / 'imgs')!r}\n{TORCHVISION_DATASETS}")
    script = ("import sys\nfrom pathlib import Path\n"
              "from tunestudio.config import DataConfig, DatasetFileData\n"
              "from tunestudio.engine.loader_data import load_data\n"
              "assert 'torchvision' not in sys.modules\n"
              f"data = load_data(DataConfig(source=DatasetFileData(path={str(file)!r})), None, "
              "'cpu')\n"
              "print(data.n_train, data.n_val, data.input_shape, data.n_classes)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["20", "4", "(1,", "8,", "8)", "3"]
