"""The trial views inside the main window: their tabs are there, the live curves follow a run
started from the window, the full table and the analysis follow the selected experiment, and
closing the project ends their worker threads (the conftest fails a test that leaves one)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tunestudio.gui.app.main_window import MainWindow

RUN_TIMEOUT_MS = 180_000


def test_tabs_follow_the_window_run_and_the_selected_experiment(
        window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    assert window.session.open_project(project_file) and window.project_view is not None
    view = window.project_view
    titles = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert titles[-3:] == ["Curves", "Trials", "Analysis"]
    ws = window.workspace
    assert ws is not None
    assert ws.insights.experiment_name == view.current_experiment() == "three"
    ws.show_page("Curves")
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        assert window.runs.start()
    assert ws.live.live is not None and len(ws.live.live.loss) > 0
    assert len(ws.live.finished) == 2  # the run's earlier trials stay as overlays
    ws.show_page("Trials")
    qtbot.waitUntil(lambda: ws.table.model.rowCount() == 3, timeout=10_000)
    assert ws.table.model.best_id is not None
    ws.show_page("Analysis")
    qtbot.waitUntil(lambda: ws.analysis.data is not None and len(ws.analysis.data) == 3,
                    timeout=10_000)
    other = 1 if view.experiments.current() == 0 else 0
    view.experiments.select(other)
    assert ws.insights.experiment_name == view.current_experiment() != "three"
    ws.show_page("Trials")
    name = view.current_experiment()
    qtbot.waitUntil(lambda: f"{name}: 0 of 0 trial(s)" in ws.table.count.text(),
                    timeout=10_000)  # that experiment never ran
    titles = [c.key for c in ws.table.model.columns]
    assert "model.width" in titles  # its own dimensions as columns
    ws.show_page("Analysis")  # an empty view says so, instead of bare axes
    qtbot.waitUntil(lambda: ws.analysis.pages.currentWidget() is ws.analysis.empty,
                    timeout=10_000)
    assert "No trials yet" in ws.analysis.empty.text()
    view.experiments.select(1 - other)
    qtbot.waitUntil(lambda: ws.analysis.pages.currentWidget() is ws.analysis.tabs,
                    timeout=10_000)
    assert window.session.close_project()
