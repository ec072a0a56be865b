"""The trials table over a real 3-trial experiment: a column per searched dimension, the best
trial highlighted, sorting and filtering, rows that appear and change while another process
writes the store, selection overlaying trials in the plots, and every context action."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from gui_helpers import AnswerBox
from insight_helpers import add_trial_of_other_baseline, headless_data_dir, run_headless
from tunestudio.config import Project, RunConfig, merge_values
from tunestudio.gui.common import notifications
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.common.numbers import compact
from tunestudio.gui.plots.panel import TrialCurves
from tunestudio.gui.run.live_view import LiveView
from tunestudio.gui.trials.table_model import TrialsTableModel
from tunestudio.gui.trials.table_view import TrialsPanel
from tunestudio.store import Store, TrialRow


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """One headless 3-trial run shared by the module's tests (they read it; what they add,
    they add to trials of their own)."""
    return run_headless(tmp_path_factory.mktemp("trials-table"))


@pytest.fixture
def panel(project: Project, qtbot: QtBot) -> Iterator[TrialsPanel]:
    document = ProjectDocument.from_project(project)
    insights = Insights(document)
    insights.set_experiment(project.experiments[0].name)
    view = TrialsPanel(insights)
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 3, timeout=10_000)
    yield view
    view.close_view()
    insights.close()


def stored(project: Project) -> tuple[Store, int]:
    store = Store.open(project.storage_url)
    exp = store.experiment(project.experiments[0].name)
    assert exp is not None
    return store, exp.id


def shown_numbers(panel: TrialsPanel) -> list[str]:
    return [panel.proxy.index(r, 0).data() for r in range(panel.proxy.rowCount())]


def shown_objectives(panel: TrialsPanel) -> list[float | None]:
    """The shown rows' stored objectives, top to bottom."""
    return [panel.model.trial(panel.proxy.mapToSource(panel.proxy.index(r, 0)).row()).objective
            for r in range(panel.proxy.rowCount())]


def test_a_column_per_dimension_and_the_best_trial_highlighted(
        panel: TrialsPanel, project: Project) -> None:
    titles = [c.title for c in panel.model.columns]
    dims = [d.path for d in project.experiments[0].search.dimensions]
    assert [c.key for c in panel.model.columns if "." in c.key] == dims
    assert titles[:4] == ["#", "State", "val_accuracy", "±"]
    assert {"lr", "weight_decay", "width", "batch_size"} <= set(titles)
    store, exp_id = stored(project)
    try:
        best = store.best_trial(exp_id, "maximize")
        rows = store.trials(exp_id)
    finally:
        store.close()
    assert best is not None and panel.model.best_id == best.id
    row = panel.model.row_of(best.id)
    assert row is not None
    index = panel.model.index(row, 0)
    assert panel.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert panel.model.data(index, Qt.ItemDataRole.FontRole).bold()
    other = panel.model.index((row + 1) % 3, 0)
    assert panel.model.data(other, Qt.ItemDataRole.BackgroundRole) is None
    lr_col = panel.model.column_of("optimizer.lr")
    for trial in rows:
        r = panel.model.row_of(trial.id)
        assert r is not None
        assert panel.model.index(r, lr_col).data() == f"{trial.params['optimizer.lr']:.4g}"
    assert "3 of 3 trial(s) shown, 3 complete" in panel.count.text()
    # the trial number's column, fitted to these first rows, has room for six digits
    number = panel.table.horizontalHeader().sectionSize(panel.model.column_of("#"))
    assert number > panel.table.fontMetrics().horizontalAdvance("999999")


def test_sorting_and_filtering_by_state_params_and_objective(panel: TrialsPanel) -> None:
    trials = panel.model.trials()
    objective = panel.model.column_of("objective")
    panel.table.sortByColumn(objective, Qt.SortOrder.DescendingOrder)
    ranked = sorted(trials, key=lambda t: t.objective or 0, reverse=True)
    assert shown_numbers(panel) == [str(t.number) for t in ranked]
    panel.table.sortByColumn(panel.model.column_of("optimizer.lr"), Qt.SortOrder.AscendingOrder)
    by_lr = sorted(trials, key=lambda t: t.params["optimizer.lr"])
    assert shown_numbers(panel) == [str(t.number) for t in by_lr]
    middle = by_lr[1].params["optimizer.lr"]
    panel.filter.setText(f"lr>={middle!r}")
    assert shown_numbers(panel) == [str(t.number) for t in by_lr[1:]]
    panel.filter.setText(f"lr>={middle!r} objective>={ranked[0].objective!r}")
    expected = [str(t.number) for t in by_lr[1:] if t.objective == ranked[0].objective]
    assert shown_numbers(panel) == expected
    panel.filter.setText("state=pruned")
    assert panel.proxy.rowCount() == 0
    panel.filter.setText("nosuchcolumn=3")
    assert panel.problem.isVisible() and "no column 'nosuchcolumn'" in panel.problem.text()
    panel.filter.setText("")
    assert panel.proxy.rowCount() == 3 and not panel.problem.isVisible()
    panel.state.setCurrentText("complete")
    assert panel.proxy.rowCount() == 3
    panel.state.setCurrentText("failed")
    assert panel.proxy.rowCount() == 0


def test_a_filter_keeps_the_selected_trials_it_still_shows(panel: TrialsPanel,
                                                          qtbot: QtBot) -> None:
    a, b, _ = sorted(panel.model.trials(), key=lambda t: t.number)
    panel.select_trials([a.id, b.id])
    assert panel.insights.compared == [a.id, b.id]
    panel.filter.setText(f"#!={b.number}")
    assert [t.id for t in panel.selected_trials()] == [a.id]
    assert panel.insights.compared == [a.id]  # a hidden trial leaves the comparison
    panel.filter.setText("")
    assert [t.id for t in panel.selected_trials()] == [a.id]
    qtbot.waitUntil(lambda: "3 of 3 trial(s) shown" in panel.count.text(), timeout=5_000)


def test_a_long_history_shows_its_first_page_then_the_rest(
        project: Project, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table reads a first page of trials (FIRST_PAGE; 2 here, of 3) and shows it, then
    reads the rest and appends it: a long history is usable at once."""
    from tunestudio.gui.common.history import History
    from tunestudio.gui.trials import table_view

    monkeypatch.setattr(table_view, "FIRST_PAGE", 2)
    reads: list[tuple[int | None, int]] = []
    read = History.trials

    def counted(self: History, url: str, name: str, changed_since: float | None = None,
                limit: int | None = None, offset: int = 0) -> tuple[list[TrialRow], float]:
        if changed_since is None:
            reads.append((limit, offset))
        return read(self, url, name, changed_since, limit, offset)

    monkeypatch.setattr(History, "trials", counted)
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    view = TrialsPanel(insights)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=10_000)
    assert reads == [(2, 0), (None, 2)]
    store, exp_id = stored(project)
    try:
        everything = store.trials(exp_id)
        best = store.best_trial(exp_id, "maximize")
    finally:
        store.close()
    assert [t.id for t in view.model.trials()] == [t.id for t in everything]
    assert best is not None and view.model.best_id == best.id
    view.close_view()
    insights.close()


def test_trials_written_by_another_process_appear_and_update_live(
        panel: TrialsPanel, project: Project, qtbot: QtBot) -> None:
    store, exp_id = stored(project)
    try:
        config = merge_values(project.baseline, {"optimizer.lr": 0.002})
        tid = store.start_trial(exp_id, number=100, optuna_trial_id=None,
                                params={"optimizer.lr": 0.002},
                                config_json=config.model_dump_json(), device="remote", seed=0)
        qtbot.waitUntil(lambda: panel.model.row_of(tid) is not None, timeout=5_000)
        row = panel.model.row_of(tid)
        assert row is not None and panel.model.trial(row).state == "running"
        store.finish_trial(tid, state="complete", objective=2.0, duration_s=1.0)
        qtbot.waitUntil(lambda: panel.model.best_id == tid, timeout=5_000)
        assert panel.model.trial(panel.model.row_of(tid) or 0).state == "complete"
    finally:
        store.delete_trial(tid)
        store.close()


def test_selecting_two_rows_overlays_both_trials_in_the_plots(
        panel: TrialsPanel, project: Project, qtbot: QtBot) -> None:
    live = LiveView(panel.insights)
    qtbot.addWidget(live)
    a, b = panel.model.trials()[:2]
    panel.select_trials([a.id, b.id])
    assert panel.insights.compared == [a.id, b.id]
    assert panel.insights.focus == b.id
    qtbot.waitUntil(lambda: set(live.overlays) == {a.id, b.id}, timeout=10_000)
    store = Store.open(project.storage_url)
    try:
        steps = store.step_series([a.id, b.id])
    finally:
        store.close()
    for t in (a, b):
        assert len(live.overlays[t.id].loss) == len(steps[t.id])


def test_clicking_a_legend_entry_selects_that_trial(panel: TrialsPanel, qtbot: QtBot) -> None:
    """A click on a compared trial's name in the loss plot's legend makes it the trial in
    focus (the table's current row follows) and hides nothing; the comparison stays."""
    live = LiveView(panel.insights)
    qtbot.addWidget(live)
    live.resize(1000, 700)
    live.show()
    a, b = panel.model.trials()[:2]
    panel.select_trials([a.id, b.id])
    qtbot.waitUntil(lambda: set(live.overlays) == {a.id, b.id}, timeout=10_000)
    assert panel.insights.focus == b.id
    legend = live.panel.legend
    [label] = [lab for sample, lab in legend.items
               if sample.item is live.overlays[a.id].smooth.item]
    qtbot.waitUntil(lambda: label.sceneBoundingRect().width() > 0, timeout=5_000)
    at = live.panel.mapFromScene(label.sceneBoundingRect().center())
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(live.panel.viewport(), Qt.MouseButton.LeftButton, pos=at)  # type: ignore[no-untyped-call]
    assert panel.insights.focus == a.id
    assert panel.insights.compared == [a.id, b.id]  # the comparison is kept
    assert [t.id for t in panel.selected_trials()] == [a.id, b.id]
    current = panel.table.selectionModel().currentIndex()
    assert panel.model.trial(panel.proxy.mapToSource(current).row()).id == a.id
    assert live.overlays[a.id].smooth.item.isVisible()  # a click selects, never hides
    # its swatch selects too
    [sample] = [smp for smp, _ in legend.items if smp.item is live.overlays[b.id].smooth.item]
    at = live.panel.mapFromScene(sample.sceneBoundingRect().center())
    qtbot.mouseClick(live.panel.viewport(), Qt.MouseButton.LeftButton, pos=at)  # type: ignore[no-untyped-call]
    assert panel.insights.focus == b.id and live.overlays[b.id].smooth.item.isVisible()


def test_use_as_baseline_is_one_undoable_edit(panel: TrialsPanel, qtbot: QtBot) -> None:
    trial = panel.model.trials()[1]
    panel.select_trials([trial.id])
    document = panel.insights.document
    before = json.dumps(document.draft["baseline"], sort_keys=True)
    panel.trial_actions.baseline_action.trigger()
    qtbot.waitUntil(lambda: document.undo_stack.count() == 1, timeout=5_000)
    assert document.project is not None
    expected = merge_values(RunConfig.model_validate(json.loads(before)), trial.params)
    assert document.project.baseline == expected
    document.undo_stack.undo()
    assert json.dumps(document.draft["baseline"], sort_keys=True) == before


def test_notes_and_tags_are_stored_and_shown(panel: TrialsPanel, project: Project,
                                             qtbot: QtBot) -> None:
    trial = panel.model.trials()[0]
    panel.select_trials([trial.id])
    panel.trial_actions.edit_notes("fast and stable", ["keep", "candidate"])
    tags = panel.model.column_of("tags")
    row = panel.model.row_of(trial.id)
    qtbot.waitUntil(lambda: panel.model.index(row or 0, tags).data() == "keep, candidate",
                    timeout=5_000)
    store = Store.open(project.storage_url)
    try:
        again = store.trial(trial.id)
    finally:
        store.close()
    assert (again.notes, again.tags) == ("fast and stable", ["keep", "candidate"])
    panel.filter.setText("tags~keep")
    assert shown_numbers(panel) == [str(trial.number)]


def test_rerun_with_more_seeds_adds_a_valid_experiment(panel: TrialsPanel) -> None:
    trial = panel.model.trials()[2]
    panel.select_trials([trial.id])
    name = panel.trial_actions.rerun_with_seeds(4)
    document = panel.insights.document
    assert name is not None and name in document.experiment_names()
    assert document.project is not None
    exp = document.project.experiment(name)
    assert exp.search.repeats == 4 and exp.search.strategy == "grid"
    pinned = {d.path: d.model_dump()["choices"] for d in exp.search.dimensions}
    assert pinned == {p: [v] for p, v in trial.params.items()}


def test_test_split_evaluated_once_then_refused(panel: TrialsPanel, project: Project,
                                                qtbot: QtBot,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(headless_data_dir(project)))  # checkpoints
    trial = panel.model.best_id
    assert trial is not None
    panel.select_trials([trial])
    assert panel.trial_actions.test_action.isEnabled()
    panel.trial_actions.evaluate_on_test(confirmed=True)
    test_col = panel.model.column_of("test")
    qtbot.waitUntil(lambda: panel.model.index(panel.model.row_of(trial) or 0, test_col).data()
                    != "", timeout=60_000)
    store = Store.open(project.storage_url)
    try:
        metrics = store.trial(trial).test_metrics
        assert metrics is not None and 0 < metrics["test_accuracy"] <= 1
        panel.select_trials([trial])
        panel.trial_actions.evaluate_on_test(confirmed=True)  # refused: already done
        assert not panel.insights.training.busy("actions:test")
        assert store.trial(trial).test_metrics == metrics
    finally:
        store.close()


def test_delete_and_export(panel: TrialsPanel, project: Project, qtbot: QtBot,
                           tmp_path: Path) -> None:
    store, exp_id = stored(project)
    try:
        doomed = store.record_invalid(exp_id, number=200, optuna_trial_id=None,
                                      params={"optimizer.lr": 5.0}, message="bad")
        qtbot.waitUntil(lambda: panel.model.row_of(doomed) is not None, timeout=5_000)
        panel.select_trials([doomed])
        panel.trial_actions.delete(confirmed=True)
        qtbot.waitUntil(lambda: panel.model.row_of(doomed) is None, timeout=5_000)
        assert all(t.id != doomed for t in store.trials(exp_id))
    finally:
        store.close()
    with qtbot.waitSignal(notifications.bridge().message, timeout=5_000) as told:
        path = panel.trial_actions.export_csv(tmp_path / "trials.csv")
    assert path is not None
    assert told.args is not None  # the user is told where the file went
    assert told.args[0].text == f"3 trial(s) of the table written to {path}"
    with path.open() as fh:
        records = list(csv.DictReader(fh))
    assert len(records) == 3
    assert {"#", "State", "optimizer.lr", "training.batch_size"} <= set(records[0])
    by_number = {r["#"]: r for r in records}
    for trial in panel.model.trials():
        assert float(by_number[str(trial.number)]["optimizer.lr"]) == trial.params[
            "optimizer.lr"]


def test_the_model_keeps_10k_rows_sortable(qtbot: QtBot) -> None:
    model = TrialsTableModel()
    model.set_columns(["optimizer.lr"], "val_accuracy", "maximize")
    rows = [TrialRow(id=i, experiment_id=1, number=i, state="complete", message="",
                     params={"optimizer.lr": 1.0 / (i + 1)}, objective=(i * 7919 % 10_000) / 1e4,
                     objective2=None, objective_std=None, metrics={}, device="cpu", seed=0,
                     repeats=1, duration_s=1.0, started_at=0.0, finished_at=1.0,
                     heartbeat_at=None, updated_at=1.0, notes="", tags=[],
                     optuna_trial_id=None, test_metrics=None) for i in range(10_000)]
    model.set_trials(rows)
    assert model.rowCount() == 10_000
    model.sort(model.column_of("objective"), Qt.SortOrder.DescendingOrder)
    assert model.trial(0).id == model.best_id
    assert model.trial(0).objective == max(r.objective or 0 for r in rows)


def test_a_trial_of_another_baseline_is_marked_and_not_best_unless_asked(
        panel: TrialsPanel, project: Project, qtbot: QtBot) -> None:
    """Trained with 3 epochs where the baseline now says otherwise: shown, marked, never the
    best unless "Other baselines in best" is ticked."""
    store, exp_id = stored(project)
    try:
        tid = add_trial_of_other_baseline(store, exp_id, project, number=101, lr=0.002,
                                          objective=5.0, extra_epochs=7)
        qtbot.waitUntil(lambda: panel.model.row_of(tid) is not None, timeout=5_000)
        row = panel.model.row_of(tid)
        assert row is not None and panel.model.is_stale(row)
        index = panel.model.index(row, panel.model.column_of("baseline"))
        assert index.data() == "other"
        assert panel.model.data(index, Qt.ItemDataRole.FontRole).italic()
        assert "another baseline" in panel.model.data(index, Qt.ItemDataRole.ToolTipRole)
        assert panel.model.best_id is not None and panel.model.best_id != tid
        panel.stale_in_best.click()  # the user asks for them
        assert panel.model.best_id == tid
        panel.stale_in_best.click()
        assert panel.model.best_id != tid
    finally:
        store.delete_trial(tid)
        store.close()


def test_the_first_click_on_the_objective_column_puts_the_best_first(
        panel: TrialsPanel, qtbot: QtBot) -> None:
    header = panel.table.horizontalHeader()
    column = panel.model.column_of("objective")
    # the column in view whatever widths earlier tests left in the settings
    panel.table.scrollTo(panel.table.model().index(0, column))
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    assert 0 <= x < header.viewport().width() and not header.isSectionHidden(column)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))  # type: ignore[no-untyped-call]
    best = panel.model.best_id
    assert best is not None
    best_value = panel.model.trial(panel.model.row_of(best) or 0).objective
    # compared by value: two of the tiny run's trials can tie on validation accuracy, and a tie
    # keeps the order the trials were read in, in both directions
    assert shown_objectives(panel)[0] == best_value
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))  # type: ignore[no-untyped-call]
    values = shown_objectives(panel)
    assert values[-1] == best_value
    assert all(a is not None and b is not None and a <= b for a, b in pairwise(values))


def test_every_trial_action_works_through_its_real_signal(
        panel: TrialsPanel, project: Project, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, answer_box: AnswerBox) -> None:
    """The toolbar buttons and the context menu emit triggered(bool); each action must act on
    the selection and ignore that argument (Export table once wrote to Path(False), Rerun with
    more seeds once asked for repeats=False)."""
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from tunestudio.gui.trials import actions as actions_module

    acts = panel.trial_actions
    menu = acts.menu(panel)
    assert {a.text() for a in menu.actions() if a.text()} == {
        a.text() for a in (acts.compare_action, acts.diff_action, acts.baseline_action,
                           acts.test_action,
                           acts.notes_action, acts.seeds_action, acts.top_seeds_action,
                           acts.exclude_action, acts.include_action,
                           acts.delete_action, acts.export_action, acts.model_action,
                           acts.ensemble_action)}
    target = tmp_path / "table.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "CSV (*.csv)"))
    acts.export_action.trigger()
    with target.open() as fh:
        records = {r["#"]: r for r in csv.DictReader(fh)}
    for trial in panel.model.trials():  # stored values, exactly: never the shown digits
        assert records[str(trial.number)]["optimizer.lr"] == repr(trial.params["optimizer.lr"])
    trial = panel.model.trials()[0]
    panel.select_trials([trial.id])
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (3, True))
    before = list(panel.insights.document.experiment_names())
    acts.seeds_action.trigger()
    added = [n for n in panel.insights.document.experiment_names() if n not in before]
    assert len(added) == 1
    project_now = panel.insights.document.project
    assert project_now is not None and project_now.experiment(added[0]).search.repeats == 3
    monkeypatch.setattr(actions_module, "_ask_notes", lambda parent, t: ("noted", ["x"]))
    acts.notes_action.trigger()
    tags = panel.model.column_of("tags")
    qtbot.waitUntil(lambda: panel.model.index(panel.model.row_of(trial.id) or 0, tags).data()
                    == "x", timeout=5_000)
    answer_box("Cancel")
    fresh = [t for t in panel.model.trials() if t.state == "complete" and not t.test_metrics]
    assert fresh
    panel.select_trials([fresh[0].id])
    acts.test_action.trigger()  # the warning comes first; cancelled, nothing retrains
    assert answer_box.seen and answer_box.seen[0][0] == "testSplitWarning"
    assert not panel.insights.training.busy("actions:test")
    store, exp_id = stored(project)
    try:
        doomed = store.record_invalid(exp_id, number=300, optuna_trial_id=None,
                                      params={"optimizer.lr": 7.0}, message="bad")
        qtbot.waitUntil(lambda: panel.model.row_of(doomed) is not None, timeout=5_000)
        panel.select_trials([doomed])
        monkeypatch.setattr(QMessageBox, "question",
                            lambda *a, **k: QMessageBox.StandardButton.Yes)
        acts.delete_action.trigger()
        qtbot.waitUntil(lambda: panel.model.row_of(doomed) is None, timeout=5_000)
    finally:
        store.close()
    panel.select_trials([t.id for t in panel.model.trials()[:2]])
    acts.compare_action.trigger()
    assert len(panel.insights.compared) == 2
    acts.diff_action.trigger()
    from PySide6.QtWidgets import QApplication

    from tunestudio.gui.trials.config_diff import ConfigDiffDialog

    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, ConfigDiffDialog) and w.isVisible()]
    assert len(dialogs) == 1 and dialogs[0].table.rowCount() > 10
    dialogs[0].close()
def test_exclude_and_include_from_the_context_menu(
        panel: TrialsPanel, project: Project, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Exclude… asks why, marks the row (struck out, the reason in its Reason cell and
    tooltip), stores it for every reader and moves the best; Include undoes it."""
    from PySide6.QtWidgets import QInputDialog

    acts, model = panel.trial_actions, panel.model
    best = model.best_id
    assert best is not None
    panel.select_trials([best])
    menu = acts.menu(panel)
    assert acts.exclude_action in menu.actions() and acts.include_action in menu.actions()
    assert acts.exclude_action.isEnabled() and not acts.include_action.isEnabled()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("broken data file", True))
    acts.exclude_action.trigger()
    try:
        qtbot.waitUntil(lambda: model.best_id not in (None, best), timeout=5_000)
        row = model.row_of(best)
        assert row is not None
        assert model.index(row, model.column_of("reason")).data() == \
            "excluded: broken data file"
        assert model.data(model.index(row, 0), Qt.ItemDataRole.FontRole).strikeOut()
        assert "broken data file" in model.data(model.index(row, 0),
                                                Qt.ItemDataRole.ToolTipRole)
        store, exp_id = stored(project)
        try:
            assert [t.id for t in store.trials(exp_id) if t.excluded] == [best]
            assert store.best_trial(exp_id, "maximize").id == model.best_id  # type: ignore
        finally:
            store.close()
        panel.select_trials([best])
        assert acts.include_action.isEnabled() and not acts.exclude_action.isEnabled()
        acts.include_action.trigger()
        qtbot.waitUntil(lambda: model.best_id == best, timeout=5_000)
        assert model.index(row, model.column_of("reason")).data() == ""
    finally:
        store, exp_id = stored(project)
        try:
            store.include_trials(exp_id, [t.number for t in store.trials(exp_id)])
        finally:
            store.close()


def test_export_model_from_the_trial_menu(panel: TrialsPanel, project: Project, qtbot: QtBot,
                                          tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(headless_data_dir(project)))  # checkpoints
    trial = panel.model.best_id
    assert trial is not None
    panel.select_trials([trial])
    actions = panel.trial_actions
    assert actions.model_action.isEnabled()
    assert actions.model_action in actions.menu(panel).actions()
    from PySide6.QtWidgets import QFileDialog

    out = tmp_path / "best.ts"  # the file type chosen gives the format
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(out), "TorchScript (*.ts)"))
    actions.model_action.trigger()
    qtbot.waitUntil(lambda: out.with_name("best.ts.json").is_file(), timeout=60_000)
    assert out.stat().st_size > 1000
    assert json.loads(out.with_name("best.ts.json").read_text())["format"] == "torchscript"


def test_compare_shows_exactly_the_selected_trials_named_in_the_legend(
        panel: TrialsPanel, project: Project, qtbot: QtBot) -> None:
    live = LiveView(panel.insights)
    qtbot.addWidget(live)
    trials = sorted(panel.model.trials(), key=lambda t: t.number)[:3]
    a, b, c = trials
    # a finished trial of the run, kept as an overlay until a comparison is chosen
    live.finished[c.id] = TrialCurves(live.panel, "run's trial", "#000000")
    panel.select_trials([a.id, b.id])
    qtbot.waitUntil(lambda: set(live.overlays) == {a.id, b.id}, timeout=10_000)
    assert not live.finished  # only the selected trials are compared
    name = project.experiments[0].name
    names = set(live.all_curves())
    assert names == {f"{name} #{t.number} · " + " · ".join(
        f"{k.rsplit('.', 1)[-1].replace('weight_decay', 'wd').replace('batch_size', 'bs')}="
        + compact(v) for k, v in list(t.params.items())[:3]) for t in (a, b)}
    legend = live.panel.legend.names()
    assert any(f"{name} #{a.number} · lr=" in text for text in legend)
    live.close_view()


def test_comparing_trials_of_different_baselines_says_so_and_diffs_their_configs(
        panel: TrialsPanel, project: Project, qtbot: QtBot) -> None:
    from tunestudio.gui.trials.config_diff import ConfigDiffDialog

    live = LiveView(panel.insights)
    qtbot.addWidget(live)
    store, exp_id = stored(project)
    epochs = project.baseline.training.epochs
    try:
        tid = add_trial_of_other_baseline(store, exp_id, project, number=102, lr=0.004,
                                          objective=0.5, extra_epochs=5)
        qtbot.waitUntil(lambda: panel.model.row_of(tid) is not None, timeout=5_000)
        current = next(t for t in panel.model.trials() if t.id != tid and t.state == "complete")
        panel.select_trials([current.id, tid])
        panel.trial_actions.compare_action.trigger()
        qtbot.waitUntil(lambda: not live.differs.isHidden(), timeout=10_000)
        assert "more than the searched knobs" in live.differs.text()
        assert "training.epochs" in live.differs.text()
        assert panel.trial_actions.diff_action.isEnabled()
        dialog = panel.trial_actions.compare_configs()
        assert isinstance(dialog, ConfigDiffDialog)
        qtbot.addWidget(dialog)
        marked = {_item(dialog.table, r, 1).text(): (_item(dialog.table, r, 2).text(),
                                                     _item(dialog.table, r, 3).text())
                  for r in range(dialog.table.rowCount())
                  if _item(dialog.table, r, 0).text() == "≠"}
        assert marked["training.epochs"] == (str(epochs), str(epochs + 5))
        assert "Beyond the searched knobs: " in dialog.summary.text()
        dialog.only_changes.setChecked(True)
        hidden = [r for r in range(dialog.table.rowCount()) if dialog.table.isRowHidden(r)]
        assert len(hidden) == dialog.table.rowCount() - len(marked)
        # two trials on the current baseline differ only in their searched values
        others = [t for t in panel.model.trials() if t.id != tid and t.state == "complete"]
        panel.select_trials([others[0].id, others[1].id])
        panel.trial_actions.compare_action.trigger()
        qtbot.waitUntil(lambda: live.differs.isHidden(), timeout=10_000)
        dialog.close()
    finally:
        store.delete_trial(tid)
        store.close()
        live.close_view()
