"""Data that is batched through a `torch.utils.data.DataLoader` instead of being kept as
tensors on the device: a user's `make_datasets(split_seed) -> (train, val[, test])` (a
python_dataset source), or an image folder too large for the device (streamed from its
memory-mapped uint8 cache with worker processes and pinned memory).

An epoch's batches follow the same rule as the tensor path (engine.batching: a seeded
permutation, no sample dropped, a lone last sample joins the previous batch), so the number of
steps per epoch and the schedule are the same whichever path feeds the model."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler, Subset

from tunestudio.config import DataConfig, DatasetFileData, ImageFolderData
from tunestudio.config.common import Task
from tunestudio.engine import user_code
from tunestudio.engine.batching import batch_bounds
from tunestudio.engine.data import (
    Normalization,
    SplitName,
    Splits,
    channel_statistics,
    load_splits,
    split_indices,
)
from tunestudio.engine.data_files import resolve_path
from tunestudio.engine.dataset import DataError
from tunestudio.engine.metrics import AutocastFactory

EVAL_BATCH = 512  # samples per batch when evaluating a loader split
DEVICE_SHARE = 0.5  # of the accelerator's free memory an image folder may take in 'auto'


@dataclass(frozen=True)
class LoaderSplits:
    """Datasets of the train, validation and test splits (`val`/`test` may be empty) and what
    the model needs to know about them: `input_shape` of one sample (e.g. `(C, H, W)`), the
    task and number of classes, and for uint8 images the per-channel `normalization` the model
    applies (see engine.input_norm)."""

    train: Dataset[Any]
    val: Dataset[Any] | None
    test: Dataset[Any] | None
    task: Task
    n_classes: int | None
    input_shape: tuple[int, ...]
    class_names: tuple[str, ...] | None = None
    feature_names: tuple[str, ...] | None = None
    target_mean: float = 0.0
    target_std: float = 1.0
    normalization: Normalization | None = None

    @property
    def n_outputs(self) -> int:
        """The model's outputs: the number of classes, 1 for regression."""
        return self.n_classes if self.n_classes is not None else 1

    @property
    def n_train(self) -> int:
        """Samples in the training Dataset."""
        return _length(self.train)

    @property
    def n_val(self) -> int:
        """Samples in the validation Dataset (0 without one)."""
        return _length(self.val) if self.val is not None else 0

    @property
    def n_test(self) -> int:
        """Samples in the test Dataset (0 without one)."""
        return _length(self.test) if self.test is not None else 0

    def dataset(self, split: SplitName) -> Dataset[Any]:
        """The Dataset of one split, 'train', 'val' or 'test'; raises DataError where it is missing
        or empty."""
        found = {"train": self.train, "val": self.val, "test": self.test}[split]
        if found is None or _length(found) == 0:
            raise DataError(f"the {split} split is empty" + (
                "; return a test Dataset from make_datasets" if split == "test" else ""))
        return found


def _length(dataset: Dataset[Any]) -> int:
    return len(dataset)  # type: ignore[arg-type]


# --- a user's make_datasets ---------------------------------------------------------------------

def load_dataset_file(data: DataConfig, base_dir: Path | None) -> LoaderSplits:
    """Run the user's `make_datasets(split_seed)` (after they trusted the file) and check what
    it returned. Raises UserCodeError for an exception in their code, DataError for a result
    that cannot be trained on; both name the file and the fix."""
    source = data.source
    assert isinstance(source, DatasetFileData)
    file = resolve_path(source.path, base_dir, "dataset file", "data.source.path")
    func = user_code.load_function(file, source.function, "dataset")
    what = f"{source.function}(split_seed={data.split_seed}) in '{file}'"
    result = user_code.call(func, what, data.split_seed)
    if not isinstance(result, tuple | list) or len(result) not in (2, 3):
        raise DataError(f"{what} must return (train, val) or (train, val, test) Datasets, got "
                        f"{type(result).__name__}")
    parts: list[Dataset[Any] | None] = [*result, None][:3]
    for name, part in zip(("train", "val", "test"), parts, strict=True):
        if part is not None and not (hasattr(part, "__getitem__") and hasattr(part, "__len__")):
            raise DataError(f"{what}: the {name} split must be a torch.utils.data.Dataset with "
                            f"__len__ and __getitem__, got {type(part).__name__}")
    train, val, test = parts
    assert train is not None
    if _length(train) < 2:
        raise DataError(f"{what}: the training Dataset has {_length(train)} sample(s); it needs "
                        "at least 2")
    if data.fraction < 1.0:
        rng = np.random.default_rng(data.split_seed)
        train = Subset(train, _keep(_length(train), data.fraction, rng))
        if val is not None:
            val = Subset(val, _keep(_length(val), data.fraction, rng))
    x0, _ = _sample(train, 0, what)
    task = source.task
    n_classes, names = (_classes(train, source, what) if task == "classification"
                        else (None, None))
    return LoaderSplits(train, val, test, task, n_classes, tuple(int(d) for d in x0.shape),
                        class_names=names)


def _keep(n: int, fraction: float, rng: np.random.Generator) -> list[int]:
    """A seeded, sorted draw of about `fraction` of `n` indices (at least 2)."""
    size = min(n, max(2, round(n * fraction)))
    return [int(i) for i in np.sort(rng.choice(n, size=size, replace=False))]


def _sample(dataset: Dataset[Any], index: int, what: str) -> tuple[torch.Tensor, Any]:
    item = user_code.call(dataset.__getitem__, f"{what}: reading sample {index}", index)
    if not isinstance(item, tuple | list) or len(item) != 2:
        raise DataError(f"{what}: each sample must be an (input, target) pair, sample {index} is "
                        f"{type(item).__name__}")
    x = torch.as_tensor(item[0])
    if not x.is_floating_point() and x.dtype != torch.uint8:
        raise DataError(f"{what}: inputs must be float tensors (or uint8 images), sample "
                        f"{index} has dtype {x.dtype}")
    return x, item[1]


def _classes(train: Dataset[Any], source: DatasetFileData, what: str
             ) -> tuple[int, tuple[str, ...]]:
    """From the config, else a torchvision-style `classes` attribute, else the labels
    (`targets` attribute, or one pass over the samples)."""
    inner = train.dataset if isinstance(train, Subset) else train
    names = getattr(inner, "classes", None)
    if source.n_classes is not None:
        n = source.n_classes
    elif isinstance(names, Sequence) and not isinstance(names, str) and len(names) >= 2:
        n = len(names)
    else:
        targets = getattr(inner, "targets", None)
        if targets is None:
            targets = [_sample(train, i, what)[1] for i in range(_length(train))]
        n = int(torch.as_tensor(targets).max()) + 1
        if n < 2:
            raise DataError(f"{what}: the training labels hold a single class; classification "
                            "needs at least two")
    if isinstance(names, Sequence) and len(names) == n:
        return n, tuple(str(c) for c in names)
    return n, tuple(str(i) for i in range(n))


# --- a streamed image folder --------------------------------------------------------------------

class IndexedImages(Dataset[tuple[torch.Tensor, torch.Tensor]]):
    """Samples `rows` of uint8 images `(N, C, H, W)` (a memory-mapped array: a worker reads
    only the pages of the images it serves) and their labels."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> None:
        self.images = images
        self.labels = labels
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        row = int(self.rows[index])
        return torch.from_numpy(np.array(self.images[row])), torch.tensor(self.labels[row])


def stream_image_folder(data: DataConfig, base_dir: Path | None) -> LoaderSplits:
    """The image folder's splits (the same as on the device) as Datasets over its cache."""
    assert isinstance(data.source, ImageFolderData)
    raw, train, val, test = split_indices(data, base_dir)
    if len(train) == 0:
        raise DataError("the training split is empty; lower val_fraction/test_fraction")
    norm = channel_statistics(raw.x, train, data.standardize)
    return LoaderSplits(
        IndexedImages(raw.x, raw.y, train), IndexedImages(raw.x, raw.y, val),
        IndexedImages(raw.x, raw.y, test), raw.task, raw.n_classes,
        tuple(int(d) for d in raw.x.shape[1:]), class_names=raw.class_names,
        normalization=norm)


# --- batches -------------------------------------------------------------------------------------

class PermutationBatchSampler(Sampler[list[int]]):
    """Each epoch a permutation of `n` samples from `generator`, cut by engine.batching's rule
    (the same batches as the tensor path)."""

    def __init__(self, n: int, batch_size: int, generator: torch.Generator) -> None:
        self.n = n
        self.bounds = batch_bounds(n, batch_size)
        self.generator = generator

    def __len__(self) -> int:
        return len(self.bounds)

    def __iter__(self) -> Iterator[list[int]]:
        perm = torch.randperm(self.n, generator=self.generator).tolist()
        for start, end in self.bounds:
            yield perm[start:end]


def train_loader(data: LoaderSplits, batch_size: int, num_workers: int, device: str,
                 generator: torch.Generator) -> DataLoader[Any]:
    """Shuffled batches of the training split; workers stay alive across epochs."""
    return DataLoader(data.train, batch_sampler=PermutationBatchSampler(
        data.n_train, batch_size, generator), num_workers=num_workers,
        pin_memory=device.startswith("cuda"), persistent_workers=num_workers > 0)


def eval_loader(data: LoaderSplits, split: SplitName, num_workers: int, device: str
                ) -> DataLoader[Any]:
    """The split in order, in batches of EVAL_BATCH."""
    return DataLoader(data.dataset(split), batch_size=EVAL_BATCH, shuffle=False,
                      num_workers=num_workers, pin_memory=device.startswith("cuda"),
                      persistent_workers=num_workers > 0)


def to_device(batch: Any, device: str, task: Task) -> tuple[torch.Tensor, torch.Tensor]:
    """A collated `(inputs, targets)` batch on the device: targets as int64 class indices or
    float32 values."""
    xb, yb = batch
    xb = torch.as_tensor(xb).to(device, non_blocking=True)
    yb = torch.as_tensor(yb).to(device, non_blocking=True)
    return xb, (yb.long() if task == "classification" else yb.float()).reshape(-1)


@torch.inference_mode()
def loader_outputs(model: nn.Module, loader: Iterable[Any], device: str, task: Task,
                   autocast: AutocastFactory | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Float outputs `(N, K)` and targets `(N,)` of the whole split, on the device, in eval
    mode (the model's mode is restored)."""
    was_training = model.training
    model.eval()
    outputs: list[torch.Tensor] = []
    targets: list[torch.Tensor] = []
    try:
        for batch in loader:
            xb, yb = to_device(batch, device, task)
            with autocast() if autocast is not None else contextlib.nullcontext():
                outputs.append(model(xb).float())
            targets.append(yb)
    finally:
        model.train(was_training)
    return torch.cat(outputs), torch.cat(targets)


# --- which path -------------------------------------------------------------------------------

def load_data(data: DataConfig, base_dir: Path | None, device: str) -> Splits | LoaderSplits:
    """Tensors for the device (array sources, an image folder that fits) or Datasets for a
    DataLoader (a python_dataset, an image folder set to stream or too large for the device's
    free memory)."""
    source = data.source
    if isinstance(source, DatasetFileData):
        return load_dataset_file(data, base_dir)
    if isinstance(source, ImageFolderData):
        if source.loading == "stream":
            return stream_image_folder(data, base_dir)
        if source.loading == "auto" and not fits_on_device(data, base_dir, device):
            return stream_image_folder(data, base_dir)
    return load_splits(data, base_dir)


def fits_on_device(data: DataConfig, base_dir: Path | None, device: str) -> bool:
    """Whether the image folder's uint8 cache takes at most DEVICE_SHARE of the accelerator's
    free memory. On the CPU the images are in memory either way, so they always 'fit'."""
    if not device.startswith("cuda"):
        return True
    from tunestudio.engine.data import load_raw

    raw = load_raw(data, base_dir)  # memory-mapped: only its size is read here
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    return int(raw.x.nbytes) <= DEVICE_SHARE * free
