"""One experiment: its plan (goal, hypothesis, expected result and, afterwards, the conclusion)
and its search (strategy, budget, pruner, objective, repeats, dimensions), generated from the
Experiment and SearchDefinition models, with how many trials grid and one-variable-at-a-time
will run."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config import (
    STRATEGY_LABELS,
    Experiment,
    Project,
    SearchDefinition,
    count_trials,
    inactive_dimensions,
)
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.i18n import render, translate
from tunestudio.gui.form.editors import FieldEditor
from tunestudio.gui.form.help_panel import HelpPanel
from tunestudio.gui.form.model_form import FormBinding, FormHints, build_fields
from tunestudio.gui.project.dimensions_editor import DimensionsEditor

_NOTES = frozenset({"goal", "hypothesis", "expected_result", "conclusion"})


def trial_counts(project: Project, index: int) -> str:
    """`Grid: 81 trials · One variable at a time: 7 · This search: 20`, for a valid project."""
    exp = project.experiments[index]
    search, baseline = exp.search, project.baseline

    def count(strategy: str) -> str:
        variant = search.model_copy(update={"strategy": strategy})
        capped = count_trials(variant, baseline)
        full = count_trials(variant.model_copy(
            update={"budget": search.budget.model_copy(update={"trials": None})}), baseline)
        if capped is None:
            return translate("ExperimentEditor", "until the time limit")
        if full is not None and full != capped:
            return translate("ExperimentEditor", "%n trials (of {full}, capped by the budget)",
                             None, capped).format(full=full)
        return translate("ExperimentEditor", "%n trials", None, capped)

    mine = count_trials(search, baseline)
    this = translate("ExperimentEditor", "until the time limit") if mine is None else \
        translate("ExperimentEditor", "%n trials", None, mine)
    if search.repeats > 1:
        this += translate("ExperimentEditor", ", each run {repeats}×").format(
            repeats=search.repeats)
    return translate("ExperimentEditor", "Grid would run {grid} · one variable at a time {ovat} · "
                     "this search ({strategy}): {this}").format(
                         grid=count("grid"), ovat=count("ovat"),
                         strategy=render(STRATEGY_LABELS[search.strategy]), this=this)


class ExperimentEditor(QWidget):
    """The selected experiment: its plan (goal, hypothesis, conclusion, ...) and search settings
    as forms generated from `Experiment` and `SearchDefinition`, its dimensions with the trial
    counts of grid, one variable at a time and this search, problems at their fields and in a
    banner, and the focused field's help. Each edit is one undoable `document.replace` of the
    experiment."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.index = -1
        hints = FormHints(multiline=_NOTES, choice_labels={"strategy": STRATEGY_LABELS})
        self.binding = FormBinding(hints, self)
        plan = QGroupBox(self.tr("Plan"), self)
        QVBoxLayout(plan).addWidget(build_fields(Experiment, "", self.binding,
                                                 exclude=frozenset({"search"})))
        search = QGroupBox(self.tr("Search"), self)
        QVBoxLayout(search).addWidget(build_fields(SearchDefinition, "search.", self.binding,
                                                   exclude=frozenset({"dimensions"})))
        self.dimensions = DimensionsEditor(self)
        dims_box = QGroupBox(self.tr("Dimensions: the knobs this experiment varies"), self)
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        dims_layout = QVBoxLayout(dims_box)
        dims_layout.addWidget(self.counts)
        dims_layout.addWidget(self.dimensions)
        top = QHBoxLayout()
        top.addWidget(plan, 1)
        top.addWidget(search, 1)
        content = QWidget()
        body = QVBoxLayout(content)
        body.addLayout(top)
        body.addWidget(dims_box, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.banner = QLabel(self)
        self.banner.setObjectName("problemBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.empty = QLabel(self.tr("No experiment selected. Add one: state its goal and "
                                    "hypothesis first, then choose the knobs it varies."), self)
        self.empty.setObjectName("hint")
        self.help = HelpPanel(self.tr("Click a field to see what it does and how to use it."), self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.empty)
        layout.addWidget(self.banner)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.help)
        self._scroll = scroll
        self.binding.edited.connect(self._on_edited)
        self.dimensions.edited.connect(self._on_edited)
        for source in [self.binding, *self.dimensions.help_sources]:
            source.help_requested.connect(self.help.show_help)
        document.changed.connect(self.refresh)
        self.refresh()

    def editor(self, path: str) -> FieldEditor:
        """The editor of a field by its path in the experiment (`goal`, `search.strategy`)."""
        return self.binding.editor(path)

    @Slot(int)
    def show_experiment(self, index: int) -> None:
        """Shows the experiment at `index` of the project's experiments (-1: none)."""
        self.index = index
        self.refresh()

    @Slot(str, object)
    def _on_edited(self, path: str, value: Any) -> None:
        if not 0 <= self.index < len(self.document.experiment_names()):
            return
        experiment = self.document.draft["experiments"][self.index]
        updated = self.binding.apply(experiment, path, value)
        experiments = list(self.document.draft["experiments"])
        experiments[self.index] = updated
        name = experiment.get("name", "")
        self.document.replace({**self.document.draft, "experiments": experiments},
                              f"Edit {name}: {path}",
                              merge_key=f"experiments.{self.index}.{path}")

    @Slot()
    def refresh(self) -> None:
        """Shows the document's draft of the shown experiment (the last one when `index` is past
        the end; a hint when there is none) with its problems, its trial counts and which
        dimensions no trial varies (the latter two only while the project is valid)."""
        count = len(self.document.experiment_names())
        if self.index >= count:
            self.index = count - 1
        shown = self.index >= 0
        self.empty.setVisible(not shown)
        self._scroll.setVisible(shown)
        self.help.setVisible(shown)
        if not shown:
            self.banner.hide()
            return
        experiment = self.document.draft["experiments"][self.index]
        self.binding.set_data(experiment)
        prefix = f"experiments.{self.index}."
        mine = [(p[len(prefix):], m) for p, m in self.document.problems if p.startswith(prefix)]
        dims_prefix = "search.dimensions."
        self.dimensions.set_data(
            list(experiment.get("search", {}).get("dimensions", [])),
            self.document.draft.get("baseline", {}),
            [(p[len(dims_prefix):], m) for p, m in mine if p.startswith(dims_prefix)])
        unmatched = self.binding.set_problems(
            [(p, m) for p, m in mine if not p.startswith(dims_prefix)])
        name = experiment.get("name", "")
        project_level = [m for p, m in self.document.problems
                         if not p.startswith(("experiments.", "baseline")) and f"'{name}'" in m]
        lines = [f"{p}: {render(m)}" for p, m in unmatched] + [render(m) for m in project_level]
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(bool(lines))
        project = self.document.project
        self.counts.setText(trial_counts(project, self.index) if project is not None else
                            self.tr("Trial counts appear once the project is valid."))
        # an invalid project cannot be judged: nothing greyed until it is valid again
        self.dimensions.set_inactive(
            inactive_dimensions(project.experiments[self.index].search, project.baseline)
            if project is not None and self.index < len(project.experiments) else {})
