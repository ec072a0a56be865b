"""One editor widget per kind of field value. Each shows a value set from the model and emits
`edited(value)` only for the user's own changes, so refreshing from the document never echoes
an edit back."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import file_dialogs
from tunestudio.gui.common.wheel import wheel_only_when_focused
from tunestudio.gui.form.spec import FieldSpec, field_text
from tunestudio.gui.form.spinboxes import FloatSpinBox, IntSpinBox


class FieldEditor(QWidget):
    """Base: a value in, a user edit out. `focus_widget` is what a test or a click focuses."""

    edited = Signal(object)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    @property
    def focus_widget(self) -> QWidget:
        """The widget that takes keyboard focus for this field. Raises NotImplementedError here:
        each editor names its own."""
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Shows `value` from the model without emitting `edited`. Raises NotImplementedError
        here: each editor shows its own kind of value."""
        raise NotImplementedError

    def value(self) -> Any:
        """The value the editor shows now. Raises NotImplementedError here: each editor reads its
        own widget."""
        raise NotImplementedError


class BoolEditor(FieldEditor):
    """A check box for a bool field; a click emits the new state."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.box = QCheckBox(self)
        self._layout.addWidget(self.box)
        self.box.clicked.connect(self._on_clicked)

    @property
    def focus_widget(self) -> QWidget:
        """The check box."""
        return self.box

    def _on_clicked(self, checked: bool) -> None:
        self.edited.emit(checked)

    def set_value(self, value: Any) -> None:
        """Checks the box when `value` is truthy."""
        with QSignalBlocker(self.box):
            self.box.setChecked(bool(value))

    def value(self) -> bool:
        """Whether the box is checked."""
        return self.box.isChecked()


class ChoiceEditor(FieldEditor):
    """A drop-down for a field of fixed choices (a Literal or an enum), each shown by its label
    in `labels` or as its text; choosing one emits the choice itself."""

    def __init__(self, spec: FieldSpec, labels: dict[Any, str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.combo = QComboBox(self)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMinimumWidth(110)
        wheel_only_when_focused(self.combo)
        self._layout.addWidget(self.combo)
        self._layout.addStretch(1)
        self.set_choices(spec.choices, labels or {})
        self.combo.activated.connect(self._on_activated)

    def set_choices(self, choices: tuple[Any, ...], labels: dict[Any, str]) -> None:
        """Replaces the offered choices (`labels`: the text shown per choice, else
        `str(choice)`), keeping the shown value without emitting `edited`."""
        current = self.value() if self.combo.count() else None
        with QSignalBlocker(self.combo):
            self.combo.clear()
            for choice in choices:
                self.combo.addItem(labels.get(choice, str(choice)), choice)
            if current is not None:
                self.set_value(current)

    @property
    def focus_widget(self) -> QWidget:
        """The drop-down."""
        return self.combo

    def _on_activated(self, index: int) -> None:
        self.edited.emit(self.combo.itemData(index))

    def set_value(self, value: Any) -> None:
        """Shows `value`; one the choices lack is added and shown, so that validation can say why
        it is wrong."""
        index = self.combo.findData(value)
        with QSignalBlocker(self.combo):
            if index < 0:  # a value the current choices lack: show it, pydantic will say why
                self.combo.addItem(str(value), value)
                index = self.combo.count() - 1
            self.combo.setCurrentIndex(index)

    def value(self) -> Any:
        """The shown choice (None when there are none)."""
        return self.combo.currentData()


class NumberEditor(FieldEditor):
    """A spin box for an int or float field, bounded by the field's limits (`IntSpinBox` or
    `FloatSpinBox`); each change emits the number as int or float."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.spin: FloatSpinBox | IntSpinBox = (
            IntSpinBox(spec, self) if spec.kind == "int" else FloatSpinBox(spec, self))
        self.spin.setMinimumWidth(110)
        self._layout.addWidget(self.spin)
        self._layout.addStretch(1)
        self.spin.valueChanged.connect(self._on_changed)

    @property
    def focus_widget(self) -> QWidget:
        """The spin box."""
        return self.spin

    def _on_changed(self, value: float) -> None:
        self.edited.emit(int(value) if self.spec.kind == "int" else float(value))

    def set_value(self, value: Any) -> None:
        """Shows a number; anything else (None, a bool, text) leaves the box as it is."""
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and value != self.spin.value():
            with QSignalBlocker(self.spin):
                self.spin.setValue(value)  # type: ignore[arg-type]

    def value(self) -> int | float:
        """The number in the box."""
        return self.spin.value()


class TextEditor(FieldEditor):
    """A line edit for a text field; emits the text when editing finishes and the text changed."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self._layout.addWidget(self.line)
        self.line.editingFinished.connect(self._on_finished)
        self._shown = ""

    @property
    def focus_widget(self) -> QWidget:
        """The line edit."""
        return self.line

    def _on_finished(self) -> None:
        if self.line.text() != self._shown:
            self._shown = self.line.text()
            self.edited.emit(self._shown)

    def set_value(self, value: Any) -> None:
        """Shows `value` as text (None: empty)."""
        self._shown = "" if value is None else str(value)
        if self.line.text() != self._shown:
            with QSignalBlocker(self.line):
                self.line.setText(self._shown)

    def value(self) -> str:
        """The text as typed."""
        return self.line.text()


class PathEditor(FieldEditor):
    """A file or folder the project names (data, model, weights): the path as typed, a
    Browse… button, and a warning under it while the path does not exist. A relative path is
    relative to `base_dir()` (the project file's folder); a picked file inside that folder is
    written relative to it, so the project keeps working when the folder moves."""

    def __init__(self, spec: FieldSpec, base_dir: Callable[[], Path], folder: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.base_dir = base_dir
        self.folder = folder
        self.line = QLineEdit(self)
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.setToolTip(self.tr("Choose the {file}").format(
            file='folder' if folder else 'file'))
        self.warning = QLabel(self)
        self.warning.setObjectName("pathWarning")
        self.warning.setWordWrap(True)
        self.warning.setTextFormat(Qt.TextFormat.PlainText)
        self.warning.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.browse)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.warning)
        self._layout.addLayout(column, 1)
        self.line.editingFinished.connect(self._on_finished)
        self.browse.clicked.connect(self.choose)
        self._shown = ""
        # the file may be made or removed outside the app: look again when the user comes back
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._on_app_state)

    @Slot(Qt.ApplicationState)
    def _on_app_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            self.check()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.check()

    @property
    def focus_widget(self) -> QWidget:
        """The path's line edit."""
        return self.line

    def resolved(self, text: str | None = None) -> Path | None:
        """The absolute path the text names (None: empty)."""
        raw = (self.line.text() if text is None else text).strip()
        if not raw:
            return None
        path = Path(raw).expanduser()
        return path if path.is_absolute() else self.base_dir() / path

    @Slot()
    def choose(self) -> None:
        """Asks for a file (or a folder) with the file dialog, starting at the current path, its
        folder or `base_dir()`; a chosen one inside `base_dir()` is written relative to it, and
        emitted as an edit when the text changed."""
        current = self.resolved()
        start = current if current is not None and current.exists() else \
            current.parent if current is not None and current.parent.is_dir() else \
            self.base_dir()
        chosen = file_dialogs.ask_open_path(self, self.spec.label, start, self.folder)
        if chosen is None:
            return
        text = self._relative(chosen)
        self.line.setText(text)
        self._on_finished()

    def _relative(self, chosen: Path) -> str:
        base = self.base_dir().resolve()
        try:
            return chosen.resolve().relative_to(base).as_posix()
        except ValueError:
            return str(chosen)

    def _on_finished(self) -> None:
        self.check()
        if self.line.text() != self._shown:
            self._shown = self.line.text()
            self.edited.emit(self._shown)

    def check(self) -> bool:
        """Shows or hides the warning; True when the path exists (or is empty)."""
        path = self.resolved()
        exists = path is None or (path.is_dir() if self.folder else path.is_file())
        if not exists and path is not None:
            what = "folder" if self.folder else "file"
            where = "" if Path(self.line.text().strip()).expanduser().is_absolute() else \
                f" (relative to {self.base_dir()})"
            self.warning.setText(self.tr("⚠ No such {what}: {normpath}{where}").format(
                what=what, normpath=os.path.normpath(path), where=where))
        self.warning.setVisible(not exists)
        return exists

    def set_value(self, value: Any) -> None:
        """Shows `value` as the path's text (None: empty) and checks whether it exists."""
        self._shown = "" if value is None else str(value)
        if self.line.text() != self._shown:
            with QSignalBlocker(self.line):
                self.line.setText(self._shown)
        self.check()

    def value(self) -> str:
        """The path's text as typed (relative paths not resolved; see `resolved`)."""
        return self.line.text()


class NotesEditor(FieldEditor):
    """Free text (goal, hypothesis, conclusion): every keystroke is an edit; the undo stack
    merges a run of them into one step."""

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.text = QPlainTextEdit(self)
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText(field_text(spec.description))
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 2 + 14)
        self._layout.addWidget(self.text)
        self.text.textChanged.connect(self._on_changed)

    @property
    def focus_widget(self) -> QWidget:
        """The text box."""
        return self.text

    def _on_changed(self) -> None:
        self.edited.emit(self.text.toPlainText())

    def set_value(self, value: Any) -> None:
        """Shows `value` as the text (None: empty)."""
        text = "" if value is None else str(value)
        if self.text.toPlainText() != text:
            with QSignalBlocker(self.text):
                self.text.setPlainText(text)

    def value(self) -> str:
        """The text as typed."""
        return self.text.toPlainText()


class ListEditor(FieldEditor):
    """Comma-separated values. Text that does not parse is reported at the field by the form
    (`parse_error`), without touching the document."""

    parse_failed = Signal(str)

    def __init__(self, spec: FieldSpec, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(self.tr("comma-separated; empty = none") if spec.optional
                                     else self.tr("comma-separated"))
        if spec.item_type is dict:  # a list of settings, each a JSON object
            self.line.setPlaceholderText(self.tr("a JSON list of objects, e.g. {example}").format(
                example='[{"path": "optimizer.lr", "factors": [0.5, 2.0]}]'))
        self._layout.addWidget(self.line)
        self.line.editingFinished.connect(self._on_finished)
        self._shown = ""

    @property
    def focus_widget(self) -> QWidget:
        """The line edit."""
        return self.line

    def _on_finished(self) -> None:
        text = self.line.text().strip()
        if text == self._shown:
            return
        try:
            value = self.parse(text)
        except ValueError as exc:
            self.parse_failed.emit(str(exc))
            return
        self._shown = text
        self.edited.emit(value)

    def parse(self, text: str) -> list[Any] | None:
        """The list `text` means: comma-separated items read as the field's item type (int,
        float, else any JSON scalar, or the bare word as text), or for a list of settings a JSON
        list of objects; empty text is None for an optional field, else []. Raises ValueError,
        with what to write instead, when an item is not of the item type or the JSON is not a
        list of objects."""
        if not text:
            return None if self.spec.optional else []
        if self.spec.item_type is dict:
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not JSON ({exc.msg} at character {exc.pos}); write a list "
                                 'of objects, e.g. [{"path": "optimizer.lr"}]') from None
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ValueError('not a list of objects; write e.g. [{"path": "optimizer.lr"}]')
            return value
        return [self._item(token.strip()) for token in text.split(",")]

    def _item(self, token: str) -> Any:
        if self.spec.item_type is int:
            try:
                return int(token)
            except ValueError:
                raise ValueError(f"'{token}' is not a whole number") from None
        if self.spec.item_type is float:
            try:
                return float(token)
            except ValueError:
                raise ValueError(f"'{token}' is not a number") from None
        try:  # any scalar: 64, 0.5, true, relu
            value = json.loads(token)
        except json.JSONDecodeError:
            return token
        return value if isinstance(value, bool | int | float | str) else token

    def set_value(self, value: Any) -> None:
        """Shows a list as comma-separated items (bools as JSON: true, false) or a list of
        settings as JSON (pydantic models dumped, their None fields left out); None or empty:
        empty text."""
        if self.spec.item_type is dict:
            items = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v
                     for v in value or []]
            # an empty setting (None: the default applies) is left out, as the user wrote it
            self._shown = "" if not items else json.dumps(
                [{k: x for k, x in item.items() if x is not None} if isinstance(item, dict)
                 else item for item in items])
        else:
            self._shown = "" if value is None else ", ".join(
                json.dumps(v) if isinstance(v, bool) else str(v) for v in value)
        if self.line.text() != self._shown:
            with QSignalBlocker(self.line):
                self.line.setText(self._shown)

    def value(self) -> list[Any] | None:
        """The list the text means now (`parse`); raises ValueError when it does not parse."""
        return self.parse(self.line.text().strip())


class OptionalEditor(FieldEditor):
    """A number that may be empty (no gradient clipping, no time limit): a check box turns the
    value on and off."""

    def __init__(self, spec: FieldSpec, inner: FieldEditor, parent: QWidget | None = None) -> None:
        super().__init__(spec, parent)
        self.enabled_box = QCheckBox(self)
        self.enabled_box.setToolTip(self.tr("Unchecked: none"))
        self.inner = inner
        self._layout.addWidget(self.enabled_box)
        self._layout.addWidget(inner, 1)
        self.enabled_box.clicked.connect(self._on_toggled)
        inner.edited.connect(self._on_inner)

    @property
    def focus_widget(self) -> QWidget:
        """The inner editor's focus widget."""
        return self.inner.focus_widget

    def _fallback(self) -> Any:
        if self.spec.default is not None:
            return self.spec.default
        low = self.spec.low if self.spec.low is not None else 0.0
        start = low + 1 if self.spec.low_open or (self.spec.kind == "int" and low == 0) else low
        return int(start) if self.spec.kind == "int" else float(max(start, 1.0))

    def _on_toggled(self, checked: bool) -> None:
        self.inner.setEnabled(checked)
        if checked:
            self.inner.set_value(self._fallback())
        self.edited.emit(self.inner.value() if checked else None)

    def _on_inner(self, value: Any) -> None:
        if self.enabled_box.isChecked():
            self.edited.emit(value)

    def set_value(self, value: Any) -> None:
        """Checks the box and shows `value` in the inner editor, or unchecks it (and disables the
        inner editor) for None."""
        with QSignalBlocker(self.enabled_box):
            self.enabled_box.setChecked(value is not None)
        self.inner.setEnabled(value is not None)
        if value is not None:
            self.inner.set_value(value)

    def value(self) -> Any:
        """The inner editor's value when the box is checked, else None."""
        return self.inner.value() if self.enabled_box.isChecked() else None


def make_editor(spec: FieldSpec, *, multiline: bool = False,
                labels: dict[Any, str] | None = None,
                path_of: tuple[Callable[[], Path], bool] | None = None) -> FieldEditor:
    """The editor for a scalar field (sections are built by the form). `path_of`: the field
    names a file (or, when its flag is set, a folder) relative to the folder the callable
    gives."""
    editor: FieldEditor
    if path_of is not None and spec.kind == "text":
        editor = PathEditor(spec, path_of[0], folder=path_of[1])
    elif spec.kind == "bool":
        editor = BoolEditor(spec)
    elif spec.kind == "choice":
        editor = ChoiceEditor(spec, labels)
    elif spec.kind in ("int", "float"):
        editor = NumberEditor(spec)
    elif spec.kind == "list":
        return ListEditor(spec)  # empty text is already "none"
    elif multiline:
        editor = NotesEditor(spec)
    else:
        editor = TextEditor(spec)
    if spec.optional and spec.kind in ("int", "float", "text"):
        return OptionalEditor(spec, editor)
    editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return editor
