"""A population with pruning of hopeless lineages (`pbt.prune`): the Lineage tab names the
pruned members and lists each at its step beside the exploits, the pruned member's own row in
bold; the trials table (and the detail's "why it ended") gives the rule's reason."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tiny_projects import tiny_project
from tunestudio.config import FloatDimension, Project
from tunestudio.config.pbt import PBTPruning, PBTSettings
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.gui.trials.table_model import reason
from tunestudio.store import Store


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """4 members, 3 epochs, perturbed after each: patience 1 and a floor of 2 prune the worst
    after the first epoch and the worst of the 3 left after the second."""
    root: Path = tmp_path_factory.mktemp("pruned-pbt")
    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)]
    settings = PBTSettings(population=4, interval=1, quantile=0.25,
                           prune=PBTPruning(enabled=True, patience=1, min_population=2))
    return run_headless(root, tiny_project({"strategy": "pbt", "dimensions": dims,
                                            "sampler_seed": 2, "pbt": settings}, epochs=3))


def test_a_pruned_member_is_shown_in_the_lineage_and_the_table(
        detail: TrialDetail, project: Project, qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    try:
        trials = store.trials()
    finally:
        store.close()
    pruned = sorted((t for t in trials if t.state == "pruned"),
                    key=lambda t: t.metrics["steps"])
    assert len(pruned) == 2 and sum(t.state == "complete" for t in trials) == 2
    first = pruned[0]
    spe = int(first.metrics["steps"])
    detail.insights.set_focus(first.id)
    qtbot.waitUntil(lambda: detail.lineage_table.rowCount() == 2, timeout=10_000)
    table = detail.lineage_table
    cells = [[_item(table, r, k).text() for k in range(5)] for r in range(2)]
    assert [row[:3] for row in cells] == [[str(spe), f"#{first.number}", "pruned"],
                                          [str(2 * spe), f"#{pruned[1].number}", "pruned"]]
    assert cells[0][3].startswith("lr ") and cells[0][4] == "–"
    assert _item(table, 0, 0).font().bold() and not _item(table, 1, 0).font().bold()
    label = detail.lineage_label.text()
    assert (f"2 member(s) pruned as hopeless (pbt.prune): #{first.number}, "
            f"#{pruned[1].number}.") in label
    # a stand-in with only the fields `reason` reads
    shown = reason(SimpleNamespace(excluded_reason=None, state="pruned",  # type: ignore[arg-type]
                                   message=first.message))
    assert shown.startswith(f"pruned at step {spe} as a hopeless lineage (pbt.prune)")
