"""The slice plots keep their plots across refreshes and hand pyqtgraph the points' brushes as
one array: each point still shows its own trial's values and its shade of trial number, and a
refresh with other trials or other parameters shows those, not the old ones."""

from __future__ import annotations

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from tunestudio.gui.analysis.data import AnalysisData, Param
from tunestudio.gui.analysis.space_plots import _SHADES, ShadedScatter, SlicePlots, _cmap

LR = Param("optimizer.lr", "float", True)
BATCH = Param("training.batch_size", "categorical", False, (32, 64))
DEPTH = Param("model.depth", "int", False)


def search(n: int, params: list[Param], seed: int) -> AnalysisData:
    rng = np.random.default_rng(seed)
    values = {"optimizer.lr": list(10 ** rng.uniform(-4, -1, n)),
              "training.batch_size": list(rng.choice([32, 64], n)),
              "model.depth": list(rng.integers(1, 5, n))}
    numbers = np.sort(rng.choice(10 * n, n, replace=False)).astype(np.int64)
    return AnalysisData(
        experiment="s", study_name="s", metric="val_accuracy", maximize=True, params=params,
        numbers=numbers, objective=rng.random(n),
        values={p.path: values[p.path] for p in params}, ids=numbers + 1000)


def shade_of(data: AnalysisData) -> list[str]:
    """Each point's colour: its band of trial numbers, as the plot's legend-less scale."""
    shade = (data.numbers - data.numbers.min()) / max(1, np.ptp(data.numbers))
    bands = np.minimum((shade * _SHADES).astype(int), _SHADES - 1)
    return [_cmap().map((b + 0.5) / _SHADES * 0.85, mode="qcolor").name() for b in bands]


def check(plots: SlicePlots, data: AnalysisData) -> None:
    assert list(plots.points) == [p.path for p in data.params]
    for p in data.params:
        item = plots.points[p.path]
        x, y = item.getData()
        assert np.array_equal(y, data.objective)
        if p.kind == "float":
            assert np.allclose(x, np.log10(data.values[p.path]))
        elif p.kind == "int":
            assert np.array_equal(x, np.array(data.values[p.path], dtype=float))
        assert [point.data().trial_id for point in item.points()] == data.ids.tolist()
        assert [point.brush().color().name() for point in item.points()] == shade_of(data)


def test_a_refresh_keeps_the_plots_and_shows_the_new_trials(qtbot: QtBot) -> None:
    plots = SlicePlots()
    qtbot.addWidget(plots)
    plots.resize(900, 600)
    plots.show()
    first = search(120, [LR, BATCH, DEPTH], seed=1)
    plots.show_data(first)
    check(plots, first)
    kept = dict(plots.plots)
    second = search(200, [LR, BATCH, DEPTH], seed=2)
    plots.show_data(second)
    check(plots, second)
    assert plots.plots == kept  # the same plot items, given new points
    # and the same brushes: the symbols drawn for the first points serve (one per shade)
    assert all(len(item.fragmentAtlas) <= _SHADES for item in plots.points.values())
    other = search(80, [DEPTH, LR], seed=3)  # other parameters: other plots
    plots.show_data(other)
    check(plots, other)
    assert set(plots.plots) == {"model.depth", "optimizer.lr"}
    assert len(plots.ci.items) == 2
    qtbot.wait(10)  # painted without error


def test_a_shaded_scatter_refuses_brushes_that_do_not_match_its_points(qtbot: QtBot) -> None:
    item = ShadedScatter()
    brushes = np.empty(2, dtype=object)
    with pytest.raises(ValueError, match="2 brushes for 3 points"):
        item.setData([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], brush=brushes)
