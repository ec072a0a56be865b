"""The run's progress for the status bar: a bar of trials done, `trial i/N`, elapsed time and
ETA, and a line with the running trial's state (its parameters, epoch and latest losses)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from tunestudio.gui.run.controller import RunController


def clock(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else \
        f"{rest // 60:02d}:{rest % 60:02d}"


class RunProgress(QWidget):
    def __init__(self, controller: RunController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.label = QLabel(self)
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
                done = sum(summary.counts.values())
                self.bar.setRange(0, max(done, 1))
                self.bar.setValue(done)
                self.bar.setFormat(f"{done} done")
                verb = "stopped" if summary.stopped else "done"
                self.label.setText(f"{verb}: {done} trial(s) in {clock(summary.duration_s)}")
            return
        total = p.total
        self.bar.setRange(0, total or 0)  # 0..0: a busy bar while the total is unknown
        self.bar.setValue(p.done)
        self.bar.setFormat(f"{p.done}/{total}" if total else f"{p.done} done")
        trial = f"trial {p.index}/{total}" if total else f"trial {p.index}"
        state = "paused · " if p.paused else "stopping · " if self.controller.is_stopping else ""
        self.label.setText(f"{state}{trial} · {clock(p.elapsed_s)} elapsed · "
                           f"ETA {clock(p.eta_s)}")


def trial_line(started: Any, last_eval: Any | None) -> str:
    """`Trial 3 on cpu (lr=0.003, width=128) · epoch 4 · val_loss 0.2100`."""
    params = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in dict(started.params).items()) or "baseline"
    text = f"Trial {started.number} running on {started.device} ({params})"
    if last_eval is not None:
        text += f" · epoch {last_eval.epoch:g}"
        if last_eval.val_loss is not None:
            text += f" · val_loss {last_eval.val_loss:.4f}"
    return text
