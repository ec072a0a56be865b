"""Three calls that connect your own training script to TuneStudio, standard library only:

    from tunestudio import trial

    params = trial.params(lr=0.001, hidden=64)      # this trial's values over your defaults
    for epoch in range(1, epochs + 1):
        ...
        trial.report_step(step, loss=loss, lr=lr)    # per step: loss, LR, gradient norm, ...
        if trial.report(epoch, val_acc=acc):         # per evaluation: True = pruned, stop now
            break
    folder = trial.checkpoint_dir()                  # kept across restarts of this trial

Outside TuneStudio (no TUNESTUDIO_TRIAL_* environment) the same script runs as before:
`params` returns your defaults, `report` reports nowhere and answers False, `checkpoint_dir` is
`./checkpoints`. Inside, TuneStudio runs each trial as a child process and sets:

- TUNESTUDIO_TRIAL_PARAMS: the trial's values as a JSON object;
- TUNESTUDIO_TRIAL_ADDRESS and TUNESTUDIO_TRIAL_TOKEN: where reports go (a local TCP socket,
  one JSON object a line; the token proves the connection comes from the trial);
- TUNESTUDIO_CHECKPOINT_DIR, TUNESTUDIO_OUTPUT_DIR: the trial's checkpoint folder (kept while
  the trial can run again, e.g. after an interruption) and output folder (kept with the trial);
- TUNESTUDIO_TRIAL_RESUMING: "1" when this trial ran before and runs again;
- TUNESTUDIO_TRIAL_NUMBER: the trial's number in its experiment.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PARAMS_ENV = "TUNESTUDIO_TRIAL_PARAMS"
ADDRESS_ENV = "TUNESTUDIO_TRIAL_ADDRESS"
TOKEN_ENV = "TUNESTUDIO_TRIAL_TOKEN"
CHECKPOINT_ENV = "TUNESTUDIO_CHECKPOINT_DIR"
OUTPUT_ENV = "TUNESTUDIO_OUTPUT_DIR"
RESUMING_ENV = "TUNESTUDIO_TRIAL_RESUMING"
NUMBER_ENV = "TUNESTUDIO_TRIAL_NUMBER"
PARAMS_FILE_ENV = "TUNESTUDIO_PARAMS_FILE"
OBJECTIVE_ENV = "TUNESTUDIO_OBJECTIVE"  # the metric the search optimises (for a function's return)

__all__ = ["active", "checkpoint_dir", "number", "output_dir", "params", "report",
           "report_step", "resuming"]


class TrialError(RuntimeError):
    """A value TuneStudio passed does not fit the script's default (e.g. text for a number)."""


def active() -> bool:
    """Whether this process runs as a TuneStudio trial."""
    return bool(os.environ.get(PARAMS_ENV) or os.environ.get(ADDRESS_ENV))


def params(defaults: Mapping[str, Any] | None = None, /, **more: Any) -> dict[str, Any]:
    """The trial's parameters: your defaults (a mapping and/or keywords), each replaced by the
    value TuneStudio passed for it, converted to the default's type (an int default stays an
    int). Names TuneStudio passes that you did not list are added as they are. Outside
    TuneStudio: the defaults. Raises TrialError when a passed value does not fit its default's
    type (text for a number), naming the parameter."""
    values: dict[str, Any] = {**(defaults or {}), **more}
    raw = os.environ.get(PARAMS_ENV)
    if not raw:
        return values
    try:
        given = json.loads(raw)
    except ValueError as exc:
        raise TrialError(f"{PARAMS_ENV} is not JSON ({exc})") from None
    if not isinstance(given, dict):
        raise TrialError(f"{PARAMS_ENV} is not a JSON object")
    for name, value in given.items():
        values[name] = _as_type_of(values[name], value, name) if name in values else value
    return values


def _as_type_of(default: Any, value: Any, name: str) -> Any:
    if default is None or isinstance(value, type(default)):
        return value
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, int) and isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(default, int | float | str):
            return type(default)(value)
    except (TypeError, ValueError):
        pass
    raise TrialError(f"parameter '{name}': TuneStudio passed {value!r}, which is not a "
                     f"{type(default).__name__} like its default {default!r}")


def number() -> int | None:
    """The trial's number in its experiment; None outside TuneStudio."""
    text = os.environ.get(NUMBER_ENV, "")
    return int(text) if text.isdigit() else None


def resuming() -> bool:
    """True when this trial ran before (it was interrupted) and runs again: its checkpoint
    folder holds what it saved then."""
    return os.environ.get(RESUMING_ENV) == "1"


def checkpoint_dir() -> Path:
    """The trial's checkpoint folder, created if needed: the same folder on every run of the
    same trial, so a trial interrupted and run again finds what it saved. Outside TuneStudio:
    `./checkpoints`."""
    folder = Path(os.environ.get(CHECKPOINT_ENV) or "checkpoints")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def output_dir() -> Path:
    """The trial's output folder, created if needed; what you write there is kept with the
    trial. Outside TuneStudio: the current folder."""
    folder = Path(os.environ.get(OUTPUT_ENV) or ".")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_step(step: int, loss: float | None = None, *, lr: float | None = None,
                grad_norm: float | None = None, epoch: float | None = None,
                **metrics: float) -> None:
    """One training step (1-based `step`): its loss, learning rate, gradient norm and any other
    number, for the live curves and the diagnosis. Returns at once (nothing is awaited)."""
    link = _link()
    if link is None:
        return
    link.send({"kind": "step", "step": int(step), "epoch": _number(epoch),
               "loss": _number(loss), "lr": _number(lr), "grad_norm": _number(grad_norm),
               "metrics": {k: _number(v) for k, v in metrics.items()}})


def report(epoch: float, /, step: int | None = None, **metrics: float) -> bool:
    """One evaluation after `epoch` epochs (`step`: steps done so far, if you count them) with
    its metrics (val_acc=0.93, val_loss=0.2). Returns True when TuneStudio pruned the trial:
    stop training and return (TuneStudio interrupts a pruned program that goes on). Outside
    TuneStudio: False."""
    _last_epoch[0] = float(epoch)
    link = _link()
    if link is None:
        return False
    answer = link.ask({"kind": "eval", "epoch": _number(epoch),
                       "step": None if step is None else int(step),
                       "metrics": {k: _number(v) for k, v in metrics.items()}})
    return bool(answer.get("pruned"))


def _number(value: Any) -> float | str | None:
    """A number as JSON can carry it: NaN and infinities as text."""
    if value is None:
        return None
    number_ = float(value)
    return number_ if math.isfinite(number_) else repr(number_)


class _Link:
    """The connection to TuneStudio: one socket, JSON lines both ways; a failure (TuneStudio
    went away) turns reporting off rather than failing the script."""

    def __init__(self, address: str, token: str):
        host, _, port = address.rpartition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.sock.settimeout(None)
        self.reader = self.sock.makefile("r", encoding="utf-8")
        self.lock = threading.Lock()
        self.broken = False
        self.send({"token": token})

    def send(self, message: dict[str, Any]) -> None:
        if self.broken:
            return
        data = (json.dumps(message) + "\n").encode("utf-8")
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                self.broken = True

    def ask(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.broken:
            return {}
        with self.lock:
            try:
                self.sock.sendall((json.dumps(message) + "\n").encode("utf-8"))
                line = self.reader.readline()
            except OSError:
                self.broken = True
                return {}
        try:
            answer = json.loads(line) if line else {}
        except ValueError:
            answer = {}
        return answer if isinstance(answer, dict) else {}


_last_epoch = [0.0]  # of the last evaluation reported (a function's return is reported there)
_state: dict[str, _Link | None] = {}
_state_lock = threading.Lock()


def _link() -> _Link | None:
    with _state_lock:
        if "link" not in _state:
            address, token = os.environ.get(ADDRESS_ENV), os.environ.get(TOKEN_ENV, "")
            link: _Link | None = None
            if address:
                try:
                    link = _Link(address, token)
                except (OSError, ValueError):
                    link = None  # TuneStudio is gone: the script trains on, reporting nowhere
            _state["link"] = link
        return _state["link"]
