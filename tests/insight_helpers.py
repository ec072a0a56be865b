"""Shared set-up of the plot, table, analysis and diagnosis tests: a document over a tiny project
(one trial trains in well under a second), the views' shared Insights, and a real 3-trial run
through the RunController's QThread."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from pytestqt.qtbot import QtBot

from tiny_projects import tiny_project
from tunestudio.config import Project
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.worker import RunRequest
from tunestudio.store import EvalSeries, StepSeries, Store, TrialRow

RUN_TIMEOUT_MS = 120_000


@dataclass
class Setup:
    project: Project
    document: ProjectDocument
    insights: Insights
    controller: RunController
    base_dir: Path

    @property
    def experiment(self) -> str:
        return self.project.experiments[0].name

    def run(self, qtbot: QtBot) -> None:
        with qtbot.waitSignal(self.controller.run_finished, timeout=RUN_TIMEOUT_MS):
            self.controller.start(RunRequest(project=self.project, experiment=self.experiment,
                                             base_dir=self.base_dir, device="cpu"))

    def stored(self) -> tuple[list[TrialRow], dict[int, StepSeries], dict[int, EvalSeries]]:
        store = Store.open(self.document.storage_url())
        try:
            exp = store.experiment(self.experiment)
            assert exp is not None
            rows = store.trials(exp.id)
            ids = [r.id for r in rows]
            return rows, store.step_series(ids), store.eval_series(ids)
        finally:
            store.close()


def run_headless(root: Path, project: Project | None = None) -> Project:
    """One search run without Qt into a database of its own under `root` (for a module's
    tests to share; user dirs pointed under `root` meanwhile)."""
    import pytest

    from tunestudio.search import ExperimentRunner

    with pytest.MonkeyPatch.context() as mp:
        for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
            mp.setenv(f"TUNESTUDIO_{kind}_DIR", str(root / kind.lower()))
        base = project or tiny_project()
        project = base.model_copy(update={"storage_url": f"sqlite:///{root / 'history.db'}"})
        ExperimentRunner(project, project.experiments[0].name).run()
    return project


def headless_data_dir(project: Project) -> Path:
    """The data dir `run_headless` used: the project's checkpoints live there (point
    TUNESTUDIO_DATA_DIR at it in a test that uses a trial's stored model)."""
    return Path(project.storage_url.removeprefix("sqlite:///")).parent / "data"


def make_setup(project: Project | None, tmp_path: Path) -> Generator[Setup, None, None]:
    project = project or tiny_project()
    document = ProjectDocument.from_project(project)
    insights = Insights(document)
    insights.set_experiment(project.experiments[0].name)
    controller = RunController()
    setup = Setup(project, document, insights, controller, tmp_path)
    try:
        yield setup
    finally:
        controller.stop()
        controller.wait()
        insights.close()


def add_trial_of_other_baseline(store: Store, experiment_id: int, project: Project, *,
                                number: int, lr: float, objective: float,
                                extra_epochs: int) -> int:
    """A complete trial of `optimizer.lr = lr` trained on a baseline with `extra_epochs` more
    epochs than the project's (its fingerprint says so); its id."""
    from tunestudio.config import merge_values

    training = project.baseline.training
    old = project.baseline.model_copy(update={"training": training.model_copy(
        update={"epochs": training.epochs + extra_epochs})})
    params = {"optimizer.lr": lr}
    tid = store.start_trial(experiment_id, number=number, optuna_trial_id=None, params=params,
                            config_json=merge_values(old, params).model_dump_json(),
                            device="cpu", seed=0)
    store.finish_trial(tid, state="complete", objective=objective, duration_s=1.0)
    return tid
