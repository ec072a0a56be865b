"""Each validation rule with a valid and an invalid case."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tunestudio.config import (
    AdamOptimizer,
    BuiltinData,
    CategoricalDimension,
    CNNModel,
    CsvData,
    DataConfig,
    FloatDimension,
    IntDimension,
    InvalidConfigError,
    Objective,
    OneCycleSchedule,
    PlateauSchedule,
    Project,
    RunConfig,
    SearchDefinition,
    SGDOptimizer,
    TrainingConfig,
    from_template,
    merge_values,
    validation_problems,
)
from tunestudio.config.search import Budget


def problems_of(cls: Any, data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        cls.model_validate(data)
    return validation_problems(info.value, data)


def test_defaults_follow_the_tuning_practice() -> None:
    cfg = RunConfig()
    assert cfg.optimizer.lr == 0.001
    assert cfg.optimizer.weight_decay == 0.0004
    assert SGDOptimizer().momentum == 0.9
    assert cfg.schedule.kind == "cosine"
    assert cfg.schedule.warmup_epochs == 10
    assert PlateauSchedule().floor_fraction == 1 / 1024
    assert cfg.training.batch_size == 64


def test_every_field_has_a_description() -> None:
    schema = Project.model_json_schema()
    missing = []
    for name, definition in schema["$defs"].items():
        for prop, body in definition.get("properties", {}).items():
            if prop not in ("kind", "type") and not body.get("description"):
                missing.append(f"{name}.{prop}")
    assert missing == []


@pytest.mark.parametrize("lr", [-1.0, 0.0, 11.0])
def test_lr_must_be_positive_and_sane(lr: float) -> None:
    data = {"optimizer": {"kind": "adam", "lr": lr}}
    assert [loc for loc, _ in problems_of(RunConfig, data)] == ["optimizer.lr"]
    assert RunConfig.model_validate({"optimizer": {"kind": "adam", "lr": 0.01}})


def test_unknown_field_is_an_error_not_ignored() -> None:
    probs = problems_of(RunConfig, {"optimizer": {"kind": "adam", "lrr": 0.1}})
    assert probs == [("optimizer.lrr", "unknown field (a typo?); remove it")]


def test_warmup_must_be_shorter_than_training() -> None:
    ok = {"training": {"epochs": 20}, "schedule": {"kind": "cosine", "warmup_epochs": 5}}
    RunConfig.model_validate(ok)
    bad = {"training": {"epochs": 5}, "schedule": {"kind": "cosine", "warmup_epochs": 5}}
    [(loc, msg)] = problems_of(RunConfig, bad)
    assert loc == "schedule.warmup_epochs"
    assert "shorter" in msg


def test_split_fractions_leave_a_training_set() -> None:
    DataConfig(val_fraction=0.5, test_fraction=0.4)
    with pytest.raises(ValidationError, match="less than 10%"):
        DataConfig(val_fraction=0.6, test_fraction=0.35)


def test_class_subset_needs_two_classes_and_classification() -> None:
    DataConfig(classes=[0, 1])
    with pytest.raises(ValidationError, match="two distinct"):
        DataConfig(classes=[3, 3])
    with pytest.raises(ValidationError, match="classification data only"):
        DataConfig(source=BuiltinData(name="friedman"), classes=[0, 1])


def test_cnn_needs_image_shaped_data() -> None:
    RunConfig(model=CNNModel(), data=DataConfig(source=BuiltinData(name="digits")))
    with pytest.raises(ValidationError, match="image-shaped"):
        RunConfig(model=CNNModel(), data=DataConfig(source=BuiltinData(name="iris")))
    with pytest.raises(ValidationError, match="image-shaped"):
        RunConfig(model=CNNModel(), data=DataConfig(source=CsvData(path="a.csv")))


def test_cnn_kernel_must_be_odd() -> None:
    CNNModel(kernel_size=5)
    with pytest.raises(ValidationError, match="odd"):
        CNNModel(kernel_size=4)


def test_loss_must_match_the_task() -> None:
    reg = DataConfig(source=BuiltinData(name="friedman"))
    assert RunConfig(data=reg, early_stopping={"monitor": "val_loss"}).loss_kind == "mse"
    with pytest.raises(ValidationError, match="needs classification"):
        RunConfig(data=reg, training=TrainingConfig(loss="cross_entropy"))
    with pytest.raises(ValidationError, match="needs regression"):
        RunConfig(training=TrainingConfig(loss="mse"))


def test_label_smoothing_only_with_cross_entropy() -> None:
    RunConfig(training=TrainingConfig(label_smoothing=0.1))
    reg = DataConfig(source=BuiltinData(name="friedman"))
    with pytest.raises(ValidationError, match="label_smoothing"):
        RunConfig(data=reg, training=TrainingConfig(label_smoothing=0.1))


def test_mixed_precision_needs_cuda() -> None:
    RunConfig(training=TrainingConfig(mixed_precision=True, device="cuda:0"))
    with pytest.raises(ValidationError, match="CUDA"):
        RunConfig(training=TrainingConfig(mixed_precision=True, device="cpu"))


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:1", "mps"])
def test_known_devices(device: str) -> None:
    assert TrainingConfig(device=device).device == device


def test_unknown_device() -> None:
    with pytest.raises(ValidationError, match="unknown device"):
        TrainingConfig(device="gpu")


def test_monitor_must_exist_for_the_task() -> None:
    RunConfig(early_stopping={"monitor": "val_accuracy"})
    with pytest.raises(ValidationError, match="does not exist for classification"):
        RunConfig(early_stopping={"monitor": "val_r2"})


def test_validation_metric_needs_a_validation_split() -> None:
    RunConfig(data=DataConfig(val_fraction=0.0), early_stopping={"monitor": "train_loss"})
    with pytest.raises(ValidationError, match="val_fraction is 0"):
        RunConfig(data=DataConfig(val_fraction=0.0))


def test_plateau_settings_are_coherent() -> None:
    PlateauSchedule(factor=0.5, floor_fraction=1 / 1024)
    with pytest.raises(ValidationError, match="never be cut"):
        PlateauSchedule(factor=0.1, floor_fraction=0.5)
    with pytest.raises(ValidationError, match="validation metric"):
        PlateauSchedule(monitor="train_loss")


def test_one_cycle_has_no_extra_warmup() -> None:
    OneCycleSchedule()
    with pytest.raises(ValidationError, match="warmup_epochs to 0"):
        OneCycleSchedule(warmup_epochs=2)


def test_nesterov_needs_momentum() -> None:
    SGDOptimizer(nesterov=True, momentum=0.9)
    with pytest.raises(ValidationError, match="Nesterov"):
        SGDOptimizer(nesterov=True, momentum=0.0)


def test_dimension_path_must_exist() -> None:
    FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True)
    with pytest.raises(ValidationError, match="has no field 'lrate'"):
        FloatDimension(path="optimizer.lrate", low=1e-4, high=1e-1)
    with pytest.raises(ValidationError, match="is a section"):
        CategoricalDimension(path="optimizer", choices=[1, 2])


def test_dimension_range_rules() -> None:
    with pytest.raises(ValidationError, match="must be below"):
        FloatDimension(path="optimizer.lr", low=0.1, high=0.01)
    with pytest.raises(ValidationError, match="log scale needs low > 0"):
        FloatDimension(path="optimizer.weight_decay", low=0.0, high=0.1, log=True)
    with pytest.raises(ValidationError, match="not both"):
        FloatDimension(path="optimizer.lr", low=0.1, high=1, log=True, step=0.1)
    with pytest.raises(ValidationError, match="outside"):
        FloatDimension(path="optimizer.lr", low=0.01, high=0.1, values=[0.5])


def test_dimension_type_must_match_the_field() -> None:
    IntDimension(path="model.width", low=16, high=256)
    with pytest.raises(ValidationError, match="is an integer"):
        FloatDimension(path="training.epochs", low=1, high=10)
    with pytest.raises(ValidationError, match="not a number"):
        IntDimension(path="model.activation", low=1, high=3)
    with pytest.raises(ValidationError, match="not allowed"):
        CategoricalDimension(path="model.activation", choices=["relu", "swish"])


def test_search_without_any_budget_needs_finite_strategy() -> None:
    SearchDefinition(strategy="grid", budget=Budget(trials=None))
    with pytest.raises(ValidationError, match="never runs out"):
        SearchDefinition(strategy="tpe", budget=Budget(trials=None))


def test_search_dimensions_must_not_repeat() -> None:
    dim = FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1)
    with pytest.raises(ValidationError, match="repeat"):
        SearchDefinition(dimensions=[dim, dim])


def test_objective_is_a_validation_metric() -> None:
    assert Objective(metric="val_loss").resolved_direction == "minimize"
    assert Objective(metric="val_accuracy").resolved_direction == "maximize"
    with pytest.raises(ValidationError, match="overfitting"):
        Objective(metric="train_loss")


def test_objective_metric_must_exist_for_the_project_task() -> None:
    project = from_template("digits")
    data = project.model_dump(mode="json")
    data["experiments"][0]["search"]["objective"]["metric"] = "val_r2"
    [(_, msg)] = problems_of(Project, data)
    assert "val_r2" in msg


def test_dimension_of_another_optimizer_kind_is_rejected_unless_kind_is_searched() -> None:
    data = from_template("digits").model_dump(mode="json")
    dims = data["experiments"][0]["search"]["dimensions"]
    dims.append({"type": "float", "path": "optimizer.momentum", "low": 0.5, "high": 0.99})
    [(_, msg)] = problems_of(Project, data)
    assert "does not exist for optimizer kind 'adam'" in msg
    dims.append({"type": "categorical", "path": "optimizer.kind", "choices": ["sgd", "adam"]})
    Project.model_validate(data)


def test_experiment_names_are_unique() -> None:
    data = from_template("digits").model_dump(mode="json")
    data["experiments"][1]["name"] = data["experiments"][0]["name"]
    with pytest.raises(ValidationError, match="names repeat"):
        Project.model_validate(data)


def test_merge_validates_and_switches_variants() -> None:
    base = from_template("digits").baseline
    merged = merge_values(base, {"optimizer.kind": "sgd", "optimizer.momentum": 0.8,
                                 "optimizer.lr": 0.05})
    assert isinstance(merged.optimizer, SGDOptimizer)
    assert merged.optimizer.momentum == 0.8 and merged.optimizer.lr == 0.05
    assert merged.optimizer.weight_decay == base.optimizer.weight_decay
    with pytest.raises(InvalidConfigError) as info:
        merge_values(base, {"schedule.warmup_epochs": 500.0})
    assert info.value.problems[0][0] == "schedule.warmup_epochs"
    assert isinstance(base.optimizer, AdamOptimizer)
