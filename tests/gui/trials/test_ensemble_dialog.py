""""Ensemble of the best…" through the real widgets: from the trials menu, K and greedy chosen
in the dialog, the ensemble built on the training lane and shown beside its members with the
gain, the test split once, and the export written and checked from the dialog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from insight_helpers import headless_data_dir, run_headless
from tiny_projects import tiny_cnn_project
from tunestudio.config import Project
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.trials.ensemble_dialog import EnsembleDialog
from tunestudio.gui.trials.table_view import TrialsPanel
from tunestudio.search.ensemble import build_ensemble


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


def _header(table: QTableWidget, column: int) -> QTableWidgetItem:
    """The table's header item of a column, which the test knows is there."""
    item = table.horizontalHeaderItem(column)
    assert item is not None
    return item


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("ensemble-dialog"), tiny_cnn_project(trials=3))


@pytest.fixture
def panel(project: Project, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[TrialsPanel]:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(headless_data_dir(project)))  # checkpoints
    document = ProjectDocument.from_project(project)
    insights = Insights(document)
    insights.set_experiment(project.experiments[0].name)
    view = TrialsPanel(insights)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 3, timeout=10_000)
    yield view
    view.close_view()
    insights.close()


def _cells(dialog: EnsembleDialog) -> list[list[str]]:
    table = dialog.table
    return [[_item(table, r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def test_the_dialog_builds_shows_and_exports_the_ensemble(
        panel: TrialsPanel, project: Project, qtbot: QtBot, tmp_path: Path) -> None:
    actions = panel.trial_actions
    assert actions.ensemble_action.isEnabled()
    assert actions.ensemble_action in actions.menu(panel).actions()
    dialog = actions.ensemble()
    assert isinstance(dialog, EnsembleDialog)
    qtbot.addWidget(dialog)
    assert not dialog.export_button.isEnabled()  # nothing built yet
    dialog.top.setValue(2)
    dialog.test.setChecked(True)
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: dialog.ensemble is not None, timeout=60_000)
    expected = build_ensemble(project, 2)
    cells = _cells(dialog)
    header = [_header(dialog.table, c).text()
              for c in range(dialog.table.columnCount())]
    accuracy = header.index("val_accuracy")
    assert [row[0] for row in cells] == [f"#{m.number}" for m in expected.members] + ["Ensemble"]
    assert cells[-1][accuracy] == f"{expected.metrics['val_accuracy']:.4g}"
    for row, member in zip(cells, expected.members, strict=False):
        assert row[accuracy] == f"{member.metrics['val_accuracy']:.4g}"
    verdict = dialog.verdict.text()
    assert f"best single trial #{expected.best_single.number}" in verdict
    if expected.gain > 0:
        assert f"(gain {expected.gain:+.4g})" in verdict
    elif expected.gain < 0:  # says by how much it does not beat it
        assert "does not beat" in verdict and f"short by {-expected.gain:.4g}." in verdict
    else:
        assert "ties" in verdict
    assert "Test split (evaluated once" in verdict and "test_accuracy" in verdict
    assert dialog.export_button.isEnabled()
    out = tmp_path / "ensemble.ts"  # the suffix gives the format
    dialog.export(out)
    qtbot.waitUntil(lambda: "written to" in dialog.status.text(), timeout=60_000)
    assert "(torchscript)" in dialog.status.text() and "largest difference" in dialog.status.text()
    meta = json.loads(out.with_name("ensemble.ts.json").read_text())
    assert [m["number"] for m in meta["members"]] == [m.number for m in expected.members]
    dialog.greedy.setChecked(True)
    dialog.test.setChecked(False)
    previous = dialog.ensemble
    dialog.build_button.click()
    qtbot.waitUntil(lambda: dialog.ensemble is not previous, timeout=60_000)
    assert dialog.ensemble.method == "greedy" and "greedy selection" in dialog.status.text()
    dialog.close()


def test_the_ensembles_tab_lists_what_the_dialog_keeps_and_compares_its_members(
        panel: TrialsPanel, qtbot: QtBot) -> None:
    from tunestudio.gui.trials.ensembles_view import EnsemblesView

    view = EnsemblesView(panel.insights)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: not view.when_shown.stale, timeout=10_000)
    assert all(len(r.members) < 3 or r.method != "top" for r in view.rows)
    dialog = panel.trial_actions.ensemble()
    assert isinstance(dialog, EnsembleDialog)
    qtbot.addWidget(dialog)
    dialog.top.setValue(3)  # all three trials: an ensemble no other test of the module keeps
    qtbot.mouseClick(dialog.build_button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]
    qtbot.waitUntil(lambda: dialog.ensemble is not None, timeout=60_000)
    built = dialog.ensemble
    assert f"ensemble #{built.number}" in dialog.status.text()
    # the view reads the history again when the dialog keeps one
    qtbot.waitUntil(lambda: any(r.number == built.number for r in view.rows), timeout=10_000)
    assert view.table.isVisible()
    assert not view.empty.isVisible()
    row = next(i for i, r in enumerate(view.rows) if r.number == built.number)
    cells = [_item(view.table, row, c).text() for c in range(view.table.columnCount())]
    header = [_header(view.table, c).text()
              for c in range(view.table.columnCount())]
    assert cells[0] == str(built.number) and cells[1] == "top K" and cells[2] == "3"
    assert all(f"#{m.number}" in cells[3] for m in built.members)
    assert header[4] == "val_accuracy" and cells[4] == f"{built.metrics['val_accuracy']:.4g}"
    assert cells[5] == f"#{built.best_single.number}" and cells[6] == f"{built.gain:+.4g}"
    view.table.selectRow(row)
    # the members compared (the trials table follows, in its own order)
    assert sorted(panel.insights.compared) == sorted(m.trial_id for m in built.members)
    dialog.close()
