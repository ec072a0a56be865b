"""Screenshots taken by the app itself once a scene has settled, for window_screens.py and
trial_views.py: with `TUNESTUDIO_SCREEN_SHOTS=PREFIX` set, the scene is grabbed `settle` seconds
after it started at 1280x800 and 960x600, light and dark (PREFIX-1280x800-light.png, ...), and
the app quits. A fixed wait outside the app (xshot's) grabbed a black screen whenever a loaded
machine took longer to open the project. Needs a real screen (Xvfb: run it under xvfb-run)."""

from __future__ import annotations

import os
from typing import Any

SIZES = ((1280, 800), (960, 600))
THEMES = ("light", "dark")


def schedule(app: Any, window: Any, settle_s: float) -> None:
    """Grab every size and theme `settle_s` seconds from now, then quit (when the variable is
    set; otherwise nothing)."""
    from PySide6.QtCore import QTimer

    prefix = os.environ.get("TUNESTUDIO_SCREEN_SHOTS")
    if not prefix:
        return
    QTimer.singleShot(int(settle_s * 1000), lambda: _grab_all(app, window, prefix))


def _grab_all(app: Any, window: Any, prefix: str) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    from tunestudio.gui.app.theme import apply_theme

    def settle(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    for width, height in SIZES:
        for theme in THEMES:
            apply_theme(app, theme)
            window.resize(width, height)
            window.move(0, 0)
            settle(400)
            frame = window.frameGeometry()
            for top in QApplication.topLevelWidgets():  # a dialog the scene opened, centred
                if top is not window and top.isVisible() and \
                        isinstance(top, QDialog | QMessageBox):
                    box = top.frameGeometry()
                    box.moveCenter(frame.center())
                    top.move(box.topLeft())
            settle(900)
            screen = app.primaryScreen()
            shot = screen.grabWindow(0, 0, 0, frame.width(), frame.height())
            shot.save(f"{prefix}-{width}x{height}-{theme}.png")
    for top in QApplication.topLevelWidgets():
        if isinstance(top, QDialog) and top.isVisible():
            top.reject()
    QTimer.singleShot(0, app.quit)
    QTimer.singleShot(200, app.quit)  # a modal dialog's own loop ended first
