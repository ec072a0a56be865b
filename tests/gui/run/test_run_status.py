"""The status bar while a fused group trains: the progress names the group's trials (not one
`trial i/N` while several run and others are done) and the status line says the trial it
follows runs with the rest of its group."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from tunestudio.gui.run.controller import Progress
from tunestudio.gui.run.status import RunProgress, RunStatusLine


class _Controller(QObject):
    """The signals and state RunProgress and RunStatusLine read from the run model."""

    state_changed = Signal()
    progress_changed = Signal()
    trial_started = Signal(object)
    batch = Signal(object)
    trial_finished = Signal(object)
    run_finished = Signal(object)

    def __init__(self, running: int, done: int) -> None:
        super().__init__()
        self.is_running, self.is_stopping, self.last_summary = True, False, None
        self.trials = tuple(SimpleNamespace(number=done + i, trial_id=done + i + 1,
                                            device="cpu", params={"optimizer.lr": 0.001})
                            for i in range(running))
        self.done = done

    def progress(self) -> Progress:
        # SimpleNamespaces stand in for the TrialStarted events the status reads
        return Progress(self.done + len(self.trials), self.done, 40, 3.0, 12.0,
                        self.trials[-1] if self.trials else None, False, self.trials)  # type: ignore[arg-type]

    def stop_progress(self) -> list[str]:
        return []  # the experiment has no stop rules


def test_a_fused_group_is_named_as_a_group(qtbot: QtBot) -> None:
    controller = _Controller(running=8, done=5)
    progress, line = RunProgress(controller), RunStatusLine(controller)  # type: ignore[arg-type]
    qtbot.addWidget(progress)
    qtbot.addWidget(line)
    progress.refresh()
    assert progress.label.text().startswith("trials #5–#12 · ")
    assert progress.bar.text() == "5/40"
    controller.trial_started.emit(controller.trials[-1])
    assert line.text().startswith("Trial 12 and 7 more of its group running on cpu")


def test_a_refilled_group_names_its_trials_by_number(qtbot: QtBot) -> None:
    """A group whose freed rows took later trials runs #2, #5 and #6: a range of the run's
    count ("trials 4–6") named trials that had ended and left out one still training."""
    controller = _Controller(running=3, done=4)
    controller.trials = tuple(SimpleNamespace(number=n, trial_id=n + 1, device="cpu",
                                              params={}) for n in (2, 5, 6))
    progress = RunProgress(controller)  # type: ignore[arg-type]
    qtbot.addWidget(progress)
    progress.refresh()
    assert progress.label.text().startswith("trials #2, #5–#6 · ")


def test_a_lone_trial_keeps_its_short_form(qtbot: QtBot) -> None:
    controller = _Controller(running=1, done=2)
    progress, line = RunProgress(controller), RunStatusLine(controller)  # type: ignore[arg-type]
    qtbot.addWidget(progress)
    qtbot.addWidget(line)
    progress.refresh()
    assert progress.label.text().startswith("trial 3/40")
    controller.trial_started.emit(controller.trials[-1])
    assert line.text().startswith("Trial 2 running on cpu (optimizer.lr=")


def test_a_member_ending_while_its_group_trains_says_the_rest_still_train(qtbot: QtBot
                                                                        ) -> None:
    """'Trial 5 complete' alone read as if the run's trial had ended while #6-#8 trained."""
    controller = _Controller(running=3, done=5)  # #5 ended; #6-#8 still in the progress
    line = RunStatusLine(controller)  # type: ignore[arg-type]
    qtbot.addWidget(line)
    controller.trial_finished.emit(SimpleNamespace(number=4, state="complete", objective=0.93))
    assert line.text() == "Trial 4 complete, objective 0.93; #5–#7 still training"
    controller.trials = ()  # the last member ends: nothing else trains
    controller.trial_finished.emit(SimpleNamespace(number=7, state="pruned", objective=None))
    assert line.text() == "Trial 7 pruned"


def test_the_finished_run_says_what_fuse_auto_chose(qtbot: QtBot) -> None:
    controller = _Controller(running=0, done=4)
    line = RunStatusLine(controller)  # type: ignore[arg-type]
    qtbot.addWidget(line)
    chose = ("fuse auto: one trial at a time (fused groups of 16 would take an estimated 1.31x "
             "its training time, pruning included: they pay only under 0.85x)")
    summary = SimpleNamespace(experiment="bayes", counts={"complete": 4}, stopped=False,
                              halted=False, best_objective=0.97, fusing=chose)
    controller.refusal = None  # type: ignore[attr-defined]
    controller.run_finished.emit(summary)
    assert line.text().startswith("bayes finished: 4 complete; best objective 0.97 · fuse auto")
    assert line.toolTip() == chose
