"""How fast the trial views stay with big histories (run offscreen: QT_QPA_PLATFORM=offscreen).

Figures (the last line printed is one JSON object):
- redraw_ms_1m: a 1,000,000-point training-loss curve (raw and smoothed, as the live view draws
  it) in the plot panel at 1280x800; the median time of one pan or zoom step: set the x range,
  let pyqtgraph re-clip and re-downsample, paint once. Goal <= 30.
  Also: redraw_p95_ms_1m, full_view_ms_1m (all points in view), live_tick_ms_1m (one 30 Hz
  tick of the live view late in a million-step run: 33 new steps on each of the four
  per-step curves; the live view slows its timer when ticks cost this much).
- table_open_10k_s: the trials table over an experiment of 10,000 trials in a fresh SQLite
  history: from creating the view to all rows shown (the store read on the worker lane, the
  model built, the view laid out and painted). Goal <= 1.0. Also sort_10k_s and filter_10k_s.
- importance_1k_s: parameter importance over an Optuna study of 1,000 complete trials with 6
  parameters, loaded from its storage URL as the analysis view does (load + PED-ANOVA).
  Goal <= 1.0. Also importance_1k_refresh_s (the study kept: Optuna's cache reads only new
  trials), importance_1k_mdi_s (mean decrease impurity, a random forest) and
  importance_first_import_s (Optuna's importance modules loading, once per session).

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/plot_render.py [--points N] [--trials N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from tunestudio.config import (
    Budget,
    CategoricalDimension,
    Experiment,
    FloatDimension,
    IntDimension,
    SearchDefinition,
    from_template,
)

DIMS = [FloatDimension(path="optimizer.lr", low=1e-4, high=1e-1, log=True),
        FloatDimension(path="optimizer.weight_decay", low=1e-6, high=1e-2, log=True),
        IntDimension(path="model.width", low=32, high=512, log=True),
        IntDimension(path="model.depth", low=1, high=4),
        CategoricalDimension(path="training.batch_size", choices=[32, 64, 128, 256]),
        FloatDimension(path="model.dropout", low=0.0, high=0.5)]


def sample(rng: random.Random) -> dict[str, Any]:
    return {"optimizer.lr": 10 ** rng.uniform(-4, -1),
            "optimizer.weight_decay": 10 ** rng.uniform(-6, -2),
            "model.width": rng.randint(32, 512), "model.depth": rng.randint(1, 4),
            "training.batch_size": rng.choice([32, 64, 128, 256]),
            "model.dropout": rng.uniform(0, 0.5)}


def score(p: dict[str, Any], rng: random.Random) -> float:
    """A made-up response: the LR matters most, then depth."""
    return float(0.95 - (np.log10(p["optimizer.lr"]) + 2.5) ** 2 / 10
                 + 0.01 * p["model.depth"] + rng.gauss(0, 0.01))


def redraw(app: QApplication, points: int) -> dict[str, float]:
    from tunestudio.gui.plots.axes import X_MODES, ema
    from tunestudio.gui.plots.panel import LIVE_COLOR, PlotPanel, TrialCurves

    panel = PlotPanel()
    panel.resize(1280, 800)
    panel.show()
    curves = TrialCurves(panel, "#0", LIVE_COLOR, bold=True)
    rng = np.random.default_rng(0)
    step = np.arange(1, points + 1, dtype=np.float64)
    loss = 2.3 * np.exp(-step / (points / 5)) + 0.05 + np.abs(rng.normal(0, 0.05, points))
    xs = {m: step for m in X_MODES}
    curves.loss.replace(xs, loss)
    curves.smooth.replace(xs, ema(loss))
    curves.refresh("step")
    vb = panel.plots["lr"].vb  # leads the linked x-axes

    def frame(lo: float, hi: float) -> float:
        """One pan or zoom step as the event loop runs it: the range changes, the curves
        re-clip and re-downsample, and the posted update paints the view once."""
        t0 = time.perf_counter()
        vb.setXRange(lo, hi, padding=0)
        app.processEvents()
        return (time.perf_counter() - t0) * 1000

    frame(1, points)  # first layout
    full = [frame(1, points) for _ in range(5)]
    steps = []
    width = points / 10
    for i in range(30):  # pan across the run, a tenth of it in view
        lo = 1 + i * (points - width) / 29
        steps.append(frame(lo, lo + width))
    centre = points / 2
    for w in [points, points / 2, points / 10, points / 100, points / 1000] * 6:  # zoom
        steps.append(frame(centre - w / 2, centre + w / 2))
    # live: a 30 Hz tick late in a million-step run: 33 new steps on each per-step curve
    # (raw and smoothed loss, LR, gradient norm), handed to pyqtgraph and painted
    for curve in (curves.lr, curves.grad):
        curve.replace(xs, loss)
    curves.refresh("step")
    frame(1, points)
    panel.auto_range()
    ticks = []
    for i in range(10):
        new = np.arange(points + 1 + 33 * i, points + 34 + 33 * i, dtype=np.float64)
        extra = {m: new for m in X_MODES}
        t0 = time.perf_counter()
        for curve in (curves.loss, curves.smooth, curves.lr, curves.grad):
            curve.append(extra, np.full(33, 0.06))
        curves.refresh("step")
        app.processEvents()
        ticks.append((time.perf_counter() - t0) * 1000)
    panel.close()
    return {"redraw_ms_1m": statistics.median(steps),
            "redraw_p95_ms_1m": float(np.percentile(steps, 95)),
            "full_view_ms_1m": statistics.median(full),
            "live_tick_ms_1m": statistics.median(ticks)}


def fill_trials(url: str, n: int) -> None:
    """10,000 finished trials in one transaction through the store's own statements (the
    public lifecycle, two transactions per trial, would take minutes to set up)."""
    from tunestudio.store import Store
    from tunestudio.store import trials as trial_sql
    from tunestudio.store.provenance import CurrentConfig

    rng = random.Random(0)
    store = Store.open(url)
    eid = store.ensure_experiment("scale", "scale")
    # trained on the current baseline, as a real search's trials are (their fingerprints
    # match), so the table has a best trial to mark
    current = CurrentConfig(from_template("digits").baseline)
    with store._db.write() as conn:
        for number in range(n):
            params = sample(rng)
            tid = trial_sql.insert(conn, eid, number=number, optuna_trial_id=None,
                                   params=params, config_json="{}", device="cpu", seed=0,
                                   repeats=1, state="complete" if number % 10 else "pruned",
                                   config_fingerprint=current.fingerprint(params),
                                   baseline_fingerprint=current.baseline_fingerprint)
            trial_sql.update_one(conn, tid, objective=score(params, rng),
                                 duration_s=rng.uniform(1, 100))
    store.close()


def table_open(app: QApplication, url: str, n: int) -> dict[str, float]:
    from PySide6.QtCore import Qt

    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.gui.common.insights import Insights
    from tunestudio.gui.trials.table_view import TrialsPanel

    project = from_template("digits")
    project = project.model_copy(update={
        "storage_url": url,
        "experiments": [Experiment(name="scale", search=SearchDefinition(
            dimensions=DIMS, budget=Budget(trials=n)))]})
    insights = Insights(ProjectDocument.from_project(project))
    insights.set_experiment("scale")
    t0 = time.perf_counter()
    panel = TrialsPanel(insights)
    panel.resize(1280, 800)
    panel.show()
    while panel.model.rowCount() < n and time.perf_counter() - t0 < 120:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    panel.table.viewport().repaint()
    opened = time.perf_counter() - t0
    assert panel.model.rowCount() == n and panel.model.best_id is not None
    # which trials were trained on another baseline: worked out on the lane after the rows
    # show (a fingerprint per distinct point), the marks applied when it is done
    while insights.reads.busy("trials:stale") and time.perf_counter() - t0 < 120:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()
    marks_s = time.perf_counter() - t0
    assert panel.model.best_id is not None and not any(
        panel.model.is_stale(r) for r in range(0, n, 997))
    t0 = time.perf_counter()
    panel.table.sortByColumn(panel.model.column_of("objective"), Qt.SortOrder.DescendingOrder)
    panel.table.viewport().repaint()
    sort_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    panel.filter.setText("lr<0.01 objective>0.9")
    panel.table.viewport().repaint()
    filter_s = time.perf_counter() - t0
    panel.close_view()
    panel.close()
    insights.close()
    return {"table_open_10k_s": opened, "baseline_marks_10k_s": marks_s, "sort_10k_s": sort_s,
            "filter_10k_s": filter_s}


def importance(root: Path, n: int) -> dict[str, float]:
    import optuna
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    from tunestudio.search import importance as data

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    url = f"sqlite:///{(root / 'optuna.sqlite').as_posix()}"
    dists = {"optimizer.lr": FloatDistribution(1e-4, 1e-1, log=True),
             "optimizer.weight_decay": FloatDistribution(1e-6, 1e-2, log=True),
             "model.width": IntDistribution(32, 512), "model.depth": IntDistribution(1, 4),
             "training.batch_size": CategoricalDistribution([32, 64, 128, 256]),
             "model.dropout": FloatDistribution(0.0, 0.5)}
    rng = random.Random(1)
    study = optuna.create_study(study_name="imp", storage=url, direction="maximize")
    trials = []
    for _ in range(n):
        p = sample(rng)
        trials.append(optuna.trial.create_trial(params=p, distributions=dists,
                                                value=score(p, rng)))
    study.add_trials(trials)
    # Optuna's importance modules (and their scipy imports) load once per session, at the
    # first importance the app computes; that one-off cost is reported apart
    t0 = time.perf_counter()
    small = optuna.create_study(direction="maximize")
    small.add_trials(trials[:20])
    optuna.importance.get_param_importances(
        small, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
    first_import = time.perf_counter() - t0
    data.forget_studies()
    t0 = time.perf_counter()
    first = data.param_importance(url, "imp", "ped_anova")
    load_and_compute = time.perf_counter() - t0
    t0 = time.perf_counter()
    data.param_importance(url, "imp", "ped_anova")
    refresh = time.perf_counter() - t0
    t0 = time.perf_counter()
    data.param_importance(url, "imp", "mdi")
    mdi = time.perf_counter() - t0
    assert next(iter(first)) == "optimizer.lr", first
    return {"importance_1k_s": load_and_compute, "importance_1k_refresh_s": refresh,
            "importance_1k_mdi_s": mdi, "importance_first_import_s": first_import}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--study-trials", type=int, default=1_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    result: dict[str, float] = {}
    result.update(redraw(app, args.points))
    print(f"redraw: {result}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = f"sqlite:///{(root / 'history.sqlite').as_posix()}"
        t0 = time.perf_counter()
        fill_trials(url, args.trials)
        print(f"filled {args.trials} trials in {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
        result.update(table_open(app, url, args.trials))
        t0 = time.perf_counter()
        result.update(importance(root, args.study_trials))
        print(f"importance (with filling the study) {time.perf_counter() - t0:.1f} s",
              file=sys.stderr)
    print(json.dumps({k: round(v, 4) for k, v in result.items()}))


if __name__ == "__main__":
    main()
