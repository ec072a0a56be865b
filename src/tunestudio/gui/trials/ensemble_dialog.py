"""The trials menu's "Ensemble of the best…": choose K (and greedy selection or the top K, the
test split once), build the ensemble of the experiment's best trials' stored models on the
training lane, see each member's metrics beside the ensemble's and the gain over the best
single trial, and export the ensemble as one model. The work is `search.ensemble`'s; this is
its window."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common.file_dialogs import ask_save_file
from tunestudio.gui.common.jobs import JobResult

if TYPE_CHECKING:
    from tunestudio.gui.common.insights import Insights

BUILD = "ensemble:build"
EXPORT = "ensemble:export"


class EnsembleDialog(QDialog):
    """Non-modal: the table stays usable while the ensemble is built. `ensemble` holds the
    last result (a `search.ensemble.Ensemble`), None before one is built."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.ensemble: Any = None
        self.setObjectName("ensembleDialog")
        self.setWindowTitle(self.tr("Ensemble of the best trials"))
        self.top = QSpinBox(self)
        self.top.setRange(1, 50)
        self.top.setValue(5)
        self.top.setToolTip(self.tr("How many of the best trials (that count for the best trial "
                                    "and keep a checkpoint) are averaged; with greedy selection, "
                                    "the number of rounds"))
        self.greedy = QCheckBox(self.tr("Greedy selection with replacement (Caruana et al., "
                                        "2004) instead of the top K"), self)
        self.test = QCheckBox(self.tr("Evaluate the chosen ensemble on the test split (once)"),
                              self)
        self.build_button = QPushButton(self.tr("Build ensemble"), self)
        self.build_button.setDefault(True)
        self.build_button.clicked.connect(self.build)
        self.export_button = QPushButton(self.tr("Export ensemble…"), self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_clicked)
        self.table = QTableWidget(0, 0, self)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        self.verdict.setObjectName("ensembleVerdict")
        self.status = QLabel(self.tr("Averages the predictions (class probabilities, or values "
                                     "for regression) of the stored models on the validation "
                                     "split."), self)
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.tr("Trials (K):"), self.top)
        form.addRow("", self.greedy)
        form.addRow("", self.test)
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.build_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdict)
        layout.addWidget(buttons)
        insights.training.result.connect(self._on_result)
        self.resize(640, 420)

    @Slot()
    def build(self) -> None:
        """Builds the ensemble with the chosen K and method on the training lane."""
        project, name = self.insights.document.project, self.insights.experiment_name
        if project is None or name is None:
            self.status.setText(self.tr("The project is not valid: fix it to build an "
                                        "ensemble."))
            return
        url, base_dir = self.insights.url, self.insights.document.base_dir
        k, greedy, test = self.top.value(), self.greedy.isChecked(), self.test.isChecked()
        self.build_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.status.setText(self.tr("Loading the trials' stored models…"))
        self.insights.training.submit(BUILD, lambda: _build(project, name, k, greedy, test,
                                                            base_dir, url))

    @Slot()
    def _export_clicked(self) -> None:
        path = ask_save_file(self, self.tr("Export ensemble"), "ensemble.pt",
                             self.tr("State dict (*.pt);;TorchScript (*.ts);;ONNX (*.onnx)"))
        if path is not None:
            self.export(path)

    def export(self, path: Path) -> None:
        """Writes the built ensemble to `path` on the training lane, in the format its
        suffix names (.onnx, .ts; anything else a state dict), checked against the average."""
        if self.ensemble is None:
            return
        fmt = {".onnx": "onnx", ".ts": "torchscript"}.get(path.suffix, "state_dict")
        ensemble = self.ensemble
        self.export_button.setEnabled(False)
        self.status.setText(self.tr("Exporting the ensemble…"))
        self.insights.training.submit(EXPORT, lambda: ensemble.export(path, fmt))

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key not in (BUILD, EXPORT):
            return
        self.build_button.setEnabled(True)
        self.export_button.setEnabled(self.ensemble is not None)
        if not result.ok:
            self.status.setText(self.tr("Failed: {error}").format(error=result.error))
            self.status.setToolTip(result.detail)
            return
        self.insights.ensembles_changed.emit()  # kept in the history, tested or exported
        if result.key == BUILD:
            self.ensemble = result.value
            self.export_button.setEnabled(True)
            self._show(result.value)
            return
        done = result.value
        if done.checked:
            check = self.tr("on {count} validation inputs the largest difference from the "
                            "average is {diff}").format(count=done.checked,
                                                         diff=f"{done.max_abs_difference:.2g}")
        else:
            check = done.note
        self.status.setText(self.tr("Ensemble written to {file} ({format}); {check}").format(
            file=done.files[0], format=done.format, check=check))

    def _show(self, ens: Any) -> None:
        self.status.setToolTip("")
        names = sorted({k for m in ens.members for k in m.metrics} | set(ens.metrics))
        self.table.clear()
        self.table.setColumnCount(2 + len(names))
        self.table.setHorizontalHeaderLabels([self.tr("Trial"), self.tr("Count"), *names])
        rows = [(f"#{m.number}", m.count, m.metrics) for m in ens.members]
        rows.append((self.tr("Ensemble"), ens.size, ens.metrics))
        self.table.setRowCount(len(rows))
        best = ens.best_single.number
        for r, (label, count, metrics) in enumerate(rows):
            cells = [label, str(count), *(_number(metrics.get(n)) for n in names)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if r >= len(ens.members) or label == f"#{best}":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(r, c, item)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        metric, gain = ens.metric, ens.gain
        values = {"metric": metric, "ensemble": _number(ens.metrics[metric]),
                  "best": _number(ens.best_single.metrics[metric]), "number": best,
                  "gain": f"{gain:+.4g}", "short": f"{-gain:.4g}"}
        if gain > 0:
            text = self.tr("The ensemble beats the best single trial #{number} on {metric}: "
                           "{ensemble} against {best} (gain {gain}).")
        elif gain < 0:
            text = self.tr("The ensemble does not beat the best single trial #{number} on "
                           "{metric}: {ensemble} against {best}, short by {short}.")
        else:
            text = self.tr("The ensemble ties the best single trial #{number} on {metric}: "
                           "{ensemble}.")
        text = text.format(**values)
        if ens.test_metrics:
            text += "\n" + self.tr("Test split (evaluated once, for this ensemble): {values}"
                                   ).format(values=", ".join(
                                       f"{k} {_number(v)}"
                                       for k, v in sorted(ens.test_metrics.items())))
        self.verdict.setText(text)
        method = self.tr("greedy selection") if ens.method == "greedy" else \
            self.tr("the top {k}").format(k=len(ens.members))
        status = self.tr("{count} trial(s) averaged ({method}).", "", len(ens.members)).format(
            count=len(ens.members), method=method)
        if ens.number is not None:
            status += " " + self.tr("Kept in the history as ensemble #{number} (the Ensembles "
                                    "tab lists them).").format(number=ens.number)
        if ens.skipped:
            status += " " + self.tr("Skipped: {list}").format(list="; ".join(
                f"{', '.join(f'#{n}' for n in numbers)} ({why})"
                for why, numbers in ens.skipped_by_reason().items()))
            self.status.setToolTip("\n".join(f"#{n}: {why}"
                                             for n, why in sorted(ens.skipped.items())))
        self.status.setText(status)


def _number(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _build(project: Any, experiment: str, k: int, greedy: bool, test: bool, base_dir: Path,
           url: str) -> Any:
    """The ensemble (on the training lane), its test split evaluated when asked."""
    from tunestudio.search.ensemble import build_ensemble

    ensemble = build_ensemble(project, k, experiment=experiment, greedy=greedy,
                              base_dir=base_dir, url=url)
    if test and ensemble.test_metrics is None:  # kept from an earlier build: used once
        ensemble.evaluate_test()
    return ensemble
