"""One program run as a child process in a process group of its own: its output read on a
thread of its own into the trial's log and handed over line by line, and the whole group
stopped the way a terminal would (interrupt, then terminate after a grace period, then kill).

The log keeps the first LOG_HEAD_BYTES of output whole and, past that, the last TAIL_BYTES
(with a line saying how much was left out), so a program that prints without end costs a
bounded file and bounded memory. Output is kept as bytes; lines are decoded as UTF-8 with
undecodable bytes replaced. A line longer than MAX_LINE_BYTES is cut there (for reading its
metrics and quoting it; the log keeps it whole).

Processes that leave the group on purpose (a daemon that calls setsid) are beyond its reach."""

from __future__ import annotations

import collections
import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from tunestudio.search.program.command import Launch

LOG_HEAD_BYTES = 16 * 1024 * 1024
TAIL_BYTES = 256 * 1024
MAX_LINE_BYTES = 4096  # a metric line is short; a longer line is cut (the log keeps it whole)
LAST_LINES = 20
_POSIX = os.name == "posix"
_LINE_END = re.compile(rb"[\r\n]")


class OutputLog:
    """The program's output as its log file (see the module docstring for the limits)."""

    def __init__(self, path: Path, head_limit: int = LOG_HEAD_BYTES,
                 tail_limit: int = TAIL_BYTES):
        self.path = path
        # unbuffered: each chunk read from the program is in the file at once, for the
        # window's log view and `tunestudio log --follow` to show while the program runs
        self.file = path.open("ab", buffering=0)
        self.head_left = head_limit
        self.tail_limit = tail_limit
        self.tail = bytearray()
        self.left_out = 0
        self.total = 0

    def write(self, data: bytes) -> None:
        """Take a chunk of the program's output: the first `head_limit` bytes go to the file at
        once, the last `tail_limit` bytes after them are kept in memory until `close`."""
        self.total += len(data)
        if self.head_left > 0:
            head = data[:self.head_left]
            self.file.write(head)
            self.head_left -= len(head)
            data = data[len(head):]
        if data:
            self.tail += data
            extra = len(self.tail) - self.tail_limit
            if extra > 0:
                del self.tail[:extra]
                self.left_out += extra

    def close(self) -> None:
        """Write the kept tail (after a line saying how many bytes between head and tail were left
        out) and close the file."""
        if self.left_out:
            self.file.write(f"\n[... {self.left_out:,} bytes of output left out; the last "
                            f"{len(self.tail):,} follow ...]\n".encode())
        self.file.write(bytes(self.tail))
        self.file.close()


def _hear_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class ProgramProcess:
    """A started program. Lines it prints go to `events` as ("line", text), then
    ("eof", None) once its output ends."""

    def __init__(self, launch: Launch, log: OutputLog,
                 events: queue.Queue[tuple[str, Any]]):
        self.log = log
        self.events = events
        self.last_lines: collections.deque[str] = collections.deque(maxlen=LAST_LINES)
        kwargs: dict[str, Any] = {}
        if _POSIX:
            kwargs["start_new_session"] = True  # its own session and process group
            if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
                # A process started in the background by a shell (`tunestudio run ... &`), or a
                # pytest-xdist worker, ignores Ctrl+C, and its children inherit that: the
                # program would not hear the interrupt that asks it to stop, and get killed
                # after the grace period without a word. Only then is the child's reset (a
                # preexec_fn, unsafe beside threads in principle, is kept to this case).
                kwargs["preexec_fn"] = _hear_interrupts
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        self.proc = subprocess.Popen(launch.argv, cwd=launch.cwd, env=launch.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, **kwargs)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, name="tunestudio-program-output",
                                         daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        pending = bytearray()
        self._skipping = False
        try:
            while True:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                self.log.write(chunk)
                pending += chunk
                self._split(pending)
            if pending:
                self._emit(bytes(pending))
        finally:
            self.events.put(("eof", None))

    def _split(self, pending: bytearray) -> None:
        # \n ends a line, and so does \r, with which progress bars rewrite theirs
        *lines, rest = _LINE_END.split(pending)
        for line in lines:
            if self._skipping:  # the end of a line already cut
                self._skipping = False
            elif line:
                self._emit(bytes(line[:MAX_LINE_BYTES]))
        pending[:] = rest
        if len(pending) > MAX_LINE_BYTES:
            if not self._skipping:
                self._emit(bytes(pending[:MAX_LINE_BYTES]))
                self._skipping = True
            pending.clear()

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace")
        self.last_lines.append(text)
        self.events.put(("line", text))

    # -- state and signals -----------------------------------------------------------------
    def poll(self) -> int | None:
        """The exit code of the program's first process, or None while it runs (`Popen.poll`)."""
        return self.proc.poll()

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code once the program's first process exits, waiting at most `timeout`
        seconds (None: still running)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def wait_output(self, timeout: float) -> bool:
        """Wait for the output to end (every process holding the pipe gone)."""
        self._reader.join(timeout)
        return not self._reader.is_alive()

    def group_alive(self) -> bool:
        """Whether any process of the group still runs (zombies aside)."""
        if not _POSIX:  # pragma: no cover - Windows: the group ends with its first process
            return self.proc.poll() is None
        self.proc.poll()  # reap the leader, so that it does not count as alive
        try:
            os.killpg(self.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False  # the usual answer, without reading /proc (tens of ms)
        members = _group_members(self.pid)  # zombies left out where /proc tells them
        return True if members is None else bool(members)

    def signal_group(self, sig: int) -> None:
        """Send `sig` to every process of the program's group (Windows: Ctrl+Break, terminate, or
        taskkill of the tree); a group already gone is not an error."""
        if _POSIX:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)
        else:  # pragma: no cover - Windows
            with contextlib.suppress(OSError):
                if sig == signal.SIGINT:
                    self.proc.send_signal(signal.CTRL_BREAK_EVENT)  # type: ignore[attr-defined]
                elif sig == signal.SIGTERM:
                    self.proc.terminate()
                else:
                    subprocess.run(["taskkill", "/T", "/F", "/PID", str(self.pid)],
                                   capture_output=True, check=False)

    def wait_group(self, timeout: float) -> bool:
        """Wait until no process of the group runs; False when some still do."""
        deadline = time.monotonic() + timeout
        while self.group_alive():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def stop(self, grace_s: float, interrupt: bool = True) -> str:
        """End every process of the group: an interrupt (Ctrl+C), `grace_s` to exit, then a
        terminate signal, `grace_s` more, then kill. Returns what it took ("interrupt",
        "terminate", "kill", or "" when nothing ran any more)."""
        if not self.group_alive():
            return ""
        steps = [(signal.SIGINT, "interrupt")] if interrupt else []
        steps.append((signal.SIGTERM, "terminate"))
        for sig, name in steps:
            self.signal_group(sig)
            if self.wait_group(grace_s):
                return name
        self.signal_group(signal.SIGKILL if _POSIX else signal.SIGTERM)
        self.wait_group(10.0)
        return "kill"

    def pause(self, paused: bool) -> None:
        """Suspend or resume the whole group (POSIX)."""
        if _POSIX:
            self.signal_group(signal.SIGSTOP if paused else signal.SIGCONT)

    def close(self) -> None:
        """Close the output pipe and the log (`OutputLog.close`)."""
        if self.proc.stdout is not None:
            with contextlib.suppress(OSError):
                self.proc.stdout.close()
        self.log.close()


def _group_members(pgid: int) -> list[int] | None:
    """Processes of the group that are not zombies, from /proc (None: no /proc to read)."""
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not proc.is_dir():
        return None
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found
