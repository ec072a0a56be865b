"""The baseline run config as a form generated from RunConfig: one group per section in two
columns, the focused field's help underneath, pydantic's messages at the fields."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import RunConfig
from tunestudio.config.data import GENERATED
from tunestudio.config.program import ProgramConfig
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.i18n import render
from tunestudio.gui.form.editors import FieldEditor
from tunestudio.gui.form.help_panel import HelpPanel
from tunestudio.gui.form.model_form import FormBinding, FormHints, build_section
from tunestudio.gui.form.spec import field_specs
from tunestudio.gui.project.program_editor import ProgramEditor

if TYPE_CHECKING:
    from tunestudio.gui.project.lr_range_dialog import LRRangeDialog

PREFIX = "baseline."
# Sections in the left column (the optimizer, with the LR, first); the others go right.
_LEFT = ("optimizer", "model", "schedule", "evaluation")
# Edited by the program editor (shown instead of the built-in sections), not by the form.
_PROGRAM_FIELDS = ("program", "params")
BUILT_IN, PROGRAM = 0, 1  # the rows of "Trains with"


class BaselineEditor(QWidget):
    """The project's baseline run config, the config every trial starts from: a form generated
    from `RunConfig`, one group per section in two columns (optimizer, model, schedule and
    evaluation left), or the program editor when the baseline trains with the user's own program
    ("Trains with"); a banner lists every problem with a link to its field, and the focused
    field's help shows underneath. Each edit is one undoable `document.replace` (a run of edits
    to one field merged)."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.binding = FormBinding(FormHints(
            files=frozenset({"data.source.path", "model.path", "model.weights_path"}),
            folders=frozenset({"data.source.path@image_folder"}),
            base_dir=self._base_dir), self)
        content = QWidget()
        columns = QHBoxLayout(content)
        left, right = QVBoxLayout(), QVBoxLayout()
        specs = sorted(field_specs(RunConfig),
                       key=lambda s: _LEFT.index(s.name) if s.name in _LEFT else len(_LEFT))
        for spec in specs:
            if spec.name in _PROGRAM_FIELDS:
                continue
            column = left if spec.name in _LEFT else right
            column.addWidget(build_section(spec, spec.name, self.binding))
        for column in (left, right):
            column.addStretch(1)
            columns.addLayout(column, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area = scroll
        self.banner = QLabel(self)
        self.banner.setObjectName("problemBanner")
        self.banner.setWordWrap(True)
        self.banner.setToolTip(self.tr("Click a field's name to go to it"))
        self.banner.linkActivated.connect(self.go_to)
        self.banner.hide()
        self.help = HelpPanel(self.tr("Click a field to see what it does and how to tune it."),
                              self)
        self.lr_button = QPushButton(self.tr("LR range test…"), self)
        self.lr_button.setToolTip(self.tr("Before a long search: sweep the learning rate on this "
                                          "baseline and put the suggested range into an "
                                          "experiment"))
        self.lr_button.clicked.connect(self.open_lr_range_test)
        self.trains_with = QComboBox(self)
        self.trains_with.setObjectName("trainsWith")
        self.trains_with.addItems([self.tr("Built-in training"), self.tr("Your own program")])
        self.trains_with.setToolTip(self.tr(
            "Built-in training: TuneStudio's own models and loop, set below. Your own program: "
            "each trial runs your training script (or a Python function) with the trial's "
            "values and reads the metrics it prints or reports."))
        self.trains_with.activated.connect(self._on_trains_with)
        self.program_editor = ProgramEditor(document, self._base_dir, self)
        self.program_editor.binding.help_requested.connect(self.help.show_help)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("The config every trial starts from; experiments vary it."),
                             self),
                      1)
        top.addWidget(QLabel(self.tr("Trains with"), self))
        top.addWidget(self.trains_with)
        top.addWidget(self.lr_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.program_editor, 1)
        layout.addWidget(self.help)
        self.binding.edited.connect(self._on_edited)
        self.binding.help_requested.connect(self.help.show_help)
        document.changed.connect(self.refresh)
        self.refresh()

    def _base_dir(self) -> Path:
        """Where the project's relative paths start (its file's folder)."""
        return self.document.base_dir

    @Slot()
    def open_lr_range_test(self) -> LRRangeDialog:
        """The LR range test on this baseline, in its own window."""
        from tunestudio.gui.project.lr_range_dialog import open_lr_range_test

        return open_lr_range_test(self.document, self)

    def editor(self, path: str) -> FieldEditor:
        """The shown editor of a baseline field, by its path in the run config."""
        return self.binding.editor(path)

    def error_at(self, path: str) -> str | None:
        """The error shown at a baseline field (by its path in the run config), or None when it
        has none or the form has no such field."""
        row = self.binding.row(path)
        return row.error if row is not None else None

    @Slot(str)
    def go_to(self, path: str) -> None:
        """Scrolls to a field and focuses it (the problem list links here)."""
        if self.is_program():
            row = self.program_editor.binding.row(path)
            if row is not None:
                row.editor.focus_widget.setFocus()
            elif path.startswith("program.parameters"):
                self.program_editor.parameters.setFocus()
            return
        row = self.binding.row(path)
        if row is not None:
            self.scroll_area.ensureWidgetVisible(row)
            row.editor.focus_widget.setFocus()

    @Slot(str, object)
    def _on_edited(self, path: str, value: Any) -> None:
        baseline = self.document.draft.get("baseline", {})
        updated = self.binding.apply(baseline, path, value)
        self.document.replace({**self.document.draft, "baseline": updated},
                              f"Edit {path}", merge_key=PREFIX + path)

    def is_program(self) -> bool:
        """The baseline runs the user's own program."""
        return isinstance((self.document.draft.get("baseline") or {}).get("program"), dict)

    @Slot(int)
    def _on_trains_with(self, index: int) -> None:
        if (index == PROGRAM) == self.is_program():
            return
        baseline = dict(self.document.draft.get("baseline") or {})
        if index == PROGRAM:
            baseline["program"] = ProgramConfig().model_dump()
            what = self.tr("Train with your own program")
        else:
            baseline["program"] = None
            baseline["params"] = {}
            what = self.tr("Train with the built-in training")
        self.document.replace({**self.document.draft, "baseline": baseline}, what)

    @Slot()
    def refresh(self) -> None:
        """Shows the document's draft baseline and its problems: the built-in form or the program
        editor as the baseline trains, early stopping's settings enabled only while it is on, a
        generated data set's sample count and noise shown only for one, and every problem at its
        field and in the banner."""
        baseline = self.document.draft.get("baseline", {})
        program = self.is_program()
        self.trains_with.setCurrentIndex(PROGRAM if program else BUILT_IN)
        self.scroll_area.setVisible(not program)
        self.lr_button.setVisible(not program)
        self.program_editor.setVisible(program)
        if program:
            self.program_editor.refresh()
        self.binding.set_data(baseline)
        # early stopping's settings mean nothing while it is off
        stopping = bool((baseline.get("early_stopping") or {}).get("enabled", True))
        # the number of samples and the noise only mean something for a generated set
        source = (baseline.get("data") or {}).get("source") or {}
        generated = source.get("kind") == "builtin" and source.get("name") in GENERATED
        for path, rows in self.binding.rows.items():
            if path.startswith("early_stopping.") and path != "early_stopping.enabled":
                for row in rows:
                    row.setEnabled(stopping)
            if path in ("data.source.n_samples", "data.source.noise"):
                for row in rows:
                    _show_row(row, generated)
        problems = [(p[len(PREFIX):], m) for p, m in self.document.problems
                    if p.startswith(PREFIX)]
        if any(p == "baseline" for p, _ in self.document.problems):
            problems += [("", m) for p, m in self.document.problems if p == "baseline"]
        self.binding.set_problems(problems)
        if program:
            self.program_editor.set_problems(problems)
            problems += self.program_editor.start_problems()
        # Every problem is also listed on top: the field may be scrolled out of sight.
        whole = self.tr("baseline")  # a problem of the whole baseline, not one field's
        self.banner.setText("<br>".join(
            f"⚠ <a href='{p}'>{p or whole}</a>: {html.escape(render(m))}"
            for p, m in problems))
        self.banner.setVisible(bool(problems))


def _show_row(row: QWidget, shown: bool) -> None:
    """Shows or hides a form row with its label (hiding the field alone left a bare label)."""
    parent = row.parentWidget()
    form = parent.layout() if parent is not None else None
    if isinstance(form, QFormLayout) and form.indexOf(row) >= 0:
        form.setRowVisible(row, shown)
    else:
        row.setHidden(not shown)
