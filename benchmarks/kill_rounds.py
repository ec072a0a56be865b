"""Progress of a search killed again and again (a preemptible machine): `tunestudio new` from the
digits template, then `tunestudio run` started and killed with SIGKILL after `--interval`
seconds, with the worker processes it started (`--workers auto`: its process group, as a
machine going away takes them all), `--rounds` times, on the same project. After each round
the finished trials (complete, pruned, failed, diverged or invalid: every state but running and
interrupted) are counted from the history. Goal: the count grows every round.

Each round's line on stderr gives the count, the trials that were running when the process was
killed, and the process's own progress lines (its stderr) for what it was doing. The last line
printed is one JSON object: `finished_per_round`, `grew_every_round`, `interval_s`, the `fuse`
setting and `load_avg` (the 1-minute load average before and after).

Usage: python benchmarks/kill_rounds.py [--rounds 6] [--interval 10] [--fuse auto|off|K]
       [--template digits]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tunestudio.config import load_project
from tunestudio.search import open_store

FINISHED = ("complete", "pruned", "failed", "diverged", "invalid")


def _tunestudio(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    # a session of its own: the machine going away takes the run and the worker processes
    # it started (`--workers auto`) together, as killpg does below
    return subprocess.Popen([sys.executable, "-m", "tunestudio", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True, start_new_session=True)


def counts(path: Path) -> dict[str, int]:
    """The experiment's trials by state, read from the history (empty before the first)."""
    project = load_project(path)
    store = open_store(project)
    try:
        return {state: n for state, n in store.counts().items() if n}
    finally:
        store.close()


def rounds(folder: Path, n: int, interval: float, fuse: str | None, template: str
           ) -> list[int]:
    # this process reads the history the runs write: its own data dir is theirs (it counted
    # in an empty database of the user's data dir, 0 finished whatever the runs did)
    os.environ["TUNESTUDIO_DATA_DIR"] = str(folder / "data")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    path = folder / "kill.tuneproj"
    subprocess.run([sys.executable, "-m", "tunestudio", "new", str(path), "--template",
                    template], env=env, check=True, stdout=subprocess.DEVNULL)
    finished = []
    for i in range(n):
        args = ["run", str(path)] + (["--fuse", fuse] if fuse else [])
        t0 = time.monotonic()
        proc = _tunestudio(*args, env=env)
        try:
            proc.wait(timeout=interval)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        ran = time.monotonic() - t0
        assert proc.stderr is not None
        said = [line for line in proc.stderr.read().splitlines() if line.strip()]
        by_state = counts(path)
        finished.append(sum(by_state.get(s, 0) for s in FINISHED))
        print(f"round {i + 1}: {finished[-1]} finished after {ran:.1f} s "
              f"(exit {proc.returncode}), states {by_state}; last said: "
              f"{' | '.join(said[-3:])[-300:]}", file=sys.stderr)
    return finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--interval", type=float, default=10.0,
                        help="seconds each run lives before kill -9")
    parser.add_argument("--fuse", help="the run's --fuse (default: the template's)")
    parser.add_argument("--template", default="digits")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        finished = rounds(Path(tmp), args.rounds, args.interval, args.fuse, args.template)
    grew = all(b > a for a, b in zip([0, *finished], finished, strict=False))
    print(json.dumps({"finished_per_round": finished, "grew_every_round": grew,
                      "interval_s": args.interval, "fuse": args.fuse or "template",
                      "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)]}))


if __name__ == "__main__":
    main()
