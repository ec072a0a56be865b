"""The Pareto view after a real two-objective search of 8 trials: it highlights exactly the
trials of Optuna's study.best_trials, names a trial on hover and focuses it on click."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import optuna
import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tiny_projects import tiny_project
from tunestudio.config import Budget, Objective, Project
from tunestudio.gui.analysis.view import TABS, AnalysisView
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    base = tiny_project({"budget": Budget(trials=8),
                        "objective": Objective(metric="val_accuracy", second="train_time")},
                       epochs=2, fraction=0.2)
    return run_headless(tmp_path_factory.mktemp("pareto"), base)


@pytest.fixture
def view(project: Project, qtbot: QtBot) -> Iterator[AnalysisView]:
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    analysis = AnalysisView(insights)
    qtbot.addWidget(analysis)
    analysis.resize(1000, 650)
    analysis.show()
    analysis.tabs.setCurrentIndex(TABS.index("Pareto front"))
    qtbot.waitUntil(lambda: analysis.data is not None, timeout=20_000)
    yield analysis
    insights.close()


def test_the_front_is_optunas_best_trials(view: AnalysisView, project: Project) -> None:
    study = optuna.load_study(study_name=project.experiments[0].name,
                              storage=project.storage_url)
    best = sorted(t.number for t in study.best_trials)
    assert view.pareto.front_numbers == best
    fx, fy = view.pareto.front.getData()
    values = {t.number: t.values for t in study.best_trials}
    assert sorted(zip(fx.tolist(), fy.tolist(), strict=True)) == sorted((v[1], v[0])
                                                           for v in values.values())
    rx, _ = view.pareto.points.getData()
    assert len(rx) + len(fx) == 8  # every complete trial is plotted
    assert f"{len(best)} of 8 trials on the front" in view.pareto.plot.titleLabel.text


def test_hover_names_the_trial_and_click_focuses_it(view: AnalysisView, qtbot: QtBot) -> None:
    spot = view.pareto.front.points()[0]
    i = int(spot.data())
    data = view.data
    assert data is not None
    tip = view.pareto._tip(spot.pos().x(), spot.pos().y(), spot.data())
    assert tip.startswith(f"trial #{int(data.numbers[i])} (on the Pareto front)")
    assert "training time" in tip and "val_accuracy" in tip
    view.pareto.front.sigClicked.emit(view.pareto.front, [spot], None)
    qtbot.waitUntil(lambda: view.insights.focus == int(data.ids[i]), timeout=2000)


def test_the_view_exports_its_numbers(view: AnalysisView, tmp_path: Path) -> None:
    out = view.export(TABS.index("Pareto front"), tmp_path / "pareto.csv")
    lines = out.read_text().splitlines()
    assert lines[0] == "trial,val_accuracy,train_time_s,on_pareto_front" and len(lines) == 9
    assert np.sum([line.endswith("True") for line in lines[1:]]) == len(
        view.pareto.front_numbers)


def test_the_report_lists_the_front(view: AnalysisView, tmp_path: Path) -> None:
    from tunestudio.gui.analysis.report import write_report

    text = write_report(view, tmp_path / "report.md").read_text()
    section = text.split("## Pareto front: val_accuracy against training time")[1]
    for number in view.pareto.front_numbers:
        assert f"| {number} |" in section.split("##")[0]
    assert "report_files/pareto-front.png" in text


def test_the_front_legend_entry_selects_the_fronts_trials(view: AnalysisView,
                                                          project: Project, qtbot: QtBot) -> None:
    """A real click on "Pareto front" in the legend compares exactly the front's trials, the
    best objective in focus; a click on "trials" (the dominated ones) selects nothing."""
    from gui_helpers import click_legend_entry

    study = optuna.load_study(study_name=project.experiments[0].name,
                              storage=project.storage_url)
    data = view.pareto.data
    assert data is not None
    id_of = {int(n): int(i) for n, i in zip(data.numbers, data.ids, strict=True)}
    front = {id_of[t.number] for t in study.best_trials}
    click_legend_entry(qtbot, view.pareto, view.pareto.legend, view.pareto.front)
    assert set(view.insights.compared) == front and len(view.insights.compared) == len(front)
    best = max(study.best_trials, key=lambda t: t.values[0])
    assert view.insights.focus == id_of[best.number]
    before = (view.insights.compared, view.insights.focus)
    click_legend_entry(qtbot, view.pareto, view.pareto.legend, view.pareto.points)
    assert (view.insights.compared, view.insights.focus) == before
