"""The dark theme: the best row stays readable, state colours are light on dark, and every plot
takes the palette's colours (switched live, as Preferences does)."""

from __future__ import annotations

from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.theme import apply_theme
from tunestudio.gui.plots.panel import PlotPanel
from tunestudio.gui.trials.table_model import TrialsTableModel
from tunestudio.store import TrialRow


@pytest.fixture
def dark(qapp: QApplication) -> Iterator[QApplication]:
    apply_theme(qapp, "dark")
    yield qapp
    apply_theme(qapp, "light")


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours."""
    def lum(c: QColor) -> float:
        def ch(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def rows() -> list[TrialRow]:
    return [TrialRow(id=i, experiment_id=1, number=i, state=s, message="",
                     params={"optimizer.lr": 0.001 * (i + 1)}, objective=o, objective2=None,
                     objective_std=None, metrics={}, device="cpu", seed=0, repeats=1,
                     duration_s=1.0, started_at=0.0, finished_at=1.0, heartbeat_at=None,
                     updated_at=1.0, notes="", tags=[], optuna_trial_id=None,
                     test_metrics=None)
            for i, (s, o) in enumerate([("complete", 0.9), ("complete", 0.5), ("running", None)])]


def test_dark_theme_best_row_and_states_are_readable(dark: QApplication) -> None:
    model = TrialsTableModel()
    model.set_columns(["optimizer.lr"], "val_accuracy", "maximize")
    model.set_trials(rows())
    text = QApplication.palette().color(QPalette.ColorRole.Text)
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    best = model.row_of(0)
    assert best is not None and model.best_id == 0
    background = model.data(model.index(best, 0), Qt.ItemDataRole.BackgroundRole).color()
    assert contrast(background, text) >= 4.5  # the palette's text on the best row
    running = model.row_of(2) or 0
    state = model.data(model.index(running, model.column_of("state")),
                       Qt.ItemDataRole.ForegroundRole).color()
    assert contrast(state, base) >= 4.5


def test_plots_follow_the_theme_live(qapp: QApplication, qtbot: QtBot) -> None:
    apply_theme(qapp, "light")
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)

    def colors() -> tuple[QColor, QColor]:
        axis = panel.plots["lr"].getAxis("left")
        return panel.backgroundBrush().color(), axis.textPen().color()

    light_bg, light_fg = colors()
    assert light_bg.lightness() > 200 and light_fg.lightness() < 100
    try:
        apply_theme(qapp, "dark")
        qtbot.waitUntil(lambda: colors()[0].lightness() < 60, timeout=2_000)
        assert colors()[1].lightness() > 180
        assert isinstance(panel.plots["grad"].getAxis("left"), pg.AxisItem)
    finally:
        apply_theme(qapp, "light")
