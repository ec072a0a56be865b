"""Program trials left running by a TuneStudio process that died (kill -9, a crash, a power
cut of the terminal): each program runs in a process group of its own, so it outlives the
process that started it. Each run records its group in the trial's folder (`process.json`:
the group id, the `host:pid` of its TuneStudio process, the trial's token); the next
TuneStudio process to start on the project stops every group whose owner is gone, before it
sweeps the trials up and runs the interrupted ones again (with their checkpoint folders).

A group is stopped only when it is verifiably the trial's: one of its processes still carries
the trial's token in its environment (Linux's /proc), so a group id the system gave to
something else since is left alone. Without /proc (macOS, Windows), nothing is stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from tunestudio import trial as client
from tunestudio.search.liveness import owner_is_gone, worker_tag

RECORD = "process*.json"
GRACE_S = 3.0  # after SIGTERM, before SIGKILL: the program was already orphaned


def record_process(path: Path, pgid: int, token: str) -> None:
    """Notes that this process runs trial group `pgid` (written next to the trial's log)."""
    path.write_text(json.dumps({"pgid": pgid, "owner": worker_tag(), "token": token}),
                    encoding="utf-8")


def stop_orphans(programs: Path) -> list[int]:
    """Stops the program groups under `programs` (a project's program-trial folders) whose
    TuneStudio process is gone, and removes their records. Returns the groups stopped."""
    stopped: list[int] = []
    if not programs.is_dir():
        return stopped
    for path in programs.glob(f"*/{RECORD}"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            pgid, owner, token = int(record["pgid"]), str(record["owner"]), str(record["token"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if not owner_is_gone(owner):
            continue  # its TuneStudio process still runs it (or runs on another host)
        members = _members_with_token(pgid, token)
        if members:
            _stop_group(pgid, members)
            stopped.append(pgid)
        with contextlib.suppress(OSError):
            path.unlink()
    return stopped


def _members_with_token(pgid: int, token: str) -> list[int]:
    """Processes of group `pgid` whose environment holds the trial's token; [] when none (or
    no /proc to tell)."""
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return []
    needle = f"{client.TOKEN_ENV}={token}".encode()
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2:].split()
            if len(fields) < 3 or fields[2] != str(pgid) or fields[0] == "Z":
                continue
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _stop_group(pgid: int, members: list[int]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline:
            if not any(_alive(pid) for pid in members):
                return
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running and not a zombie (an orphan's zombie is reaped by init, not by us)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"
