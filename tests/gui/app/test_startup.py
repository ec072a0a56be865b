"""The window shows before torch and optuna are imported, and quickly; `--smoke-test` runs a
trial through the real QThread path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

PROBE = """
import json, sys
from tunestudio.gui.app.startup import seconds_since_process_start
from tunestudio.gui.app.app import make_app
from tunestudio.gui.app.main_window import MainWindow
app = make_app()
window = MainWindow()
window.show()
app.processEvents()
shown = seconds_since_process_start()
heavy = sorted(m for m in ("torch", "optuna", "sqlalchemy", "pyqtgraph") if m in sys.modules)
window.close()
print(json.dumps({"shown_s": shown, "heavy": heavy}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def test_window_shows_before_torch_is_imported() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         env=_env(), timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["shown_s"] < 10  # generous: the benchmark holds the 1.5 s goal


@pytest.mark.slow
def test_smoke_test_runs_a_trial_through_the_window(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tunestudio", "--smoke-test"],
                         capture_output=True, text=True, env=_env(), timeout=600,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "smoke test passed: trial 0 complete" in out.stdout


def test_a_project_given_at_start_opens_after_the_window_is_painted(
        qtbot: QtBot, project_file: Path) -> None:
    """`tunestudio PROJECT` (later starts, from the recent list or a file manager): the window
    paints its 'Opening …' page before the project's views are built and torch is loaded;
    both used to run first, and the window stayed black for seconds."""
    from PySide6.QtCore import QEvent, QObject

    from tunestudio.gui.app.main_window import MainWindow
    from tunestudio.gui.common.settings import Settings

    events: list[str] = []

    class Painted(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and "painted" not in events:
                events.append("painted")
            return False

    window = MainWindow(Settings())
    watcher = Painted(window)
    window.installEventFilter(watcher)
    window.first_shown.connect(lambda: events.append("first_shown"))
    window.session.document_changed.connect(lambda *_: events.append("opened"))
    window.open_after_show(project_file)
    window.show()
    try:
        qtbot.waitUntil(lambda: "opened" in events, timeout=30_000)
        assert events[:3] == ["painted", "first_shown", "opened"]
    finally:
        window.shutdown()
        if window.document is not None:
            window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()
