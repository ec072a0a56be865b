"""Starting and joining worker threads the one way the app does it: a QObject worker moved to a
QThread, its `run` slot started by `QThread.started`, the thread quit when the worker says
`finished`. Whoever starts a thread joins it (`join`) before the app or a test ends."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QObject, QThread


def start_worker(worker: QObject, name: str, parent: QObject | None = None,
                 on_finished: Callable[[], None] | None = None) -> QThread:
    """Moves `worker` (which must have no parent) into a new thread and starts `worker.run`.
    The caller keeps the Python reference to `worker` (a connection to a @Slot does not keep
    it alive) and drops it in the GUI thread once the thread has ended: the worker is then
    deleted there, never in its own thread while Python may still touch it (a deleteLater in
    the ending thread raced with the wrapper's release and crashed);
    `on_finished` (a slot of a GUI-thread object) is connected before the start, so even a
    worker that ends at once cannot finish unseen."""
    thread = QThread(parent)
    thread.setObjectName(name)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)  # type: ignore[attr-defined]
    worker.finished.connect(thread.quit)  # type: ignore[attr-defined]
    if on_finished is not None:
        thread.finished.connect(on_finished)
    thread.start()
    return thread


def join(thread: QThread | None, timeout_s: float = 30.0) -> bool:
    """Waits for `thread` to end while still delivering queued signals to this thread (the
    worker's last signals need the GUI thread's event loop). True when it ended."""
    if thread is None:
        return True
    deadline = QDeadlineTimer(int(timeout_s * 1000))
    while thread.isRunning() and not deadline.hasExpired():
        QCoreApplication.processEvents()
        thread.wait(QDeadlineTimer(20))
    QCoreApplication.processEvents()
    return not thread.isRunning()
