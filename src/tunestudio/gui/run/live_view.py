"""The live view: the running trial's curves as they come (from the RunController's batches,
at most ~30 a second), the planned LR schedule drawn at fit start before the first step, and the
compared trials of the table overlaid from the store, with a legend and a crosshair. The x-axis
switches between step, epoch and wall-clock seconds.

Incoming points are only appended to buffers; a 30 Hz timer hands changed curves to pyqtgraph.
Trials of the current run that ended stay as overlays (the last few), so a search's trials can
be compared while it goes on; a new run starts afresh, and the run's trials are shown only with
their own experiment. Trials of a fused group start together: the last one started is drawn as
the running trial, the others keep receiving their points as overlays until they end. Trials
that other processes train at the same time (a run with several workers, a worker on another
machine) are read from the store once a second (other_slots.py) and drawn running beside it,
each in its colour and labelled, until they end. The x range follows the trained steps: the
planned LR is drawn whole but leads the range only a little ahead of them. A resumed trial shows
its stored history before its new points."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common import notifications
from tunestudio.gui.common.comparison import differs_note
from tunestudio.gui.common.elided_label import ElidedLabel
from tunestudio.gui.common.i18n import render, translate
from tunestudio.gui.common.jobs import JobResult
from tunestudio.gui.common.numbers import trial_label
from tunestudio.gui.plots.axes import X_MODES, Array, Curves, Smoother, XMode, curves_of
from tunestudio.gui.plots.crosshair import Crosshair, value_at
from tunestudio.gui.plots.curves import GrowingCurve, XBoundedItem, make_curve, nice_ceil
from tunestudio.gui.plots.empty_state import EmptyState
from tunestudio.gui.plots.panel import LIVE_COLOR, PlotPanel, TrialCurves, overlay_color
from tunestudio.gui.run.other_slots import POLL_MS, SlotsRead, read_other_slots
from tunestudio.gui.run.run_header import RunHeader
from tunestudio.messages import N_

if TYPE_CHECKING:
    from tunestudio.config import RunConfig
    from tunestudio.gui.common.history import TrialSeries
    from tunestudio.gui.common.insights import Insights
    from tunestudio.gui.run.controller import RunController
    from tunestudio.gui.run.worker import RunRequest

_log = logging.getLogger(__name__)
REFRESH_MS = 33
KEEP_FINISHED = 4  # trials of this run kept as overlays after they end
# How far the x range reaches past the trained steps (a fraction of them); before the first
# epoch ends it spans that epoch.
AHEAD = 0.1
EMPTY_TEXT = N_("LiveView", "No trials to plot yet — run the experiment (Run, F5) to watch "
                           "its trials train, or select trials in the Trials tab to compare "
                           "their curves.")


def running_name(label: str) -> str:
    """A running trial's legend name: its label and "(running)" in the window's language."""
    return label + translate("LiveView", " (running)")


def ended_name(name: str) -> str:
    """`name` without the running mark of `running_name`."""
    mark = translate("LiveView", " (running)")
    return name[:-len(mark)] if name.endswith(mark) else name


class _Feed:
    """A running trial other than the highlighted one (a fused group's other members): its
    curves and what turns its step events into x values."""

    def __init__(self, curves: TrialCurves, spe: int, metric: str,
                 smoother: Smoother | None = None) -> None:
        self.curves, self.spe, self.metric = curves, spe, metric
        self.smoother = smoother if smoother is not None else Smoother()


class LiveView(QWidget):
    """The live curves: the running trial's loss (raw and smoothed), validation loss, metric,
    learning rate and gradient norm as the controller's batches bring them, the planned LR
    schedule, the run's ended trials (the last `KEEP_FINISHED`), the trials other processes of
    the run train (read from the store) and the trials compared in the table, overlaid with a
    legend and a crosshair; x in steps, epochs or wall-clock seconds. Points go to buffers; a
    timer (`REFRESH_MS` milliseconds, slower when redraws are dear) draws them."""

    def __init__(self, insights: Insights, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.insights = insights
        self.controller: RunController | None = None
        self.panel = PlotPanel(self)
        self.x_mode: XMode = "step"
        self.x_combo = QComboBox(self)
        self.x_combo.addItems([self.tr("Step"), self.tr("Epoch"), self.tr("Wall-clock")])
        self.x_combo.currentIndexChanged.connect(self._on_x_mode)
        # one line, cut with "…" where short of room (the whole text in its tooltip): wrapped,
        # a run's header took five lines of a 960x600 window's plots
        self.status = ElidedLabel(
            self.tr("No trial running. Select trials in the table to compare them."), self)
        self.reading = QLabel(self)
        self.differs = QLabel(self)  # compared trials that differ beyond the searched knobs
        self.differs.setWordWrap(True)
        self.differs.hide()
        self.reading.setTextFormat(Qt.TextFormat.RichText)
        self.lr_log = QCheckBox(self.tr("LR log scale"), self)
        self.lr_log.setToolTip(
            self.tr("The learning-rate plot on a log axis (as the LR range test)"))
        self.lr_log.setChecked(self.panel.lr_log)
        self.lr_log.toggled.connect(self.panel.set_lr_log)
        self.legend_box = QCheckBox(self.tr("Legend"), self)
        self.legend_box.setToolTip(self.tr("The trials' names above the plots; a click on a "
                                           "name selects its trial"))
        self.legend_box.setChecked(True)
        self.legend_box.toggled.connect(self.panel.set_legend_shown)
        clear = QPushButton(self.tr("Clear overlays"), self)
        clear.clicked.connect(self.clear_overlays)
        export = QPushButton(self.tr("Export…"), self)
        export.clicked.connect(self._ask_export)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("X axis:"), self))
        bar.addWidget(self.x_combo)
        bar.addWidget(self.lr_log)
        bar.addWidget(self.legend_box)
        bar.addWidget(self.status, 1)
        bar.addWidget(clear)
        bar.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.differs)
        layout.addWidget(self.reading)
        self.pages = EmptyState(self.panel, render(EMPTY_TEXT), self)  # not bare axes: a hint
        self.empty = self.pages.hint
        layout.addWidget(self.pages, 1)
        self.crosshair = Crosshair(self.panel, self.panel.plots, self.reading, self._values_at,
                                   lambda: self.x_mode)
        self.live: TrialCurves | None = None
        self.live_id: int | None = None
        self._live_number = 0
        self._config: RunConfig | None = None
        self._spe = 1
        self._smoother = Smoother()
        self._skip_repeat = False
        self._fits = 0  # fit starts of the followed trial (more than one: repeat seeds)
        self.planned = GrowingCurve(make_curve(self.panel.plots["lr"], "#616161", "planned",
                                               1.4, dashed=True, item_type=XBoundedItem))
        self._request: RunRequest | None = None  # the run whose trials are shown
        self.header = RunHeader()
        self._colors = 0
        self.finished: dict[int, TrialCurves] = {}  # ended trials of this run, oldest first
        self._feeds: dict[int, _Feed] = {}  # still running, drawn as overlays (fused groups)
        self._own: set[int] = set()  # trials of this run that this process trains
        self._others: dict[int, TrialCurves] = {}  # running in other processes (other_slots)
        self._ended: set[int] = set()  # trials of this run that ended
        self.overlays: dict[int, TrialCurves] = {}  # compared trials from the store
        self._rows: dict[int, Any] = {}  # TrialRow (with its config) of each compared trial
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.slots_timer = QTimer(self)  # reads the other processes' trials while a run goes on
        self.slots_timer.setInterval(POLL_MS)
        self.slots_timer.timeout.connect(self.poll_other_slots)
        self.panel.set_metric_name(self._metric())
        insights.compared_changed.connect(self._load_compared)
        insights.experiment_changed.connect(self._on_experiment_changed)
        self.panel.legend.entry_clicked.connect(self._on_legend_clicked)
        insights.reads.result.connect(self._on_result)
        self._name_legend()
        self._update_empty()

    # -- wiring --------------------------------------------------------------------------------
    def attach(self, controller: RunController) -> None:
        """Follow the runs of `controller` (the window's)."""
        self.controller = controller
        controller.state_changed.connect(self._on_run_state)
        controller.trial_started.connect(self.on_trial_started)
        controller.batch.connect(self.on_batch)
        controller.trial_finished.connect(self.on_trial_finished)

    def _metric(self) -> str:
        objective = self.insights.objective()
        return objective.metric if objective is not None else "val_accuracy"

    # -- the run -------------------------------------------------------------------------------
    @Slot()
    def _on_run_state(self) -> None:
        """A new run: the trials of earlier runs go (compared ones stay). While a run with
        several workers goes on, the other processes' trials are read from the store; once it
        ends, a last read gives the trials they ended their last points."""
        controller = self.controller
        if controller is None:
            return
        if controller.is_running and controller.request is not self._request:
            self._request = controller.request
            self._forget_run()
            self.panel.keep_spare()  # the first trial's curves, before its training competes
        parallel = controller.is_running and self._request is not None \
            and self._request.workers > 1
        if parallel and not self.slots_timer.isActive():
            self.slots_timer.start()
        elif not parallel and self.slots_timer.isActive():
            self.slots_timer.stop()
            self.poll_other_slots()

    def _forget_run(self) -> None:
        for curves in [*self.finished.values(), *self._others.values()]:
            curves.remove()
        if self.live is not None:
            self.live.remove()
        self.finished.clear()
        self._feeds.clear()
        self._ended.clear()
        self._own.clear()
        self._others.clear()
        self.live, self.live_id = None, None
        self.planned.clear()
        self.header = RunHeader()
        self._update_empty()

    def _run_experiment(self) -> str | None:
        return self._request.experiment if self._request is not None else \
            self.insights.experiment_name

    def _run_is_shown(self) -> bool:
        """The run's trials are drawn while their experiment is the one shown."""
        return self._run_experiment() == self.insights.experiment_name

    @Slot()
    def _on_experiment_changed(self) -> None:
        shown = self._run_is_shown()
        for curves in [*self.finished.values(), *self._others.values(),
                       *([self.live] if self.live else [])]:
            curves.set_shown(shown)
        self.planned.item.setVisible(shown)
        self._name_legend()
        self._update_empty()

    def _name_legend(self) -> None:
        """Every trial on the plots is the shown experiment's: its entries leave its name out
        (`bayes #3 · lr=1.35e-3` reads `#3 · lr=1.35e-3`), room for more of them to a row."""
        name = self.insights.experiment_name
        self.panel.legend.set_hidden_prefix(f"{name} " if name else "")

    def _running(self) -> bool:
        return self.controller is not None and self.controller.is_running

    # -- the running trial ---------------------------------------------------------------------
    @Slot(object)
    def on_trial_started(self, ev: Any) -> None:
        """A trial of the run started (a `TrialStarted`): it becomes the running trial drawn in
        bold (one still running, from a fused group, carries on as an overlay), the planned LR is
        cleared until its fit starts, and a resumed trial's stored history is read to go before
        its new points."""
        self._own.add(ev.trial_id)
        stray = self._others.pop(ev.trial_id, None)  # read from the store before its start
        if stray is not None:
            stray.remove()
        if self.live is not None and self.live_id is not None:
            if self.live_id not in self._ended:  # a fused group: it runs on as an overlay
                self._feeds[self.live_id] = _Feed(self.live, self._spe, self._metric(),
                                                  self._smoother)
            self._keep_finished(self.live_id, self.live)
        self.live_id, self._live_number = ev.trial_id, ev.number
        label = trial_label(self._run_experiment(), ev.number, ev.params)
        self.live = self.panel.trial_curves(running_name(label), LIVE_COLOR, bold=True)
        self.live.set_shown(self._run_is_shown())
        self._spe, self._smoother = 1, Smoother()
        self._skip_repeat = False
        self._fits = 0
        self.planned.clear()
        self._config = ev.config  # merged by the search, as the trial trains it
        self.panel.set_metric_name(self._metric())
        self.header.started(ev.trial_id, ev.number)
        self.status.setText(self.header.text())
        if ev.resumed_from_step:
            self._read_history(ev.trial_id)
        self._update_empty()

    def _read_history(self, trial_id: int) -> None:
        """A resumed trial: its stored series up to the resume step (the store cut what came
        after), read off the GUI thread and put before the points that arrive meanwhile."""
        url, history = self.insights.url, self.insights.history

        def read() -> tuple[int, Curves | None]:
            found = history.series(url, [trial_id])
            return trial_id, (curves_of(found[0].steps, found[0].evals) if found else None)

        self.insights.reads.submit(f"live:history:{trial_id}", read)

    def _show_history(self, trial_id: int, stored: Curves | None) -> None:
        if stored is None:
            return
        if trial_id == self.live_id and self.live is not None:
            curves, holder = self.live, None
        elif trial_id in self._feeds:
            curves, holder = self._feeds[trial_id].curves, self._feeds[trial_id]
        else:
            return
        curves.prepend(stored, self._metric())
        loss = curves.loss.data("step")[1]
        smoother = Smoother()  # the whole series smoothed again, the new points carry on
        smooth = smoother.update(loss)
        curves.smooth.replace({m: curves.loss.data(m)[0] for m in X_MODES}, smooth)
        if holder is None:
            self._smoother = smoother
        else:
            holder.smoother = smoother
        self.refresh()

    def _keep_finished(self, trial_id: int, curves: TrialCurves) -> None:
        """Keeps `curves` of the run's trial `trial_id`, no longer the highlighted one, as an
        overlay in a colour of its own; ended, or still running (a fused group's member, still
        named running until it ends)."""
        name = curves.name if trial_id in self._feeds else ended_name(curves.name)
        curves.restyle(self._next_color(), name)
        self.finished[trial_id] = curves
        self._trim_finished()

    def _trim_finished(self) -> None:
        """The oldest ended trials go past KEEP_FINISHED. One still running never goes: its
        curves would return to the panel's spares while its points still arrive, and the next
        trial given that set would draw both trials' points as one line (a refilled fused
        group starts more trials than KEEP_FINISHED while its first ones train)."""
        ended = [t for t in self.finished if t not in self._feeds]
        for tid in ended[:max(0, len(ended) - KEEP_FINISHED)]:
            self.finished.pop(tid).remove()

    @Slot(object)
    def on_batch(self, batch: Any) -> None:
        """Appends a `RunBatch`'s points: the running trial's steps (loss, smoothed loss, LR,
        gradient norm) and evaluations (validation loss, training loss, the objective's metric),
        and those of the fused group's other running trials; the first fit start of the running
        trial draws its planned LR, and a further repeat seed's points are not drawn."""
        live = self.live
        if live is None:
            return
        if self._feeds:
            self._feed_others(batch)
        for tid, start in batch.fit_starts:
            if tid == self.live_id:
                self._fit_started(start)
        if self._skip_repeat:
            return
        steps = [e for tid, e in batch.steps if tid == self.live_id]
        if steps:
            step = np.array([e.step for e in steps], dtype=np.float64)
            loss = np.array([e.loss for e in steps])
            # the trainer's own clock of each step (pause excluded), as the store keeps it
            wall = np.array([e.wall_s for e in steps], dtype=np.float64)
            xs: dict[XMode, Array] = {"step": step, "epoch": step / self._spe, "wall": wall}
            live.add_steps(xs, loss, self._smoother.update(loss),
                           np.array([e.lr for e in steps]),
                           np.array([e.grad_norm for e in steps]))
        evals = [e for tid, e in batch.evaluations if tid == self.live_id]
        if evals:
            metric = self._metric()
            xs = {"step": np.array([e.step for e in evals], dtype=np.float64),
                  "epoch": np.array([e.epoch for e in evals]),
                  "wall": np.array([e.wall_s for e in evals])}
            nan = float("nan")
            live.add_evals(xs, np.array([nan if e.val_loss is None else e.val_loss
                                         for e in evals]),
                           np.array([e.train_loss for e in evals]),
                           np.array([e.metrics.get(metric, nan) for e in evals]))

    def _feed_others(self, batch: Any) -> None:
        for tid, start in batch.fit_starts:
            if tid in self._feeds:
                self._feeds[tid].spe = max(1, start.steps_per_epoch)
        for tid, feed in self._feeds.items():
            steps = [e for t, e in batch.steps if t == tid]
            if steps:
                step = np.array([e.step for e in steps], dtype=np.float64)
                loss = np.array([e.loss for e in steps])
                wall = np.array([e.wall_s for e in steps], dtype=np.float64)
                feed.curves.add_steps({"step": step, "epoch": step / feed.spe, "wall": wall},
                                      loss, feed.smoother.update(loss),
                                      np.array([e.lr for e in steps]),
                                      np.array([e.grad_norm for e in steps]))
            evals = [e for t, e in batch.evaluations if t == tid]
            if evals:
                nan = float("nan")
                feed.curves.add_evals(
                    {"step": np.array([e.step for e in evals], dtype=np.float64),
                     "epoch": np.array([e.epoch for e in evals]),
                     "wall": np.array([e.wall_s for e in evals])},
                    np.array([nan if e.val_loss is None else e.val_loss for e in evals]),
                    np.array([e.train_loss for e in evals]),
                    np.array([e.metrics.get(feed.metric, nan) for e in evals]))

    def _fit_started(self, ev: Any) -> None:
        self._fits += 1
        if self._fits > 1:
            self._skip_repeat = True  # a further repeat seed: the view shows the first
            return
        self._spe = max(1, ev.steps_per_epoch)
        if self._config is not None:
            self.show_planned(self._config, ev.n_train)

    def show_planned(self, config: RunConfig, n_train: int) -> None:
        """The LR of every step as the engine will set it, before the first step runs."""
        from tunestudio.engine import planned_lr, steps_per_epoch

        lr = planned_lr(config, n_train)
        step = np.arange(1, len(lr) + 1, dtype=np.float64)
        spe = steps_per_epoch(config, n_train)
        self.planned.replace({"step": step, "epoch": step / spe, "wall": np.full(len(lr),
                                                                                  np.nan)}, lr)

    @Slot(object)
    def on_trial_finished(self, ev: Any) -> None:
        """A trial of the run ended (a `TrialFinished`): it stops receiving points and the header
        says how it ended."""
        self._ended.add(ev.trial_id)
        feed = self._feeds.pop(ev.trial_id, None)
        if feed is not None:  # a group's member drawn as an overlay: named as ended
            feed.curves.restyle(feed.curves.color, ended_name(feed.curves.name))
            self._trim_finished()
        self.header.finished(ev.trial_id, ev.number, ev.state, ev.objective)
        self.status.setText(self.header.text())
        if ev.trial_id == self.live_id and self.live is not None:
            self.live.restyle(LIVE_COLOR, ended_name(self.live.name))

    # -- trials of the other processes ---------------------------------------------------------
    @Slot()
    def poll_other_slots(self) -> None:
        """Asks the store for the run's trials that other processes train (other_slots.py)."""
        experiment = self._run_experiment()
        if experiment is None or self._request is None:
            return
        url, history = self.insights.url, self.insights.history
        own, followed = frozenset(self._own), frozenset(self._others)
        self.insights.reads.submit("live:slots", lambda: read_other_slots(
            history, url, experiment, own, followed))

    def _show_other_slots(self, read: SlotsRead) -> None:
        """Draws each trial another process trains, labelled with its number and values, in
        its own colour; one that ended is kept with the run's finished trials."""
        metric = self._metric()
        for row, curves in read.series:
            tid = row.id
            if tid in self._own or (tid in self._ended and tid not in self._others):
                continue
            held = self._others.get(tid)
            if held is None:
                if tid not in read.running:
                    continue
                label = trial_label(self._run_experiment(), row.number, row.params)
                held = self.panel.trial_curves(running_name(label), self._next_color())
                held.set_shown(self._run_is_shown())
                self._others[tid] = held
                self.header.started(tid, row.number)
            held.load(curves, metric)
            if tid not in read.running:
                del self._others[tid]
                self._ended.add(tid)
                self._keep_finished(tid, held)
                self.header.finished(tid, row.number, row.state, row.objective)
        seen = {row.id for row, _ in read.series}
        for tid in [t for t in self._others if t not in seen]:  # deleted meanwhile
            self._others.pop(tid).remove()
        if read.series:
            self.status.setText(self.header.text())
        self._update_empty()

    # -- compared trials -----------------------------------------------------------------------
    @Slot()
    def _load_compared(self) -> None:
        """Shows exactly the compared trials (besides the running one): the run's finished
        trials kept as overlays go once a comparison is chosen, unless chosen themselves."""
        compared = self.insights.compared
        if compared:  # a fused group's members still training stay (see _trim_finished)
            for tid in [t for t in self.finished if t not in compared and t not in self._feeds]:
                self.finished.pop(tid).remove()
            if self.live is not None and self.live_id not in compared and not self._running():
                # the last run's trial, ended: not chosen, so not shown
                self.live.remove()
                self.live, self.live_id = None, None
                self.planned.clear()
                self._update_empty()
        ids = [i for i in compared if i != self.live_id and i not in self.finished
               and i not in self._others]
        for tid in list(self.overlays):
            if tid not in ids:
                self.overlays.pop(tid).remove()
        missing = [i for i in ids if i not in self.overlays]
        self._update_differs()
        if missing:
            url, history = self.insights.url, self.insights.history

            def read() -> list[tuple[TrialSeries, Curves]]:
                return [(ts, curves_of(ts.steps, ts.evals)) for ts in history.series(url,
                                                                                   missing)]

            self.insights.reads.submit("live:compare", read)

    @Slot(object)
    def _on_result(self, result: JobResult) -> None:
        if result.key == "live:slots":
            if result.ok:
                self._show_other_slots(result.value)
            else:  # read again in a second: said in the log, not a pop-up a second
                _log.warning("reading the other workers' trials failed: %s", result.error)
            return
        if result.key.startswith("live:history:"):
            if result.ok:
                self._show_history(*result.value)
            else:
                notifications.error(self.tr(
                    "Could not read the resumed trial's history: {error}").format(
                        error=result.error), result.detail)
            return
        if result.key != "live:compare":
            return
        if not result.ok:
            notifications.error(self.tr("Could not read the compared trials: {error}").format(
                error=result.error),
                                result.detail)
            return
        self.show_series(result.value)

    def show_series(self, series: list[tuple[TrialSeries, Curves]]) -> None:
        """Overlays the compared trials among `series` (each a trial's stored series with its
        prepared curves) that are not drawn yet, each in its own colour, and says when the
        compared trials differ in more than the searched knobs."""
        wanted = set(self.insights.compared)
        metric = self._metric()
        self._rows.update({ts.trial.id: ts.trial for ts, _ in series})
        self._update_differs()
        for ts, prepared in series:
            tid = ts.trial.id
            if tid not in wanted or tid in self.overlays:
                continue
            label = trial_label(self.insights.experiment_name, ts.trial.number,
                                ts.trial.params)
            curves = self.panel.trial_curves(label, self._next_color())
            curves.load(prepared, metric)
            self.overlays[tid] = curves
        self._update_empty()
        self.refresh()

    def trial_of_item(self, item: Any) -> int | None:
        """The trial whose smoothed loss curve is `item` (a legend entry), or None."""
        shown: dict[int, TrialCurves] = {**self.finished, **self.overlays, **self._others}
        if self.live is not None and self.live_id is not None:
            shown[self.live_id] = self.live
        return next((tid for tid, c in shown.items() if c.smooth.item is item), None)

    @Slot(object)
    def _on_legend_clicked(self, item: Any) -> None:
        """A legend entry clicked: its trial becomes the one in focus (detail, diagnosis and
        the table's current row follow); the compared trials stay as they are."""
        tid = self.trial_of_item(item)
        if tid is not None:
            self.insights.set_focus(tid)

    def _update_differs(self) -> None:
        """Says when the compared trials differ in more than the searched knobs."""
        rows = [self._rows[t] for t in self.insights.compared if t in self._rows]
        note = differs_note(rows, self.insights.dimension_paths())
        self.differs.setText(note)
        self.differs.setVisible(bool(note))

    @Slot()
    def clear_overlays(self) -> None:
        """Removes the compared trials and the run's ended trials from the plots (a fused
        group's members still training stay), and clears the comparison."""
        ended = [t for t in self.finished if t not in self._feeds]
        for curves in [*self.overlays.values(), *(self.finished.pop(t) for t in ended)]:
            curves.remove()
        self.overlays.clear()
        self.insights.compare([])
        self._update_empty()

    def _next_color(self) -> str:
        """Each overlay its own colour, in turn (the palette repeats after nine)."""
        self._colors += 1
        return overlay_color(self._colors - 1)

    # -- drawing -------------------------------------------------------------------------------
    def all_curves(self) -> dict[str, TrialCurves]:
        """The trials on the plots, by name."""
        shown = {c.name: c for c in [*self.finished.values(), *self.overlays.values(),
                                     *self._others.values()] if c.shown}
        if self.live is not None and self.live.shown:
            shown[self.live.name] = self.live
        return shown

    def _update_empty(self) -> None:
        """A centred note instead of bare axes while no trial is on the plots."""
        self.pages.set_empty(not self.all_curves())

    def _reach(self, mode: XMode) -> tuple[float, float] | None:
        """The x interval the running trial and the planned LR lead the range over: from the
        start to a little past the followed trial's last trained step (at least its planned
        first epoch), the end rounded up (`nice_ceil`) so the range moves in steps."""
        planned = self.planned.data(mode)[0]
        live = self.live.lr.data(mode)[0] if self.live is not None else planned[:0]
        if len(planned) and np.isfinite(planned[0]):
            start = float(planned[0])
            reach = float(planned[min(len(planned), self._spe) - 1])  # its first epoch
        elif len(live) and np.isfinite(live[0]):
            start, reach = float(live[0]), float(live[0])
        else:  # nothing yet, or no time yet on the wall clock
            return None
        if len(live) and np.isfinite(live[-1]):
            trained = float(live[-1])
            reach = max(reach, trained + AHEAD * (trained - start))
        reach = nice_ceil(reach)
        if len(planned) and np.isfinite(planned[-1]):
            reach = min(reach, float(planned[-1]))
        return start, reach

    @Slot()
    def refresh(self) -> None:
        """Hands changed curves to pyqtgraph. With very long series a refresh costs tens of
        milliseconds; the timer then slows down so redraws take at most a fifth of the GUI
        thread's time (STYLE.md: repaint from a timer, never per point)."""
        start = time.perf_counter()
        mode = self.x_mode
        reach = self._reach(mode)
        self.planned.item.set_x_bound(reach)
        run = [*self.finished.items(), *([(self.live_id, self.live)] if self.live else [])]
        for tid, curves in run:  # running trials (a fused group's too) lead to the rounded end
            curves.lr.item.set_x_bound(reach if tid not in self._ended else None)
        for curves in self.all_curves().values():
            curves.refresh(mode)
        self.planned.refresh(mode)
        spent_ms = (time.perf_counter() - start) * 1000
        self.timer.setInterval(max(REFRESH_MS, min(1000, int(5 * spent_ms))))

    @Slot(int)
    def _on_x_mode(self, index: int) -> None:
        self.set_x_mode(X_MODES[index])

    def set_x_mode(self, mode: XMode) -> None:
        """Draws every curve against `mode`: "step", "epoch" or "wall" (wall-clock seconds of
        training)."""
        self.x_mode = mode
        if self.x_combo.currentIndex() != X_MODES.index(mode):
            self.x_combo.setCurrentIndex(X_MODES.index(mode))
        self.panel.set_x_label(mode)
        self.refresh()
        self.panel.auto_range()

    def _values_at(self, key: str, x: float) -> list[tuple[str, float]]:
        out = []
        attr = {"loss": "smooth", "val": "val", "metric": "metric", "lr": "lr",
                "grad": "grad"}[key]
        for name, curves in self.all_curves().items():
            xs, ys = getattr(curves, attr).data(self.x_mode)
            v = value_at(xs, ys, x)
            if v is not None:
                out.append((name, v))
        return out

    # -- export --------------------------------------------------------------------------------
    @Slot()
    def _ask_export(self) -> None:
        from tunestudio.gui.plots.export import ask_export_path

        path = ask_export_path(self, "curves")
        if path is not None:
            self.export(path)

    def export(self, path: Path) -> Path:
        """PNG/SVG of the whole panel, or CSV of every shown series (long format)."""
        from tunestudio.gui.plots.export import export_image, write_csv

        if path.suffix.lower() != ".csv":
            return export_image(self.panel.scene(), path)
        rows: list[tuple[object, ...]] = []
        for name, curves in self.all_curves().items():
            for series, curve in curves.all().items():
                xs = {m: curve.data(m)[0] for m in X_MODES}
                ys = curve.data("step")[1]
                rows.extend((name, series, xs["step"][i], xs["epoch"][i], xs["wall"][i],
                             ys[i]) for i in range(len(ys)))
        return write_csv(path, ("trial", "series", "step", "epoch", "wall_s", "value"), rows)

    def close_view(self) -> None:
        """Stops the redraw timer and the polling of other processes' trials (the window is
        closing)."""
        self.timer.stop()
        self.slots_timer.stop()
