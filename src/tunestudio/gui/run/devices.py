"""The compute devices and the torch/CUDA versions, found off the GUI thread: importing torch
takes seconds, so a worker thread does it after the window shows (and warms the engine and the
search layer up while it is there). The device picker shows "loading" until then."""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QSignalBlocker, QThread, Signal, Slot
from PySide6.QtWidgets import QComboBox, QWidget

from tunestudio.gui.common import notifications
from tunestudio.gui.common.threads import join, start_worker

_log = logging.getLogger(__name__)
AUTO = "auto"


@dataclass(frozen=True)
class Device:
    """A device the engine can train on: its torch id ("cpu", "cuda:0", "mps"), its name and its
    memory in bytes (None where unknown)."""

    id: str  # "cpu", "cuda:0", "mps"
    name: str
    memory_bytes: int | None

    @property
    def label(self) -> str:
        """How the picker names it: `cuda:0 — NVIDIA A100 · 40 GiB` (memory in GiB, 2**30 bytes,
        where known), or the id alone when the name is the id."""
        memory = f" · {self.memory_bytes / 2**30:.0f} GiB" if self.memory_bytes else ""
        return f"{self.id} — {self.name}{memory}" if self.name != self.id else self.id


@dataclass(frozen=True)
class EngineInfo:
    """What loading the engine found: the devices, torch's version, the CUDA version torch was
    built with (None without CUDA) and how long the load took, in seconds."""

    devices: tuple[Device, ...] = ()
    torch_version: str = ""
    cuda_version: str | None = None
    load_s: float = 0.0


def probe_engine() -> EngineInfo:
    """Imports the engine (and torch) and lists its devices. Runs in a worker thread."""
    started = time.perf_counter()
    import torch

    from tunestudio import engine

    devices = tuple(Device(str(d.id), str(d.name), getattr(d, "memory_bytes", None))
                    for d in engine.available_devices())
    return EngineInfo(devices=devices, torch_version=str(torch.__version__),
                      cuda_version=torch.version.cuda,
                      load_s=time.perf_counter() - started)


class _EngineProbe(QObject):
    ready = Signal(object)  # EngineInfo
    failed = Signal(str)
    finished = Signal()

    @Slot()
    def run(self) -> None:
        try:
            info = probe_engine()
            self.ready.emit(info)
            from tunestudio import engine
            from tunestudio.gui.run.worker import warm_search

            engine.warm_up(scikit_learn=True)  # a run of uncached data splits on the trial thread
            warm_search()
        except Exception as exc:  # reported, never lost in the thread
            _log.exception("loading the training engine failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            self.finished.emit()


class DeviceCatalog(QObject):
    """What the engine can train on; `loaded` fires once, in the GUI thread, as soon as the
    devices are known; `warmed` when the engine's one-off start-up costs are paid too.
    `loading` when the thread that loads it starts (its imports: a burst of long-lived objects
    that the GUI thread's collector leaves alone until `warmed`, gc_policy.py)."""

    loading = Signal()
    loaded = Signal()
    warmed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.info: EngineInfo | None = None
        self.error: str | None = None
        self._thread: QThread | None = None
        self._probe: _EngineProbe | None = None
        self._warm = False

    def start(self) -> None:
        """Loads the engine in a worker thread (once: nothing when loading or loaded); emits
        `loading` now, `loaded` once the devices are known (or loading failed, `error` then set),
        `warmed` when the thread ended."""
        if self._thread is not None or self.info is not None:
            return
        probe = _EngineProbe()
        probe.ready.connect(self._on_ready)
        probe.failed.connect(self._on_failed)
        self._probe = probe  # Python must keep it alive: Qt's connections do not
        self.loading.emit()
        self._thread = start_worker(probe, "engine-probe", self, self._on_finished)

    @property
    def is_warm(self) -> bool:
        """Whether the loading thread ended (the engine's one-off start-up costs are paid)."""
        return self._warm

    @Slot()
    def _on_finished(self) -> None:
        # torch, optuna and SQLAlchemy are now imported: millions of long-lived objects. Moved
        # out of the collector's reach, a full collection (run in the GUI thread, gc_policy.py)
        # takes milliseconds instead of half a second.
        gc.freeze()
        if self._thread is not None:
            self._thread.wait()
        self._probe = None  # deleted here, in the GUI thread, after its thread ended
        self._warm = True
        self.warmed.emit()

    def shutdown(self, timeout_s: float = 60.0) -> None:
        """Joins the probe thread (torch's import cannot be interrupted, only waited for)."""
        join(self._thread, timeout_s)

    @property
    def devices(self) -> tuple[Device, ...]:
        """The devices found; empty until loaded, or when loading failed."""
        return self.info.devices if self.info else ()

    @Slot(object)
    def _on_ready(self, info: EngineInfo) -> None:
        self.info = info
        _log.info("engine loaded in %.2f s: %s", info.load_s, [d.id for d in info.devices])
        self.loaded.emit()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.error = message
        if self.info is None:
            notifications.error(self.tr(
                "The training engine could not be loaded: {message}").format(message=message))
        self.loaded.emit()


class DeviceCombo(QComboBox):
    """Auto, then the CPU and each CUDA (or MPS) device by name and memory."""

    def __init__(self, catalog: DeviceCatalog, preferred: str = AUTO,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._preferred = preferred
        self.setToolTip(self.tr("Where this run's trials train. A device chosen here wins over the "
                                "baseline's training.device; Auto uses training.device (auto = "
                                "CUDA, then MPS, then CPU)."))
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        catalog.loaded.connect(self._refill)
        self.currentIndexChanged.connect(self._on_index)
        self._refill()

    @Slot(int)
    def _on_index(self, index: int) -> None:
        if index >= 0 and self.itemData(index) is not None:
            self._preferred = str(self.itemData(index))

    @Slot()
    def _refill(self) -> None:
        with QSignalBlocker(self):
            self.clear()
            self.addItem(self.tr("Auto"), AUTO)
            for device in self._catalog.devices:
                self.addItem(device.label, device.id)
            if self._catalog.info is None and self._catalog.error is None:
                self.addItem(self.tr("Loading devices…"), None)
                self.model().item(self.count() - 1).setEnabled(False)  # type: ignore[attr-defined]
            index = self.findData(self._preferred)
            self.setCurrentIndex(max(index, 0))

    def device(self) -> str | None:
        """The chosen device id, or None for the baseline's own setting."""
        value = self.currentData()
        return None if value in (None, AUTO) else str(value)

    def select(self, device_id: str) -> None:
        """Chooses the device `device_id` ("auto", "cpu", "cuda:0", ...), now when listed, else
        as soon as the devices are loaded and list it."""
        self._preferred = device_id
        index = self.findData(device_id)
        if index >= 0:
            self.setCurrentIndex(index)
