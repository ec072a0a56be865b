"""The baseline as the user's own program: the command, its working folder and how values and
metrics pass (a form generated from ProgramConfig), its environment variables and its named
parameters (tables), and "Read from --help", which fills the parameters from an argparse
script's own declarations (run on a worker thread: it starts the user's program).

Every edit goes to the document like any other baseline edit (undoable, validated); what keeps
the program from starting (no such file, not executable, no such folder) is checked on each
change, so it is named before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tunestudio.config.program import ProgramConfig, ProgramParameter, program_problems
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.jobs import JobResult, Lane
from tunestudio.gui.form.model_form import FormBinding, FormHints, build_fields
from tunestudio.messages import N_, Text

PATH = "program"
TYPES = ("float", "int", "bool", "str")
PARAMETER_COLUMNS = 5  # name, type, default, choices, flag
_HELP_JOB = "read-help"
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "pass_values": {"flags": N_("ProgramEditor", "Flags (--lr 0.003)"),
                    "key_value": "key=value (lr=0.003)",
                    "env": N_("ProgramEditor", "Environment (LR=0.003)"),
                    "json_file": N_("ProgramEditor", "JSON file (--config FILE)")},
    "flag_style": {"dashes": "--batch-size", "underscores": "--batch_size"},
    "bool_flags": {"switch": N_("ProgramEditor", "Switch (--amp)"),
                   "value": N_("ProgramEditor", "With a value (--amp true)")},
}


def parse_value(text: str, kind: str) -> Any:
    """A value typed in a cell as the parameter's type; the text itself when it is not one
    (validation then names the problem at the parameter)."""
    text = text.strip()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
    except ValueError:
        return text
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off", ""):
            return False
    return text


def value_text(value: Any) -> str:
    """A program parameter's value as the table shows it: bools as "true"/"false", None as "",
    else `str(value)`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class ProgramEditor(QWidget):
    """Edits `baseline.program` of the document; `edited(path, value)` is not needed: it
    writes through `document.replace` itself. `problems()` is what the banner shows."""

    help_read = Signal(object)  # HelpReading, once read (for tests and the status line)

    def __init__(self, document: ProjectDocument, base_dir: Callable[[], Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("programEditor")
        self.document = document
        self.base_dir = base_dir
        self._filling = False
        self.binding = FormBinding(FormHints(
            folders=frozenset({f"{PATH}.working_dir@"}), base_dir=base_dir,
            exclude=frozenset({"env", "parameters"}), choice_labels=CHOICE_LABELS), self)
        form = build_fields(ProgramConfig, f"{PATH}.", self.binding)
        command_box = QGroupBox(self.tr("Program"), self)
        QVBoxLayout(command_box).addWidget(form)

        self.parameters = QTableWidget(0, PARAMETER_COLUMNS, self)
        self.parameters.setObjectName("programParameters")
        self.parameters.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Type"), self.tr("Default"), self.tr("Choices"),
             self.tr("Flag")])
        self.parameters.verticalHeader().hide()
        header = self.parameters.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.parameters.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.parameters.setToolTip(self.tr(
            "The program's named parameters: a search dimension names one as params.NAME. "
            "Choices: comma-separated; empty = any. Flag: empty = made from the name."))
        self.add_parameter_button = QPushButton(self.tr("Add"), self)
        self.remove_parameter_button = QPushButton(self.tr("Remove"), self)
        self.read_help_button = QPushButton(self.tr("Read from --help"), self)
        self.read_help_button.setToolTip(self.tr(
            "Runs the command with --help and offers the parameters it declares (an argparse "
            "script's types, defaults and choices exactly). This starts your program up to its "
            "argument parsing."))
        self.help_status = QLabel(self)
        self.help_status.setObjectName("hint")
        self.help_status.setWordWrap(True)
        self.help_status.setTextFormat(Qt.TextFormat.PlainText)
        self.help_status.hide()
        buttons = QHBoxLayout()
        for button in (self.add_parameter_button, self.remove_parameter_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.read_help_button)
        parameters_box = QGroupBox(self.tr("Parameters"), self)
        column = QVBoxLayout(parameters_box)
        column.addWidget(self.parameters, 1)
        column.addLayout(buttons)
        column.addWidget(self.help_status)

        self.env = QTableWidget(0, 2, self)
        self.env.setObjectName("programEnv")
        self.env.setHorizontalHeaderLabels([self.tr("Variable"), self.tr("Value")])
        self.env.verticalHeader().hide()
        self.env.horizontalHeader().setStretchLastSection(True)
        self.env.setToolTip(self.tr("Environment variables set for the program (on top of "
                                    "TuneStudio's own environment)."))
        self.add_env_button = QPushButton(self.tr("Add"), self)
        self.remove_env_button = QPushButton(self.tr("Remove"), self)
        env_buttons = QHBoxLayout()
        env_buttons.addWidget(self.add_env_button)
        env_buttons.addWidget(self.remove_env_button)
        env_buttons.addStretch(1)
        env_box = QGroupBox(self.tr("Environment"), self)
        env_column = QVBoxLayout(env_box)
        env_column.addWidget(self.env, 1)
        env_column.addLayout(env_buttons)

        right = QVBoxLayout()
        right.addWidget(parameters_box, 3)
        right.addWidget(env_box, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(command_box, 1)
        layout.addLayout(right, 1)

        self.lane: Lane | None = None  # while --help is read: started on demand, then closed
        self.binding.edited.connect(self._on_field)
        self.parameters.itemChanged.connect(self._on_parameters_changed)
        self.env.itemChanged.connect(self._on_env_changed)
        self.add_parameter_button.clicked.connect(self.add_parameter)
        self.remove_parameter_button.clicked.connect(self.remove_parameter)
        self.add_env_button.clicked.connect(self.add_env)
        self.remove_env_button.clicked.connect(self.remove_env)
        self.read_help_button.clicked.connect(self.read_help)

    # -- the document ----------------------------------------------------------------------
    def _program(self) -> dict[str, Any]:
        baseline = self.document.draft.get("baseline") or {}
        program = baseline.get(PATH)
        return dict(program) if isinstance(program, dict) else {}

    def _write(self, program: dict[str, Any], what: str, merge: str | None = None) -> None:
        baseline = dict(self.document.draft.get("baseline") or {})
        baseline[PATH] = program
        self.document.replace({**self.document.draft, "baseline": baseline}, what,
                              merge_key=merge)

    @Slot(str, object)
    def _on_field(self, path: str, value: Any) -> None:
        data = self.binding.apply({PATH: self._program()}, path, value)
        self._write(data[PATH], self.tr("Edit baseline.{path}").format(path=path),
                    merge=f"baseline.{path}")

    def refresh(self) -> None:
        """Shows the document's program (called by the baseline editor on each change)."""
        program = self._program()
        self.binding.set_data({PATH: program})
        self._filling = True
        try:
            self._fill_parameters(program.get("parameters") or [])
            self._fill_env(program.get("env") or {})
        finally:
            self._filling = False

    def set_problems(self, problems: list[tuple[str, str]]) -> None:
        """Marks pydantic's problems (paths under `program.`) at the fields."""
        self.binding.set_problems(problems)

    def start_problems(self) -> list[tuple[str, str]]:
        """What keeps the program from starting, as (path, message), checked on the files now
        (empty while the program does not validate: its fields' problems come first)."""
        try:
            program = ProgramConfig.model_validate(self._program())
        except ValueError:
            return []
        found = []
        for problem in program_problems(program, self.base_dir()):
            if isinstance(problem, Text) and {"where", "problem"} <= set(problem.args):
                found.append((str(problem.args["where"]), problem.args["problem"]))
            else:  # the message as a whole, shown as it is
                path, _, message = problem.partition(": ")
                found.append((path, message))
        return found

    # -- parameters ------------------------------------------------------------------------
    def _fill_parameters(self, parameters: list[Any]) -> None:
        table = self.parameters
        table.setRowCount(len(parameters))
        for row, raw in enumerate(parameters):
            data = raw if isinstance(raw, dict) else {}
            kind = str(data.get("type", "float"))
            choices = data.get("choices")
            texts = [str(data.get("name", "")), kind, value_text(data.get("default")),
                     ", ".join(value_text(c) for c in choices) if choices else "",
                     str(data.get("flag", ""))]
            for column, text in enumerate(texts):
                if column == 1:
                    combo = table.cellWidget(row, 1)
                    if not isinstance(combo, QComboBox):
                        combo = QComboBox(table)
                        combo.addItems(TYPES)
                        combo.currentTextChanged.connect(self._on_type_changed)
                        table.setCellWidget(row, 1, combo)
                    combo.blockSignals(True)
                    combo.setCurrentText(text)
                    combo.blockSignals(False)
                    continue
                item = table.item(row, column)
                if item is None:
                    table.setItem(row, column, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)
        table.resizeColumnsToContents()

    def _parameters_from_table(self) -> list[dict[str, Any]]:
        table = self.parameters
        out: list[dict[str, Any]] = []
        for row in range(table.rowCount()):
            def text(column: int, row: int = row) -> str:
                item = table.item(row, column)
                return item.text().strip() if item is not None else ""

            combo = table.cellWidget(row, 1)
            kind = combo.currentText() if isinstance(combo, QComboBox) else "float"
            entry: dict[str, Any] = {"name": text(0), "type": kind,
                                     "default": parse_value(text(2), kind)}
            choices = [parse_value(c, kind) for c in text(3).split(",") if c.strip()]
            entry["choices"] = choices or None
            entry["flag"] = text(4)
            out.append(entry)
        return out

    @Slot(QTableWidgetItem)
    def _on_parameters_changed(self, _item: QTableWidgetItem) -> None:
        if not self._filling:
            self._write_parameters(self.tr("Edit the program's parameters"))

    @Slot(str)
    def _on_type_changed(self, _kind: str) -> None:
        if not self._filling:
            self._write_parameters(self.tr("Change a parameter's type"))

    def _write_parameters(self, what: str) -> None:
        program = self._program()
        program["parameters"] = self._parameters_from_table()
        self._write(program, what)

    @Slot()
    def add_parameter(self) -> None:
        """Appends a parameter named `param1`, `param2`, ... (the first name not taken) with the
        defaults of `ProgramParameter`, as one undoable edit, and makes it the current row."""
        program = self._program()
        names = {p.get("name") for p in program.get("parameters") or [] if isinstance(p, dict)}
        name = next(f"param{i}" for i in range(1, 1000) if f"param{i}" not in names)
        program["parameters"] = [*(program.get("parameters") or []),
                                 ProgramParameter(name=name).model_dump()]
        self._write(program, self.tr("Add a parameter"))
        self.parameters.setCurrentCell(self.parameters.rowCount() - 1, 0)

    @Slot()
    def remove_parameter(self) -> None:
        """Removes the selected parameters (else the current one) as one undoable edit; nothing
        when none is."""
        rows = sorted({i.row() for i in self.parameters.selectedIndexes()}
                      or ({self.parameters.currentRow()} - {-1}))
        if not rows:
            return
        program = self._program()
        program["parameters"] = [p for i, p in enumerate(program.get("parameters") or [])
                                 if i not in rows]
        self._write(program, self.tr("Remove a parameter"))

    # -- environment -----------------------------------------------------------------------
    def _fill_env(self, env: dict[str, Any]) -> None:
        table = self.env
        table.setRowCount(len(env))
        for row, (name, value) in enumerate(env.items()):
            for column, text in enumerate((str(name), str(value))):
                item = table.item(row, column)
                if item is None:
                    table.setItem(row, column, QTableWidgetItem(text))
                elif item.text() != text:
                    item.setText(text)

    @Slot(QTableWidgetItem)
    def _on_env_changed(self, _item: QTableWidgetItem) -> None:
        if self._filling:
            return
        env: dict[str, str] = {}
        for row in range(self.env.rowCount()):
            name, value = (self.env.item(row, c) for c in (0, 1))
            key = name.text().strip() if name is not None else ""
            if key:
                env[key] = value.text() if value is not None else ""
        program = self._program()
        program["env"] = env
        self._write(program, self.tr("Edit the program's environment"))

    @Slot()
    def add_env(self) -> None:
        """Adds an empty environment variable named `VARIABLE_1`, `VARIABLE_2`, ... (the first
        name not taken) to the program's environment, as one undoable edit."""
        program = self._program()
        env = dict(program.get("env") or {})
        name = next(f"VARIABLE_{i}" for i in range(1, 1000) if f"VARIABLE_{i}" not in env)
        env[name] = ""
        program["env"] = env
        self._write(program, self.tr("Add an environment variable"))

    @Slot()
    def remove_env(self) -> None:
        """Removes the current row's environment variable, as one undoable edit; nothing when no
        row is current."""
        row = self.env.currentRow()
        item = self.env.item(row, 0) if row >= 0 else None
        if item is None:
            return
        program = self._program()
        program["env"] = {k: v for k, v in (program.get("env") or {}).items()
                          if k != item.text()}
        self._write(program, self.tr("Remove an environment variable"))

    # -- --help ----------------------------------------------------------------------------
    @Slot()
    def read_help(self) -> None:
        """Reads the parameters from the command's --help on a worker thread; the result
        replaces the parameters of the same names and adds the others."""
        try:
            program = ProgramConfig.model_validate(self._program())
        except ValueError:
            self._show_help_status(self.tr("Fix the program's fields first (see the problems "
                                           "above)."))
            return
        base_dir = self.base_dir()

        def read() -> Any:
            from tunestudio.config.program_help import read_help_parameters

            return read_help_parameters(program, base_dir)

        if self.lane is not None:
            return
        self.read_help_button.setEnabled(False)
        self._show_help_status(self.tr("Running {command} --help…").format(
            command=program.command))
        self.lane = Lane("tunestudio-program-help", self)
        self.lane.result.connect(self._on_help)
        self.lane.submit(_HELP_JOB, read)

    @Slot(object)
    def _on_help(self, result: JobResult) -> None:
        self.close_lane()
        self.read_help_button.setEnabled(True)
        if not result.ok:
            message = (result.error or "").partition(": ")[2] or result.error or ""
            self._show_help_status(self.tr("Could not read --help: {message}").format(
                message=message))
            return
        reading = result.value
        program = self._program()
        found = {p.name: p.model_dump() for p in reading.parameters}
        kept = [p for p in program.get("parameters") or []
                if not (isinstance(p, dict) and p.get("name") in found)]
        program["parameters"] = [*kept, *found.values()]
        self._write(program, self.tr("Read the parameters from --help"))
        lines = [self.tr("Parameters read from --help: {count} ({source}).").format(
            count=len(found), source=reading.source)]
        if reading.skipped:
            lines.append(self.tr("Left out: {reasons}").format(
                reasons="; ".join(reading.skipped)))
        self._show_help_status("\n".join(lines))
        self.help_read.emit(reading)

    def _show_help_status(self, text: str) -> None:
        self.help_status.setText(text)
        self.help_status.setVisible(bool(text))

    def close_lane(self) -> None:
        """Ends the --help reading's thread (waiting for a program still starting)."""
        lane, self.lane = self.lane, None
        if lane is not None:
            lane.close()
            lane.deleteLater()

