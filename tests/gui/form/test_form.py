"""The form generator: specs read from the models, spin boxes, and a generated form showing
data and pydantic's messages."""

from __future__ import annotations

from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tunestudio.config import AdamOptimizer, PrunerConfig, RunConfig, TrainingConfig
from tunestudio.gui.common.draft_paths import get_path, set_path, switch_variant
from tunestudio.gui.form.editors import ChoiceEditor, NumberEditor, OptionalEditor
from tunestudio.gui.form.model_form import FormBinding, build_fields, build_section
from tunestudio.gui.form.spec import field_specs, spec_for
from tunestudio.gui.form.spinboxes import FloatSpinBox, log_step


def test_specs_come_from_the_models() -> None:
    specs = {s.name: s for s in field_specs(RunConfig)}
    assert specs["optimizer"].kind == "union"
    assert set(specs["optimizer"].variants) == {"sgd", "adam", "adamw", "rmsprop"}
    assert specs["training"].kind == "model"
    lr = {s.name: s for s in field_specs(AdamOptimizer)}["lr"]
    assert lr.kind == "float" and lr.log_scale and lr.low == 0.0 and lr.low_open
    assert "1e-4" in (lr.advice or "") and lr.description in lr.help
    clip = spec_for("grad_clip_norm", TrainingConfig.model_fields["grad_clip_norm"])
    assert clip.optional and clip.kind == "float"
    # a plain `kind` field that is not a union tag stays editable
    assert "kind" in {s.name for s in field_specs(PrunerConfig)}


@pytest.mark.parametrize(("value", "steps", "expected"), [
    (0.001, 1, 0.002), (0.002, 1, 0.005), (0.005, 1, 0.01), (0.003, 1, 0.005),
    (0.001, -1, 0.0005), (0.01, -3, 0.001), (5.0, 5, 10.0),  # capped by lr <= 10
])
def test_log_steps_follow_the_1_2_5_ladder(value: float, steps: int, expected: float) -> None:
    lr = {s.name: s for s in field_specs(AdamOptimizer)}["lr"]
    assert log_step(value, steps, lr) == pytest.approx(expected)


def test_weight_decay_steps_down_to_zero_and_back() -> None:
    wd = {s.name: s for s in field_specs(AdamOptimizer)}["weight_decay"]
    assert log_step(1e-8, -1, wd) == 0.0
    assert log_step(0.0, 1, wd) == pytest.approx(1e-8)
    lr = {s.name: s for s in field_specs(AdamOptimizer)}["lr"]
    assert log_step(1e-8, -1, lr) == pytest.approx(1e-8)  # lr > 0: stays


def test_float_spin_box_parses_scientific_notation(qtbot: QtBot) -> None:
    lr = {s.name: s for s in field_specs(AdamOptimizer)}["lr"]
    box = FloatSpinBox(lr)
    qtbot.addWidget(box)
    assert box.valueFromText("3e-4") == pytest.approx(3e-4)
    box.setValue(3e-4)
    assert box.text() == "0.0003"
    box.setValue(-0.5)  # typing may leave the bounds: pydantic says why
    assert box.value() == -0.5
    box.setValue(0.001)
    box.stepBy(1)
    assert box.value() == pytest.approx(0.002)


def test_values_paths_and_variant_switch() -> None:
    data: dict[str, Any] = {"optimizer": {"kind": "adam", "lr": 0.01, "beta1": 0.8},
                            "xs": [{"a": 1}]}
    assert get_path(data, "xs.0.a") == 1
    assert set_path(data, "xs.0.a", 2)["xs"][0]["a"] == 2 and data["xs"][0]["a"] == 1
    from tunestudio.config import SGDOptimizer

    switched = switch_variant(data, "optimizer", SGDOptimizer)
    assert switched["optimizer"]["kind"] == "sgd"
    assert switched["optimizer"]["lr"] == 0.01  # shared field kept
    assert "beta1" not in switched["optimizer"] and switched["optimizer"]["momentum"] == 0.9


def test_generated_form_shows_data_and_marks_problems(qtbot: QtBot) -> None:
    binding = FormBinding()
    spec = {s.name: s for s in field_specs(RunConfig)}["optimizer"]
    box = build_section(spec, "optimizer", binding)
    qtbot.addWidget(box)
    binding.set_data({"optimizer": {"kind": "sgd", "lr": 0.05, "weight_decay": 0.0,
                                    "l1": 0.0, "momentum": 0.5, "nesterov": False}})
    assert isinstance(binding.editor("optimizer.kind"), ChoiceEditor)
    assert binding.editor("optimizer.kind").value() == "sgd"
    assert binding.editor("optimizer.lr").value() == pytest.approx(0.05)
    assert binding.editor("optimizer.momentum").value() == pytest.approx(0.5)
    leftover = binding.set_problems([("optimizer.lr", "Input should be greater than 0"),
                                     ("elsewhere", "not here")])
    assert leftover == [("elsewhere", "not here")]
    row = binding.row("optimizer.lr")
    assert row is not None and row.error == "Input should be greater than 0"
    binding.set_problems([])
    assert row.error is None


def test_optional_editor_turns_a_value_on_and_off(qtbot: QtBot) -> None:
    binding = FormBinding()
    page = build_fields(TrainingConfig, "", binding)
    qtbot.addWidget(page)
    binding.set_data(TrainingConfig().model_dump(mode="json"))
    editor = binding.editor("grad_clip_norm")
    assert isinstance(editor, OptionalEditor) and editor.value() is None
    with qtbot.waitSignal(binding.edited) as blocker:
        editor.enabled_box.click()
    assert blocker.args == ["grad_clip_norm", 1.0]
    assert isinstance(editor.inner, NumberEditor)
