"""The parent's end of the client's connection (`tunestudio.trial`): a TCP socket on the
loopback interface, one JSON object a line, opened per trial run. The first line must carry
the run's token (another local process cannot report for the trial). Reports are handed to
the trial's loop in order with the printed lines; an evaluation waits for the loop's answer
(pruned or not), a step does not."""

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import socket
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    """One message of the client; `answer` is set by the loop for an evaluation."""

    message: dict[str, Any]
    answered: threading.Event = field(default_factory=threading.Event)
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def wants_answer(self) -> bool:
        """Whether the client waits for an answer: an evaluation (`kind` 'eval'), which the loop
        answers with whether to prune."""
        return self.message.get("kind") == "eval"

    def reply(self, answer: dict[str, Any]) -> None:
        """Set the answer and wake the channel's thread, which sends it to the client as one JSON
        line."""
        self.answer = answer
        self.answered.set()


class ReportChannel:
    """Listens on 127.0.0.1 (a free port) for the run's client; puts each `Report` on `events`
    as ("report", Report). `connected` is set once a client with the right token spoke."""

    def __init__(self, events: queue.Queue[tuple[str, Any]]):
        self.events = events
        self.token = secrets.token_hex(16)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.connected = threading.Event()
        self._closed = threading.Event()
        self._clients: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, name="tunestudio-trial-channel",
                                        daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._clients.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="tunestudio-trial-client").start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(None)
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
            first = lines.readline(4096)
            try:
                hello = json.loads(first)
            except ValueError:
                return
            if not isinstance(hello, dict) or not secrets.compare_digest(
                    str(hello.get("token", "")), self.token):
                return
            self.connected.set()
            for raw in lines:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(message, dict):
                    continue
                report = Report(message)
                self.events.put(("report", report))
                if report.wants_answer:
                    while not report.answered.wait(0.2):
                        if self._closed.is_set():
                            return
                    conn.sendall((json.dumps(report.answer) + "\n").encode("utf-8"))

    def close(self) -> None:
        """Stop listening and shut the clients' connections; returns without waiting for the
        threads."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self.server.close()
        for conn in self._clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        # not joined: the accept thread sees the closed socket within its 0.2 s timeout, and
        # waiting for it would add that to every trial
