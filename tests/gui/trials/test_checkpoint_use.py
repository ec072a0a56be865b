"""The trials view shows the disk use of the project's checkpoints, read off the GUI thread, and
follows the folder as retention (or a user) removes files."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import headless_data_dir, run_headless
from tunestudio import paths
from tunestudio.config import Project
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.common.numbers import size
from tunestudio.gui.trials import checkpoint_use
from tunestudio.gui.trials.checkpoint_use import describe
from tunestudio.gui.trials.table_view import TrialsPanel


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("checkpoint-use"))  # 3 trials, keep_best 5


@pytest.fixture
def panel(project: Project, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[TrialsPanel]:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(headless_data_dir(project)))
    monkeypatch.setattr(checkpoint_use, "REFRESH_MS", 100)
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment(project.experiments[0].name)
    view = TrialsPanel(insights)
    qtbot.addWidget(view)
    view.show()
    yield view
    view.close_view()
    insights.close()


def test_the_trials_view_shows_checkpoint_disk_use_read_off_the_gui_thread(
        panel: TrialsPanel, project: Project, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    real = paths.checkpoint_disk_use

    def recorded(project_id: object) -> dict[str, object]:
        threads.append(threading.current_thread())
        return real(project_id)  # type: ignore[arg-type]

    monkeypatch.setattr(paths, "checkpoint_disk_use", recorded)
    label = panel.checkpoints
    qtbot.waitUntil(lambda: "3 kept by finished trials" in label.text(), timeout=10_000)
    use = real(project.id)
    assert use["artifacts"] == 3 and isinstance(use["bytes"], int) and use["bytes"] > 1000
    assert label.text() == f"Checkpoints: {size(use['bytes'])} (3 kept by finished trials)"
    assert label.isVisible() and str(use["path"]) in label.toolTip()
    assert "checkpoints.keep_best" in label.toolTip()
    assert threads and threading.main_thread() not in threads

    # retention (here: a user) removes a checkpoint; the label follows without a new trial
    artifacts = Path(str(use["path"])) / "artifacts"
    next(iter(sorted(artifacts.iterdir()))).unlink()
    qtbot.waitUntil(lambda: "2 kept by finished trials" in label.text(), timeout=10_000)


def test_describe_names_kept_and_resume_files() -> None:
    assert describe({"bytes": 0, "artifacts": 0, "resume_files": 0}) == "Checkpoints: none kept"
    assert describe({"bytes": 3 * 1024 * 1024, "artifacts": 2, "resume_files": 1}) == (
        "Checkpoints: 3 MiB (2 kept by finished trials, 1 resume file of running or "
        "interrupted trials)")
    assert describe({"bytes": 1536, "artifacts": 0, "resume_files": 2}).endswith(
        "(0 kept by finished trials, 2 resume files of running or interrupted trials)")
    assert size(512) == "512 B" and size(1536) == "1.5 KiB" and size(5 << 30) == "5 GiB"
