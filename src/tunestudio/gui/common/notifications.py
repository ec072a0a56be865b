"""The one route for messages to the user: any code, in any thread, calls `error`, `warning` or
`info`; the bridge (a GUI-thread QObject) delivers them, queued, to the notification area, which
shows non-modal toasts in the window's corner. Uncaught exceptions, in the GUI thread or any
other, come through the same route (qutebrowser's message bridge, napari's notification
manager)."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from PySide6.QtCore import QChildEvent, QEvent, QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tunestudio.gui.common.log_file import log_file

Level = Literal["error", "warning", "info"]
_log = logging.getLogger(__name__)
_SHOWN_S = {"error": 20, "warning": 12, "info": 6}
_MAX_SHOWN = 4


@dataclass(frozen=True)
class Message:
    """One notification: its `level`, a one-line `text`, and a `detail` (a traceback, say)
    shown in the toast's tooltip."""

    level: Level
    text: str
    detail: str = ""


class MessageBridge(QObject):
    """Emitting from another thread is safe: the receiver lives in the GUI thread, so Qt queues
    the call there."""

    message = Signal(object)

    def post(self, level: Level, text: str, detail: str = "") -> None:
        """Logs the message at its level and emits it to the notification area; safe from any
        thread."""
        log = {"error": _log.error, "warning": _log.warning, "info": _log.info}[level]
        log("%s%s", text, f"\n{detail}" if detail else "")
        self.message.emit(Message(level, text, detail))


_bridge: MessageBridge | None = None


def bridge() -> MessageBridge:
    """The process's bridge; created on first use, which must be in the GUI thread."""
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge


def error(text: str, detail: str = "") -> None:
    """An error notification (logged too); safe from any thread."""
    bridge().post("error", text, detail)


def warning(text: str, detail: str = "") -> None:
    """A warning notification (logged too); safe from any thread."""
    bridge().post("warning", text, detail)


def info(text: str, detail: str = "") -> None:
    """An information notification (logged too); safe from any thread."""
    bridge().post("info", text, detail)


def install_excepthook() -> None:
    """Uncaught exceptions become error notifications instead of a dead or silent app."""
    bridge()  # created now, in the GUI thread

    def hook(kind: type[BaseException], exc: BaseException,
             tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        detail = "".join(traceback.format_exception(kind, exc, tb))
        error(f"Unexpected error: {exc}", detail)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


class _Toast(QFrame):
    def __init__(self, message: Message, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(f"toast_{message.level}")
        self.setProperty("level", message.level)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.message = message
        icon = {"error": "✖", "warning": "⚠", "info": "ℹ"}[message.level]
        text = QLabel(self.tr("<b>{icon}</b>&nbsp; {escape}").format(
            icon=icon, escape=_escape(message.text)), self)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if message.detail:
            text.setToolTip(message.detail[-4000:])
        self.open_log: QToolButton | None = None
        log = log_file()
        if message.level != "info" and log is not None:
            self.open_log = QToolButton(self)
            self.open_log.setText(self.tr("Open log"))
            self.open_log.setObjectName("openLog")
            self.open_log.setAutoRaise(True)
            self.open_log.setToolTip(self.tr("The full message is in {log}").format(log=log))
            self.open_log.clicked.connect(self._open_log)
        close = QToolButton(self)
        close.setText("×")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(text, 1)
        if self.open_log is not None:
            layout.addWidget(self.open_log, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setFixedWidth(380)
        QTimer.singleShot(_SHOWN_S[message.level] * 1000, self, self.dismiss)

    @Slot()
    def _open_log(self) -> None:
        log = log_file()
        if log is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(log)))

    @Slot()
    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\n", "<br>")


class NotificationArea(QWidget):
    """Toasts stacked in the bottom-right corner of `host`; they never take the focus or block
    the window, and they disappear by themselves."""

    def __init__(self, host: QWidget, source: MessageBridge) -> None:
        super().__init__(host)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, False)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._layout.addStretch(1)
        self.history: list[Message] = []
        source.message.connect(self.show_message)
        host.installEventFilter(self)
        self._place()

    @Slot(object)
    def show_message(self, message: Message) -> None:
        """Shows `message` as a toast below the others, dismissing the oldest so that at most four
        are shown; every message is kept in `history`. The toast dismisses itself after 20 s
        (error), 12 s (warning) or 6 s (info)."""
        self.history.append(message)
        toasts = self.toasts()
        for old in toasts[: max(0, len(toasts) - _MAX_SHOWN + 1)]:
            old.dismiss()
        toast = _Toast(message, self)
        self._layout.addWidget(toast)
        toast.show()  # a child added to a shown parent stays hidden until shown
        self._place()
        self.show()
        self.raise_()

    def toasts(self) -> list[_Toast]:
        """The toasts shown now."""
        return [w for w in self.findChildren(_Toast) if not w.isHidden()]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._place()
        return False

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        if not self.toasts():
            self.hide()
            return
        self.adjustSize()
        width, height = 390, min(self.sizeHint().height(), host.height() - 60)
        self.setGeometry(host.width() - width - 12, host.height() - height - 36, width, height)
        self.raise_()

    def childEvent(self, event: QChildEvent) -> None:
        super().childEvent(event)
        if event.type() == QEvent.Type.ChildRemoved:
            QTimer.singleShot(0, self, self._place)
