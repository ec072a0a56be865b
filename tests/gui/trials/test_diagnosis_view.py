"""Diagnosis in the GUI over real trials: a trial built to overfit (tiny data, big model, no
regularisation) shows overfitting with its evidence shaded and creates a weight-decay experiment
in one click; a trial with a huge LR shows a diverging loss and suggests lower LRs. The trial
detail: confusion matrix, k-fold, and the LR range test writing its range into the search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from insight_helpers import headless_data_dir, run_headless
from tiny_projects import tiny_project
from tunestudio.config import (
    ConstantSchedule,
    EarlyStoppingConfig,
    FloatDimension,
    Project,
    SearchDefinition,
    merge_values,
)
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.plots.export import export_plot
from tunestudio.gui.trials.detail import TrialDetail
from tunestudio.gui.trials.diagnosis import DiagnosisView
from tunestudio.store import Store, TrialRow


def overfit_project() -> Project:
    """Baseline built to overfit; one-at-a-time over the LR adds a trial with a huge LR."""
    base = tiny_project()
    baseline = merge_values(base.baseline, {
        "data.fraction": 0.1, "model.width": 256, "model.depth": 2,
        "optimizer.weight_decay": 0.0, "optimizer.lr": 0.003, "training.batch_size": 16,
        "training.epochs": 30})
    baseline = baseline.model_copy(update={
        "schedule": ConstantSchedule(warmup_epochs=0),
        "early_stopping": EarlyStoppingConfig(enabled=False)})
    search = SearchDefinition(strategy="ovat", dimensions=[FloatDimension(
        path="optimizer.lr", low=1e-3, high=10.0, log=True, values=[0.003, 10.0])],
        budget=base.experiments[0].search.budget.model_copy(update={"trials": None}),
        pruner=base.experiments[0].search.pruner)
    exp = base.experiments[0].model_copy(update={"name": "overfit-or-diverge",
                                                 "search": search})
    return Project.model_validate({**base.model_dump(), "baseline": baseline.model_dump(),
                                   "experiments": [exp.model_dump()]})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return run_headless(tmp_path_factory.mktemp("diagnosis"), overfit_project())


@pytest.fixture
def insights(project: Project) -> Iterator[Insights]:
    shared = Insights(ProjectDocument.from_project(project))
    shared.set_experiment(project.experiments[0].name)
    yield shared
    shared.close()


def trials(project: Project) -> list[TrialRow]:
    store = Store.open(project.storage_url)
    try:
        exp = store.experiment(project.experiments[0].name)
        assert exp is not None
        return store.trials(exp.id)
    finally:
        store.close()


@pytest.fixture
def view(insights: Insights, qtbot: QtBot) -> DiagnosisView:
    diagnosis = DiagnosisView(insights)
    qtbot.addWidget(diagnosis)
    diagnosis.resize(1000, 600)
    diagnosis.show()
    return diagnosis


def focus(view: DiagnosisView, qtbot: QtBot, trial: TrialRow) -> None:
    view.insights.set_focus(trial.id)
    qtbot.waitUntil(lambda: f"Trial #{trial.number}" in view.title.text(), timeout=10_000)


def test_the_overfit_trial_is_diagnosed_and_one_click_adds_a_weight_decay_experiment(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    baseline_trial = next(t for t in trials(project) if t.params == {"optimizer.lr": 0.003})
    focus(view, qtbot, baseline_trial)
    assert view.findings[0].symptom == "overfitting"
    assert view.list.item(0).text() == "Overfitting"
    assert "validation loss" in view.text.toHtml() and "L2" in view.text.toHtml()
    assert view.region is not None
    low, high = view.region.getRegion()
    ev = view.findings[0].evidence[0]
    assert (low, high) == (ev.start, ev.end) and ev.unit == "epoch" and high == 30
    document = view.insights.document
    before = document.experiment_names()
    view.create_button.click()
    assert document.project is not None
    added = [n for n in document.experiment_names() if n not in before]
    assert added == ["overfitting-weight-decay"]
    exp = document.project.experiment(added[0])
    assert [d.path for d in exp.search.dimensions] == ["optimizer.weight_decay"]
    assert exp.search.strategy == "ovat"
    assert exp.search.dimensions[0].model_dump()["values"] == [0.0, 0.0001, 0.0004, 0.0016]
    document.undo_stack.undo()
    assert document.experiment_names() == before


def test_the_huge_lr_trial_is_diverging_with_lower_lrs_suggested(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    huge = next(t for t in trials(project) if t.params.get("optimizer.lr") == 10.0)
    focus(view, qtbot, huge)
    assert view.findings[0].symptom == "diverging"
    assert "overfitting" not in [f.symptom for f in view.findings]
    name = view.create_suggested(0)
    document = view.insights.document
    assert document.project is not None and name is not None
    dim = document.project.experiment(name).search.dimensions[0]
    assert dim.path == "optimizer.lr"
    assert np.allclose(dim.model_dump()["values"], [0.1, 1.0, 10.0])


def test_trial_detail_confusion_kfold_and_lr_range_written_into_the_search(
        insights: Insights, project: Project, qtbot: QtBot, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUNESTUDIO_DATA_DIR", str(headless_data_dir(project)))  # checkpoints
    detail = TrialDetail(insights)
    qtbot.addWidget(detail)
    detail.show()
    # no bare axes: each plot says what would fill it
    pages = detail.plot_pages
    assert all(p.is_empty and "Select a trial" in p.hint.text() for p in pages.values())
    trial = next(t for t in trials(project) if t.params == {"optimizer.lr": 0.003})
    insights.set_focus(trial.id)
    qtbot.waitUntil(lambda: detail.config is not None, timeout=10_000)
    assert pages["confusion"].is_empty and not detail.cm_view.isVisible()
    assert "Compute confusion matrix" in pages["confusion"].hint.text()
    detail.cm_button.click()
    qtbot.waitUntil(lambda: detail.matrix is not None, timeout=60_000)
    assert not pages["confusion"].is_empty and detail.cm_view.isVisible()
    assert detail.matrix is not None and detail.matrix.shape == (10, 10)
    assert "Weakest classes" in detail.cm_label.text()
    detail.cv_button.click()
    qtbot.waitUntil(lambda: bool(detail.fold_scores), timeout=120_000)
    assert len(detail.fold_scores) == project.baseline.evaluation.kfold
    assert all(0 < s <= 1 for s in detail.fold_scores)
    assert not detail.write_button.isEnabled()
    detail.lr_button.click()
    qtbot.waitUntil(lambda: detail.suggested_range is not None, timeout=60_000)
    assert detail.write_button.isEnabled()
    low, high = detail.suggested_range or (0, 0)
    assert f"range {low:.3g}..{high:.3g}" in detail.lr_view.getPlotItem().titleLabel.text
    export = tmp_path / "lr-range.csv"
    detail.tabs.setCurrentIndex(2)
    export_plot(detail.current_plot(), export)
    assert len(export.read_text().splitlines()) > 10
    assert export_plot(detail.current_plot(), tmp_path / "lr.svg").read_text().count("<svg")
    detail.write_button.click()
    document = insights.document
    assert document.project is not None
    dims = document.project.experiment(project.experiments[0].name).search.dimensions
    lr = next(d for d in dims if d.path == "optimizer.lr")
    assert isinstance(lr, FloatDimension) and lr.log
    assert (lr.low, lr.high) == pytest.approx((low, high))
    document.undo_stack.undo()
    assert document.project is not None
    assert document.project.experiments[0].search.dimensions[0].model_dump()["high"] == 10.0
    # every panel shows the selected trial's own result, or says it was not run for it
    other = next(t for t in trials(project) if t.id != trial.id)
    insights.set_focus(other.id)
    qtbot.waitUntil(lambda: detail.trial is not None and detail.trial.id == other.id,
                    timeout=10_000)
    assert detail.suggested_range is None and detail.matrix is None
    assert not detail.fold_scores
    for label in (detail.cm_label, detail.cv_label, detail.lr_label):
        assert label.text() == "Not run for this trial yet."
    assert all(p.is_empty and "for this trial yet" in p.hint.text() for p in pages.values())
    assert not detail.lr_view.getPlotItem().listDataItems()
    insights.set_focus(trial.id)
    qtbot.waitUntil(lambda: detail.suggested_range == (low, high), timeout=10_000)
    assert detail.matrix is not None
    assert len(detail.fold_scores) == project.baseline.evaluation.kfold


def test_a_click_on_a_legend_entry_selects_the_diagnosed_trial(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    """The diagnosis plot's curves are the diagnosed trial's: a real click on an entry of its
    legend makes that trial the one selection, even while several are compared."""
    from gui_helpers import click_legend_entry

    first, second = trials(project)[:2]
    view.insights.compare([first.id, second.id])
    focus(view, qtbot, first)
    assert view.items
    curve = next(item for item in view.items if item.name())
    click_legend_entry(qtbot, view.view, view.legend, curve)
    assert view.insights.compared == [first.id] and view.insights.focus == first.id
    assert curve.isVisible()


def test_the_suggested_experiment_reads_rounded_and_is_added_exact(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    """`optimizer.lr ∈ [0.011712588580608897]` reads `[0.01171]`; a range reads `low … high`;
    the experiment added keeps the exact values."""
    import dataclasses

    huge = next(t for t in trials(project) if t.params.get("optimizer.lr") == 10.0)
    focus(view, qtbot, huge)
    raw = 0.011712588580608897
    finding = view.findings[0]
    search = finding.experiment.search
    dims = [FloatDimension(path="optimizer.lr", low=1e-3, high=10.0, log=True, values=[raw]),
            FloatDimension(path="optimizer.weight_decay", low=1.2345678e-5, high=0.1)]
    exp = finding.experiment.model_copy(update={"search": search.model_copy(
        update={"dimensions": dims})})
    view.findings[0] = dataclasses.replace(finding, experiment=exp)
    view.list.setCurrentRow(-1)
    view.list.setCurrentRow(0)
    text = view.text.toPlainText()
    assert "optimizer.lr ∈ [0.01171]" in text
    assert "optimizer.weight_decay ∈ 1.235e-05 … 0.1" in text
    assert str(raw) not in text
    name = view.create_suggested(0)
    assert name is not None and view.insights.document.project is not None
    added = view.insights.document.project.experiment(name).search.dimensions[0]
    assert added.model_dump()["values"] == [raw]


def test_the_diagnosis_plot_is_a_hint_until_a_trial_is_chosen(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    """No bare axes: a hint says to select a trial; a trial's curves replace it."""
    assert view.plot_page.is_empty and not view.view.isVisible()
    assert view.plot_page.hint.isVisible()
    assert "Select a trial" in view.plot_page.hint.text()
    focus(view, qtbot, trials(project)[0])
    assert not view.plot_page.is_empty and view.view.isVisible()
    view.insights.set_focus(None)
    assert view.plot_page.is_empty and not view.view.isVisible()


def test_the_legend_sits_under_the_axes_never_over_the_curves(
        view: DiagnosisView, project: Project, qtbot: QtBot) -> None:
    """The entries side by side under the plot's axes: inside the view box they covered the
    curves and the shaded evidence (and a short plot, at 960x600, had to hide them). Outside it
    at any size, every entry shown whole."""
    focus(view, qtbot, trials(project)[0])
    legend = view.legend
    for width, height in ((1000, 600), (700, 330)):
        view.resize(width, height)

        def resized(w: int = width) -> bool:
            return view.width() == w

        qtbot.waitUntil(resized, timeout=5_000)
        qtbot.waitUntil(lambda: legend.sceneBoundingRect().height() > 0, timeout=5_000)
        qtbot.wait(50)
        assert len(legend.names()) >= 2 and legend.isVisible()
        box, drawn = view.plot.vb.sceneBoundingRect(), legend.sceneBoundingRect()
        assert not drawn.intersects(box) and drawn.top() >= box.bottom()
        assert box.height() >= 60, (width, height)  # the plot, not its legend, has the room
        for _, label in legend.items:
            assert view.view.sceneRect().contains(label.sceneBoundingRect()), label.text
            assert label.item.toPlainText() == label.toolTip()  # short names: drawn whole
