"""Spin boxes that accept any typed number (pydantic, not the widget, judges it, so a bad value
gets pydantic's message at the field) and step within the field's bounds: linearly, or on the
1-2-5 log ladder for learning rates and weight decay."""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox, QWidget

from tunestudio.gui.common.wheel import wheel_only_when_focused
from tunestudio.gui.form.spec import FieldSpec

_FLOAT_LIMIT = 1e300
_INT_LIMIT = 2**31 - 1
_LADDER = (1.0, 2.0, 5.0)
_LOG_FLOOR = 1e-8  # stepping down a log field from here reaches 0 when 0 is allowed


def log_step(value: float, steps: int, spec: FieldSpec) -> float:
    """The value `steps` rungs up (or down) the 1-2-5 ladder, kept within the spec's bounds."""
    for _ in range(abs(steps)):
        candidate = _next_rung(value, up=steps > 0, spec=spec)
        if candidate is None or not spec.allows(candidate):
            break
        value = candidate
    return value


def _next_rung(value: float, *, up: bool, spec: FieldSpec) -> float | None:
    if value <= 0:
        return _LOG_FLOOR if up else None
    exponent = math.floor(math.log10(value))
    rungs = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in _LADDER]
    if up:
        return min(r for r in rungs if r > value * (1 + 1e-9))
    lower = [r for r in rungs if r < value * (1 - 1e-9)]
    if value <= _LOG_FLOOR * (1 + 1e-9):
        return 0.0 if spec.allows(0.0) else None
    return max(lower)


class FloatSpinBox(QDoubleSpinBox):
    """Shows numbers compactly (`0.003`, `1e-08`) and parses scientific notation."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec = spec
        self.setDecimals(30)
        self.setRange(-_FLOAT_LIMIT, _FLOAT_LIMIT)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        wheel_only_when_focused(self)
        bounded_unit = spec.high is not None and spec.high <= 1.0
        self.setSingleStep(0.05 if bounded_unit else 1.0)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        # The text as shown for the current value means the current value itself: the few
        # digits displayed must never replace the stored 0.00375619614449984 on Enter or Tab.
        if text.strip() == self.textFromValue(self.value()):
            return self.value()
        try:
            return float(text.strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        stripped = text.strip().lower()
        try:
            float(stripped)
        except ValueError:
            partial = stripped in {"", "-", "+", ".", "-.", "+."} or stripped.endswith(
                ("e", "e-", "e+"))
            state = QValidator.State.Intermediate if partial else QValidator.State.Invalid
            return state, text, pos
        return QValidator.State.Acceptable, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if self._spec.log_scale:
            new = log_step(value, steps, self._spec)
        else:
            new = value + steps * self.singleStep()
            if not self._spec.allows(new):
                new = value
        if new != value:
            self.setValue(new)
        self.selectAll()

    def stepEnabled(self) -> QDoubleSpinBox.StepEnabledFlag:
        return (QDoubleSpinBox.StepEnabledFlag.StepUpEnabled
                | QDoubleSpinBox.StepEnabledFlag.StepDownEnabled)


class IntSpinBox(QSpinBox):
    """A spin box for an int field: accepts any typed whole number within ±(2**31 - 1) (pydantic
    judges it) and steps only within the field's bounds."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._spec = spec
        self.setRange(-_INT_LIMIT, _INT_LIMIT)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        wheel_only_when_focused(self)

    def stepBy(self, steps: int) -> None:
        new = self.value() + steps * self.singleStep()
        if self._spec.allows(new):
            self.setValue(new)
        self.selectAll()

    def stepEnabled(self) -> QSpinBox.StepEnabledFlag:
        return QSpinBox.StepEnabledFlag.StepUpEnabled | QSpinBox.StepEnabledFlag.StepDownEnabled
