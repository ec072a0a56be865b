"""The window's run progress says where the stop rules stand while the run goes on, and which
rule stopped it (a grid of a deterministic program through the real QThread worker)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from program_helpers import program_project
from tunestudio.config import CategoricalDimension, StopRules, save_project
from tunestudio.config.program import ProgramParameter
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.status import RunProgress
from tunestudio.gui.run.worker import RunRequest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

SCRIPT = """
    import argparse
    p = argparse.ArgumentParser()
    p.add_argument("--x", type=int, default=1)
    print(f"epoch 1 val_acc={p.parse_args().x / 10}")
"""


def test_progress_of_the_stop_rules_and_the_rule_that_stopped_the_run(
        qtbot: QtBot, tmp_path: Path) -> None:
    project, path = program_project(
        tmp_path, SCRIPT, [CategoricalDimension(path="params.x", choices=[5, 1, 2, 3, 4, 6])],
        parameters=[ProgramParameter(name="x", type="int", default=1)], strategy="grid",
        trials=None)
    exp = project.experiments[0]
    search = exp.search.model_copy(update={"stop": StopRules(patience=3)})
    project = project.model_copy(update={"experiments": [exp.model_copy(
        update={"search": search})]})
    save_project(project, path)
    controller = RunController()
    progress = RunProgress(controller)
    qtbot.addWidget(progress)
    shown: list[str] = []
    controller.progress_changed.connect(lambda: shown.append(progress.label.text()))
    controller.start(RunRequest(project, "e", tmp_path, project_path=path, run_programs=True))
    qtbot.waitUntil(lambda: not controller.is_running, timeout=60_000)
    assert any(text.endswith("stop rules: 2 trials without improvement of 3")
               for text in shown), shown
    summary = controller.last_summary
    assert summary is not None and summary.counts == {"complete": 4}
    assert progress.label.text().endswith(
        "stopped by rule: no improvement in 3 trials (patience 3)")
