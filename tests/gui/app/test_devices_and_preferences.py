"""Devices found off the GUI thread, the About dialog, preferences and window state."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QByteArray
from pytestqt.qtbot import QtBot

from tunestudio.gui.app.about import AboutDialog, about_html
from tunestudio.gui.app.main_window import MainWindow
from tunestudio.gui.app.preferences import PreferencesDialog
from tunestudio.gui.common.settings import Settings
from tunestudio.gui.run.devices import DeviceCatalog, DeviceCombo


def test_devices_load_off_the_gui_thread(qtbot: QtBot) -> None:
    catalog = DeviceCatalog()
    combo = DeviceCombo(catalog, "cpu")
    qtbot.addWidget(combo)
    assert combo.count() == 2 and not combo.model().item(1).isEnabled()  # type: ignore[attr-defined]
    assert "loading" in about_html(catalog)
    gui_thread = threading.get_ident()
    seen: list[int] = []
    import tunestudio.gui.run.devices as devices

    original = devices.probe_engine

    def probe() -> devices.EngineInfo:
        seen.append(threading.get_ident())
        return original()

    devices.probe_engine = probe
    try:
        with qtbot.waitSignal(catalog.loaded, timeout=120_000):
            catalog.start()
    finally:
        devices.probe_engine = original
        catalog.shutdown()
    assert seen and seen[0] != gui_thread
    assert catalog.info is not None
    assert "cpu" in [d.id for d in catalog.devices]
    assert combo.findData("cpu") > 0 and combo.device() == "cpu"
    assert combo.itemText(combo.findData("cpu")).startswith("cpu — ")
    html = about_html(catalog)
    assert catalog.info.torch_version in html and "CUDA" in html
    combo.setCurrentIndex(0)
    assert combo.device() is None  # Auto: the baseline's own device setting


def test_about_dialog_shows_versions(window: MainWindow, qtbot: QtBot) -> None:
    dialog = AboutDialog(window.catalog, window)
    qtbot.addWidget(dialog)
    text = dialog.text.text()
    assert "TuneStudio" in text and "PyTorch" in text and "Qt / PySide6" in text


def test_preferences_are_kept(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    dialog = PreferencesDialog(window.settings, window.catalog, window)
    qtbot.addWidget(dialog)
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.data_dir.setText(str(tmp_path / "elsewhere"))
    dialog.accept()
    again = Settings()
    assert again.theme == "dark"
    assert again.data_dir == str(tmp_path / "elsewhere")
    assert again.default_device == "auto"
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    def window_lightness() -> int:
        return QApplication.palette().color(QPalette.ColorRole.Window).lightness()

    assert window_lightness() < 100
    dialog2 = PreferencesDialog(again, window.catalog, window)
    qtbot.addWidget(dialog2)
    dialog2.theme.setCurrentIndex(dialog2.theme.findData("system"))
    dialog2.accept()
    assert Settings().theme == "system"
    assert window_lightness() > 150  # this test platform's own theme is light


def test_window_state_is_restored(qtbot: QtBot) -> None:
    first = MainWindow(Settings())
    first.resize(700, 500)  # within the offscreen screen (800x600)
    first.show()
    qtbot.waitExposed(first)
    first.close()
    assert isinstance(Settings().window_geometry(), QByteArray)
    second = MainWindow(Settings())
    qtbot.addWidget(second)
    assert (second.size().width(), second.size().height()) == (700, 500)
    first.deleteLater()
