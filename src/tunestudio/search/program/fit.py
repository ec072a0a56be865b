"""One run of a program trial, seen from the search as a fit: the program started with the
trial's values, what it prints (or reports through `tunestudio.trial`) turned into the same
`StepEvent`s and `EvalEvent`s, through the same hooks, as the built-in trainer emits, so the
store, pruning, the live curves and the diagnosis see an ordinary trial. Its end becomes a
`FitResult`: complete when it exits with 0 having reported the objective; pruned, stopped
(interrupted) or failed otherwise, failures with a message that quotes its last lines.

The hooks call `request_stop` as they would on the trainer (the pruner does); the loop then
stops the program: an interrupt, a terminate signal after `grace_s`, a kill after as long
again, for its whole process group. A program that talks through the client is first told
it is pruned (its `report` answers True) and given `grace_s` to return by itself."""

from __future__ import annotations

import math
import queue
import signal
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from tunestudio.config import RunConfig
from tunestudio.config.common import metric_mode
from tunestudio.engine.best import note_evaluation
from tunestudio.engine.events import EvalEvent, FitResult, FitStatus, StepEvent, TrainerHooks
from tunestudio.search.program.channel import Report, ReportChannel
from tunestudio.search.program.command import build_launch
from tunestudio.search.program.files import TrialFiles
from tunestudio.search.program.metric_lines import MetricLineParser
from tunestudio.search.program.orphans import record_process
from tunestudio.search.program.process import LAST_LINES, OutputLog, ProgramProcess
from tunestudio.search.program.slots import Slot

if TYPE_CHECKING:
    from tunestudio.engine.trainer import Trainer

DEVICE = "program"  # what a program trial records as its device: the program chooses its own
POLL_S = 0.1
_COUNTER_KEYS = frozenset({"epoch", "step", "iter", "iteration", "global_step"})


def fit_program(config: RunConfig, *, hooks: Sequence[TrainerHooks], files: TrialFiles,
                repeat: int, objective: str, base_dir: Path | None,
                stop_event: threading.Event, pause_event: threading.Event,
                trial_number: int | None = None, slot: Slot | None = None) -> FitResult:
    """Run `config.program` once with `config`'s values (the seed parameter, if any, plus
    `repeat`) and report what it prints through `hooks`; `slot` is the share of the machine
    it runs in (see slots.py). `objective` is the metric the
    search optimises (a line that holds it is an evaluation). Never raises for what the
    program does; returns its outcome."""
    assert config.program is not None
    return _ProgramFit(config, hooks, files, repeat, objective, base_dir or Path.cwd(),
                       stop_event, pause_event, trial_number, slot or Slot()).run()


class _ProgramFit:
    def __init__(self, config: RunConfig, hooks: Sequence[TrainerHooks], files: TrialFiles,
                 repeat: int, objective: str, base_dir: Path, stop_event: threading.Event,
                 pause_event: threading.Event, trial_number: int | None, slot: Slot):
        assert config.program is not None
        self.slot = slot
        self.program = config.program
        self.values = config.program_values
        if self.program.seed_parameter:
            name = self.program.seed_parameter
            self.values[name] = int(self.values[name]) + repeat
        self.hooks, self.files, self.objective = hooks, files, objective
        self.base_dir, self.trial_number = base_dir, trial_number
        self.stop_event, self.pause_event = stop_event, pause_event
        self.parser = MetricLineParser(self.program.metric_pattern)
        self.mode = metric_mode(objective)
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=10_000)
        self.requested: tuple[FitStatus, str] | None = None  # set by request_stop (any thread)
        self.stopping: tuple[FitStatus, str] | None = None  # what the loop acts on
        self.metrics: dict[str, float] = {}
        self.best: dict[str, float] = {}
        self.best_at: dict[str, dict[str, float]] = {}  # metric -> its best evaluation
        self.steps = 0
        self.last_step = 0
        self.evaluations = 0
        self.epoch = 0.0
        self.last_loss = math.nan
        self.started = time.monotonic()
        self.paused_s = 0.0

    # -- the trainer side the hooks see ------------------------------------------------------
    def request_stop(self, status: FitStatus, message: str) -> None:
        """Stop the program at the next look (the pruner calls this, from any thread)."""
        if self.requested is None:
            self.requested = (status, message)

    @property
    def _as_trainer(self) -> Trainer:
        # The hooks take the trainer only to call request_stop on it, which this provides.
        return cast("Trainer", self)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> FitResult:
        resuming = self.files.prepare()
        channel = ReportChannel(self.events)
        log = OutputLog(self.files.log)
        launch = build_launch(self.program, self.values, base_dir=self.base_dir,
                              files=self.files, trial_number=self.trial_number,
                              resuming=resuming, objective=self.objective,
                              address=channel.address, token=channel.token, slot=self.slot)
        try:
            process = ProgramProcess(launch, log, self.events)
        except OSError as exc:
            channel.close()
            log.close()
            return self._result("failed", f"the program could not start: {exc} (command: "
                                f"{' '.join(launch.argv[:3])}...)")
        trace: str | None = None
        try:
            record_process(self.files.process_file, process.pid, channel.token)
            status, message = self._loop(process, channel)
        except Exception as exc:  # e.g. the database went away under a hook: the trial fails
            status, message = "failed", f"{type(exc).__name__}: {exc}"
            trace = traceback.format_exc()
        finally:
            channel.close()
            process.stop(self.program.grace_s)  # nothing of it outlives the trial
            process.close()
            self.files.process_file.unlink(missing_ok=True)
        if status != "stopped":  # the trial ends for good: its checkpoints are not needed
            self.files.discard_checkpoint()
        if status == "failed":
            message = _with_output(message, process.last_lines)
        return self._result(status, message, trace)

    def _loop(self, process: ProgramProcess, channel: ReportChannel) -> tuple[FitStatus, str]:
        timeout = self.program.timeout_s
        paused_at: float | None = None
        pruned_at: float | None = None
        eof = False
        exited_at: float | None = None
        while True:
            try:
                # Once its output ended, the program's exit follows at once: waited for on the
                # process, not on events that no longer come (up to POLL_S per trial)
                kind, item = self.events.get_nowait() if eof else \
                    self.events.get(timeout=POLL_S)
            except queue.Empty:
                kind, item = "", None
                if eof:
                    process.wait_exit(POLL_S)
            if kind == "line":
                if not channel.connected.is_set():  # a client's reports replace the lines
                    self._line(item)
            elif kind == "report":
                self._report(item)
            elif kind == "eof":
                eof = True
            if self.pause_event.is_set() != (paused_at is not None):
                process.pause(self.pause_event.is_set())
                if paused_at is None:
                    paused_at = time.monotonic()
                else:
                    self.paused_s += time.monotonic() - paused_at
                    paused_at = None
            if self.stop_event.is_set() and self.stopping is None:
                self.stopping = ("stopped", "stopped by the user")
                process.pause(False)
                how = process.stop(self.program.grace_s)
                return "stopped", f"stopped by the user (the program ended on {how or 'exit'})"
            if self.requested is not None and self.stopping is None:
                self.stopping = self.requested
                if channel.connected.is_set() and self.stopping[0] == "pruned":
                    pruned_at = time.monotonic()  # its next report learns it; then it returns
                else:
                    process.stop(self.program.grace_s)
            if pruned_at is not None and time.monotonic() - pruned_at > self.program.grace_s:
                pruned_at = None
                process.stop(self.program.grace_s)
            if timeout is not None and paused_at is None and self._elapsed() > timeout \
                    and self.stopping is None:  # paused time does not count
                self.stopping = ("failed", f"timed out: still running after {timeout:g} s "
                                 "(program.timeout_s)")
                process.stop(self.program.grace_s)
            code = process.poll()
            if code is not None:
                exited_at = exited_at or time.monotonic()
                # its output read to the end, or what is left of the group keeps printing
                if eof or kind == "" or time.monotonic() - exited_at > 1.0:
                    return self._ended(process, code, channel.connected.is_set())

    def _ended(self, process: ProgramProcess, code: int, client: bool
               ) -> tuple[FitStatus, str]:
        """The program's first process exited: stop what it left behind, read the rest of its
        output, and say how the trial ends. `client`: it reported through the client, whose
        reports replace its printed lines, those still queued at its exit too (on a busy
        machine a completed trial's last printed `val_acc=99` was read as a seventh
        evaluation)."""
        leftover = process.group_alive()
        if leftover:
            process.stop(min(self.program.grace_s, 5.0), interrupt=False)
        process.wait_output(5.0)
        while True:
            try:
                kind, item = self.events.get_nowait()
            except queue.Empty:
                break
            if kind == "line" and self.stopping is None and not client:
                self._line(item)
            elif kind == "report":
                self._report(item)
        if self.stopping is not None:
            return self.stopping
        if code != 0:
            return "failed", f"the program {_exit_text(code)}"
        if leftover:
            return "failed", ("the program exited but left processes of its group running; "
                              "they were stopped (wait for the processes you start before "
                              "exiting)")
        if math.isnan(self.best.get(self.objective, math.nan)):
            seen = ", ".join(sorted(self.metrics)) or "none"
            return "failed", (f"the program never reported the objective '{self.objective}' "
                              f"(metrics it printed: {seen}); print it, e.g. "
                              f"'{self.objective}=0.93', or name the metric it prints as the "
                              "objective")
        return "completed", ""

    def _elapsed(self) -> float:
        return time.monotonic() - self.started - self.paused_s

    # -- what it reports -------------------------------------------------------------------
    def _line(self, text: str) -> None:
        parsed = self.parser.parse(text)
        if parsed is None:
            return
        if self.objective in parsed.values:
            self._evaluation(parsed.values, parsed.epoch, parsed.step, parsed.loss)
        elif parsed.loss is not None:
            self._step(parsed.step, parsed.epoch, parsed.loss, parsed.values.get("lr"),
                       parsed.values.get("grad_norm"))

    def _report(self, report: Report) -> None:
        message = report.message
        kind = message.get("kind")
        clean: dict[str, float] = {}
        raw = message.get("metrics")
        for name, text in (raw.items() if isinstance(raw, dict) else ()):
            number = _float(text)
            if number is not None:
                clean[str(name)] = number
        if kind == "step":
            loss = _float(message.get("loss"))
            self._step(_int(message.get("step")), _float(message.get("epoch")),
                       math.nan if loss is None else loss, _float(message.get("lr")),
                       _float(message.get("grad_norm")))
        elif kind == "eval":
            self._evaluation(clean, _float(message.get("epoch")), _int(message.get("step")),
                             clean.get("train_loss", clean.get("loss")))
            pruned = (self.stopping is not None and self.stopping[0] == "pruned") \
                or (self.requested is not None and self.requested[0] == "pruned")
            report.reply({"pruned": pruned})

    def _step(self, step: int | None, epoch: float | None, loss: float,
              lr: float | None, grad_norm: float | None) -> None:
        self.steps += 1
        number = step if step is not None and step > self.last_step else self.last_step + 1
        self.last_step = number
        if epoch is not None:
            self.epoch = epoch
        self.last_loss = loss
        elapsed = self._elapsed()
        event = StepEvent(step=number, epoch=int(self.epoch), loss=loss,
                          lr=math.nan if lr is None else lr,
                          grad_norm=math.nan if grad_norm is None else grad_norm,
                          samples_per_s=math.nan, wall_s=elapsed)
        for hook in self.hooks:
            hook.on_step_end(self._as_trainer, event)

    def _evaluation(self, values: dict[str, float], epoch: float | None, step: int | None,
                    loss: float | None) -> None:
        self.evaluations += 1
        self.epoch = epoch if epoch is not None else float(self.evaluations)
        if step is not None and step > self.last_step:
            self.last_step = step
        metrics = {k: v for k, v in values.items() if k not in _COUNTER_KEYS}
        train_loss = loss if loss is not None else self.last_loss
        event = EvalEvent(step=self.last_step, epoch=self.epoch, wall_s=self._elapsed(),
                          train_loss=train_loss, val_loss=metrics.get("val_loss"),
                          metrics=metrics)
        self.metrics = metrics
        note_evaluation(self.best, self.best_at, metrics, self.epoch)
        for hook in self.hooks:
            hook.on_evaluate_end(self._as_trainer, event)
        reached = metrics.get(self.objective)
        if reached is not None and not math.isfinite(reached) and self.requested is None:
            self.request_stop("failed", f"the program reported {self.objective} = {reached} at "
                              f"evaluation {self.evaluations} (not a number: training "
                              "diverged?)")

    def _result(self, status: FitStatus, message: str, trace: str | None = None) -> FitResult:
        return FitResult(status=status, message=message, metrics=dict(self.metrics),
                         best=dict(self.best), best_at=dict(self.best_at),
                         epochs=self.epoch, steps=self.last_step,
                         duration_s=self._elapsed(), device=DEVICE, traceback=trace)


def _with_output(message: str, lines: Sequence[str]) -> str:
    shown = [line.rstrip() for line in list(lines)[-LAST_LINES:] if line.strip()][-10:]
    if not shown:
        return f"{message}; it printed nothing"
    return f"{message}. Its last lines of output:\n" + "\n".join(
        line if len(line) <= 300 else line[:300] + "…" for line in shown)


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = " (out of memory? the system's OOM killer sends it)" if -code == 9 else ""
        return f"was killed by {name}{hint}"
    return f"exited with code {code}"


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None and math.isfinite(number) else None
