"""Running `tunestudio COMMAND ...` from the end-to-end tests.

`tunestudio()` runs the CLI's own `main()` in the test's process: the same parser, commands,
output and exit codes as `python -m tunestudio`, without a new interpreter importing torch,
Optuna and SQLAlchemy again (3-6 s a call on the 2-core CI machine, most of the suite's time).
`tunestudio_process()` starts a real process, for the tests that are about one: signals,
kill -9, workers, what a command imports, the console script."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Completed:
    """What a finished command left: as `subprocess.CompletedProcess` names it."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _environment(env: Mapping[str, str] | None, cwd: Path | None) -> Iterator[None]:
    saved_env = dict(os.environ)
    saved_cwd = Path.cwd()
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for sig, handler in saved_signals.items():  # `run` installs its Ctrl+C handler
            signal.signal(sig, handler)


def tunestudio(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None,
               timeout: float | None = None) -> Completed:
    """`tunestudio ARGS` run in this process; stdout and stderr captured as text.

    `env` replaces the environment for the call, as `subprocess.run(env=...)` does; `timeout`
    is accepted for the callers' symmetry with `tunestudio_process` (pytest-timeout guards
    a hung call). A `SystemExit` (argparse's errors, `--help`) becomes the return code."""
    from tunestudio.cli import main

    out, err = io.StringIO(), io.StringIO()
    with _environment(env, cwd), contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
    return Completed(tuple(args), int(code or 0), out.getvalue(), err.getvalue())


def tunestudio_process(*args: str, cwd: Path | None = None,
                       env: Mapping[str, str] | None = None,
                       timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python -m tunestudio ARGS` as a process of its own."""
    return subprocess.run([sys.executable, "-m", "tunestudio", *args], capture_output=True,
                          text=True, timeout=timeout, check=False, cwd=cwd,
                          env=None if env is None else dict(env))
