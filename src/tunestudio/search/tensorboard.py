"""TensorBoard logs of an experiment: one run folder per trial (`DIR/<experiment>/trial-0007`),
with the scalars TensorBoard's Scalars dashboard plots and the HParams summary its HParams
dashboard tabulates. Written through `torch.utils.tensorboard` (the `tensorboard` package is
an optional extra: `pip install 'tunestudio[tensorboard]'`).

Two writers produce the same logs:
- `export_tensorboard` from the trial history (`tunestudio export --format tensorboard`);
- `TensorBoardHooks` while a search trains (`tunestudio run --tensorboard DIR`).

Scalars (x axis: the optimiser step):
- per step: `train/loss`, `train/lr`, `train/grad_norm`;
- per evaluation: `eval/train_loss`, `eval/val_loss`, `eval/<metric>` for each metric (e.g.
  `eval/val_accuracy`), `eval/epoch`, and `eval/wall_s` (seconds since the fit started);
- for a member of population-based training, exported from the history: each searched value
  it trained with as a step function `hparams/<path>` (e.g. `hparams/optimizer.weight_decay`),
  and each exploit (the member copied, the values before and after) as the text `pbt/exploits`;
- at the end: `objective/<metric>` (and `objective/train_time_s` for a second objective), the
  metrics of the HParams summary, whose hyperparameters are the trial's searched values plus
  its `state`.
A trial repeated with several seeds writes repeat 0 in its folder and repeat r in
`trial-0007/repeat-r`.

The ensembles kept in the history (search/ensemble.py) are exported beside the trials, one run
folder each (`DIR/<experiment>/ensemble-0002`), at step 0 and their creation time: their
metrics on the validation split as `ensemble/<metric>` (e.g. `ensemble/val_accuracy`), the gain
over the best member as `ensemble/gain`, the members counted as `ensemble/size`, the test
split's result (when it was evaluated) as `test/<metric>`, and an HParams summary (method, K,
members, state "ensemble") whose objective tag is the trials', so that the HParams dashboard
ranks the ensembles among the trials. A text summary lists the members and the exports.

Both writers replace what a run folder held before, since TensorBoard merges every event file
of a run and would draw each step twice (a curve that zigzags; tensorboard#5448, #1011): an export
deletes the event files of each trial folder it writes (other files stay), and a live writer
starts with TensorBoard's purge step at the trial's first step, which hides the steps from
that one on in older files (a resumed trial's replayed steps, a trial number logged before).
Event wall times: the real ones while training; on export, the
evaluation's (trial start + `wall_s`), and for steps their own stored time (trial start +
`wall_s`), or, for steps stored before the history kept one, interpolated between evaluations.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tunestudio.engine import EvalEvent, FitStartEvent, StepEvent
from tunestudio.errors import TuneStudioError
from tunestudio.search.events import RunSummary, TrialFinished, TrialStarted
from tunestudio.search.hooks import RunnerHooks
from tunestudio.store import EnsembleRow, EvalSeries, HparamChange, StepSeries, Store, TrialRow

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

MISSING = ("TensorBoard logs need the `tensorboard` package, which is not installed; install "
           "it with `pip install 'tunestudio[tensorboard]'` (or `pip install tensorboard`)")
TRIALS_PER_READ = 200  # trials whose series are read from the store at once


def summary_writer(log_dir: Path, purge_step: int | None = None) -> SummaryWriter:
    """A `torch.utils.tensorboard.SummaryWriter` on `log_dir`; with `purge_step` (an optimiser
    step), TensorBoard hides the events of older files in `log_dir` at that step and later.
    Raises TuneStudioError when the `tensorboard` package is missing, saying how to install
    it."""
    _check_installed()
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(log_dir), flush_secs=10, purge_step=purge_step)


EVENT_FILES = "events.out.tfevents.*"


def clear_run(folder: Path) -> None:
    """Delete the TensorBoard event files of a trial's run folder and of its `repeat-r`
    folders, so that the logs written next are the run's only ones; other files stay. Raises
    OSError when a file cannot be deleted."""
    for sub in (folder, *sorted(folder.glob("repeat-*"))):
        for file in sub.glob(EVENT_FILES):
            if file.is_file():
                file.unlink()


def _safe(name: str) -> str:
    """A folder name for an experiment name (path separators and odd characters replaced)."""
    return re.sub(r"[^\w.\- ]+", "_", name).strip() or "experiment"


def run_dir(root: Path, experiment: str, number: int, repeat: int = 0) -> Path:
    """`root/<experiment>/trial-0007`, or `.../trial-0007/repeat-2` for a repeat seed."""
    folder = root / _safe(experiment) / f"trial-{number:04d}"
    return folder if repeat == 0 else folder / f"repeat-{repeat}"


def ensemble_dir(root: Path, experiment: str, number: int) -> Path:
    """`root/<experiment>/ensemble-0002`: the run folder of the experiment's ensemble #2."""
    return root / _safe(experiment) / f"ensemble-{number:04d}"


def _hparam_value(value: Any) -> float | int | str | bool:
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def write_hparams(writer: SummaryWriter, params: Mapping[str, Any], state: str,
                  objectives: Mapping[str, float | None], step: int) -> None:
    """The HParams summary of one trial in its own run folder: its searched values and state
    as hyperparameters, `objectives` (tag -> value, None for a trial without one) as metrics,
    each also written as a scalar under its tag, where the HParams dashboard reads it."""
    from torch.utils.tensorboard import summary as tb_summary

    hparams: Any = tb_summary.hparams  # untyped in torch

    hparam_dict = {str(k): _hparam_value(v) for k, v in params.items()}
    hparam_dict["state"] = state
    metrics = {k: float(v) for k, v in objectives.items() if v is not None}
    experiment, session_start, session_end = hparams(hparam_dict, metrics)
    # add_hparams would put them in a new run folder of their own; they belong in the trial's
    file_writer = writer._get_file_writer()  # type: ignore[no-untyped-call]
    for summary in (experiment, session_start, session_end):
        file_writer.add_summary(summary)
    for tag, value in metrics.items():
        writer.add_scalar(tag, value, global_step=step)


def objective_tags(metric: str, second: str | None) -> tuple[str, str | None]:
    """The scalar tags of the objective and of the second objective (None when there is none)."""
    return f"objective/{metric}", (None if not second or second == "none"
                                   else f"objective/{second}_s" if second == "train_time"
                                   else f"objective/{second}")


def _write_steps(writer: SummaryWriter, steps: StepSeries, mask: np.ndarray,
                 walltimes: np.ndarray) -> None:
    for i in np.flatnonzero(mask):
        step, wall = int(steps.step[i]), float(walltimes[i])
        writer.add_scalar("train/loss", float(steps.loss[i]), step, walltime=wall)
        writer.add_scalar("train/lr", float(steps.lr[i]), step, walltime=wall)
        writer.add_scalar("train/grad_norm", float(steps.grad_norm[i]), step, walltime=wall)


def _write_schedule(writer: SummaryWriter, changes: list[HparamChange], last_step: int,
                    numbers: Mapping[int, int], step_x: np.ndarray, step_walls: np.ndarray,
                    start: float) -> None:
    """A population-based training member's hyperparameters as it trained with them: for each
    numeric value, a step function `hparams/<path>` (the value at the first and the last step
    it trained with: steps `change.step + 1` to the next change's step, the last one to
    `last_step`), and each exploit as the text `pbt/exploits` at its step (the member copied,
    the values before and after). `numbers`: trial id -> trial number; `step_x`, `step_walls`:
    the stored steps and their wall times (seconds since the epoch), interpolated between;
    `start`: the trial's start, the wall time when no step is stored."""

    def wall_of(step: int) -> float:
        return float(np.interp(step, step_x, step_walls)) if len(step_x) else start

    ordered = sorted(changes, key=lambda c: c.step)
    for i, change in enumerate(ordered):
        end = ordered[i + 1].step if i + 1 < len(ordered) else max(last_step, change.step + 1)
        for name, value in sorted(change.values.items()):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue  # a choice (the optimiser's kind): in the exploit's text
            for step in sorted({change.step + 1, end}):
                writer.add_scalar(f"hparams/{name}", float(value), step,
                                  walltime=wall_of(step))
        if change.exploit:
            source = numbers.get(change.source_trial_id or -1, change.source_trial_id)
            writer.add_text("pbt/exploits", f"step {change.step}: copied trial #{source}; "
                            f"{change.before} -> {change.values}", change.step,
                            walltime=wall_of(change.step))


def _write_eval(writer: SummaryWriter, step: int, epoch: float, wall_s: float, train_loss: float,
                val_loss: float | None, metrics: Mapping[str, float], walltime: float) -> None:
    writer.add_scalar("eval/epoch", epoch, step, walltime=walltime)
    writer.add_scalar("eval/wall_s", wall_s, step, walltime=walltime)
    values = {"train_loss": train_loss, "val_loss": val_loss, **metrics}  # metrics may repeat them
    for name, value in values.items():
        if value is not None and not math.isnan(value):
            writer.add_scalar(f"eval/{name}", value, step, walltime=walltime)


def step_walltimes(steps: StepSeries, eval_steps: np.ndarray, eval_walls: np.ndarray,
                   start: float) -> np.ndarray:
    """The wall time (seconds since the Unix epoch) of each step point of a trial that started
    at `start`: its own stored clock, or, for steps stored before the history kept one (NaN),
    interpolated between the evaluations of the same repeat (`eval_steps`, `eval_walls`;
    from the trial's start before the first)."""
    xs = np.concatenate([[0.0], eval_steps])
    ys = np.concatenate([[start], eval_walls])
    return np.where(np.isfinite(steps.wall_s), start + steps.wall_s,
                    np.interp(steps.step.astype(np.float64), xs, ys))


def _export_trial(root: Path, experiment: str, trial: TrialRow, steps: StepSeries | None,
                  evals: EvalSeries | None, tags: tuple[str, str | None],
                  changes: list[HparamChange] | None = None,
                  numbers: Mapping[int, int] | None = None) -> list[Path]:
    start = trial.started_at or 0.0
    clear_run(run_dir(root, experiment, trial.number))
    repeats = sorted({*(() if steps is None else steps.repeat.tolist()),
                      *(() if evals is None else evals.repeat.tolist())} or {0})
    folders = []
    for repeat in repeats:
        folder = run_dir(root, experiment, trial.number, repeat)
        writer = summary_writer(folder)
        try:
            eval_steps = np.empty(0)
            eval_walls = np.empty(0)
            if evals is not None:
                mask = evals.repeat == repeat
                eval_steps = evals.step[mask].astype(np.float64)
                eval_walls = start + evals.wall_s[mask]
                for i in np.flatnonzero(mask):
                    _write_eval(writer, int(evals.step[i]), float(evals.epoch[i]),
                                float(evals.wall_s[i]), float(evals.train_loss[i]),
                                float(evals.val_loss[i]),
                                {k: float(v[i]) for k, v in evals.metrics.items()},
                                start + float(evals.wall_s[i]))
            walls = np.empty(0)
            if steps is not None:
                walls = step_walltimes(steps, eval_steps, eval_walls, start)
                _write_steps(writer, steps, steps.repeat == repeat, walls)
            if repeat == 0:
                last = int(steps.step.max()) if steps is not None and len(steps) else 0
                if changes:
                    mask = steps.repeat == 0 if steps is not None else np.empty(0, bool)
                    known = steps.step[mask].astype(np.float64) if steps is not None \
                        else np.empty(0)
                    _write_schedule(writer, changes, last, numbers or {}, known,
                                    walls[mask] if len(walls) else walls, start)
                objectives = {tags[0]: trial.objective}
                if tags[1] is not None:
                    objectives[tags[1]] = trial.objective2
                write_hparams(writer, trial.params, trial.state, objectives, last)
        finally:
            writer.close()
        folders.append(folder)
    return folders


def _export_ensemble(root: Path, experiment: str, row: EnsembleRow,
                     tags: tuple[str, str | None]) -> Path:
    folder = ensemble_dir(root, experiment, row.number)
    clear_run(folder)
    writer = summary_writer(folder)
    wall = row.created_at
    try:
        for name, value in sorted(row.metrics.items()):
            if math.isfinite(value):
                writer.add_scalar(f"ensemble/{name}", value, 0, walltime=wall)
        if row.gain is not None:
            writer.add_scalar("ensemble/gain", row.gain, 0, walltime=wall)
        writer.add_scalar("ensemble/size", row.size, 0, walltime=wall)
        for name, value in sorted((row.test_metrics or {}).items()):
            if math.isfinite(value):
                writer.add_scalar(f"test/{name}", value, 0, walltime=row.tested_at or wall)
        members = row.members_text()
        lines = [f"Ensemble #{row.number} of {experiment}: {row.method} (K = {row.k}), "
                 f"members {members}; {row.metric} {row.value} (gain {row.gain} over the best "
                 f"member #{row.best_member})"]
        lines += [f"- trial #{m.number} (x{m.count}): {row.metric} "
                  f"{m.metrics.get(row.metric)}" for m in row.members]
        lines += [f"- exported as {e.get('format')}: {', '.join(e.get('files') or [])}"
                  for e in row.exports]
        writer.add_text("ensemble/summary", "\n".join(lines), 0, walltime=wall)
        write_hparams(writer, {"method": row.method, "k": row.k, "members": members,
                               "size": row.size}, "ensemble", {tags[0]: row.value}, 0)
    finally:
        writer.close()
    return folder


def _check_installed() -> None:
    try:
        import torch.utils.tensorboard  # noqa: F401
    except ImportError:  # torch raises it when tensorboard is missing or too old
        raise TuneStudioError(MISSING) from None


def export_tensorboard(store: Store, out_dir: Path,
                       objectives: Mapping[str, tuple[str, str | None]],
                       experiment: str | None = None, include_excluded: bool = False
                       ) -> list[Path]:
    """Write the TensorBoard logs of every trial (of one experiment, or all; the excluded ones
    only with `include_excluded`) and of every ensemble kept of them under `out_dir`;
    returns the run folders written. `objectives` maps an experiment name to its objective
    tags (see `objective_tags`); an experiment missing from it gets `objective/value`.
    Running trials are written as far as they got. Raises TuneStudioError when the
    `tensorboard` package is missing (before writing anything)."""
    _check_installed()
    names = {e.id: e.name for e in store.experiments()}
    wanted = [i for i, n in names.items() if experiment is None or n == experiment]
    written: list[Path] = []
    for exp_id in wanted:
        name = names[exp_id]
        tags = objectives.get(name, ("objective/value", None))
        trials = [t for t in store.trials(exp_id) if include_excluded or not t.excluded]
        numbers = {t.id: t.number for t in trials}
        for begin in range(0, len(trials), TRIALS_PER_READ):
            chunk = trials[begin:begin + TRIALS_PER_READ]
            ids = [t.id for t in chunk]
            steps, evals = store.step_series(ids), store.eval_series(ids)
            changes = store.hparam_changes(ids)  # population-based training's members
            for t in chunk:
                written += _export_trial(out_dir, name, t, steps.get(t.id), evals.get(t.id),
                                         tags, changes.get(t.id), numbers)
        written += [_export_ensemble(out_dir, name, e, tags) for e in store.ensembles(exp_id)]
    return written


class TensorBoardHooks(RunnerHooks):
    """Writes the TensorBoard logs of a search while it trains (the same layout and tags as
    `export_tensorboard`, with real wall times). Creating it raises TuneStudioError when
    `tensorboard` is missing. Called from the runner's thread; trials trained at once (fused)
    each get their own writers."""

    def __init__(self, out_dir: Path, experiment: str, tags: tuple[str, str | None]) -> None:
        _check_installed()
        self.out_dir, self.experiment, self.tags = Path(out_dir), experiment, tags
        self._started: dict[int, TrialStarted] = {}
        # trial id -> one per repeat, made at the repeat's first step (see _current)
        self._writers: dict[int, list[SummaryWriter | Path]] = {}
        self._last_step: dict[int, int] = {}  # of repeat 0, where the HParams summary goes

    def on_trial_start(self, ev: TrialStarted) -> None:
        """Keep the trial's start (its number and values) for its run folders and HParams
        summary."""
        self._started[ev.trial_id] = ev

    def on_fit_start(self, trial_id: int, ev: FitStartEvent) -> None:
        """A new repeat of the trial: its run folder, whose writer is made at its first step."""
        started = self._started.get(trial_id)
        if started is None:
            return
        writers = self._writers.setdefault(trial_id, [])
        writers.append(run_dir(self.out_dir, self.experiment, started.number, len(writers)))

    def _current(self, trial_id: int, step: int) -> SummaryWriter | None:
        """The writer of the trial's current repeat, made at its first event with the purge
        step there: a resumed trial starts after its checkpoint's step, and the events an
        earlier process wrote from that step on are hidden rather than drawn twice."""
        writers = self._writers.get(trial_id)
        if not writers:
            return None
        current = writers[-1]
        if isinstance(current, Path):
            current = writers[-1] = summary_writer(current, purge_step=step)
        return current

    def _current_of_repeat0(self, trial_id: int) -> None:
        first = self._writers[trial_id][0]
        if isinstance(first, Path):  # nothing written yet: older files' events all hidden
            self._writers[trial_id][0] = summary_writer(first, purge_step=0)

    def _made(self, trial_id: int) -> list[SummaryWriter]:
        return [w for w in self._writers.get(trial_id, []) if not isinstance(w, Path)]

    def on_step(self, trial_id: int, ev: StepEvent) -> None:
        """Write the step's training loss, learning rate and gradient norm at the step."""
        writer = self._current(trial_id, ev.step)
        if writer is None:
            return
        writer.add_scalar("train/loss", ev.loss, ev.step)
        writer.add_scalar("train/lr", ev.lr, ev.step)
        writer.add_scalar("train/grad_norm", ev.grad_norm, ev.step)
        if len(self._writers[trial_id]) == 1:
            self._last_step[trial_id] = ev.step

    def on_evaluate(self, trial_id: int, ev: EvalEvent) -> None:
        """Write the evaluation's losses and metrics at its step."""
        writer = self._current(trial_id, ev.step)
        if writer is not None:
            _write_eval(writer, ev.step, ev.epoch, ev.wall_s, ev.train_loss, ev.val_loss,
                        ev.metrics, time.time())

    def on_trial_end(self, ev: TrialFinished) -> None:
        """Write the trial's HParams summary (values, state and objectives) to its first repeat's
        run, then close its writers."""
        started = self._started.pop(ev.trial_id, None)
        if self._writers.get(ev.trial_id):  # a trial that ended before its first step, too
            self._current_of_repeat0(ev.trial_id)
        writers = self._made(ev.trial_id)
        self._writers.pop(ev.trial_id, None)
        last_step = self._last_step.pop(ev.trial_id, 0)
        try:
            if started is not None and writers:
                objectives: dict[str, float | None] = {self.tags[0]: ev.objective}
                if self.tags[1] is not None:
                    objectives[self.tags[1]] = ev.objective2
                write_hparams(writers[0], started.params, ev.state, objectives, last_step)
        finally:
            for writer in writers:
                writer.close()

    def on_run_end(self, summary: RunSummary) -> None:
        """Close the writers of trials still open."""
        for trial_id in list(self._writers):
            for writer in self._made(trial_id):
                writer.close()
        self._writers.clear()
