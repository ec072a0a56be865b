"""The run's progress for the status bar: a bar of trials done, `trial i/N`, elapsed time and
ETA, and a line with the running trial's state (its parameters, epoch and latest losses)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from tunestudio.gui.common.elided_label import ElidedLabel
from tunestudio.gui.common.i18n import render, state_name, translate
from tunestudio.gui.common.numbers import short
from tunestudio.gui.run.controller import RunController
from tunestudio.gui.run.run_header import numbers_text


def clock(seconds: float | None) -> str:
    """A duration in seconds as `mm:ss`, or `h:mm:ss` from an hour on (rounded to the second);
    `--:--` for None."""
    if seconds is None:
        return "--:--"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60:02d}:{rest % 60:02d}"


class RunProgress(QWidget):
    """The status bar's progress of the run: a bar of trials done of the total (a busy bar while
    the total is unknown) and a label with the running trial, the ended trials by state once any
    did not complete, elapsed time, ETA and the stop rules; after the run, the complete trials of
    those done and the summary. Refreshed on each change and every second while running."""

    def __init__(self, controller: RunController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.label = ElidedLabel("", self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        controller.progress_changed.connect(self.refresh)
        controller.state_changed.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Shows the controller's progress now (hidden before any run)."""
        running = self.controller.is_running
        self.setVisible(running or self.controller.last_summary is not None)
        if running and not self._tick.isActive():
            self._tick.start()
        elif not running:
            self._tick.stop()
        p = self.controller.progress()
        if not running:
            summary = self.controller.last_summary
            if summary is not None:
                # "20 done" read as success for 20 failed trials: the bar fills with the
                # complete ones; the label beside it lists every state.
                done = sum(summary.counts.values())
                complete = summary.counts.get("complete", 0)
                self.bar.setRange(0, max(done, 1))
                self.bar.setValue(complete)
                self.bar.setFormat(self.tr("{complete}/{done} complete").format(
                    complete=complete, done=done))
                text = self.tr("{summary_counts} in {clock}").format(
                    summary_counts=summary_counts(summary), clock=clock(summary.duration_s))
                if summary.stop_rule:
                    text += self.tr(" · stopped by rule: {rule}").format(
                        rule=render(summary.stop_rule))
                self.label.setText(text)
            return
        total = p.total
        self.bar.setRange(0, total or 0)  # 0..0: a busy bar while the total is unknown
        self.bar.setValue(p.done)
        self.bar.setFormat(f"{p.done}/{total}" if total else
                           self.tr("{done} done").format(done=p.done))
        of = f"/{total}" if total else ""
        group = len(p.running_trials)
        if p.workers > 1 or group > 1:
            # other processes train beside this one (its own count would read as the run's),
            # or a fused group whose freed rows took later trials: the running trials are
            # named by number, each once (`#3, #5–#6`), never by a range of the run's count
            numbers = [t.number for t in p.running_trials]
            trial = "" if not numbers else self.tr("trial #{number}").format(
                number=numbers[0]) if len(numbers) == 1 else self.tr(
                "trials {numbers}").format(numbers=numbers_text(numbers))
        else:
            trial = self.tr("trial {index}{of}").format(index=p.index, of=of)
        state = self.tr("paused · ") if p.paused else self.tr("stopping · ") \
            if self.controller.is_stopping else ""
        ended = dict(p.counts)
        # the ended trials by state once any did not complete (3 failed is not 3 done)
        tally = "" if set(ended) <= {"complete"} else \
            " · " + ", ".join(f"{n} {state_name(s)}" for s, n in ended.items())
        text = self.tr("{state}{trial}{tally} · {clock} elapsed · ETA {clock2}").format(
            state=state, trial=trial, tally=tally, clock=clock(p.elapsed_s), clock2=clock(p.eta_s))
        rules = self.controller.stop_progress()
        if rules:
            text += self.tr(" · stop rules: {rules}").format(
                rules="; ".join(render(r) for r in rules))
        self.label.setText(text)


def trial_line(started: Any, last_eval: Any | None, running: int = 1) -> str:
    """`Trial 3 running on cpu (lr=0.003, width=128) · epoch 4 · val_loss 0.2100`; with a
    fused group of `running` trials, `Trial 3 and 7 more of its group running on cpu (…)`."""
    params = ", ".join(f"{k}={short(v)}" for k, v in dict(started.params).items()) or \
        translate("RunStatus", "baseline")
    more = translate("RunStatus", " and {count} more of its group").format(
        count=running - 1) if running > 1 else ""
    text = translate("RunStatus", "Trial {number}{more} running on {device} ({params})").format(
        number=started.number, more=more, device=started.device, params=params)
    if last_eval is not None:
        text += translate("RunStatus", " · epoch {epoch}").format(epoch=f"{last_eval.epoch:g}")
        if last_eval.val_loss is not None:
            text += f" · val_loss {short(last_eval.val_loss, 4)}"
    return text


def summary_counts(summary: Any) -> str:
    """`stopped: 1 complete, 1 interrupted` / `finished: 3 complete`."""
    counts = ", ".join(f"{n} {state_name(state)}" for state, n in summary.counts.items()) or \
        translate("RunStatus", "no trials")
    stopped = summary.stopped or getattr(summary, "halted", False)
    return translate("RunStatus", "stopped: {counts}").format(counts=counts) if stopped else \
        translate("RunStatus", "finished: {counts}").format(counts=counts)


class RunStatusLine(ElidedLabel):
    """The status bar's line about the run: starting, the running trial with its latest
    evaluation, each trial's end, the run's summary. `clear()` on closing the project."""

    def __init__(self, controller: RunController, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.controller = controller
        self._last_eval: Any = None
        self._problems_shown = ""  # the problems line last shown, cleared when they are fixed
        controller.trial_started.connect(self._on_trial_started)
        controller.batch.connect(self._on_batch)
        controller.trial_finished.connect(self._on_trial_finished)
        controller.run_finished.connect(self._on_run_finished)
        controller.state_changed.connect(self._on_state)

    def show_problems(self, count: int) -> None:
        """The project's invalid fields, while there are any."""
        if count:
            self.setText(self.tr("%n invalid field(s): fix them to run or save", "", count))
            self._problems_shown = self.text()
        elif self.text() == self._problems_shown:
            self.clear()

    def starting(self, experiment: str) -> None:
        """Says that `experiment` is starting."""
        self._last_eval = None
        self.setText(self.tr("Starting {experiment}…").format(experiment=experiment))

    @Slot()
    def _on_state(self) -> None:
        if self.controller.is_stopping:
            self.setText(self.tr("Stopping: the running trial ends as interrupted…"))

    @Slot(object)
    def _on_trial_started(self, ev: Any) -> None:
        self._last_eval = None
        self.setText(trial_line(ev, None, len(self.controller.progress().running_trials)))

    @Slot(object)
    def _on_batch(self, batch: Any) -> None:
        started = self.controller.progress().running
        if started is None or self.controller.is_stopping:
            return
        evaluations = [e for tid, e in batch.evaluations if tid == started.trial_id]
        if evaluations:
            self._last_eval = evaluations[-1]
            self.setText(trial_line(started, self._last_eval,
                                    len(self.controller.progress().running_trials)))

    @Slot(object)
    def _on_trial_finished(self, ev: Any) -> None:
        objective = "" if ev.objective is None else self.tr(", objective {value}").format(
            value=short(ev.objective))
        others = [t.number for t in self.controller.progress().running_trials]
        # a member of a fused group ends while the rest of its group trains: say so, so the
        # line never reads as if the run's one trial had ended
        training = self.tr("; {numbers} still training").format(
            numbers=numbers_text(others)) if others else ""
        self.setText(self.tr("Trial {number} {state}{objective}{training}").format(
            number=ev.number, state=state_name(ev.state), objective=objective,
            training=training))

    @Slot(object)
    def _on_run_finished(self, summary: Any) -> None:
        refusal = self.controller.refusal
        if summary is None and refusal is not None:
            first = refusal.splitlines()[0]
            problems = [line.strip(" -") for line in refusal.splitlines()[1:]]
            self.setText(" ".join([first, *problems[:1]]))
        if summary is not None:
            best = "" if summary.best_objective is None else \
                self.tr("; best objective {value}").format(value=short(summary.best_objective))
            # what --fuse auto chose (fused groups or one at a time) and its estimate
            fusing = getattr(summary, "fusing", None)
            fusing = render(fusing) if fusing else ""
            self.setText(f"{summary.experiment} {summary_counts(summary)}{best}"
                         + (f" · {fusing}" if fusing else ""))
            self.setToolTip(fusing)


class ExperimentLabel(QLabel):
    """The toolbar's experiment: the running one while a run goes on (whatever is selected),
    else the selected one, which Run would start."""

    def __init__(self, controller: RunController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._selected: str | None = None
        controller.state_changed.connect(self._show)

    def show_selected(self, name: str | None) -> None:
        """The selected experiment is `name` (None: none); shown unless a run goes on."""
        self._selected = name
        self._show()

    @Slot()
    def _show(self) -> None:
        request = self.controller.request if self.controller.is_running else None
        self.setText(self.tr(" Running: <b>{name}</b> ").format(name=request.experiment)
                     if request is not None else
                     self.tr(" Experiment: <b>{name}</b> ").format(name=self._selected)
                     if self._selected else "")
