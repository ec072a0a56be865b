"""The analysis of a one-variable-at-a-time search run with 3 seeds says, per knob, whether its
effect exceeds the baseline's spread between seeds: here the LR clearly matters (a 300x smaller
one barely learns) and a 25% change of weight decay does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tiny_projects import tiny_project
from tunestudio.config import Budget, FloatDimension
from tunestudio.gui.analysis.report import write_report
from tunestudio.gui.analysis.view import AnalysisView
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights


def test_knob_verdicts_in_the_view_and_the_report(tmp_path_factory: pytest.TempPathFactory,
                                                  qtbot: QtBot, tmp_path: Path) -> None:
    dims = [FloatDimension(path="optimizer.lr", low=1e-6, high=1e-1, log=True,
                           values=[1e-5, 0.003]),
            FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True,
                           values=[0.0004, 0.0005])]
    project = run_headless(tmp_path_factory.mktemp("ovat"), tiny_project(
        {"strategy": "ovat", "dimensions": dims, "repeats": 3, "budget": Budget(trials=None)},
        epochs=3, fraction=0.3))
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    view = AnalysisView(insights)
    qtbot.addWidget(view)
    view.show()
    try:
        qtbot.waitUntil(lambda: view.data is not None, timeout=20_000)
        text = view.verdicts.text()
        assert view.verdicts.isVisible()
        assert "optimizer.lr: effect" in text and "exceeds the baseline's seed noise" in text
        assert "optimizer.weight_decay: effect 0 within the baseline's seed noise" in text
        report = write_report(view, tmp_path / "r.md").read_text()
        section = report.split("## One variable at a time: effect against noise")[1]
        assert "| optimizer.lr | 2 |" in section and "exceeds noise" in section
        assert "| optimizer.weight_decay | 2 | 0 |" in section and "within noise" in section
    finally:
        insights.close()
