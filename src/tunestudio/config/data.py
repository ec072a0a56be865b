"""Which data a run trains on and how it is split: the split is fixed by a seed so that every
experiment of a project is compared on the same validation set."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from tunestudio.config.augment import AugmentConfig
from tunestudio.config.common import ConfigModel, Task, field
from tunestudio.messages import N_

BuiltinName = Literal[
    "digits", "iris", "wine", "breast_cancer", "moons", "spirals", "friedman", "diabetes"
]
BUILTIN_TASKS: dict[str, Task] = {
    "digits": "classification",
    "iris": "classification",
    "wine": "classification",
    "breast_cancer": "classification",
    "moons": "classification",
    "spirals": "classification",
    "friedman": "regression",
    "diabetes": "regression",
}
GENERATED = frozenset({"moons", "spirals", "friedman"})
IMAGE_SHAPED = frozenset({"digits"})


class BuiltinData(ConfigModel):
    """A data set that ships with TuneStudio: one of scikit-learn's bundled sets (nothing is
    downloaded), or a generated one (moons, spirals, friedman) of `n_samples` samples with
    `noise`, drawn with `data.split_seed` so that every run of a project sees the same samples.
    `n_samples` and `noise` do nothing for the bundled sets."""

    kind: Literal["builtin"] = "builtin"
    name: BuiltinName = field(
        "digits",
        "A data set that ships with TuneStudio: scikit-learn's bundled sets (digits as 1x8x8 "
        "images, iris, wine, breast cancer, diabetes) or a generated one (moons, spirals, "
        "friedman regression).",
    )
    n_samples: int = field(
        2000, "Samples to generate (generated sets only).", ge=50, le=1_000_000
    )
    noise: float = field(0.2, "Noise of a generated set (generated sets only).", ge=0.0, le=5.0)

    @property
    def task(self) -> Task:
        """Classification or regression, by the set's name (`BUILTIN_TASKS`)."""
        return BUILTIN_TASKS[self.name]

    @property
    def image_shaped(self) -> bool | None:
        """True for digits (samples are 1x8x8 images), False for the tabular sets."""
        return self.name in IMAGE_SHAPED


class _FileData(ConfigModel):
    path: str = field(
        "data.csv",
        "Path of the file; a relative path is relative to the project file's folder.",
        min_length=1,
    )
    task: Task = field("classification", "Classification (integer class labels) or regression.")

    @property
    def image_shaped(self) -> bool | None:
        return None  # unknown until the file is read


class CsvData(_FileData):
    """A CSV file with a header row: every column but `target` is a numeric feature; the target
    column holds class labels (numbers or names) or, for regression, the numbers to predict. Its
    samples are never images."""

    kind: Literal["csv"] = "csv"
    target: str = field(
        "target", "Name of the target column (header row required).", min_length=1
    )

    @property
    def image_shaped(self) -> bool | None:
        """False: a CSV file holds tabular samples."""
        return False


class NpzData(_FileData):
    """A NumPy .npz file with arrays `X` and `y`: `X` of shape `(N, F)` (features), `(N, H, W)`
    (grey images) or `(N, C, H, W)` (images), `y` of shape `(N,)` (class labels or regression
    targets). Whether it holds images is known only once it is read, so what needs images (a CNN,
    augmentation) is checked then."""

    kind: Literal["npz"] = "npz"
    path: str = field(
        "data.npz",
        "Path of a NumPy .npz file holding arrays X and y; relative to the project file.",
        min_length=1,
    )


class PythonData(_FileData):
    """A Python file of the user's whose `function()` returns `(X, y)`, NumPy arrays or tensors
    shaped as an `NpzData` file's; they are split like any other array source. The file runs only
    once the user trusts it."""

    kind: Literal["python"] = "python"
    path: str = field(
        "data.py",
        "A Python file of yours; it runs only after you trust it. Relative to the project file.",
        min_length=1,
    )
    function: str = field(
        "load_data",
        "Function in the file: load_data() -> (X, y) as NumPy arrays.",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
    )


class ImageFolderData(ConfigModel):
    """A folder of images with one subfolder per class (classification only). Samples have shape
    `(channels, H, W)`, `(H, W)` being `image_size` when set; `loading` decides whether the
    decoded uint8 images stay on the training device or stream through a DataLoader
    (`DataConfig.loader_based`)."""

    kind: Literal["image_folder"] = "image_folder"
    path: str = field(
        "images",
        "Folder with one subfolder per class holding PNG, JPEG or BMP files; the labels are the "
        "subfolder names in sorted order. Relative to the project file.",
        min_length=1,
    )
    image_size: list[Annotated[int, Field(ge=1, le=4096)]] | None = field(
        None,
        "Height and width every image is resized to, in pixels; empty keeps the images' own "
        "size (then they must all have the same size).",
        min_length=2,
        max_length=2,
    )
    channels: Literal[1, 3] = field(
        3, "Colour channels: 1 converts the images to greyscale, 3 to RGB."
    )
    loading: Literal["auto", "device", "stream"] = field(
        "auto",
        "Where the decoded images live while training: 'device' keeps them as uint8 tensors on "
        "the training device (fastest), 'stream' feeds batches through a DataLoader with "
        "worker processes and pinned memory, 'auto' keeps them on the device when they fit.",
    )

    @property
    def task(self) -> Task:
        """Always classification: the labels are the subfolders."""
        return "classification"

    @property
    def image_shaped(self) -> bool | None:
        """Always True."""
        return True


class DatasetFileData(_FileData):
    """A Python file of the user's whose `function(split_seed)` makes the splits itself: `(train,
    val)` or `(train, val, test)`, each a `torch.utils.data.Dataset` of `(input tensor, target)`
    items. Batched through a DataLoader, one trial at a time (`LOADER_SOURCES`); `DataConfig`'s
    val_fraction, test_fraction and stratified do not apply (fraction still does), and `classes`
    is refused with a ValueError. The file runs only once the user trusts it."""

    kind: Literal["python_dataset"] = "python_dataset"
    path: str = field(
        "datasets.py",
        "A Python file of yours defining make_datasets(split_seed) -> (train, val) or (train, "
        "val, test) of torch.utils.data.Dataset; it runs only after you trust it. Relative to "
        "the project file.",
        min_length=1,
    )
    function: str = field(
        "make_datasets",
        "Function in the file: make_datasets(split_seed: int) -> (train, val[, test]) "
        "Datasets whose items are (input tensor, target) pairs.",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
    )
    n_classes: int | None = field(
        None,
        "Number of classes (classification); empty: one more than the largest training label.",
        ge=2,
        le=1_000_000,
    )


DataSource = Annotated[
    BuiltinData | CsvData | NpzData | PythonData | ImageFolderData | DatasetFileData,
    Field(discriminator="kind"),
]
# Sources batched through a DataLoader (the split and the samples are the user's), which
# train one trial at a time; the others are arrays kept as tensors on the device.
LOADER_SOURCES = frozenset({"python_dataset"})


class DataConfig(ConfigModel):
    """The run's `data` section: where the samples come from and how they are split into training,
    validation and test sets, fixed by `split_seed` so that every experiment of a project is
    compared on the same validation set. Validation raises ValueError when val_fraction +
    test_fraction leave less than 10% of the data for training, when augmentation is on for a
    tabular source, or when `classes` is set for a python_dataset source, for regression data or
    with fewer than two distinct labels."""

    source: DataSource = field(BuiltinData(), "Where the samples come from.")
    val_fraction: float = field(
        0.2,
        "Fraction of the data held out for validation; all tuning decisions use it.",
        advice="Keep the split fixed (same seed) across experiments, or results are not "
        "comparable.",
        ge=0.0,
        le=0.9,
    )
    test_fraction: float = field(
        0.1,
        "Fraction held out as the test set, evaluated once, on request, for the final model.",
        advice="The test set is used once, for the final model, never during tuning.",
        ge=0.0,
        le=0.9,
    )
    split_seed: int = field(0, "Seed of the train/validation/test split.", ge=0)
    stratified: bool = field(
        True, "Keep class proportions equal across splits (classification only)."
    )
    standardize: bool = field(
        True,
        "Scale features to zero mean and unit variance, fitted on the training split only "
        "(image folders: one mean and standard deviation per colour channel, kept with the "
        "trial and applied inside the model).",
    )
    classes: list[int] | None = field(
        None,
        "Keep only these class labels (classification only); empty keeps all.",
        advice="Simplify to go fast: while the model does not learn, keep two classes of ten "
        "(80% less data, about 5x faster).",
    )
    fraction: float = field(
        1.0,
        "Fraction of the samples to use, drawn with the split seed.",
        advice="Use less data for quick feedback while the setup does not learn at all.",
        gt=0.0,
        le=1.0,
    )
    augment: AugmentConfig = field(
        AugmentConfig(),
        "Random changes to the training images (image-shaped data only), drawn per sample on "
        "the training device; validation and test images are never changed.",
    )

    @property
    def task(self) -> Task:
        """The source's task: classification or regression."""
        return self.source.task

    @property
    def has_validation(self) -> bool:
        """Whether a run evaluates on a validation split: a held-out share, or the user's own
        split (a python_dataset's make_datasets returns it)."""
        return self.val_fraction > 0 or self.source.kind in LOADER_SOURCES

    @property
    def loader_based(self) -> bool:
        """Batches come through a DataLoader (one trial at a time) rather than from tensors
        kept on the device."""
        return self.source.kind in LOADER_SOURCES or (
            isinstance(self.source, ImageFolderData) and self.source.loading == "stream")

    @model_validator(mode="after")
    def _split_leaves_training_set(self) -> DataConfig:
        if self.val_fraction + self.test_fraction > 0.9:
            raise ValueError(N_(
                "Validation", "val_fraction + test_fraction = {total:g} leaves less than 10% "
                "of the data for training; lower them so they sum to at most 0.9").format(
                total=self.val_fraction + self.test_fraction))
        if self.augment.enabled and self.source.image_shaped is False:
            raise ValueError(N_("Validation", "data.augment changes images; this source holds "
                                "tabular data. Turn augmentation off or use image-shaped data"))
        if isinstance(self.source, DatasetFileData) and self.classes is not None:
            raise ValueError(N_("Validation", "data.classes does not apply to a python_dataset "
                                "source (its function makes the splits); filter the classes in "
                                "make_datasets"))
        if self.classes is not None:
            if self.task != "classification":
                raise ValueError(N_("Validation", "a class subset applies to classification "
                                    "data only"))
            if len(set(self.classes)) < 2:
                raise ValueError(N_("Validation", "a class subset needs at least two distinct "
                                    "classes"))
        return self
