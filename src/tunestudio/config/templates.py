"""Starting points for new projects. Each template is a complete, valid project whose baseline
trains in seconds on a CPU and whose first experiment is ready to run."""

from __future__ import annotations

from collections.abc import Callable

from tunestudio import paths
from tunestudio.config.augment import AugmentConfig
from tunestudio.config.data import BuiltinData, DataConfig, ImageFolderData
from tunestudio.config.model import CNNModel, MLPModel
from tunestudio.config.optim import AdamOptimizer
from tunestudio.config.program import ProgramConfig, ProgramParameter
from tunestudio.config.project import Experiment, Project
from tunestudio.config.run import RunConfig
from tunestudio.config.schedule import CosineSchedule
from tunestudio.config.search import (
    Budget,
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    Objective,
    PrunerConfig,
    SearchDefinition,
)
from tunestudio.config.training import EarlyStoppingConfig, TrainingConfig


def digits() -> Project:
    """scikit-learn's 8x8 digits with an MLP: ~97% validation accuracy in a few seconds."""
    baseline = RunConfig(
        data=DataConfig(source=BuiltinData(name="digits")),
        model=MLPModel(width=128, depth=2),
        optimizer=AdamOptimizer(lr=0.003, weight_decay=0.0004),
        schedule=CosineSchedule(warmup_epochs=2),
        training=TrainingConfig(epochs=30, batch_size=64),
        early_stopping=EarlyStoppingConfig(monitor="val_loss", patience=8),
    )
    bayes = Experiment(
        name="bayes-lr-wd-width-batch",
        goal="Highest validation accuracy on digits.",
        hypothesis="LR and weight decay matter most; width and batch size matter less.",
        expected_result="Above 98% validation accuracy; LR the most important parameter.",
        search=SearchDefinition(
            strategy="tpe",
            dimensions=[
                FloatDimension(path="optimizer.lr", low=1e-4, high=3e-2, log=True),
                FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True),
                IntDimension(path="model.width", low=32, high=512, log=True),
                CategoricalDimension(path="training.batch_size", choices=[32, 64, 128, 256]),
            ],
            budget=Budget(trials=20),
            pruner=PrunerConfig(kind="median"),
            objective=Objective(metric="val_accuracy"),
        ),
    )
    ovat = Experiment(
        name="one-at-a-time",
        goal="See how each knob alone moves validation accuracy around the baseline.",
        hypothesis="The LR moves the result most.",
        search=SearchDefinition(
            strategy="ovat",
            dimensions=[
                FloatDimension(path="optimizer.lr", low=3e-4, high=3e-2, log=True,
                               values=[0.00075, 0.003, 0.012]),
                FloatDimension(path="optimizer.weight_decay", low=1e-5, high=1e-2, log=True,
                               values=[0.0001, 0.0004, 0.0016]),
                CategoricalDimension(path="training.batch_size", choices=[32, 64, 128]),
            ],
            budget=Budget(trials=None),
            pruner=PrunerConfig(kind="none"),
            objective=Objective(metric="val_accuracy"),
        ),
    )
    return Project(name="Digits", baseline=baseline, experiments=[bayes, ovat])


def regression() -> Project:
    """Friedman #1, a generated non-linear regression set, with an MLP scored by R2."""
    baseline = RunConfig(
        data=DataConfig(source=BuiltinData(name="friedman", n_samples=2000, noise=0.5)),
        model=MLPModel(width=64, depth=2),
        optimizer=AdamOptimizer(lr=0.003, weight_decay=0.0004),
        schedule=CosineSchedule(warmup_epochs=2),
        training=TrainingConfig(epochs=40, batch_size=64),
        early_stopping=EarlyStoppingConfig(monitor="val_loss", patience=8),
    )
    exp = Experiment(
        name="random-lr-width",
        goal="Highest validation R2.",
        hypothesis="A wider network fits the interaction terms better.",
        search=SearchDefinition(
            strategy="random",
            dimensions=[
                FloatDimension(path="optimizer.lr", low=3e-4, high=3e-2, log=True),
                IntDimension(path="model.width", low=16, high=256, log=True),
            ],
            budget=Budget(trials=12),
            objective=Objective(metric="val_r2"),
        ),
    )
    return Project(name="Regression", baseline=baseline, experiments=[exp])


def images() -> Project:
    """An image folder of 1,000 digit PNGs (28x28, grey, 10 classes; built from scikit-learn's
    digits on first use, no download) with a small CNN and augmentation: about 98% validation
    accuracy in under 10 seconds on one CPU thread."""
    source = ImageFolderData(path=str(paths.digits_images_dir()), channels=1)
    baseline = RunConfig(
        data=DataConfig(source=source, augment=AugmentConfig(crop_padding=2, rotation=10.0)),
        model=CNNModel(channels=[16, 32], hidden=64, dropout=0.2),
        optimizer=AdamOptimizer(lr=0.003, weight_decay=0.0004),
        schedule=CosineSchedule(warmup_epochs=1),
        training=TrainingConfig(epochs=15, batch_size=64),
        early_stopping=EarlyStoppingConfig(monitor="val_loss", patience=6),
    )
    exp = Experiment(
        name="augmentation-strength",
        goal="Highest validation accuracy on the digit images.",
        hypothesis="Mild augmentation (small shifts and rotations) helps on 800 training "
                   "images; strong augmentation makes the task harder than it is.",
        expected_result="Best trials with crop padding 1-3 and rotation under 15 degrees.",
        search=SearchDefinition(
            strategy="tpe",
            dimensions=[
                IntDimension(path="data.augment.crop_padding", low=0, high=4),
                FloatDimension(path="data.augment.rotation", low=0.0, high=30.0),
                FloatDimension(path="optimizer.lr", low=3e-4, high=1e-2, log=True),
            ],
            budget=Budget(trials=12),
            pruner=PrunerConfig(kind="median"),
            objective=Objective(metric="val_accuracy"),
        ),
    )
    return Project(name="Images", baseline=baseline, experiments=[exp])


def script() -> Project:
    """Your own training code: a plain PyTorch script (a 1-D convolutional network that tells
    noisy waves apart by frequency, a few seconds per trial on a CPU), tuned unchanged through
    its command-line flags and the `key=value` pairs it prints. The script and a second one
    with TuneStudio's three calls are written beside the project (TEMPLATE_FILES)."""
    parameters = [
        ProgramParameter(name="lr", type="float", default=0.003),
        ProgramParameter(name="weight_decay", type="float", default=0.0),
        ProgramParameter(name="channels", type="int", default=16),
        ProgramParameter(name="kernel_size", type="int", default=5),
        ProgramParameter(name="dropout", type="float", default=0.1),
        ProgramParameter(name="batch_size", type="int", default=64),
        ProgramParameter(name="epochs", type="int", default=8),
        ProgramParameter(name="seed", type="int", default=0),
        ProgramParameter(name="samples", type="int", default=1200),
    ]
    program = ProgramConfig(command="python train_sequence.py", parameters=parameters,
                            seed_parameter="seed", timeout_s=600)
    exp = Experiment(
        name="tpe-lr-width-dropout",
        goal="Highest validation accuracy of the wave classifier.",
        hypothesis="The learning rate matters most; too few channels underfit.",
        expected_result="Above 95% validation accuracy with an LR near 0.003-0.01.",
        search=SearchDefinition(
            strategy="tpe",
            dimensions=[
                FloatDimension(path="params.lr", low=3e-4, high=3e-2, log=True),
                IntDimension(path="params.channels", low=4, high=32, log=True),
                FloatDimension(path="params.dropout", low=0.0, high=0.5),
                CategoricalDimension(path="params.batch_size", choices=[32, 64, 128]),
            ],
            budget=Budget(trials=20),
            pruner=PrunerConfig(kind="median", startup_trials=4, warmup_evaluations=2),
            objective=Objective(metric="val_acc"),
        ),
    )
    return Project(name="Script", baseline=RunConfig(program=program), experiments=[exp])


TEMPLATES: dict[str, Callable[[], Project]] = {"digits": digits, "regression": regression,
                                               "images": images, "script": script}
# Files a template needs beside the project file, from resources/templates/<name>/.
TEMPLATE_FILES: dict[str, tuple[str, ...]] = {
    "script": ("train_sequence.py", "train_sequence_reporting.py")}


def from_template(name: str) -> Project:
    """A new project (fresh id) from a template; KeyError lists the known names."""
    try:
        return TEMPLATES[name]()
    except KeyError:
        raise KeyError(f"unknown template '{name}'; known: {', '.join(TEMPLATES)}") from None
