"""`tunestudio --smoke-test`: the packaged app's self-check. Offscreen, in throw-away dirs, it
opens the main window on a small digits project, runs a one-trial experiment through the real
QThread path, and checks that the trial is in the store and in the window. Exit 0 on success."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from tunestudio.config import (
    Budget,
    Experiment,
    FloatDimension,
    PrunerConfig,
    SearchDefinition,
    from_template,
    save_project,
)

TIMEOUT_S = 300
EXPERIMENT = "smoke"


def smoke_project(folder: Path) -> Path:
    """Digits, a fifth of the data, two epochs: one trial trains in a few seconds on a CPU."""
    project = from_template("digits")
    baseline = project.baseline.model_copy(update={
        "data": project.baseline.data.model_copy(update={"fraction": 0.2}),
        "schedule": project.baseline.schedule.model_copy(update={"warmup_epochs": 0.0}),
        "training": project.baseline.training.model_copy(update={"epochs": 2}),
    })
    experiment = Experiment(
        name=EXPERIMENT, goal="Check that a trial runs and is stored.",
        search=SearchDefinition(
            strategy="random",
            dimensions=[FloatDimension(path="optimizer.lr", low=1e-3, high=1e-2, log=True)],
            budget=Budget(trials=1), pruner=PrunerConfig(kind="none")),
    )
    project = project.model_copy(update={
        "name": "Smoke test", "baseline": baseline, "experiments": [experiment],
        "storage_url": f"sqlite:///{(folder / 'smoke.sqlite').as_posix()}",
    })
    path = folder / "smoke.tuneproj"
    save_project(project, path)
    return path


def run_smoke_test(app: QApplication) -> int:
    """`tunestudio --smoke-test` on `app`: in a temporary folder (the data, config, cache and log
    folders pointed there), opens the main window on `smoke_project`, runs its one trial on the CPU
    and checks that the store holds it complete and the trials table lists it. Returns the exit
    status: 0 on success, 1 on a failure (printed to stderr) or when the run takes more than
    TIMEOUT_S seconds."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tunestudio-smoke-") as tmp:
        folder = Path(tmp)
        for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
            os.environ[f"TUNESTUDIO_{kind}_DIR"] = str(folder / kind.lower())
        try:
            return _run(app, smoke_project(folder), started)
        finally:
            app.processEvents()


def _fail(message: str) -> int:
    print(f"smoke test FAILED: {message}", file=sys.stderr)
    return 1


def _run(app: QApplication, path: Path, started: float) -> int:
    from tunestudio.gui.app.main_window import MainWindow
    from tunestudio.gui.common.settings import Settings

    window = MainWindow(Settings())
    window.show()
    try:
        if not window.session.open_project(path) or window.project_view is None:
            return _fail(f"could not open {path}")
        view, workspace = window.project_view, window.workspace
        assert workspace is not None
        workspace.show_page("Trials")
        view.experiments.select(window.document.experiment_names().index(EXPERIMENT)
                                if window.document else 0)
        window.device_combo.select("cpu")
        loop = QEventLoop()
        window.controller.run_finished.connect(loop.quit)
        QTimer.singleShot(TIMEOUT_S * 1000, loop.quit)
        if not window.runs.start():
            return _fail("Run did not start")
        loop.exec()
        if window.controller.is_running:
            window.shutdown()
            return _fail(f"the run did not finish within {TIMEOUT_S} s")
        summary = window.controller.last_summary
        if summary is None:
            return _fail("the run failed (see the log above)")
        from tunestudio.store import Store

        store = Store.open(window.document.storage_url() if window.document else "")
        try:
            experiments = [e for e in store.experiments() if e.name == EXPERIMENT]
            trials = store.trials(experiments[0].id) if experiments else []
        finally:
            store.close()
        if len(trials) != 1 or trials[0].state != "complete":
            states = [t.state for t in trials]
            return _fail(f"expected one complete trial in the store, found {states}")
        deadline = time.monotonic() + 10.0  # the table polls the store once a second
        while workspace.table.model.rowCount() != 1 and time.monotonic() < deadline:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 100)
        shown = workspace.table.model.rowCount()
        if shown != 1:
            return _fail(f"the window lists {shown} trials, expected 1")
        print(f"smoke test passed: trial {trials[0].number} complete, objective "
              f"{trials[0].objective:.4f}, {time.monotonic() - started:.1f} s")
        return 0
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
