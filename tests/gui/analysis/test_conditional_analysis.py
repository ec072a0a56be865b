"""The analysis of a conditional search (momentum for SGD only, beta1 for Adam only): the
table leaves a parameter a trial does not have blank, slices draw each knob over the trials
it applied to, parallel coordinates put the others on a separate 'n/a' state of its axis, and
importance ranks the branch as a factor and each conditional knob within its branch."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from program_helpers import conditional_project, run
from tunestudio.config import Project, save_project
from tunestudio.gui.analysis.space_plots import NOT_APPLIED
from tunestudio.gui.analysis.view import AnalysisView
from tunestudio.gui.common.document import ProjectDocument
from tunestudio.gui.common.insights import Insights
from tunestudio.gui.trials.table_view import TrialsPanel

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")

@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("conditional")
    project, path = conditional_project(folder)
    # its own database: the module's tests outlive the per-test data folder
    project = project.model_copy(update={"storage_url": f"sqlite:///{folder / 'h.db'}"})
    save_project(project, path)
    run(project, path)
    return project


@pytest.fixture
def insights(project: Project) -> Iterator[Insights]:
    shared = Insights(ProjectDocument.from_project(project))
    shared.set_experiment("e")
    yield shared
    shared.close()


def test_table_slices_and_parallel_coordinates_show_both_branches(
        insights: Insights, qtbot: QtBot) -> None:
    panel = TrialsPanel(insights)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 5, timeout=10_000)
    model = panel.model
    momentum, beta1 = model.column_of("params.momentum"), model.column_of("params.beta1")
    for trial in model.trials():
        row = model.row_of(trial.id)
        assert row is not None
        cells = (model.index(row, momentum).data(), model.index(row, beta1).data())
        if trial.params["params.kind"] == "sgd":
            assert cells[1] == "" and cells[0] != ""  # blank, not 0
        else:
            assert cells[0] == "" and cells[1] != ""
    panel.close_view()

    view = AnalysisView(insights)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None and len(view.data) == 5, timeout=10_000)
    data = view.data
    assert data is not None
    sgd = np.array([v == "sgd" for v in data.values["params.kind"]])
    points = view.slices.points["params.momentum"].getData()[0]
    assert np.isfinite(points).sum() == sgd.sum() == 2  # the Adam trials have no momentum
    ys = view.parallel._ys
    axis = [p.path for p in data.params].index("params.beta1")
    assert (ys[sgd, axis] == NOT_APPLIED).all() and (ys[~sgd, axis] >= 0).all()
    assert view.parallel.line_count == 5  # every trial drawn across every axis
    assert "n/a" in [label.toPlainText() for label in view.parallel.labels
                     if hasattr(label, "toPlainText")]
    # the branch (params.kind) ranked as a factor among the knobs every trial has, the
    # conditional knobs within their branch, by every evaluator; the view says so
    view.tabs.setCurrentWidget(view.importance)
    for evaluator in ("ped_anova", "fanova"):
        view.importance.importances = {}
        view.importance.evaluator.setCurrentIndex(view.importance.evaluator.findData(evaluator))
        view.compute_importance()
        qtbot.waitUntil(lambda: bool(view.importance.importances), timeout=30_000)
        assert set(view.importance.importances) == {"params.kind"}
        text = view.importance.branches.text()
        assert view.importance.branches.isVisibleTo(view)
        assert "the branch (params.kind) is ranked as a factor" in text
        assert "params.momentum, params.beta1" in text or "params.beta1, params.momentum" in text
        assert "params.kind = sgd (2 trial(s)): params.momentum 100%" in text
        assert "params.kind = adam (3 trial(s)): params.beta1 100%" in text
    # pytest.approx compares equal to the row's float
    assert ("params.momentum", pytest.approx(1.0), "params.kind=sgd") in \
        view.importance.rows()  # type: ignore[comparison-overlap]
