"""The window icon carries every packaged size, loaded from the package as the bundle does."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from tunestudio import resources
from tunestudio.gui.app.app_icon import app_icon


def test_app_icon_has_every_size(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(resources.ICON_SIZES)
    assert icon.pixmap(QSize(48, 48)).width() == 48
