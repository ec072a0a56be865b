"""A population whose members cannot fuse (the user's own Datasets through a DataLoader)
trains as lone trials exchanging checkpoints; the window shows it as it shows a fused one:
each member's Lineage tab lists the population's exploits, its own in bold, and its
schedule."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tiny_projects import loader_project
from tunestudio.config import FloatDimension, Project
from tunestudio.config.pbt import PBTSettings
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.store import Store


def _item(table: QTableWidget, row: int, column: int) -> QTableWidgetItem:
    """The table's item at (row, column), which the test knows is there."""
    item = table.item(row, column)
    assert item is not None
    return item


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root: Path = tmp_path_factory.mktemp("lone-pbt")
    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=3e-2, log=True)]
    lone = loader_project(root, {"strategy": "pbt", "dimensions": dims, "sampler_seed": 2,
                                 "pbt": PBTSettings(population=3, interval=1)},
                          epochs=2, samples=300)
    return run_headless(root, lone)


def test_a_lone_members_lineage_is_shown_as_a_fused_ones(detail: TrialDetail,
                                                         project: Project,
                                                         qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    try:
        trials = {t.id: t for t in store.trials()}
        changes = store.hparam_changes(list(trials))
    finally:
        store.close()
    assert all(t.state == "complete" for t in trials.values())
    [exploit] = [c for cs in changes.values() for c in cs if c.exploit]  # 1 of 3, once
    assert exploit.source_trial_id is not None
    member, source = trials[exploit.trial_id], trials[exploit.source_trial_id]
    detail.insights.set_focus(member.id)
    qtbot.waitUntil(lambda: detail.lineage_table.rowCount() == 1, timeout=10_000)
    table = detail.lineage_table
    assert [_item(table, 0, k).text() for k in range(3)] == [
        str(exploit.step), f"#{member.number}", f"#{source.number}"]
    assert _item(table, 0, 0).font().bold()
    label = detail.lineage_label.text()
    assert "Population of 3 members, 1 exploits" in label
    assert f"(copied from #{source.number})" in label
    assert f"(as #{source.number}); from step {exploit.step}:" in label
