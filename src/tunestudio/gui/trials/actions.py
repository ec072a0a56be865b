"""What a user does with trials from the table: compare them in the plots, make one the
baseline, evaluate it on the test split (once: the final check, after a warning), write notes
and tags, rerun it with more seeds, delete it, export the table. Store writes and the test
evaluation (of the trial's stored model, its best checkpoint) run on worker lanes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QToolButton,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.document_edits import add_experiment, seeds_experiment, use_as_baseline
from tunestudio.gui.common.file_dialogs import ask_save_file
from tunestudio.gui.common.i18n import translate
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.trials.config_diff import ConfigDiffDialog

if TYPE_CHECKING:
    from tunestudio.config import Project
    from tunestudio.gui.trials.table_view import TrialsPanel
    from tunestudio.store import TrialRow

class TrialActions(QObject):
    """The trials panel's actions (its context menu and toolbar), each enabled by the selection:
    compare, compare configs, use as baseline, evaluate on the test split, notes and tags, reruns
    with more seeds, exclude and include, delete, export the table, export a model, ensemble of
    the best. Store writes and reads run on the insights' read lane, the test evaluation and the
    model export on its training lane; `_on_result` applies what comes back to the table."""

    def __init__(self, panel: TrialsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.insights = panel.insights

        def act(text: str, slot: Any, tip: str) -> QAction:
            action = QAction(text, self)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            # triggered(bool checked) must not reach the slots' optional parameters (it made
            # Export table write to Path(False) and the seeds rerun use repeats=False)
            action.triggered.connect(lambda *_: slot())
            return action

        self.compare_action = act(self.tr("Compare"), self.compare,
                                  self.tr("Overlay the selected trials' curves in the plots"))
        self.baseline_action = act(self.tr("Use as baseline"), self.use_as_baseline,
                                   self.tr("Make this trial's config the project's baseline "
                                           "(undoable)"))
        self.test_action = act(self.tr("Evaluate on test split…"), self.evaluate_on_test,
                               self.tr("The final check, once, for the chosen trial"))
        self.notes_action = act(self.tr("Notes and tags…"), self.edit_notes,
                                self.tr("Record what you think of this trial"))
        self.seeds_action = act(self.tr("Rerun with more seeds…"), self.rerun_with_seeds,
                                self.tr("A new experiment: this trial's values, several seeds"))
        self.top_seeds_action = act(self.tr("Re-run the top N with K seeds…"), self.rerun_top,
                                    self.tr("Is the best trial really better, or a lucky seed? The "
                                            "N best trials again, each with K seeds (an experiment "
                                            "each)"))
        self.exclude_action = act(self.tr("Exclude…"), self.exclude,
                                  self.tr("Leave the selected trials out of best, the Pareto "
                                          "front, importance, plots, exports and what the "
                                          "sampler learns; kept and shown with your reason"))
        self.include_action = act(self.tr("Include"), self.include,
                                  self.tr("Count the selected excluded trials again"))
        self.delete_action = act(self.tr("Delete…"), self.delete,
                                 self.tr("Delete the selected trials"))
        self.export_action = act(self.tr("Export table…"), self.export_csv,
                                 self.tr("The shown rows as CSV"))
        self.diff_action = act(self.tr("Compare configs…"), self.compare_configs,
                               self.tr("Two selected trials' configs side by side, differences "
                                       "marked"))
        self.model_action = act(self.tr("Export model…"), self.export_model,
                                self.tr("This trial's stored model as a state dict, TorchScript or "
                                        "ONNX"))
        self.ensemble_action = act(self.tr("Ensemble of the best…"), self.ensemble,
                                   self.tr("Average the predictions of the best trials' stored "
                                           "models and compare the ensemble with each"))
        self.insights.reads.result.connect(self._on_result)
        self.insights.training.result.connect(self._on_result)
        panel.table.selectionModel().selectionChanged.connect(self._update)
        panel.model.modelReset.connect(self._update)  # the top-N action needs finished trials
        panel.model.rowsInserted.connect(self._on_rows_inserted)
        panel.model.dataChanged.connect(self._on_rows_changed)
        self._update()

    def toolbar_actions(self) -> list[QAction]:
        """The actions the panel's toolbar shows (compare, export table)."""
        return [self.compare_action, self.export_action]

    @staticmethod
    def button(action: QAction, parent: QWidget) -> QToolButton:
        """A tool button in `parent` that triggers `action` and follows its text and state."""
        button = QToolButton(parent)
        button.setDefaultAction(action)
        return button

    def menu(self, parent: QWidget) -> QMenu:
        """The table's context menu, every action in it, made in `parent`."""
        menu = QMenu(parent)
        for action in (self.compare_action, self.diff_action, self.baseline_action,
                       self.test_action, self.notes_action, self.seeds_action,
                       self.top_seeds_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.exclude_action)
        menu.addAction(self.include_action)
        menu.addAction(self.delete_action)
        menu.addAction(self.export_action)
        menu.addAction(self.model_action)
        menu.addAction(self.ensemble_action)
        return menu

    @Slot()
    def _update(self) -> None:
        chosen = self.panel.selected_trials()
        one = len(chosen) == 1
        finished = one and chosen[0].state == "complete"
        self.compare_action.setEnabled(bool(chosen))
        self.diff_action.setEnabled(len(chosen) == 2)
        self.baseline_action.setEnabled(one and chosen[0].state != "invalid")
        self.test_action.setEnabled(finished)
        self.model_action.setEnabled(finished)
        self.notes_action.setEnabled(one)
        self.seeds_action.setEnabled(one and chosen[0].state != "invalid")
        self.top_seeds_action.setEnabled(self.panel.model.complete_count > 0)
        self.ensemble_action.setEnabled(self.panel.model.complete_count > 0)
        self.delete_action.setEnabled(bool(chosen) and all(t.state != "running"
                                                           for t in chosen))
        self.exclude_action.setEnabled(any(not t.excluded and t.state != "running"
                                           for t in chosen))
        self.include_action.setEnabled(any(t.excluded for t in chosen))

    @Slot(QModelIndex, int, int)
    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        self._update()

    @Slot(QModelIndex, QModelIndex)
    def _on_rows_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        if not self.top_seeds_action.isEnabled():  # a trial finished: there may be a top now
            self._update()

    def _one(self) -> TrialRow | None:
        chosen = self.panel.selected_trials()
        return chosen[0] if len(chosen) == 1 else None

    # -- actions -------------------------------------------------------------------------------
    @Slot()
    def compare(self) -> None:
        """Overlays the selected trials' curves in the plots and asks for the curves to be shown."""
        self.insights.compare([t.id for t in self.panel.selected_trials()])
        self.panel.show_curves_requested.emit()

    @Slot()
    def compare_configs(self) -> ConfigDiffDialog | None:
        """The two selected trials' configs side by side (read from the store: the table's
        rows leave the config snapshot out)."""
        chosen = self.panel.selected_trials()
        if len(chosen) != 2:
            return None
        history, url = self.insights.history, self.insights.url
        left, right = (history.store(url).trial(t.id) for t in chosen)  # two rows: ms
        dialog = ConfigDiffDialog(left, right, self.insights.dimension_paths(), self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def use_as_baseline(self) -> None:
        """Reads the one selected trial's config from the store (read lane); when it comes back,
        it becomes the project's baseline (an undoable edit). Nothing without exactly one
        selected trial."""
        trial = self._one()
        if trial is None:
            return
        url, history, tid = self.insights.url, self.insights.history, trial.id
        self.insights.reads.submit("actions:baseline",
                                   lambda: history.store(url).trial(tid))

    @Slot()
    def evaluate_on_test(self, confirmed: bool = False) -> None:
        """Evaluates the one selected trial's stored model (its best checkpoint) on the test
        split on the training lane, once: a trial evaluated already only has its result shown
        again, and unless `confirmed` a warning asks first (the test split is the final check,
        never a way to choose between trials). The result is stored with the trial and shown in
        its row."""
        trial = self._one()
        if trial is None:
            return
        if trial.test_metrics:
            shown = ", ".join(f"{k} {v:.4g}" for k, v in trial.test_metrics.items())
            notifications.info(self.tr("Trial #{number} was already evaluated on the test split "
                                       "(it is used once): {shown}").format(
                                           number=trial.number, shown=shown))
            return
        if not confirmed:
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Evaluate on the test split"),
                              self.tr(
                                  "The test split is the final check: use it once, for the final "
                                  "model, never to choose between trials (that would make it one "
                                  "more validation set and its score optimistic).\n\nThis "
                                  "evaluates trial #{number}'s stored model (its best checkpoint) "
                                  "on the test split. The result is stored with the trial and "
                                  "cannot be redone. Go on?").format(number=trial.number),
                              QMessageBox.StandardButton.Cancel, self.panel)
            box.setObjectName("testSplitWarning")
            go = box.addButton(self.tr("Evaluate once"), QMessageBox.ButtonRole.AcceptRole)
            box.exec()
            if box.clickedButton() is not go:
                return
        url, tid, project = self.insights.url, trial.id, self.insights.document.project
        base_dir = self.insights.document.base_dir
        if project is None:
            return
        self.insights.training.submit(
            "actions:test", lambda: _evaluate_test(project, url, tid, base_dir))
        notifications.info(self.tr("Evaluating trial #{number} on the test split…").format(
            number=trial.number))

    @Slot()
    def export_model(self, path: Path | None = None, fmt: str | None = None) -> None:
        """Ask where (and in which format, by the file type), then export on the training lane."""
        trial, project = self._one(), self.insights.document.project
        if trial is None or project is None:
            return
        if path is None or fmt is None:  # the format follows the file type chosen
            path = ask_save_file(self.panel, self.tr("Export model"), f"trial-{trial.number}.pt",
                                 self.tr("State dict (*.pt);;TorchScript (*.ts);;ONNX "
                                         "(*.onnx)"))
            if path is None:
                return
            fmt = {".onnx": "onnx", ".ts": "torchscript"}.get(path.suffix, "state_dict")
        url, number, name_ = self.insights.url, trial.number, self.insights.experiment_name
        base_dir, out, form = self.insights.document.base_dir, path, fmt
        self.insights.training.submit("actions:export-model", lambda: _export_model(
            project, number, out, form, name_, base_dir, url))
        notifications.info(self.tr("Exporting trial #{number}'s model…").format(number=number))

    @Slot()
    def ensemble(self) -> QDialog:
        """Opens the "Ensemble of the best…" dialog (non-modal); returns it."""
        from tunestudio.gui.trials.ensemble_dialog import EnsembleDialog

        dialog = EnsembleDialog(self.insights, self.panel)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    @Slot()
    def edit_notes(self, notes: str | None = None, tags: list[str] | None = None) -> None:
        """Writes the one selected trial's notes and tags (asked for in a dialog when either is
        None) to the store on the read lane; its row then shows them."""
        trial = self._one()
        if trial is None:
            return
        if notes is None or tags is None:
            answer = _ask_notes(self.panel, trial)
            if answer is None:
                return
            notes, tags = answer
        url, history, tid = self.insights.url, self.insights.history, trial.id
        text, labels = notes, tags

        def write() -> TrialRow:
            store = history.store(url)
            store.update_trial_notes(tid, text, labels)
            return store.trial(tid)

        self.insights.reads.submit("actions:notes", write)

    @Slot()
    def rerun_with_seeds(self, seeds: int | None = None) -> str | None:
        """Adds the experiment; returns its name (None when cancelled)."""
        trial = self._one()
        experiment = self.insights.experiment()
        if trial is None or experiment is None:
            return None
        if seeds is None:
            value, ok = QInputDialog.getInt(self.panel, self.tr("Rerun with more seeds"),
                                            self.tr("Seeds (runs of the same values):"), 5, 2, 20)
            if not ok:
                return None
            seeds = value
        name = add_experiment(self.insights.document,
                              seeds_experiment(trial, experiment, seeds))
        notifications.info(self.tr("Added experiment '{name}': trial #{number} with {seeds} seeds. "
                                   "Select it and press Run.").format(
                                       name=name, number=trial.number, seeds=seeds))
        return name

    @Slot()
    def rerun_top(self, top: int | None = None, seeds: int | None = None) -> list[str]:
        """Adds, for each of the `top` best complete trials on the current baseline, the
        experiment that runs its values with `seeds` seeds (one already there is reused);
        returns their names (empty when cancelled). Asks for N and K when not given."""
        from tunestudio.config.rerun import rerun_experiment

        experiment = self.insights.experiment()
        model = self.panel.model
        if experiment is None:
            return []
        if top is None or seeds is None:
            top, ok = QInputDialog.getInt(self.panel, self.tr("Re-run the top trials"),
                                          self.tr("Best trials to re-run (N):"), 3, 1, 50)
            if not ok:
                return []
            seeds, ok = QInputDialog.getInt(self.panel, self.tr("Re-run the top trials"),
                                            self.tr("Seeds for each (K):"), 3, 2, 20)
            if not ok:
                return []
        sign = -1.0 if model.maximize else 1.0
        done = sorted((t for t in model.trials() if t.counted and not model.stale_of(t.id)),
                      key=lambda t: (sign * float(t.objective or 0.0), t.number))[:top]
        document = self.insights.document
        names = []
        for trial in done:
            plan = rerun_experiment(experiment, trial.number, trial.params, seeds,
                                    trial.objective, trial.seed or 0)
            names.append(plan.name if plan.name in document.experiment_names()
                         else add_experiment(document, plan))
        if names:
            notifications.info(
                self.tr("{len} experiment(s) re-run the top {len} trial(s) with {seeds} seeds: "
                        "{join}. Select each and press Run (or run `tunestudio rerun PROJECT --top "
                        "{top} --seeds {seeds}`); the trials table then shows their mean ± std and "
                        "which are within the noise.").format(
                            len=len(names), seeds=seeds, join=', '.join(names), top=top))
        return names

    @Slot()
    def exclude(self, reason: str | None = None) -> None:
        """Exclude the selected finished trials, asking for the reason (shown wherever they
        appear); `reason` given skips the question."""
        chosen = [t for t in self.panel.selected_trials()
                  if not t.excluded and t.state != "running"]
        if not chosen:
            return
        if reason is None:
            text, ok = QInputDialog.getText(
                self.panel, self.tr("Exclude trials"),
                self.tr("Why exclude %n trial(s)? (e.g. trained on the broken data file)", "",
                        len(chosen)))
            if not ok:
                return
            reason = text
        if not reason.strip():
            notifications.warning(self.tr("Nothing was excluded: give a reason, it is shown "
                                          "wherever the trials appear."))
            return
        self._mark(chosen, reason.strip())

    @Slot()
    def include(self) -> None:
        """Count the selected excluded trials again."""
        chosen = [t for t in self.panel.selected_trials() if t.excluded]
        if chosen:
            self._mark(chosen, None)

    def _mark(self, chosen: list[TrialRow], reason: str | None) -> None:
        url, history = self.insights.url, self.insights.history
        by_experiment: dict[int, list[int]] = {}
        for t in chosen:
            by_experiment.setdefault(t.experiment_id, []).append(t.number)
        ids = [t.id for t in chosen]

        def write() -> list[TrialRow]:
            store = history.store(url)
            for experiment_id, numbers in by_experiment.items():
                if reason is None:
                    store.include_trials(experiment_id, numbers)
                else:
                    store.exclude_trials(experiment_id, numbers, reason)
            return [store.trial(tid) for tid in ids]

        self.insights.reads.submit("actions:exclude", write)

    @Slot()
    def delete(self, confirmed: bool = False) -> None:
        """Deletes the selected trials that are not running, with their curves, from the history
        (asks first unless `confirmed`; cannot be undone); their rows then leave the table and
        the compared trials."""
        chosen = [t for t in self.panel.selected_trials() if t.state != "running"]
        if not chosen:
            return
        if not confirmed:
            answer = QMessageBox.question(
                self.panel, self.tr("Delete trials"),
                self.tr("Delete %n trial(s) and their curves from the history? This cannot be "
                        "undone.", "", len(chosen)))
            if answer != QMessageBox.StandardButton.Yes:
                return
        url, history, ids = self.insights.url, self.insights.history, [t.id for t in chosen]

        def remove() -> list[int]:
            store = history.store(url)
            for tid in ids:
                store.delete_trial(tid)
            return ids

        self.insights.reads.submit("actions:delete", remove)

    @Slot()
    def export_csv(self, path: Path | None = None) -> Path | None:
        """Writes the shown rows, in the shown order, as CSV to `path` (asked for when None): a
        column per table column, headed by its key where it is a dimension's dotted path, else by
        its title. Returns the path written, or None when cancelled."""
        from tunestudio.gui.plots.export import write_csv

        if path is None:
            path = ask_save_file(self.panel, self.tr("Export trials"), "trials.csv", "CSV (*.csv)")
            if path is None:
                return None
        proxy, model = self.panel.proxy, self.panel.model
        keys = [c.key for c in model.columns]
        rows = [[model.values_of(proxy.mapToSource(proxy.index(r, 0)).row()).get(k)
                 for k in keys] for r in range(proxy.rowCount())]
        header = [c.key if "." in c.key else c.title for c in model.columns]  # full knob paths
        written = write_csv(path, header, rows)
        notifications.info(self.tr("%n trial(s) of the table written to {written}", "",
                                   len(rows)).format(written=written))
        return written

    # -- results -------------------------------------------------------------------------------
    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if not result.key.startswith("actions:"):
            return
        if not result.ok:
            notifications.error(f"{result.error}", result.detail)
            return
        what = result.key.split(":", 1)[1]
        if what == "baseline":
            row = result.value
            if row.config_json:
                use_as_baseline(self.insights.document, row.config_json, f"trial #{row.number}")
                notifications.info(self.tr("Trial #{number}'s config is now the baseline (Edit > "
                                           "Undo takes it back).").format(number=row.number))
        elif what in ("notes", "test"):
            row = result.value
            self.panel.model.upsert([row])
            if what == "test":
                shown = ", ".join(f"{k} {v:.4g}" for k, v in (row.test_metrics or {}).items())
                notifications.info(self.tr("Trial #{number} on the test split: {shown}").format(
                    number=row.number, shown=shown))
        elif what == "export-model":
            done = result.value
            check = f"; predicts as the stored model on {done.checked} validation samples " \
                f"(largest difference {done.max_abs_difference:.2g})" if done.checked else \
                (f"; {done.note}" if done.note else "")
            notifications.info(self.tr("Trial #{number}'s model written to {files} "
                                       "({format}){check}").format(
                                           number=done.number, files=done.files[0],
                                           format=done.format, check=check))
        elif what == "exclude":
            self.panel.model.upsert(result.value)
            self._update()
            self.insights.trials_changed.emit()  # best, front, plots and importance follow
        elif what == "delete":
            self.panel.model.remove(result.value)
            self.insights.compare([i for i in self.insights.compared if i not in result.value])
            self.insights.trials_changed.emit()


def _evaluate_test(project: Project, url: str, trial_id: int, base_dir: Path) -> TrialRow:
    """Evaluates the trial's stored model on the test split once (on the training lane)."""
    from tunestudio.search.stored_model import stored_test_evaluation

    return stored_test_evaluation(project, trial_id, base_dir=base_dir, url=url)


def _export_model(project: Project, number: int, out: Path, fmt: Any, experiment: str | None,
                  base_dir: Path, url: str) -> Any:
    """The stored model of trial #`number`, exported (on the training lane)."""
    from tunestudio.search.model_export import export_trial_model

    return export_trial_model(project, number, out, fmt, experiment=experiment,
                              base_dir=base_dir, url=url)


def _ask_notes(parent: QWidget, trial: TrialRow) -> tuple[str, list[str]] | None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(translate("actions", "Trial #{number}: notes and tags").format(
        number=trial.number))
    notes = QPlainTextEdit(trial.notes, dialog)
    tags = QLineEdit(", ".join(trial.tags), dialog)
    tags.setPlaceholderText(translate("actions", "comma-separated, e.g. keep, lucky-seed"))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel, dialog)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form = QFormLayout(dialog)
    form.addRow(translate("actions", "Notes"), notes)
    form.addRow(translate("actions", "Tags"), tags)
    form.addRow(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return notes.toPlainText(), [t.strip() for t in tags.text().split(",") if t.strip()]
