"""Recorded training times of a fused group against the same trials trained alone (issue 21,
case 37): 16 digits MLPs of widths 8..512 (log-spaced), one fused group and then each alone,
in one process. Reports the Spearman rank correlation of the recorded fused times with the
times alone, the spread (widest / narrowest) of each, and the Pareto front of (validation loss,
training time) both ways; writes the figure (`--figure PNG`: alone time on x, recorded fused
time on y, log-log, with the times that a share by parameters alone would have recorded).

    python benchmarks/fused_times.py [--figure fused_times.png] [--epochs 3] [--repeats 3]

Last line, one JSON object: spearman, spearman_by_parameters, spread_alone, spread_fused,
spread_by_parameters, front_fused, front_alone (trial indices), fronts_equal (ties within 5 %
aside), load. Goals: spearman >= 0.9, fronts_equal."""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any

WIDTHS = [round(8 * (512 / 8) ** (i / 15)) for i in range(16)]
TIE = 0.05


def beaten_by(points: list[tuple[float, float]], i: int) -> list[int]:
    """The points that beat point `i` of (loss, time) points: no worse in both, better in one."""
    a, t = points[i]
    return [j for j, (b, u) in enumerate(points)
            if j != i and b <= a and u <= t and (b, u) != (a, t)]


def front(points: list[tuple[float, float]]) -> set[int]:
    """The Pareto front (lower is better in both): the points nothing beats."""
    return {i for i in range(len(points)) if not beaten_by(points, i)}


def fronts_equal(fused: list[tuple[float, float]], alone: list[tuple[float, float]]) -> bool:
    """The fronts are one set of trials, ties aside: a trial on one front only is excused
    where, in the run that leaves it off, each trial that beats it took a time within TIE of
    its own (a tie, which any timing may order either way)."""
    for i in front(fused) ^ front(alone):
        points = alone if i in front(fused) else fused
        t = points[i][1]
        if any(abs(points[j][1] - t) > TIE * t for j in beaten_by(points, i)):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3,
                        help="times each trial is trained alone; its median counts (a busy "
                             "machine's stalls would otherwise rank the narrow ones)")
    args = parser.parse_args()

    from scipy.stats import spearmanr

    from tunestudio.config import merge_values
    from tunestudio.config.templates import from_template
    from tunestudio.engine import FitResult, Trainer, TrainerHooks
    from tunestudio.engine.fused import FusedTrainer
    from tunestudio.engine.models import count_parameters

    class Result(TrainerHooks):
        def __init__(self) -> None:
            self.result: FitResult | None = None
            self.parameters = 0

        def on_fit_end(self, trainer: Any, result: FitResult) -> None:
            self.result = result
            self.parameters = count_parameters(trainer.model)

    base = from_template("digits").baseline
    configs = [merge_values(base, {"model.width": w, "model.depth": 2, "training.epochs":
                                   args.epochs, "training.device": "cpu",
                                   "early_stopping.enabled": False}) for w in WIDTHS]
    load_before = os.getloadavg()
    Trainer(configs[0], device="cpu").fit()  # torch's one-off start-up, out of the timings
    fused = [Result() for _ in configs]
    FusedTrainer(configs, hooks=[[r] for r in fused], device="cpu").fit()
    alone: list[list[Result]] = [[] for _ in configs]
    for _ in range(args.repeats):  # round-robin: a slow spell of the machine hits every width
        for runs, config in zip(alone, configs, strict=True):
            rec = Result()
            Trainer(config, hooks=[rec], device="cpu").fit()
            runs.append(rec)
    t_fused = [r.result.duration_s for r in fused if r.result]
    t_alone = [statistics.median(r.result.duration_s for r in runs if r.result)
               for runs in alone]
    params = [r.parameters for r in fused]
    t_params = [sum(t_fused) * p / sum(params) for p in params]  # the share by parameters
    loss_fused = [r.result.metrics["val_loss"] for r in fused if r.result]
    loss_alone = [r[0].result.metrics["val_loss"] for r in alone if r[0].result]
    pts_fused = list(zip(loss_fused, t_fused, strict=True))
    pts_alone = list(zip(loss_alone, t_alone, strict=True))
    summary = {
        "widths": WIDTHS, "time_fused_s": t_fused, "time_alone_s": t_alone,
        "spearman": float(spearmanr(t_fused, t_alone).statistic),
        "spearman_by_parameters": float(spearmanr(t_params, t_alone).statistic),
        "spread_alone": t_alone[-1] / t_alone[0], "spread_fused": t_fused[-1] / t_fused[0],
        "spread_by_parameters": t_params[-1] / t_params[0],
        "front_fused": sorted(front(pts_fused)), "front_alone": sorted(front(pts_alone)),
        "fronts_equal": fronts_equal(pts_fused, pts_alone),
        "load": {"before": list(load_before),
                 "after": list(os.getloadavg())},
    }
    if args.figure is not None:
        draw(args.figure, t_alone, t_fused, t_params, summary)
    print(json.dumps(summary))


def draw(path: Path, alone: list[float], fused: list[float], by_params: list[float],
         summary: dict[str, Any]) -> None:
    """The figure, drawn by pyqtgraph (TuneStudio's plotting library) off screen."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    plot = pg.PlotWidget()
    plot.resize(900, 640)
    plot.setLogMode(x=True, y=True)
    plot.addLegend(offset=(10, 10))
    plot.setLabel("bottom", "training time alone (s)")
    plot.setLabel("left", "training time recorded in the fused group (s)")
    plot.setTitle(f"16 widths 8..512, one fused group: Spearman {summary['spearman']:.3f}, "
                  f"spread {summary['spread_fused']:.1f}x (alone {summary['spread_alone']:.1f}x,"
                  f" by parameters {summary['spread_by_parameters']:.0f}x)")
    low, high = min(alone + fused + by_params), max(alone + fused + by_params)
    plot.plot([low, high], [low, high], pen=pg.mkPen("#888", style=pg.QtCore.Qt.PenStyle.DashLine),
              name="equal")
    plot.plot(alone, fused, pen=None, symbol="o", symbolBrush="#1f77b4", symbolSize=9,
              name="recorded (a fixed part beside the work)")
    plot.plot(alone, by_params, pen=None, symbol="x", symbolBrush="#d62728", symbolPen="#d62728",
              symbolSize=9, name="by parameters alone (before)")
    app.processEvents()
    pyqtgraph.exporters.ImageExporter(plot.plotItem).export(str(path))


if __name__ == "__main__":
    main()
