"""The live plots' legend never covers a curve: it has its own row above the plots, at the sizes
the window's Curves tab gets at 960x600 and 1280x800, with one trial or a search's many (their
names shortened to fit, whole in the entry's tooltip, without the experiment's name that every
entry shares), and it can be hidden, giving the plots its room."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from pytestqt.qtbot import QtBot

from tunestudio.gui.plots.axes import Array, XMode
from tunestudio.gui.plots.panel import LEGEND_HEIGHT_FRACTION, PlotPanel, overlay_color

EXPERIMENT = "bayes-lr-wd-width-batch"
# the Curves tab's plot panel in a 960x600 and a 1280x800 window
SIZES = ((700, 400), (1010, 600))


def _panel(qtbot: QtBot, size: tuple[int, int], trials: int) -> PlotPanel:
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    x = np.arange(1, 400, dtype=np.float64)
    xs: dict[XMode, Array] = {"step": x, "epoch": x / 40, "wall": x / 10}
    for i in range(trials):
        name = f"{EXPERIMENT} #{i} · lr={3.5e-4 * (i + 1):.3g} · wd=5.12e-6 · width={32 + i}"
        curves = panel.trial_curves(name + (" (running)" if i == trials - 1 else ""),
                                    overlay_color(i))
        # curves that fill every corner of every plot, as a search's trials do
        loss = 2.5 * np.exp(-x / (20 + 15 * i)) + 0.01 * i
        curves.add_steps(xs, loss, loss, np.linspace(1e-4, 1e-2 / (i + 1), len(x)),
                         np.abs(np.sin(x / 7 + i)) + 0.1)
        curves.add_evals({k: v[::40] for k, v in xs.items()}, loss[::40], loss[::40],
                         1 - loss[::40] / 3)
        curves.refresh("step")
    panel.auto_range()
    qtbot.wait(50)
    return panel


def _visible(panel: PlotPanel) -> QRectF:
    """The part of the scene the panel shows."""
    shown: QRectF = panel.mapToScene(panel.viewport().rect()).boundingRect()
    return shown


def _overlaps(panel: PlotPanel) -> list[str]:
    legend = panel.legend.sceneBoundingRect()
    return [key for key, plot in panel.plots.items()
            if legend.intersects(plot.vb.sceneBoundingRect())]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("trials", [1, 12])
def test_the_legend_sits_above_the_plots_never_over_a_curve(
        qtbot: QtBot, size: tuple[int, int], trials: int) -> None:
    panel = _panel(qtbot, size, trials)
    legend = panel.legend
    assert len(legend.items) == trials
    qtbot.waitUntil(lambda: legend.sceneBoundingRect().height() > 0, timeout=5_000)
    assert _overlaps(panel) == []
    # every entry and every plot inside the panel (none cut off at its right or bottom: the
    # long titles of the plots once pushed the right-hand ones out at 960 px)
    view = _visible(panel)
    for sample, label in legend.items:
        assert view.contains(sample.sceneBoundingRect())
        assert view.contains(label.sceneBoundingRect()), label.text
    for key, plot in panel.plots.items():
        assert view.contains(plot.vb.sceneBoundingRect()), key
    # the plots keep their room: the entries take at most a fifth of the height (and a row)
    assert legend.sceneBoundingRect().height() <= \
        max(LEGEND_HEIGHT_FRACTION * size[1], 22) + 4
    assert panel.plots["loss"].vb.sceneBoundingRect().height() >= 0.1 * size[1]


def test_entries_keep_whole_names_drawn_short(qtbot: QtBot) -> None:
    """The drawn name leaves out the experiment (every entry's) and is shortened to fit; the
    whole name is the entry's tooltip and what `names()` gives."""
    panel = _panel(qtbot, SIZES[0], 12)
    legend = panel.legend
    legend.set_hidden_prefix(f"{EXPERIMENT} ")
    names = legend.names()
    assert names[0].startswith(f"{EXPERIMENT} #0 · lr=")
    for name, (_, label) in zip(names, legend.items, strict=True):
        assert label.toolTip() == name
        drawn = label.item.toPlainText()
        assert drawn.startswith("#") and EXPERIMENT not in drawn
        assert drawn == name.removeprefix(f"{EXPERIMENT} ") or drawn.endswith("…")
    assert any(label.item.toPlainText().endswith("…") for _, label in legend.items)
    legend.set_hidden_prefix("")
    assert legend.items[0][1].item.toPlainText().startswith("bayes-")
    assert _overlaps(panel) == []


def test_a_hidden_legend_gives_the_plots_its_room(qtbot: QtBot) -> None:
    panel = _panel(qtbot, SIZES[0], 5)
    loss = panel.plots["loss"].vb
    before = loss.sceneBoundingRect().height()
    panel.set_legend_shown(False)
    qtbot.waitUntil(lambda: loss.sceneBoundingRect().height() > before + 20, timeout=5_000)
    assert not panel.legend_dock.isVisible()
    panel.set_legend_shown(True)
    qtbot.waitUntil(lambda: abs(loss.sceneBoundingRect().height() - before) < 2,
                    timeout=5_000)
    assert panel.legend.isVisible() and _overlaps(panel) == []


def test_a_search_too_many_for_the_legend_draws_the_last_and_counts_the_rest(
        qtbot: QtBot) -> None:
    """20 compared trials: the legend keeps its fifth of the height; the last trials added (a
    run's running one is added last) are drawn, the others counted in "+N more", whose tooltip
    names them; every name is still the legend's."""
    panel = _panel(qtbot, SIZES[0], 20)
    legend = panel.legend
    assert len(legend.names()) == 20
    qtbot.waitUntil(lambda: legend.more.isVisible(), timeout=5_000)
    drawn = [name for (sample, label), name in zip(legend.items, legend.names(), strict=True)
             if label.isVisible()]
    left_out = 20 - len(drawn)
    assert 4 <= len(drawn) < 20 and drawn == legend.names()[left_out:]
    assert drawn[-1].endswith("(running)")
    assert legend.more.text == f"+{left_out} more"
    assert legend.more.toolTip().splitlines() == legend.names()[:left_out]
    assert legend.sceneBoundingRect().height() <= LEGEND_HEIGHT_FRACTION * SIZES[0][1] + 4
    assert _overlaps(panel) == []
    assert _visible(panel).contains(legend.more.sceneBoundingRect())
    for sample, _ in list(legend.items)[3:]:  # three trials: every one drawn again
        legend.removeItem(sample.item)
    qtbot.waitUntil(lambda: not legend.more.isVisible(), timeout=5_000)
    assert all(label.isVisible() for _, label in legend.items)
