"""Points of the analysis plots that name their trial on hover (trial, values, objective) and
select it on click: every plot hands the clicked trial's id to one callback, which sets the
shared selection that the table and the per-trial panels follow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tunestudio.gui.analysis.data import AnalysisData
from tunestudio.gui.common.numbers import short, trial_label


def point_labels(data: AnalysisData) -> list[tuple[int, str]]:
    """(trial id, tooltip) per complete trial of `data`, aligned with `data.numbers`."""
    out = []
    for i, number in enumerate(data.numbers):
        params = {p.path: data.values[p.path][i] for p in data.params}
        head = trial_label(data.experiment, int(number), params, most=len(params))
        text = f"{head}\n{data.metric} = {short(data.objective[i], 4)}"
        if len(data.excluded) == len(data.numbers) and data.excluded[i]:
            text += "\nexcluded: not counted"
        out.append((int(data.ids[i]), text))
    return out


def _tip(x: float, y: float, data: Any) -> str:
    return str(data[1]) if isinstance(data, tuple) else ""


def set_pickable(item: Any, x: Any, y: Any, labels: list[tuple[int, str]], **style: Any) -> None:
    """`item.setData` (a pg.ScatterPlotItem) with each point's trial id and tooltip; `mask`
    in `style` (a boolean array) keeps only some points."""
    mask = style.pop("mask", None)
    kept = labels if mask is None else [lab for lab, m in zip(labels, mask, strict=True) if m]
    item.setData(np.asarray(x), np.asarray(y), data=kept, hoverable=True, tip=_tip, **style)


def on_pick(item: Any, callback: Callable[[int], None]) -> None:
    """Calls `callback(trial id)` when a point of `item` is clicked."""
    def clicked(_item: Any, points: Any, *_: Any) -> None:
        if len(points) and isinstance(points[0].data(), tuple):
            callback(int(points[0].data()[0]))

    item.sigClicked.connect(clicked)
