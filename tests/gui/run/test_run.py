"""Running searches from the window through the real QThread worker: trials land in the store
and in the window, Stop interrupts the running trial with the window responsive, a reopened
project shows its history, failures are notifications, closing during a run stops it."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication, QToolButton
from pytestqt.qtbot import QtBot

from gui_helpers import UNTIL_STOPPED, AnswerBox, TypeText, fast_project, table_states
from tunestudio.config import FloatDimension, Project, save_project
from tunestudio.gui.app.gc_policy import collect_in_gui_thread
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.form.editors import NumberEditor
from tunestudio.store import Store, TrialRow

RUN_TIMEOUT_MS = 180_000


def stored_trials(window: MainWindow, experiment: str) -> list[TrialRow]:
    assert window.document is not None
    store = Store.open(window.document.storage_url())
    try:
        rows = [e for e in store.experiments() if e.name == experiment]
        return list(store.trials(rows[0].id)) if rows else []
    finally:
        store.close()


def click_run(window: MainWindow, qtbot: QtBot) -> None:
    button = window.run_toolbar.widgetForAction(window.run_action)
    assert isinstance(button, QToolButton) and button.isEnabled()
    # pytest-qt leaves QtBot's key and mouse helpers untyped
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[no-untyped-call]


def click_tab(window: MainWindow, qtbot: QtBot, title: str) -> None:
    assert window.project_view is not None
    tabs = window.project_view.tabs
    index = next(i for i in range(tabs.count()) if tabs.tabText(i) == title)
    qtbot.mouseClick(tabs.tabBar(), Qt.MouseButton.LeftButton,  # type: ignore[no-untyped-call]
                     pos=tabs.tabBar().tabRect(index).center())
    assert tabs.currentIndex() == index


def save_variant(project: Project, path: Path) -> Path:
    save_project(project, path)
    return path


def test_fixed_lr_then_three_trials_run_into_store_and_window(
        window: MainWindow, qtbot: QtBot, type_text: TypeText, project_file: Path) -> None:
    assert window.session.open_project(project_file) and window.project_view is not None
    view = window.project_view
    assert view.current_experiment() == "three"
    lr = view.baseline.editor("optimizer.lr")
    assert isinstance(lr, NumberEditor)
    type_text(lr.spin, "-0.003")
    assert view.baseline.error_at("optimizer.lr") == "Input should be greater than 0"
    assert not window.run_action.isEnabled()
    assert not window.run_toolbar.widgetForAction(window.run_action).isEnabled()
    type_text(lr.spin, "0.003")
    assert view.baseline.error_at("optimizer.lr") is None
    click_tab(window, qtbot, "Trials")
    # the run's set-up (its imports) is left to no collection in the GUI thread until the
    # first trial starts (gc_policy.py)
    app = QApplication.instance()
    assert app is not None
    collector = collect_in_gui_thread(app)
    held_at_trial_start: list[bool] = []
    window.controller.trial_started.connect(
        lambda _event: held_at_trial_start.append(collector.held))
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        click_run(window, qtbot)
        assert window.controller.is_running and not window.run_action.isEnabled()
        assert window.stop_action.isEnabled() and window.pause_action.isEnabled()
        assert collector.held
    assert held_at_trial_start[:1] == [False] and not collector.held
    trials = stored_trials(window, "three")
    assert [t.state for t in trials] == ["complete"] * 3
    qtbot.waitUntil(lambda: table_states(window) == ["complete"] * 3, timeout=10_000)
    summary = window.controller.last_summary
    assert summary is not None and summary.counts == {"complete": 3}
    assert "three finished: 3 complete" in window.run_message.text()
    assert not window.controller.is_running and window.run_action.isEnabled()


def test_stop_mid_run_interrupts_the_trial_and_the_window_responds(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    project = fast_project(trials=3, epochs=UNTIL_STOPPED)
    assert window.session.open_project(save_variant(project, tmp_path / "long.tuneproj"))
    assert window.project_view is not None
    click_tab(window, qtbot, "Trials")
    ticks: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(clock.elapsed()))  # GUI-thread only
    timer.start()
    with qtbot.waitSignal(window.controller.trial_started, timeout=RUN_TIMEOUT_MS):
        window.run_action.trigger()
    steps: list[int] = []
    window.controller.batch.connect(lambda batch: steps.extend(s.step for _, s in batch.steps))
    qtbot.waitUntil(lambda: len(steps) > 20, timeout=60_000)
    assert window.controller.progress().running is not None
    qtbot.waitUntil(lambda: table_states(window) == ["running"], timeout=10_000)
    assert "Trial 0 running on cpu" in window.run_message.text()
    assert window.progress.isVisible() and "trial 1/3" in window.progress.label.text()
    assert window.controller.progress().eta_s is not None  # from the running trial's steps
    ticks.clear()
    # the GUI thread keeps serving its 10 ms timer while the trial trains (a single pause, say
    # a loaded CI machine's, does not fail this; a GUI blocked by the run would)
    qtbot.waitUntil(lambda: len(ticks) >= 50, timeout=10_000)
    timer.stop()
    gaps = sorted(b - a for a, b in itertools.pairwise(ticks))
    assert gaps[len(gaps) // 2] < 30, f"median tick gap {gaps[len(gaps) // 2]} ms"
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.stop_action.trigger()
        assert "Stopping" in window.run_message.text()
    assert [t.state for t in stored_trials(window, "three")] == ["interrupted"]
    qtbot.waitUntil(lambda: table_states(window) == ["interrupted"], timeout=10_000)
    summary = window.controller.last_summary
    assert summary is not None and summary.stopped
    assert not window.controller.is_running and window.run_action.isEnabled()


def test_pause_holds_the_trial_until_resumed(window: MainWindow, qtbot: QtBot,
                                             tmp_path: Path) -> None:
    project = fast_project(trials=1, epochs=UNTIL_STOPPED)
    assert window.session.open_project(save_variant(project, tmp_path / "pause.tuneproj"))
    steps: list[int] = []
    window.controller.batch.connect(lambda batch: steps.extend(s.step for _, s in batch.steps))
    window.run_action.trigger()
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=RUN_TIMEOUT_MS)
    window.pause_action.trigger()
    assert window.controller.is_paused and window.pause_action.isChecked()
    assert "paused" in window.progress.label.text()
    qtbot.wait(300)  # the step in flight may still report
    held = len(steps)
    qtbot.wait(600)
    assert len(steps) == held
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: len(steps) > held, timeout=30_000)
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.stop_action.trigger()


def test_reopening_the_project_shows_the_experiment_and_its_trials(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = save_variant(fast_project(trials=2), tmp_path / "again.tuneproj")
    assert window.session.open_project(path)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        window.run_action.trigger()
    assert window.session.close_project() and window.document is None
    assert window.session.open_project(path) and window.project_view is not None
    view = window.project_view
    assert view.current_experiment() == "three"
    assert window.document is not None and "three" in window.document.experiment_names()
    click_tab(window, qtbot, "Trials")
    qtbot.waitUntil(lambda: table_states(window) == ["complete", "complete"], timeout=10_000)
    view.experiments.select(1)  # another experiment: no trials yet
    qtbot.waitUntil(lambda: table_states(window) == [], timeout=10_000)
    view.experiments.select(0)
    qtbot.waitUntil(lambda: len(table_states(window)) == 2, timeout=10_000)


def test_a_failing_trial_is_a_notification_and_the_search_goes_on(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    project = fast_project()
    search = project.experiments[0].search.model_copy(update={
        "strategy": "grid",
        "dimensions": [FloatDimension(path="schedule.warmup_epochs", low=0.0, high=5.0,
                                      values=[0.0, 5.0])],  # 5 >= epochs: invalid
    })
    experiments = [project.experiments[0].model_copy(update={"search": search})]
    path = save_variant(project.model_copy(update={"experiments": experiments}),
                        tmp_path / "fails.tuneproj")
    assert window.session.open_project(path)
    with qtbot.waitSignal(window.controller.run_finished, timeout=RUN_TIMEOUT_MS):
        window.run_action.trigger()
    states = sorted(t.state for t in stored_trials(window, "three"))
    assert states == ["complete", "invalid"]
    toasts = [t.message for t in window.notifications.toasts()]
    assert any(m.level == "warning" and "was invalid" in m.text for m in toasts)
    assert window.notifications.isVisible()


def test_closing_during_a_run_asks_and_stops_it(
        qtbot: QtBot, answer_box: AnswerBox, tmp_path: Path) -> None:
    from tunestudio.gui.common.settings import Settings

    window = MainWindow(Settings())
    window.show()
    long_project = fast_project(trials=2, epochs=UNTIL_STOPPED)
    assert window.session.open_project(save_variant(long_project, tmp_path / "close.tuneproj"))
    with qtbot.waitSignal(window.controller.trial_started, timeout=RUN_TIMEOUT_MS):
        window.run_action.trigger()
    answer_box("Keep running")
    window.close()
    assert window.isVisible() and window.controller.is_running
    answer_box("Stop and close")
    started = time.monotonic()
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert time.monotonic() - started < 30
    assert not window.controller.is_running
    store = Store.open(str(window.controller.last_summary.storage_url))
    try:
        exp = next(e for e in store.experiments() if e.name == "three")
        assert [t.state for t in store.trials(exp.id)] == ["interrupted"]
    finally:
        store.close()
    window.deleteLater()
