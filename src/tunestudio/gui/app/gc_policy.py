"""Python's cyclic garbage collector runs only in the GUI thread while the app lives.

The collector runs in whichever thread happens to allocate when a threshold is crossed. A
training worker allocates constantly, so without this a cycle holding Qt objects (a closed plot
with its context menus, say) is destroyed in the worker thread: Qt's destructor there takes an
object mutex and then waits for the GIL, while the GUI thread holds the GIL and waits for that
mutex. The process hangs (seen in the tests). Collecting on a GUI-thread timer instead is the
pattern pyqtgraph documents for threaded applications.

A full collection traverses every object the process holds (torch, pyqtgraph, the project's
widgets: over 200,000), a pause of 50-140 ms on the GUI thread: during a run the live plots
stalled at each one (benchmarks/ui_latency.py). So the timer never runs one: when the oldest
generation is due, the younger two are collected and their survivors frozen (`gc.freeze`: left
out of later collections, as long-lived). `full_collection()` collects everything, frozen
objects included, at moments when a pause goes unnoticed: a run just ended, a project closed.
`freeze()` once the engine has loaded in the background: torch's few hundred thousand objects
would otherwise sit in the youngest generation and make the next collection take 170 ms."""

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
        automatic collector would have; instead of the oldest, the younger two, freezing what
        survives them (see the module's docstring)."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(min(generation, 1))
                if generation == 2:
                    gc.freeze()
                return

    @Slot()
    def freeze(self) -> None:
        """Everything alive now counts as long-lived: no collection but a full one traverses it
        (a fraction of a millisecond; cycles that are garbage already wait for that one)."""
        gc.freeze()

    @Slot()
    def full_collection(self) -> None:
        """Every generation and the frozen objects collected now (one pause of up to a tenth
        of a second), the survivors frozen again."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def pause(self) -> None:
        """No collection on the timer until `resume()` (automatic collection stays off): for a
        caller that collects at moments of its own, as the GUI tests do between tests."""
        self._timer.stop()

    def resume(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_in_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install once per application object; later calls return the installed collector."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
