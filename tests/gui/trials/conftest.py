"""Fixtures of the trials views' tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from tunestudio.config import Project
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.trials.detail import TrialDetail


@pytest.fixture
def detail(project: Project, qtbot: QtBot) -> Iterator[TrialDetail]:
    """The trial detail view over the test module's `project` (its first experiment)."""
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    widget = TrialDetail(insights)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    insights.close()
