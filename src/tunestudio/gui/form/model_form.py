"""A form generated from a pydantic model class: grouped sections, a kind picker with one page
of fields per variant for discriminated unions, each field's help from its description and
advice, and pydantic's messages shown at the fields they concern.

The form holds no state of its own: `FormBinding.set_data` shows a (possibly invalid) dict, and
user edits leave as `edited(path, value)`; the owner applies them to its document."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common.draft_paths import get_path, set_path, switch_variant
from tunestudio.gui.common.i18n import render
from tunestudio.gui.form.editors import FieldEditor, ListEditor, make_editor
from tunestudio.gui.form.spec import FieldSpec, field_specs, humanize

Condition = tuple[str, str]  # (union section path, variant tag) a row needs to be shown


@dataclass(frozen=True)
class FormHints:
    """Presentation choices the owner makes; the fields themselves come from the model."""

    multiline: frozenset[str] = frozenset()
    choice_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()
    # Fields naming a file, by path in the form (`model.path`), or a folder, by path and the
    # variant that makes it one (`data.source.path@image_folder`): a Browse… button and a
    # warning while the path does not exist, relative paths starting at `base_dir()`.
    files: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()
    base_dir: Callable[[], Path] | None = None

    def path_of(self, path: str, conditions: tuple[Condition, ...]
                ) -> tuple[Callable[[], Path], bool] | None:
        """How `make_editor` edits the field at `path` shown under `conditions`: None when it
        names no file, else the base folder and whether it is a folder."""
        if self.base_dir is None:
            return None
        tag = conditions[-1][1] if conditions else ""
        if f"{path}@{tag}" in self.folders:
            return self.base_dir, True
        return (self.base_dir, False) if path in self.files else None


class FieldRow(QWidget):
    """An editor with its error line underneath."""

    edited = Signal(str, object)  # path, value

    def __init__(self, path: str, editor: FieldEditor, conditions: tuple[Condition, ...]) -> None:
        super().__init__()
        self.path = path
        self.editor = editor
        self.conditions = conditions
        self.error_label = QLabel(self)
        self.error_label.setObjectName("fieldError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.error_label)
        editor.setToolTip(editor.spec.help)
        if isinstance(editor, ListEditor):
            editor.parse_failed.connect(self.set_error)
        editor.edited.connect(self._on_edited)

    @Slot(object)
    def _on_edited(self, value: Any) -> None:
        self.set_error(None)
        self.edited.emit(self.path, value)

    @property
    def error(self) -> str | None:
        """The error shown under the editor, or None when none is."""
        return self.error_label.text() if not self.error_label.isHidden() else None

    @Slot(str)
    def set_error(self, message: str | None) -> None:
        """Shows `message` (a stored message, rendered in the window's language) under the editor
        and marks the editor invalid (styled by its `invalid` property); None or "" clears both."""
        self.error_label.setText(render(message) if message else "")
        self.error_label.setVisible(bool(message))
        self.editor.setProperty("invalid", bool(message))
        for widget in (self.editor, self.editor.focus_widget):
            widget.style().unpolish(widget)
            widget.style().polish(widget)


class UnionSection(QWidget):
    """A kind picker and, under it, the fields of the chosen kind; the others are hidden. A
    kind's page is built the first time it is shown (most are never chosen), which keeps
    opening a project fast."""

    def __init__(self, path: str, spec: FieldSpec, binding: FormBinding,
                 conditions: tuple[Condition, ...]) -> None:
        super().__init__()
        self.path = path
        self.tags = list(spec.variants)
        kind_spec = FieldSpec(name="kind", kind="choice", description=spec.description,
                              advice=spec.advice, choices=tuple(self.tags))
        labels = {tag: humanize(tag) for tag in self.tags}
        self.kind_row = binding.add_row(f"{path}.kind", make_editor(kind_spec, labels=labels),
                                        conditions)
        self.pages = QStackedWidget(self)
        self._shown = False
        self._binding = binding
        self._conditions = conditions
        self._variants = spec.variants
        self._built: set[str] = set()
        for _ in self.tags:
            self.pages.addWidget(QWidget())
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_label(kind_spec), self.kind_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addWidget(self.pages)

    def show_variant(self, tag: str) -> None:
        """Shows the fields of variant `tag`, building its page the first time; an unknown tag is
        ignored."""
        if tag not in self.tags:
            return
        index = self.tags.index(tag)
        if index == self.pages.currentIndex() and self._shown:
            return
        self._shown = True
        if tag not in self._built:
            self._built.add(tag)
            placeholder = self.pages.widget(index)
            built = build_fields(self._variants[tag], f"{self.path}.", self._binding,
                                 (*self._conditions, (self.path, tag)))
            self.pages.insertWidget(index, built)
            if placeholder is not None:
                self.pages.removeWidget(placeholder)
                placeholder.deleteLater()
        for i in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page = self.pages.widget(i)
            if page is not None:
                page.setSizePolicy(QSizePolicy.Policy.Preferred, policy)
        self.pages.setCurrentIndex(index)
        self.pages.adjustSize()


class FormBinding(QObject):
    """The rows of one form by dotted path: shows data and problems, reports edits and which
    field has the focus (for the help panel)."""

    edited = Signal(str, object)
    help_requested = Signal(str, str)  # title, text

    def __init__(self, hints: FormHints | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hints = hints or FormHints()
        self.rows: dict[str, list[FieldRow]] = {}
        self.unions: dict[str, tuple[UnionSection, dict[str, type[BaseModel]]]] = {}
        self._kinds: dict[str, str] = {}
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    def add_row(self, path: str, editor: FieldEditor,
                conditions: tuple[Condition, ...]) -> FieldRow:
        """Makes the row of `editor` for the dotted `path` (`conditions`: the (union path, kind)
        pairs under which it applies) and forwards its edits as `edited(path, value)`."""
        row = FieldRow(path, editor, conditions)
        self.rows.setdefault(path, []).append(row)
        row.edited.connect(self.edited)
        return row

    def add_union(self, section: UnionSection, variants: dict[str, type[BaseModel]]) -> None:
        """Registers a union section (its `variants` by kind tag), so that `set_data` shows the
        variant the data names."""
        self.unions[section.path] = (section, variants)

    def _active(self, row: FieldRow) -> bool:
        return all(self._kinds.get(path) == tag for path, tag in row.conditions)

    def row(self, path: str) -> FieldRow | None:
        """The row shown for a path (a path shared by variants has one row per variant)."""
        rows = self.rows.get(path, [])
        active = [r for r in rows if self._active(r)] or rows
        return active[0] if active else None

    def editor(self, path: str) -> FieldEditor:
        """The editor of the row shown for `path`. Raises KeyError when the form has no field at
        that path."""
        row = self.row(path)
        if row is None:
            raise KeyError(f"no field {path} in this form")
        return row.editor

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Shows `data` (the model dumped as nested dicts and lists): each union first shows the
        variant its `kind` names, then each applicable row shows the value at its path; a path
        the data lacks leaves its row as it is. Emits no `edited`."""
        done: set[str] = set()
        while pending := [p for p in self.unions if p not in done]:  # pages add unions
            for path in pending:
                done.add(path)
                try:
                    kind = get_path(data, f"{path}.kind")
                except (KeyError, IndexError, TypeError):
                    continue
                if isinstance(kind, str):
                    self._kinds[path] = kind
                    self.unions[path][0].show_variant(kind)
        for path, rows in self.rows.items():
            try:
                value = get_path(data, path)
            except (KeyError, IndexError, TypeError):
                continue  # the current variant lacks the field
            for row in rows:
                if self._active(row):
                    row.editor.set_value(value)

    def set_problems(self, problems: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Mark each problem at its field (or the nearest enclosing one); returns those that
        belong to no field of this form."""
        errors: dict[str, list[str]] = {}
        unmatched: list[tuple[str, str]] = []
        for path, message in problems:
            target = self._nearest_row(path)
            if target is None:
                unmatched.append((path, message))
            else:
                errors.setdefault(target, []).append(message)
        for path, rows in self.rows.items():
            for row in rows:
                messages = errors.get(path) if self._active(row) else None
                row.set_error("\n".join(render(m) for m in messages) if messages else None)
        return unmatched

    def _nearest_row(self, path: str) -> str | None:
        parts = path.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in self.rows:
                return candidate
            parts.pop()
        return None

    def apply(self, data: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
        """`data` with an edit applied: choosing a kind switches the section's variant, keeping
        the fields the variants share and giving the others their defaults."""
        section = path.rsplit(".", 1)[0] if path.endswith(".kind") else None
        if section is not None and section in self.unions:
            return switch_variant(data, section, self.unions[section][1][value])
        return set_path(data, path, value)

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        widget: QObject | None = new
        while widget is not None and not isinstance(widget, FieldRow):
            widget = widget.parent()
        if isinstance(widget, FieldRow) and widget.path in self.rows \
                and widget in self.rows[widget.path]:
            spec = widget.editor.spec
            title = humanize(widget.path.rsplit(".", 1)[0].split(".")[-1]) + " · " + spec.label \
                if spec.name == "kind" else spec.label
            self.help_requested.emit(title, spec.help)


def _label(spec: FieldSpec) -> QLabel:
    label = QLabel(spec.label)
    label.setToolTip(spec.help)
    return label


def build_fields(model: type[BaseModel], prefix: str, binding: FormBinding,
                 conditions: tuple[Condition, ...] = (),
                 exclude: frozenset[str] = frozenset()) -> QWidget:
    """The fields of `model` as a form; nested models and unions become group boxes."""
    page = QWidget()
    form = QFormLayout(page)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setContentsMargins(0, 0, 0, 0)
    for spec in field_specs(model, exclude | binding.hints.exclude):
        path = f"{prefix}{spec.name}"
        if spec.kind in ("model", "union"):
            form.addRow(build_section(spec, path, binding, conditions))
            continue
        editor = make_editor(spec, multiline=spec.name in binding.hints.multiline,
                             labels={k: render(v) for k, v in
                                     binding.hints.choice_labels.get(spec.name, {}).items()},
                             path_of=binding.hints.path_of(path, conditions))
        form.addRow(_label(spec), binding.add_row(path, editor, conditions))
    return page


def build_section(spec: FieldSpec, path: str, binding: FormBinding,
                  conditions: tuple[Condition, ...] = ()) -> QGroupBox:
    """A titled group for a nested model or a union of models, or for one top-level field of
    another kind (the run config's hyper_schedule): its editor, the title its label."""
    box = QGroupBox(spec.label)
    box.setToolTip(spec.help)
    layout = QVBoxLayout(box)
    if spec.kind == "union":
        section = UnionSection(path, spec, binding, conditions)
        binding.add_union(section, spec.variants)
        layout.addWidget(section)
    elif spec.model is not None:
        layout.addWidget(build_fields(spec.model, f"{path}.", binding, conditions))
    else:
        editor = make_editor(spec, path_of=binding.hints.path_of(path, conditions))
        layout.addWidget(binding.add_row(path, editor, conditions))
    return box
