"""Helpers of the GUI tests: small fast projects, a helper that answers modal message boxes by
clicking their buttons, and the type of the `type_text` fixture."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox

from tunestudio.config import (
    Budget,
    Experiment,
    FloatDimension,
    Project,
    PrunerConfig,
    SearchDefinition,
    from_template,
)

# Epochs that outlast any test's waits: a trial that runs until the test stops it (400 epochs
# of a fast project now end in about a second).
UNTIL_STOPPED = 100_000


def fast_project(trials: int = 3, epochs: int = 2,
                 fuse: Literal["auto", "off", "fixed"] = "off") -> Project:
    """Digits on a fifth of the data for two epochs: a trial takes about a second on a CPU.
    Early stopping is off, so a long `epochs` makes a trial that runs until stopped. Trials
    run one at a time unless `fuse` says otherwise (the tests follow one running trial)."""
    project = from_template("digits")
    base = project.baseline
    baseline = base.model_copy(update={
        "early_stopping": base.early_stopping.model_copy(update={"enabled": False}),
        "data": base.data.model_copy(update={"fraction": 0.2}),
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 0.0}),
        "training": base.training.model_copy(update={"epochs": epochs, "device": "cpu"}),
    })
    experiment = Experiment(
        name="three", goal="Check runs.", hypothesis="The LR matters.",
        search=SearchDefinition(
            strategy="random", sampler_seed=1,
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-3, high=1e-2, log=True)],
            budget=Budget(trials=trials), pruner=PrunerConfig(kind="none"),
            fuse=fuse),
    )
    return project.model_copy(update={"name": "Fast", "baseline": baseline,
                                      "experiments": [experiment, *project.experiments]})


class AnswerBox:
    """`answer_box("Don't run")` clicks that button of the next modal message box (the box
    runs its own event loop, so the click is scheduled before the box opens). `seen` keeps
    each answered box's object name and text."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, button_text: str) -> None:
        def click() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                QTimer.singleShot(20, click)
                return
            self.seen.append((box.objectName(), f"{box.text()}\n{box.informativeText()}"))
            for button in box.findChildren(QAbstractButton):
                if button.text().replace("&", "") == button_text:
                    button.click()
                    return
            box.reject()
            raise AssertionError(f"no button '{button_text}' in {box.objectName()}")

        QTimer.singleShot(0, click)


def close_dialogs() -> None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()


TypeText = Callable[..., None]


def table_states(window: Any) -> list[str]:
    """The states in the window's Trials table, by trial number."""
    workspace = window.workspace
    assert workspace is not None
    return [t.state for t in sorted(workspace.table.model.trials(), key=lambda t: t.number)]


def click_legend_entry(qtbot: Any, widget: Any, legend: Any, item: Any) -> None:
    """A real left click on the name of `item`'s entry in `legend` (a TrialLegend), shown in
    `widget` (the pg.PlotWidget / GraphicsView that holds it)."""
    from PySide6.QtCore import Qt

    [label] = [lab for sample, lab in legend.items if sample.item is item]
    qtbot.waitUntil(lambda: label.sceneBoundingRect().width() > 0, timeout=5_000)
    at = widget.mapFromScene(label.sceneBoundingRect().center())
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=at)
