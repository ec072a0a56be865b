"""Run, Pause/Resume and Stop from the window: Pause becomes Resume and the ETA holds while
paused, the toolbar names the running experiment whatever is selected, a stopped run's counts
are in the status bar, and an experiment without dimensions cannot run."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from gui_helpers import UNTIL_STOPPED, fast_project
from tunestudio.config import merge_values, save_project
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.search import TrialStarted

RUN_TIMEOUT_MS = 180_000


def test_pause_reads_resume_and_the_clock_holds_while_paused(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "long.tuneproj"
    save_project(fast_project(trials=2, epochs=UNTIL_STOPPED), path)
    assert window.session.open_project(path) and window.project_view is not None
    steps: list[int] = []
    started: list[TrialStarted] = []
    window.controller.batch.connect(lambda batch: steps.extend(s.step for _, s in batch.steps))
    window.controller.trial_started.connect(started.append)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: len(steps) > 5, timeout=RUN_TIMEOUT_MS)
    # the start event carries the config the trial trains: no view merges it again
    project = window.document.project if window.document else None
    assert project is not None and started[0].config == merge_values(project.baseline,
                                                                      started[0].params)
    assert window.pause_action.text().replace("&", "") == "Pause"
    # the toolbar names the running experiment even when another one is selected
    window.project_view.experiments.select(1)
    assert "Running: <b>three</b>" in window.experiment_label.text()
    window.pause_action.trigger()
    assert window.pause_action.text().replace("&", "") == "Resume"
    assert window.pause_action.isChecked()
    # the pause takes effect at the next step; steps taken before it may still be on their
    # way to the GUI thread on a loaded machine: wait until none arrive for 300 ms
    seen = -1
    while seen != len(steps):
        seen = len(steps)
        qtbot.wait(300)
    held = window.controller.progress()
    qtbot.wait(700)
    again = window.controller.progress()
    assert again.elapsed_s - held.elapsed_s < 0.05  # paused time is not run time
    assert again.eta_s == held.eta_s
    window.pause_action.trigger()
    assert window.pause_action.text().replace("&", "") == "Pause"
    with qtbot.waitSignal(window.controller.run_finished, timeout=60_000):
        window.stop_action.trigger()
    assert "stopped: 1 interrupted" in window.progress.label.text()
    assert "stopped: 1 interrupted" in window.run_message.text()
    assert "Running" not in window.experiment_label.text()


def test_an_experiment_without_dimensions_cannot_run(
        window: MainWindow, tmp_path: Path) -> None:
    project = fast_project()
    experiment = project.experiments[0]
    bare = experiment.model_copy(update={"search": experiment.search.model_copy(
        update={"dimensions": []})})
    path = tmp_path / "bare.tuneproj"
    save_project(project.model_copy(update={"experiments": [bare]}), path)
    assert window.session.open_project(path)
    assert not window.run_action.isEnabled()
    assert "dimension" in window.run_action.toolTip()
    assert not window.runs.start()
    assert not window.controller.is_running
