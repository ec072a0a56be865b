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
would otherwise sit in the youngest generation and make the next collection take 170 ms.

Imports in a worker thread are the other burst: a run's first trial imports its data's
libraries (scikit-learn, SciPy, pandas: some 170,000 objects), and each collection on the timer
during those seconds traversed the new objects, 80-100 ms in the GUI thread while the live view
already drew (benchmarks/ui_latency.py, gc_max_ms). `hold()` keeps the timer from collecting
while such a burst runs (the engine loading, a run starting up to its first trial), `release()`
freezes what it left, as `freeze()` does for the engine."""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 500
HOLD_S = 60.0  # the longest a hold lasts should its release never come (a worker that hung)


class GuiThreadCollector(QObject):
    """Turns Python's automatic garbage collection off and collects on a GUI-thread timer every
    `interval_ms` milliseconds instead, the oldest generation never on the timer (see the module's
    docstring). One per application (`collect_in_gui_thread`)."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._held_until = 0.0  # time.monotonic() until which the timer collects nothing
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    @Slot()
    def collect(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds, as the
        automatic collector would have; instead of the oldest, the younger two, freezing what
        survives them (see the module's docstring)."""
        if self._held_until:
            if time.monotonic() < self._held_until:
                return
            self._held_until = 0.0
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                gc.collect(min(generation, 1))
                if generation == 2:
                    gc.freeze()
                return

    @Slot()
    def hold(self) -> None:
        """No collection on the timer until `release()`, or for HOLD_S seconds at most: another
        thread is about to allocate long-lived objects in a burst (imports, a run's set-up).
        Automatic collection stays off meanwhile; memory grows by the burst's garbage only."""
        self._held_until = time.monotonic() + HOLD_S

    @Slot()
    def release(self) -> None:
        """End a hold: what the burst left is frozen (`freeze()`), and the timer collects
        again. Without a hold, nothing (so it may follow every trial's start)."""
        if self._held_until:
            self._held_until = 0.0
            gc.freeze()

    @property
    def held(self) -> bool:
        """Whether a hold is on and not yet past its HOLD_S seconds."""
        return bool(self._held_until) and time.monotonic() < self._held_until

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
        """Collects on the timer again after `pause()`."""
        self._timer.start()

    def stop(self) -> None:
        """Stops collecting on the timer, collects everything (frozen objects included) and turns
        automatic collection back on if it was on before."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def collect_in_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install once per application object; later calls return the installed collector."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
