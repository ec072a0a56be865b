"""The trial detail shows the environment a trial ran in and says when a trial selected for
comparison ran in another one (here: another torch and an edited model file); its Lineage tab
shows a population-based training member's population and schedule (one module: one headless
run serves both)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tunestudio.config import Project
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.store import HparamChange, Store


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("env-detail"))


def test_environment_shown_and_a_different_one_named(detail: TrialDetail, project: Project,
                                                     qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        first, second = store.trials(exp.id)[:2]
        env = store.trial(first.id).environment
        assert env and env["torch"]
        other_env = {**env, "torch": "9.9.9",
                     "files": {"model.path": {"path": "net.py", "sha256": "b" * 64}}}
        odd = store.start_trial(exp.id, number=50, optuna_trial_id=None, params=first.params,
                                config_json="{}", device="cpu", seed=0,
                                environment=other_env)
        store.finish_trial(odd, state="complete", objective=0.5, duration_s=1.0)
    finally:
        store.close()
    insights = detail.insights
    insights.set_focus(first.id)
    qtbot.waitUntil(lambda: detail.trial is not None, timeout=10_000)
    text = detail.env_text.toPlainText()
    assert f"torch {env['torch']}" in text and f"Python {env['python']}" in text
    assert "Device: cpu" in text
    insights.compare([first.id, second.id, odd])
    qtbot.waitUntil(lambda: "#50" in detail.env_label.text(), timeout=10_000)
    label = detail.env_label.text()
    assert "Ran in a different environment than trial #50" in label
    assert f"torch: {env['torch']} vs 9.9.9" in label
    assert "model.path (file): not recorded vs net.py" in label
    assert f"Same environment as trial(s) #{second.number}" in label
    detail.tabs.setCurrentIndex(3)
    assert detail.tabs.tabText(3) == "Environment" and not detail.export_button.isEnabled()


def test_a_failed_trials_reason_is_in_sight_in_the_table_and_the_detail(
        detail: TrialDetail, project: Project, qtbot: QtBot) -> None:
    from tunestudio.gui.trials.diagnosis import DiagnosisView
    from tunestudio.gui.trials.table_view import MiddleElided, TrialsPanel

    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        first = store.trials(exp.id)[0]
        failed = store.start_trial(exp.id, number=60, optuna_trial_id=None,
                                   params=first.params, config_json="{}", device="cpu", seed=0)
        message = ("data file 'gone.csv' not found; check data.source.path\n"
                   "Traceback (most recent call last):\n  ...")
        store.finish_trial(failed, state="failed", objective=None, duration_s=0.1,
                           message=message)
    finally:
        store.close()
    panel = TrialsPanel(detail.insights)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.row_of(failed) is not None, timeout=10_000)
    row = panel.model.row_of(failed)
    assert row is not None
    column = [c.key for c in panel.model.columns].index("reason")
    cell = panel.model.index(row, column)
    assert cell.data() == "data file 'gone.csv' not found; check data.source.path"
    assert panel.model.data(cell, Qt.ItemDataRole.ToolTipRole) == message
    # cut in the middle: where it failed and the exception both stay in sight
    assert isinstance(panel.table.itemDelegateForColumn(column), MiddleElided)
    cut = MiddleElided.elide(panel.table.fontMetrics(), cell.data(), 150)
    assert "…" in cut and cut.startswith("data") and cut.endswith("source.path")
    panel.table.viewport().grab()  # the column paints through the delegate
    complete = panel.model.row_of(first.id)
    assert complete is not None and panel.model.index(complete, column).data() == ""
    diagnosis = DiagnosisView(detail.insights)
    qtbot.addWidget(diagnosis)
    diagnosis.show()
    detail.insights.set_focus(failed)
    qtbot.waitUntil(lambda: detail.trial is not None and detail.trial.id == failed,
                    timeout=10_000)
    qtbot.waitUntil(lambda: "gone.csv" in diagnosis.title.text(), timeout=10_000)
    assert diagnosis.title.text() == ("<b>Trial #60</b> (failed): data file 'gone.csv' not "
                                      "found; check data.source.path")
    assert detail.reason.isVisible()
    assert detail.reason.text() == ("Why it ended failed: data file 'gone.csv' not found; "
                                    "check data.source.path")
    detail.insights.set_focus(first.id)
    qtbot.waitUntil(lambda: detail.trial is not None and detail.trial.id == first.id,
                    timeout=10_000)
    assert not detail.reason.isVisible()
    panel.close_view()


# a member of a population sees the population's exploits (its own in bold) and its schedule;
# any other trial is told that only population-based training changes them while it trains
def test_a_members_lineage_and_schedule_are_shown(detail: TrialDetail, project: Project,
                                                  qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        a, b, c = store.trials(exp.id)[:3]
        store.record_hparams([HparamChange(a.id, 0, None, {}, {"optimizer.lr": 0.01}),
                              HparamChange(b.id, 0, None, {}, {"optimizer.lr": 0.002}),
                              HparamChange(b.id, 12, a.id, {"optimizer.lr": 0.002},
                                           {"optimizer.lr": 0.012})])
    finally:
        store.close()
    insights = detail.insights
    insights.set_focus(b.id)
    qtbot.waitUntil(lambda: detail.lineage_table.rowCount() == 1, timeout=10_000)
    table = detail.lineage_table
    assert [_item(table, 0, k).text() for k in range(5)] == [
        "12", f"#{b.number}", f"#{a.number}", "lr 0.002", "lr 0.012"]
    assert _item(table, 0, 0).font().bold()
    label = detail.lineage_label.text()
    assert "Population of 2 members, 1 exploits" in label
    assert "from step 0: lr 0.002" in label
    assert f"from step 12: lr 0.012 (copied from #{a.number})" in label
    # the schedule of its weights: a's values until it copied a, then its own
    assert (f"what a replay trains): from step 0: lr 0.01 (as #{a.number}); from step 12: "
            f"lr 0.012 (as #{b.number})") in label
    assert detail.tabs.tabText(4) == "Lineage"
    detail.tabs.setCurrentIndex(4)
    assert not detail.export_button.isEnabled()
    insights.set_focus(c.id)
    qtbot.waitUntil(lambda: "did not change" in detail.lineage_label.text(), timeout=10_000)
    assert detail.lineage_table.rowCount() == 0
