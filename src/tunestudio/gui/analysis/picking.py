"""Points of the analysis plots that name their trial on hover (trial, values, objective) and
select it on click: every plot hands the clicked trial's id to one callback, which sets the
shared selection that the table and the per-trial panels follow."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from tunestudio.gui.analysis.data import AnalysisData
from tunestudio.gui.common.numbers import short, trial_label


class PointLabel:
    """A point's trial id and its tooltip (trial, values, objective), made when first asked,
    at a hover: a plot of thousands of points makes none up front. Unpacks as
    `(trial_id, tooltip)`."""

    __slots__ = ("_data", "_i", "_text", "trial_id")

    def __init__(self, data: AnalysisData, i: int) -> None:
        self._data, self._i = data, i
        self._text: str | None = None
        self.trial_id = int(data.ids[i])

    @property
    def text(self) -> str:
        """The tooltip: the trial and its sampled values, the objective, and "excluded" for an
        excluded trial; made on first use and kept."""
        if self._text is None:
            data, i = self._data, self._i
            params = {p.path: data.values[p.path][i] for p in data.params}
            head = trial_label(data.experiment, int(data.numbers[i]), params, most=len(params))
            text = f"{head}\n{data.metric} = {short(data.objective[i], 4)}"
            if len(data.excluded) == len(data.numbers) and data.excluded[i]:
                text += "\nexcluded: not counted"
            self._text = text
        return self._text

    def __getitem__(self, k: int) -> int | str:
        return (self.trial_id, self.text)[k]

    def __iter__(self) -> Iterator[int | str]:
        return iter((self.trial_id, self.text))

    def __len__(self) -> int:
        return 2


def point_labels(data: AnalysisData) -> list[PointLabel]:
    """(trial id, tooltip) per complete trial of `data`, aligned with `data.numbers`."""
    return [PointLabel(data, i) for i in range(len(data.numbers))]


def _tip(x: float, y: float, data: Any) -> str:
    return data.text if isinstance(data, PointLabel) else ""


def set_pickable(item: Any, x: Any, y: Any, labels: Sequence[PointLabel], **style: Any
                 ) -> None:
    """`item.setData` (a pg.ScatterPlotItem) with each point's trial id and tooltip; `mask`
    in `style` (a boolean array) keeps only some points."""
    mask = style.pop("mask", None)
    kept = list(labels) if mask is None else \
        [lab for lab, m in zip(labels, mask, strict=True) if m]
    # handed over as an array of objects: from a list, numpy would probe every label (a
    # sequence of two) while copying it into the item's point table
    data = np.fromiter(kept, dtype=object, count=len(kept))
    item.setData(np.asarray(x), np.asarray(y), data=data, hoverable=True, tip=_tip, **style)


def on_pick(item: Any, callback: Callable[[int], None]) -> None:
    """Calls `callback(trial id)` when a point of `item` is clicked."""
    def clicked(_item: Any, points: Any, *_: Any) -> None:
        if len(points) and isinstance(points[0].data(), PointLabel):
            callback(points[0].data().trial_id)

    item.sigClicked.connect(clicked)
