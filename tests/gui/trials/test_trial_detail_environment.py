"""The trial detail shows the environment a trial ran in and says when a trial selected for
comparison ran in another one (here: another torch and an edited model file)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import run_headless
from tunestudio.config import Project
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.store import Store


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("env-detail"))


@pytest.fixture
def detail(project: Project, qtbot: QtBot) -> Iterator[TrialDetail]:
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    widget = TrialDetail(insights)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    insights.close()


def test_environment_shown_and_a_different_one_named(detail: TrialDetail, project: Project,
                                                     qtbot: QtBot) -> None:
    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        first, second = store.trials(exp.id)[:2]
        env = store.trial(first.id).environment
        assert env and env["torch"]
        other_env = {**env, "torch": "9.9.9",
                     "files": {"model.path": {"path": "net.py", "sha256": "b" * 64}}}
        odd = store.start_trial(exp.id, number=50, optuna_trial_id=None, params=first.params,
                                config_json="{}", device="cpu", seed=0,
                                environment=other_env)
        store.finish_trial(odd, state="complete", objective=0.5, duration_s=1.0)
    finally:
        store.close()
    insights = detail.insights
    insights.set_focus(first.id)
    qtbot.waitUntil(lambda: detail.trial is not None, timeout=10_000)
    text = detail.env_text.toPlainText()
    assert f"torch {env['torch']}" in text and f"Python {env['python']}" in text
    assert "Device: cpu" in text
    insights.compare([first.id, second.id, odd])
    qtbot.waitUntil(lambda: "#50" in detail.env_label.text(), timeout=10_000)
    label = detail.env_label.text()
    assert "Ran in a different environment than trial #50" in label
    assert f"torch: {env['torch']} vs 9.9.9" in label
    assert "model.path (file): not recorded vs net.py" in label
    assert f"Same environment as trial(s) #{second.number}" in label
    detail.tabs.setCurrentIndex(3)
    assert detail.tabs.tabText(3) == "Environment" and not detail.export_button.isEnabled()
