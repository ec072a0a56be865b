"""The trials table knows the noise: with 3 seeds per trial it marks the best, the trials whose
gap to it is within the spread between seeds, and those beyond; and "Re-run the top N with K
seeds" adds the experiments that answer whether the best is a lucky seed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tunestudio.config import Project
from tunestudio.config.rerun import rerun_name
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.trials.table_model import TrialsTableModel
from tunestudio.gui.trials.table_view import TrialsPanel
from tunestudio.store import TrialRow


def trial(number: int, objective: float, std: float | None = 0.01, repeats: int = 3
          ) -> TrialRow:
    return TrialRow(id=number + 1, experiment_id=1, number=number, state="complete",
                    message="", params={"optimizer.lr": 0.001 * (number + 1)},
                    objective=objective, objective2=None, objective_std=std, metrics={},
                    device="cpu", seed=0, repeats=repeats, duration_s=1.0, started_at=0.0,
                    finished_at=1.0, heartbeat_at=None, updated_at=1.0, notes="", tags=[],
                    optuna_trial_id=None, test_metrics=None)


def cell(model: TrialsTableModel, number: int, key: str) -> str:
    row = model.row_of(number + 1)
    assert row is not None
    return str(model.index(row, model.column_of(key)).data())


def test_three_seeds_per_trial_marks_best_within_and_beyond_noise(qtbot: QtBot) -> None:
    model = TrialsTableModel()
    model.set_columns(["optimizer.lr"], "val_accuracy", "maximize")
    # 3 seeds, std 0.01 each: Welch's t-test, 4 degrees of freedom, calls a gap beyond
    # 0.0278 beyond the noise at p < 0.05 (store/verdicts.py)
    model.set_trials([trial(0, 0.90), trial(1, 0.885), trial(2, 0.85)])
    assert [cell(model, n, "noise") for n in range(3)] == ["best", "within noise",
                                                           "beyond noise"]
    tip = model.index(model.row_of(3) or 0, model.column_of("noise")).data(  # trial 2
        Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Welch's t-test against the best trial: p = 0.0")
    assert cell(model, 0, "±") == "0.01"
    # a better trial arrives: the marks follow it
    model.upsert([trial(3, 0.93)])
    assert [cell(model, n, "noise") for n in range(4)] == ["beyond noise", "beyond noise",
                                                           "beyond noise", "best"]
    model.upsert([trial(4, 0.925)])
    assert cell(model, 4, "noise") == "within noise"
    # trials run once, with no repeated trial to tell the noise: no verdict
    model.set_trials([trial(0, 0.9, None, 1), trial(1, 0.5, None, 1)])
    assert [cell(model, n, "noise") for n in range(2)] == ["", ""]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("noise"))


@pytest.fixture
def panel(project: Project, qtbot: QtBot) -> Iterator[TrialsPanel]:
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    view = TrialsPanel(insights)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 3, timeout=10_000)
    yield view
    view.close_view()
    insights.close()


def test_rerun_the_top_n_with_k_seeds_adds_one_experiment_per_trial(panel: TrialsPanel
                                                                     ) -> None:
    actions = panel.trial_actions
    assert actions.top_seeds_action.isEnabled()
    done = sorted((t for t in panel.model.trials() if t.state == "complete"),
                  key=lambda t: -(t.objective or 0.0))
    source = panel.insights.experiment_name
    assert source is not None
    names = actions.rerun_top(2, 3)
    assert names == [rerun_name(source, t.number, 3) for t in done[:2]]
    project = panel.insights.document.project
    assert project is not None
    for name, t in zip(names, done, strict=False):
        exp = project.experiment(name)
        assert exp.search.strategy == "grid" and exp.search.pruner.kind == "none"
        seed = t.seed or 0  # each seed a trial: they can train fused
        assert {d.path: d.model_dump()["choices"] for d in exp.search.dimensions} == \
            {**{p: [v] for p, v in t.params.items()},
             "training.seed": [seed, seed + 1, seed + 2]}
    count = len(panel.insights.document.experiment_names())
    assert actions.rerun_top(2, 3) == names  # asked again: the same experiments, none added
    assert len(panel.insights.document.experiment_names()) == count


def test_the_top_n_action_through_its_real_signal(panel: TrialsPanel,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu emits triggered(bool): the action asks for N and K and ignores the bool."""
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (2, True))
    before = set(panel.insights.document.experiment_names())
    panel.trial_actions.top_seeds_action.trigger()
    added = set(panel.insights.document.experiment_names()) - before
    assert len(added) == 2 and all(n.endswith("-x2-seeds") for n in added)
