"""Python's cyclic garbage collector runs only in the GUI thread while the app lives.

The collector runs in whichever thread happens to allocate when a threshold is crossed. A
training worker allocates constantly, so without this a cycle holding Qt objects (a closed plot
with its context menus, say) is destroyed in the worker thread: Qt's destructor there takes an
object mutex and then waits for the GIL, while the GUI thread holds the GIL and waits for that
mutex. The process hangs (seen in the tests). Collecting on a GUI-thread timer instead is the
pattern pyqtgraph documents for threaded applications."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    @Slot()
    def collect(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, as the
        automatic collector would have."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_in_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install once per application object; later calls return the installed collector."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
