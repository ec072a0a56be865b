"""The Trials tab at the window sizes users have (a laptop's 960x600, 1280x800), in English and in
Chinese: the diagnosis' plot under the table keeps a readable size (it was a 70 px strip under
the finding's text at 960x600), beside the finding's text; the table keeps a few rows; and the
window still goes down to 960x600."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.common import i18n
from tunestudio.gui.trials.diagnosis import PLOT_MIN_HEIGHT, PLOT_MIN_WIDTH, TEXT_MIN_WIDTH

TABLE_MIN_HEIGHT = 100  # a header and three rows


@pytest.fixture(params=["en", "zh_CN"])
def language(request: pytest.FixtureRequest) -> Iterator[str]:
    translators = i18n.install(request.param)
    yield request.param
    i18n.uninstall(translators)


def test_the_diagnosis_plot_stays_readable_at_960x600_and_1280x800(
        language: str, window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    assert window.session.open_project(project_file) and window.workspace is not None
    ws = window.workspace
    ws.show_page("Trials")
    diagnosis = ws.diagnosis
    assert ws.below.currentWidget() is diagnosis
    heights = {}
    for width, height in ((960, 600), (1280, 800)):
        window.resize(width, height)

        def resized(w: int = width, h: int = height) -> bool:
            return window.width() == w and window.height() == h

        qtbot.waitUntil(resized, timeout=5_000)
        qtbot.wait(50)
        plot = diagnosis.plot_page
        size = f"{width}x{height} {language}"
        assert plot.height() >= PLOT_MIN_HEIGHT, size
        assert plot.width() >= PLOT_MIN_WIDTH, size
        assert diagnosis.text.width() >= TEXT_MIN_WIDTH, size
        # the plot beside the text (taking the whole height), not squeezed under it
        assert plot.geometry().top() < diagnosis.text.geometry().bottom(), size
        assert ws.table.table.height() >= TABLE_MIN_HEIGHT, size
        heights[width] = plot.height()
    assert heights[1280] >= heights[960] + 100  # a taller window's room goes to the plot too


def test_a_long_run_header_keeps_one_line_of_the_curves_tab_at_960x600(
        window: MainWindow, qtbot: QtBot, project_file: Path) -> None:
    """The live view's run header (which trials train, which ended) wrapped to five lines at
    960x600, taking the plots' height: it stays on one line, cut, whole in its tooltip."""
    assert window.session.open_project(project_file) and window.workspace is not None
    live = window.workspace.live
    window.workspace.show_page("Curves")
    window.resize(960, 600)
    qtbot.waitUntil(lambda: window.width() == 960 and window.height() == 600, timeout=5_000)
    header = ("Trials #41, #43 training; #39 complete, objective 0.9749; #40 complete, "
              "objective 0.9805; #42 complete, objective 0.9777; 11 more ended")
    live.status.setText(header)
    qtbot.wait(50)
    assert live.status.text() == header and live.status.is_elided()
    assert header in QLabel.toolTip(live.status)  # the tooltip shown, not the owner's part
    assert live.status.height() < 2 * live.status.fontMetrics().height()
    assert live.pages.height() >= 380  # the plots keep the tab's height
    assert window.minimumSizeHint().width() <= 960
