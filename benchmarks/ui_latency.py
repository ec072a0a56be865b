"""How responsive the GUI thread stays while a trial trains flat out in the app's worker thread,
and how fast the main window first shows.

The process is the app: it opens the main window on a digits project (as `tunestudio
PROJECT.tuneproj` does), records `startup_s` when the window has shown (from the start of the
process, so Python's own start-up and every import count), lets the engine load in the
background as the app does, then clicks Run on a one-trial experiment of small batches and many
steps. During the trial a 10 ms QTimer in the GUI thread records when it fires; a stall is the
delay of a tick beyond its 10 ms. `max_stall_ms` and `p99_stall_ms` are over the training run;
`max_busy_ms` and `p99_busy_ms` are the GUI thread's own CPU time between two ticks (the work
that blocked it, without the waits for a core that a loaded machine adds to a stall);
the stalls while torch loads in the background are reported separately (`load_max_stall_ms`).

Prints as its last line one JSON object:
  {"max_stall_ms": ..., "p99_stall_ms": ..., "startup_s": ..., ...}
Goals: max_stall_ms <= 50, p99_stall_ms <= 20, startup_s <= 1.5."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

TICK_MS = 10


def _isolate(folder: Path) -> None:
    for kind in ("DATA", "CONFIG", "CACHE", "LOG"):
        os.environ[f"TUNESTUDIO_{kind}_DIR"] = str(folder / kind.lower())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=60, help="epochs of the measured trial")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--tab", default="Trials",
                        help="the project tab shown during the run; Curves shows the live "
                        "plots, whose repaint cost benchmarks/plot_render.py measures")
    parser.add_argument("--sample-stalls", action="store_true",
                        help="sample the GUI thread's stack every millisecond and print, for "
                        "the worst stalls, where it was (what blocked it)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="tunestudio-ui-latency-"))
    _isolate(folder)

    # --- start-up: exactly what `tunestudio PROJECT` imports and does before the window shows
    from tunestudio.config import (
        Budget,
        Experiment,
        FloatDimension,
        PrunerConfig,
        SearchDefinition,
        from_template,
        save_project,
    )
    from tunestudio.gui.app.app import make_app
    from tunestudio.gui.app.main_window import MainWindow
    from tunestudio.gui.app.startup import seconds_since_process_start
    from tunestudio.gui.app.theme import apply_theme
    from tunestudio.gui.common.settings import Settings

    project = from_template("digits")
    base = project.baseline
    baseline = base.model_copy(update={
        "schedule": base.schedule.model_copy(update={"warmup_epochs": 1.0}),
        "training": base.training.model_copy(update={
            "epochs": args.epochs, "batch_size": args.batch_size, "device": "cpu"}),
        "early_stopping": base.early_stopping.model_copy(update={"enabled": False}),
    })
    experiment = Experiment(name="latency", search=SearchDefinition(
        strategy="random", budget=Budget(trials=1), pruner=PrunerConfig(kind="none"),
        dimensions=[FloatDimension(path="optimizer.lr", low=1e-3, high=1e-2, log=True)]))
    path = folder / "latency.tuneproj"
    save_project(project.model_copy(update={"baseline": baseline,
                                            "experiments": [experiment]}), path)

    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    app = make_app()
    settings = Settings()
    apply_theme(app, settings.theme)
    window = MainWindow(settings)
    shown: list[float] = []
    window.first_shown.connect(lambda: shown.append(seconds_since_process_start()))
    window.open_after_show(path)  # what run_app does for `tunestudio PROJECT`
    window.show()
    while window.project_view is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    startup_s = shown[0]
    opened_s = seconds_since_process_start()
    imported_early = sorted(m for m in ("torch", "optuna") if m in sys.modules)
    print(f"main window shown after {startup_s:.3f} s (torch/optuna loaded then: "
          f"{imported_early or 'none'}), project open after {opened_s:.3f} s", file=sys.stderr)

    # --- the collector's pauses (the app collects cycles in the GUI thread: gui/gc_policy.py)
    import gc

    gc_pauses: list[tuple[int, float, float]] = []  # generation, at ms, duration ms
    gc_started: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter() * 1000
        if phase == "start":
            gc_started[:] = [now]
        elif gc_started:
            gc_pauses.append((info["generation"], now, now - gc_started[0]))

    gc.callbacks.append(on_gc)

    # --- the GUI thread's heartbeat
    clock = QElapsedTimer()
    clock.start()
    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    busy: list[float] = []  # the GUI thread's CPU time (ms) at each tick

    def tick() -> None:
        ticks.append(clock.nsecsElapsed() / 1e6)
        busy.append(time.thread_time() * 1000)

    timer.timeout.connect(tick)
    timer.start()

    def stalls(since: int) -> list[float]:
        span = ticks[since:]
        return sorted(max(0.0, b - a - TICK_MS) for a, b in itertools.pairwise(span))

    # --- the engine loads in the background, as at every start
    loop = QEventLoop()
    window.catalog.warmed.connect(loop.quit)
    window.catalog.start()
    if not window.catalog.is_warm:
        loop.exec()
    load_stalls = stalls(0)

    # --- one trial, flat out, in the worker thread
    view = window.project_view
    assert view is not None
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    view.tabs.setCurrentIndex(tabs.index(args.tab) if args.tab in tabs else tabs.index("Trials"))
    window.device_combo.select("cpu")
    sampler = StackSampler(clock.nsecsElapsed()) if args.sample_stalls else None
    if sampler is not None:
        sampler.start()
    first_tick = len(ticks)
    started = time.perf_counter()
    gc_pauses.clear()
    steps: list[int] = []
    window.controller.batch.connect(lambda b: steps.extend(s.step for _, s in b.steps))
    marks: list[tuple[str, float]] = []

    def mark(name: str) -> None:
        marks.append((name, clock.nsecsElapsed() / 1e6))

    window.controller.trial_started.connect(lambda _ev: mark("trial started"))
    window.controller.trial_finished.connect(lambda _ev: mark("trial finished"))
    done = QEventLoop()
    window.controller.run_finished.connect(done.quit)
    if not window.runs.start():
        print("the run did not start", file=sys.stderr)
        return 1
    done.exec()
    duration = time.perf_counter() - started
    timer.stop()
    if sampler is not None:
        sampler.stop()
    run_stalls = stalls(first_tick)
    run_busy = sorted(max(0.0, b - a) for a, b in itertools.pairwise(busy[first_tick:]))
    gc.callbacks.remove(on_gc)
    worst_gc = sorted(gc_pauses, key=lambda p: -p[2])[:3]
    print("longest collections (generation, ms, at ms after Run):",
          ", ".join(f"gen{g} {d:.0f} @ {t - started * 1000:.0f}" for g, t, d in worst_gc),
          file=sys.stderr)
    span = ticks[first_tick:]
    worst = sorted(((b - a - TICK_MS, a) for a, b in itertools.pairwise(span)),
                   reverse=True)[:5]
    origin = span[0] if span else 0.0
    print("worst stalls (ms, at ms after Run):",
          ", ".join(f"{g:.0f} @ {t - origin:.0f}" for g, t in worst), "| events:",
          ", ".join(f"{n} @ {t - origin:.0f}" for n, t in marks), file=sys.stderr)
    if sampler is not None:
        for gap, at in worst:
            print(f"stall of {gap:.0f} ms @ {at - origin:.0f}: the GUI thread was in",
                  sampler.during(at, at + gap + TICK_MS), file=sys.stderr)
    summary = window.controller.last_summary
    window.shutdown()
    window.close()

    def p99(values: list[float]) -> float:
        return values[min(len(values) - 1, int(0.99 * len(values)))] if values else 0.0

    result = {
        "max_stall_ms": round(run_stalls[-1] if run_stalls else 0.0, 2),
        "max_busy_ms": round(run_busy[-1] if run_busy else 0.0, 2),
        "p99_busy_ms": round(p99(run_busy), 2),
        "p99_stall_ms": round(p99(run_stalls), 2),
        "startup_s": round(startup_s, 3),
        "project_open_s": round(opened_s, 3),
        "trial_s": round(duration, 2),
        "steps": len(steps),
        "steps_per_s": round(len(steps) / duration, 1),
        "ticks": len(run_stalls) + 1,
        "trial_state": dict(summary.counts) if summary else None,
        "load_max_stall_ms": round(load_stalls[-1] if load_stalls else 0.0, 2),
        "torch_loaded_before_window": bool(imported_early),
        "tab": view.tabs.tabText(view.tabs.currentIndex()),
        "gc_max_ms": round(max((d for _, _, d in gc_pauses), default=0.0), 1),
    }
    print(json.dumps(result))
    return 0 if summary is not None and summary.counts.get("complete") == 1 else 1


class StackSampler:
    """Samples the GUI thread's Python stack every millisecond from a thread of its own; for
    an interval (ms on the heartbeat's clock) says which innermost frames the GUI thread was
    seen in most: the work that blocked it, or the event loop itself when it only waited for a
    core or the GIL."""

    def __init__(self, clock_ns: int) -> None:
        """`clock_ns`: the heartbeat clock's reading now, to put samples on that clock."""
        import threading

        self._main = threading.main_thread().ident
        self._samples: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)
        self._origin_ns = time.perf_counter_ns() - clock_ns  # the clock's zero

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            frame = sys._current_frames().get(self._main or 0)  # a profiler's way in
            where: list[str] = []
            while frame is not None and len(where) < 4:
                code = frame.f_code
                if "site-packages/shiboken" not in code.co_filename:
                    where.append(f"{Path(code.co_filename).name}:{code.co_name}")
                frame = frame.f_back
            self._samples.append((time.perf_counter_ns(), " < ".join(where) or "Qt (no Python)"))

    def during(self, start_ms: float, end_ms: float) -> str:
        from collections import Counter

        lo = self._origin_ns + start_ms * 1e6
        hi = self._origin_ns + end_ms * 1e6
        seen = Counter(where for at, where in self._samples if lo <= at <= hi)
        return "; ".join(f"{n}x {where}" for where, n in seen.most_common(3)) or "(no sample)"


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.exit(main())
