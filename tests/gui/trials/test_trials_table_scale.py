"""The trials table stays fast at 100,000 trials because the model sorts and filters by column:
sorting or filtering a shown table asks the model for the painted cells only, never for each
row; the filter over whole columns answers as the filter row by row does; the sort puts numbers,
then text, then empty cells, as the table always has. (The times themselves are measured by
benchmarks/plot_render.py, never asserted here.)"""

from __future__ import annotations

import math
import random
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from tunestudio.gui.trials.filtering import parse
from tunestudio.gui.trials.table_model import TrialsProxy, TrialsTableModel, _sort_key
from tunestudio.store import TrialRow

KEYS = ["#", "state", "objective", "optimizer.lr", "model.kind", "tags"]


def trial(i: int, objective: float | None, params: dict[str, Any], state: str = "complete",
          tags: list[str] | None = None) -> TrialRow:
    return TrialRow(id=i + 1, experiment_id=1, number=i, state=state, message="",
                    params=params, objective=objective, objective2=None, objective_std=None,
                    metrics={}, device="cpu", seed=0, repeats=1, duration_s=1.0,
                    started_at=0.0, finished_at=1.0, heartbeat_at=None, updated_at=1.0,
                    notes="", tags=tags or [], optuna_trial_id=None, test_metrics=None)


def mixed_trials(n: int, seed: int = 0) -> list[TrialRow]:
    """Numbers, NaN, text, booleans and missing values in one column, as a search whose space
    changed between runs leaves them."""
    rng = random.Random(seed)
    odd: list[Any] = [None, math.nan, "adam", "SGD", True, 3, 0.5]
    out = []
    for i in range(n):
        lr = rng.choice(odd) if i % 7 == 0 else 10 ** rng.uniform(-4, -1)
        state = rng.choice(["complete", "complete", "pruned", "failed"])
        out.append(trial(i, rng.random() if state == "complete" else None,
                         {"optimizer.lr": lr, "model.kind": rng.choice(["mlp", "cnn", None])},
                         state, rng.choice([[], ["keep"], ["keep", "fast"]])))
    return out


def model_of(trials: list[TrialRow]) -> TrialsTableModel:
    model = TrialsTableModel()
    model.set_columns(["optimizer.lr", "model.kind"], "val_accuracy", "maximize")
    model.set_trials(trials)
    return model


def test_the_filter_over_whole_columns_answers_as_row_by_row(qtbot: QtBot) -> None:
    model = model_of(mixed_trials(400))
    keys = model.filter_keys()
    for text in ("lr<0.01", "lr>=0.5", "lr!=3", "lr=adam", "lr~ad", "objective>0.5 state=complete",
                 "kind=mlp", "kind!=cnn", "tags~keep", "#>=100 #<200", "keep", "lr>0 mlp",
                 # text against numbers and booleans, bare words in numbers' cells or not
                 "lr<=b", "lr>sgd", "lr=true", "kind<d", "state!=pruned", "lr~0.0", "0.5",
                 "sgd", "1.0 s", "ru", "#~12", "tags!=keep"):
        parsed = parse(text, keys, {"objective": "objective"})
        rows = [parsed(model.values_of(r), model.cells_of(r)) for r in range(model.rowCount())]
        assert parsed.mask(model).tolist() == rows, text
        assert any(rows) or text == "lr>=0.5", text
        assert not all(rows) or text in ("1.0 s", "#>=100 #<200"), text


def reference_order(values: list[Any], descending: bool) -> list[int]:
    """Row by row, as a sort of (group, value) would: numbers, then text (case-insensitive),
    empty cells last in both orders, ties in the order read."""
    present = [i for i, v in enumerate(values) if _sort_key(v)[0] < 2]
    present.sort(key=lambda i: _sort_key(values[i]), reverse=descending)  # stable
    return present + [i for i, v in enumerate(values) if _sort_key(v)[0] == 2]


def test_every_sort_is_the_row_by_row_order_ties_included(qtbot: QtBot) -> None:
    """Kept per column and direction, the orders follow the rows: a changed value, new rows
    and a filter all show in the next sort."""
    trials = mixed_trials(300, seed=3)
    model = model_of(trials)
    proxy = TrialsProxy()
    proxy.setSourceModel(model)

    def check() -> None:
        for key in ("optimizer.lr", "model.kind", "state", "tags", "objective", "#"):
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                model.sort(model.column_of(key), order)
                position = {t.id: k for k, t in enumerate(model.trials())}  # as read
                values = [model.values_of(r)[key] for r in range(model.rowCount())]
                shown = [model.trial(r).id for r in range(model.rowCount())]
                # the shown rows, re-sorted from the order read, give the same order
                read = sorted(range(len(shown)), key=lambda r: position[shown[r]])
                expected = [shown[read[i]] for i in reference_order(
                    [values[r] for r in read], order == Qt.SortOrder.DescendingOrder)]
                assert shown == expected, (key, order)

    check()
    changed = trials[10]
    model.upsert([trial(changed.number, 0.99, {"optimizer.lr": "Adam", "model.kind": "mlp"},
                        tags=["zzz"]), trial(900, 0.5, {"optimizer.lr": 0.02})])
    check()
    proxy.set_filter("kind!=cnn")
    check()
    assert model.rowCount() == sum(t.params.get("model.kind") != "cnn" for t in model.trials())


def test_the_sort_puts_numbers_then_text_then_empty_cells(qtbot: QtBot) -> None:
    trials = mixed_trials(300, seed=1)
    model = model_of(trials)
    column = model.column_of("optimizer.lr")
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        model.sort(column, order)
        shown = [model.trial(r).params["optimizer.lr"] for r in range(model.rowCount())]
        keys = [_sort_key(v) for v in shown]
        present = [k for k in keys if k[0] < 2]
        assert present == sorted(present, reverse=order == Qt.SortOrder.DescendingOrder)
        assert all(k[0] == 2 for k in keys[len(present):])  # empty last in both orders
        assert sorted(t.id for t in map(model.trial, range(model.rowCount()))) == \
            [t.id for t in trials]


class CountingModel(TrialsTableModel):
    """The table model, counting what views ask of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked = 0

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        self.asked += 1
        return super().data(index, role)


def test_sorting_and_filtering_10k_rows_ask_only_for_the_painted_cells(qtbot: QtBot) -> None:
    model = CountingModel()
    model.set_columns(["optimizer.lr", "model.kind"], "val_accuracy", "maximize")
    model.set_trials(mixed_trials(10_000, seed=2))
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    view.viewport().repaint()

    def asked_by(action: Any) -> int:
        model.asked = 0
        action()
        view.viewport().repaint()
        return model.asked

    lr, objective = model.column_of("optimizer.lr"), model.column_of("objective")
    # a screenful of rows, a few roles per cell: far below one call per row
    assert asked_by(lambda: view.sortByColumn(objective, Qt.SortOrder.DescendingOrder)) < 3000
    assert model.trial(0).id == model.best_id
    assert asked_by(lambda: view.sortByColumn(lr, Qt.SortOrder.AscendingOrder)) < 3000
    assert asked_by(lambda: proxy.set_filter("lr<0.01 objective>0.5")) < 3000
    assert 0 < proxy.rowCount() < 10_000
    assert all(model.trial(r).params["optimizer.lr"] < 0.01 for r in range(proxy.rowCount()))
    assert asked_by(lambda: proxy.set_filter("")) < 3000
    assert proxy.rowCount() == 10_000
    assert asked_by(lambda: proxy.set_state("pruned")) < 3000
    assert {model.trial(r).state for r in range(proxy.rowCount())} == {"pruned"}
    assert proxy.rowCount() == sum(t.state == "pruned" for t in model.trials())


def test_a_changed_trial_leaves_or_joins_the_filtered_rows(qtbot: QtBot) -> None:
    model = model_of([trial(i, 0.1 * i, {"optimizer.lr": 0.001}) for i in range(5)])
    proxy = TrialsProxy()
    proxy.setSourceModel(model)
    proxy.set_filter("objective>0.25")
    assert [model.trial(r).number for r in range(model.rowCount())] == [3, 4]
    model.upsert([trial(0, 0.9, {"optimizer.lr": 0.001}),  # joins
                  trial(4, 0.2, {"optimizer.lr": 0.001}),  # leaves
                  trial(5, 0.5, {"optimizer.lr": 0.001})])  # new, passes
    assert [model.trial(r).number for r in range(model.rowCount())] == [3, 0, 5]
    assert model.total_count == 6 and model.row_of(5) is None and model.best_id == 1
