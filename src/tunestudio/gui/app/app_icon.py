"""TuneStudio's window and taskbar icon, built from the packaged PNG sizes so that it needs no
SVG plugin and looks sharp from a 16 px title bar to a 512 px dock. For the application to use
it: `app.setWindowIcon(app_icon())`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

from tunestudio import resources


def app_icon() -> QIcon:
    """The app's icon, one file per packaged size (`resources.ICON_SIZES`)."""
    icon = QIcon()
    for size in resources.ICON_SIZES:
        icon.addFile(str(Path(str(resources.app_icon_png(size)))))
    return icon
