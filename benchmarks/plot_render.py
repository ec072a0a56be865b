"""How fast the trial views stay with big histories (run offscreen: QT_QPA_PLATFORM=offscreen).

Figures (the last line printed is one JSON object):
- redraw_ms_1m: a 1,000,000-point training-loss curve (raw and smoothed, as the live view draws
  it) in the plot panel at 1280x800; the median time of one pan or zoom step: set the x range,
  let pyqtgraph re-clip and re-downsample, paint once. Goal <= 30.
  Also: redraw_p95_ms_1m, full_view_ms_1m (all points in view), live_tick_ms_1m (one 30 Hz
  tick of the live view late in a million-step run: 33 new steps on each of the four
  per-step curves; the live view slows its timer when ticks cost this much).
- table_open_10k_s: the trials table over an experiment of 10,000 trials (`--trials`; with
  100,000 the keys say 100k) in an SQLite history (built once under `--cache DIR`): from
  creating the view to all rows shown (the store read on the worker lane, the model built,
  the view laid out and painted). Goal <= 1.0 (10k). table_first_rows: to the first page of a
  long history shown (usable: goal <= 2 s at 100k). sort and filter: the slowest of three
  sorts and of four filter changes, each with its repaint (goal <= 0.3 s at 100k).
- analysis_open and plot_*: the analysis view over the same history, from its creation to the
  data read and every plot drawn, then each plot alone (show_data and a paint of its tab; a
  search of more than 5,000 complete trials is drawn from a sample). Goal <= 1 s a plot.
- *_cpu_s beside a time: the CPU seconds the process spent over the same span (every thread).
  On a shared machine the wall times grow with the load; these grow far less, so they tell a
  change in the work from a change in the load.
- importance_1k_s: parameter importance over an Optuna study of 1,000 complete trials with 6
  parameters, loaded from its storage URL as the analysis view does (load + PED-ANOVA).
  Goal <= 1.0. Also importance_1k_refresh_s (the study kept: Optuna's cache reads only new
  trials), importance_1k_mdi_s (mean decrease impurity, a random forest) and
  importance_first_import_s (Optuna's importance modules loading, once per session).

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/plot_render.py [--points N] [--trials N]
       [--only redraw table analysis importance] [--cache DIR]
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
    """`n` finished trials (nine in ten complete, one in ten pruned), written in bulk in one
    transaction (the public lifecycle, two transactions per trial, would take minutes to set
    up), trained on the current baseline as a real search's trials are: their fingerprints
    match, and each carries its verdict against the baseline, as a search stores it."""
    import json

    import sqlalchemy

    from tunestudio.store import Store, schema
    from tunestudio.store.provenance import CurrentConfig

    rng = random.Random(0)
    store = Store.open(url)
    eid = store.ensure_experiment("scale", "scale")
    store.close()
    current = CurrentConfig(from_template("digits").baseline)
    rows = []
    for number in range(n):
        params = sample(rng)
        state = "complete" if number % 10 else "pruned"
        objective = score(params, rng)
        rows.append({"experiment_id": eid, "number": number, "optuna_trial_id": None,
                     "state": state, "params_json": json.dumps(params), "config_json": "{}",
                     "config_fingerprint": current.fingerprint(params),
                     "objective": objective if state == "complete" else None,
                     "metrics_json": json.dumps({"val_accuracy": objective}),
                     "device": "cpu", "seed": 0, "started_at": 1.7e9 + number,
                     "finished_at": 1.7e9 + number + 1, "duration_s": rng.uniform(1, 100),
                     "updated_at": 1.7e9 + number + 1,
                     "verdict_baseline": current.baseline_fingerprint, "verdict_current": True})
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.insert(schema.trial), rows)
    engine.dispose()


def cached_history(cache: Path | None, n: int) -> tuple[str, float]:
    """The URL of a history of `n` trials (see `fill_trials`) and the seconds it took to
    build: kept under `cache` (one file per size and schema version, built once) or, without
    one, in a fresh temp dir."""
    from tunestudio.store.migrations import MIGRATIONS, target_version

    folder = Path(tempfile.mkdtemp()) if cache is None else cache
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"trials-{n}-v{target_version(MIGRATIONS)}.sqlite"
    url = f"sqlite:///{path.as_posix()}"
    if path.exists():
        return url, 0.0
    t0 = time.perf_counter()
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    fill_trials(f"sqlite:///{building.as_posix()}", n)
    building.rename(path)
    return url, time.perf_counter() - t0


def _project(url: str, n: int) -> Any:
    project = from_template("digits")
    return project.model_copy(update={
        "storage_url": url,
        "experiments": [Experiment(name="scale", search=SearchDefinition(
            dimensions=DIMS, budget=Budget(trials=n)))]})


def _wait(app: QApplication, done: Any, limit_s: float = 300) -> None:
    t0 = time.perf_counter()
    while not done() and time.perf_counter() - t0 < limit_s:
        app.processEvents()
        time.sleep(0.001)
    app.processEvents()


def _timed(app: QApplication, widget: Any, action: Any) -> tuple[float, float]:
    """Seconds of `action()` and the repaint it causes: wall clock, and the process's CPU."""
    t0, c0 = time.perf_counter(), time.process_time()
    action()
    app.processEvents()
    widget.repaint()
    return time.perf_counter() - t0, time.process_time() - c0


def table_open(app: QApplication, url: str, n: int, label: str) -> dict[str, float]:
    from PySide6.QtCore import Qt

    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.gui.common.insights import Insights
    from tunestudio.gui.trials import table_view
    from tunestudio.gui.trials.table_view import TrialsPanel

    insights = Insights(ProjectDocument.from_project(_project(url, n)))
    insights.set_experiment("scale")
    t0 = time.perf_counter()
    panel = TrialsPanel(insights)
    panel.resize(1280, 800)
    panel.show()
    # a long history shows its first page at once (usable: rows to read, scroll and select),
    # then appends the rest
    first = min(n, getattr(table_view, "FIRST_PAGE", n))
    _wait(app, lambda: panel.model.rowCount() >= first)
    panel.table.viewport().repaint()
    usable = time.perf_counter() - t0
    _wait(app, lambda: panel.model.rowCount() >= n)
    panel.table.viewport().repaint()
    opened = time.perf_counter() - t0
    assert panel.model.rowCount() == n and panel.model.best_id is not None
    # which trials were trained on another baseline: read or worked out on the lane after the
    # rows show, the marks applied when it is done
    _wait(app, lambda: not insights.reads.busy("trials:stale"))
    marks_s = time.perf_counter() - t0
    assert panel.model.best_id is not None and not any(
        panel.model.is_stale(r) for r in range(0, n, 997))
    view = panel.table.viewport()
    objective = panel.model.column_of("objective")
    lr = panel.model.column_of("optimizer.lr")
    sorts = [_timed(app, view, lambda: panel.table.sortByColumn(
        objective, Qt.SortOrder.DescendingOrder)),
        _timed(app, view, lambda: panel.table.sortByColumn(lr, Qt.SortOrder.AscendingOrder)),
        _timed(app, view, lambda: panel.table.sortByColumn(lr, Qt.SortOrder.DescendingOrder))]
    top = panel.model.trial(panel.proxy.mapToSource(panel.proxy.index(0, 0)).row())
    assert top.params["optimizer.lr"] == max(t.params["optimizer.lr"]
                                             for t in panel.model.trials())
    filters = [_timed(app, view, lambda: panel.filter.setText("lr<0.01 objective>0.9")),
               _timed(app, view, lambda: panel.filter.setText("")),
               _timed(app, view, lambda: panel.state.setCurrentIndex(3)),  # pruned
               _timed(app, view, lambda: panel.state.setCurrentIndex(0))]
    panel.filter.setText("state=pruned")
    app.processEvents()
    assert panel.proxy.rowCount() == n // 10, panel.proxy.rowCount()
    panel.close_view()
    panel.close()
    insights.close()
    return {f"table_first_rows_{label}_s": usable, f"table_open_{label}_s": opened,
            f"baseline_marks_{label}_s": marks_s,
            f"sort_{label}_s": max(w for w, _ in sorts),
            f"sort_{label}_cpu_s": max(c for _, c in sorts),
            f"filter_{label}_s": max(w for w, _ in filters),
            f"filter_{label}_cpu_s": max(c for _, c in filters)}


def analysis(app: QApplication, url: str, n: int, label: str) -> dict[str, float]:
    """The analysis view over the history: from its creation to the data read and every plot
    drawn (analysis_open), then each plot again on its own (show_data and a paint of its
    tab; the importance tab computes over Optuna's study, timed by `importance`)."""
    from tunestudio.gui.analysis.view import TABS, AnalysisView
    from tunestudio.gui.common.document import ProjectDocument
    from tunestudio.gui.common.insights import Insights

    insights = Insights(ProjectDocument.from_project(_project(url, n)))
    insights.set_experiment("scale")
    t0, c0 = time.perf_counter(), time.process_time()
    view = AnalysisView(insights)
    view.resize(1280, 800)
    view.show()
    _wait(app, lambda: view.data is not None)
    view.repaint()
    out = {f"analysis_open_{label}_s": time.perf_counter() - t0,
           f"analysis_open_{label}_cpu_s": time.process_time() - c0}
    assert view.data is not None
    # what the view hands its plots (a version before samples drew every trial)
    data = view.data.drawn() if hasattr(view.data, "drawn") else view.data
    plots = {"History": view.history, "Parallel coordinates": view.parallel,
             "Slices": view.slices, "Contour": view.contour, "Batch size": view.batch,
             "Pareto front": view.pareto}
    for index, name in enumerate(TABS):
        plot = plots.get(name)
        if plot is None:
            continue

        def draw(plot: Any = plot, index: int = index) -> None:
            plot.show_data(data)
            view.tabs.setCurrentIndex(index)

        key = name.lower().replace(" ", "_")
        out[f"plot_{key}_{label}_s"], out[f"plot_{key}_{label}_cpu_s"] = \
            _timed(app, view, draw)
    for clock in ("s", "cpu_s"):
        out[f"plot_max_{label}_{clock}"] = max(
            v for k, v in out.items() if k.startswith("plot_") and k.endswith(f"_{label}_{clock}"))
    print(f"analysis status: {view.status.text()}", file=sys.stderr)
    view.close()
    insights.close()
    return out


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


SIZES = {10_000: "10k", 100_000: "100k"}
SECTIONS = ("redraw", "table", "analysis", "importance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--study-trials", type=int, default=1_000)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="the figures to take (default: all)")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="keep the trial history here and reuse it (building 100,000 "
                        "trials takes minutes: a fingerprint per trial)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    result: dict[str, float] = {}
    label = SIZES.get(args.trials, str(args.trials))
    load_before = os.getloadavg()[0]
    if "redraw" in args.only:
        result.update(redraw(app, args.points))
        print(f"redraw: {result}", file=sys.stderr)
    if "table" in args.only or "analysis" in args.only:
        url, fill_s = cached_history(args.cache, args.trials)
        if fill_s:
            print(f"filled {args.trials} trials in {fill_s:.1f} s", file=sys.stderr)
        if "table" in args.only:
            result.update(table_open(app, url, args.trials, label))
        if "analysis" in args.only:
            result.update(analysis(app, url, args.trials, label))
    if "importance" in args.only:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result.update(importance(Path(tmp), args.study_trials))
            print(f"importance (with filling the study) {time.perf_counter() - t0:.1f} s",
                  file=sys.stderr)
    out: dict[str, Any] = {k: round(v, 4) for k, v in result.items()}
    out["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
