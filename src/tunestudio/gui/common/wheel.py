"""Spin boxes and combo boxes in a scrolled form take the mouse wheel only once focused.

Qt gives both `Qt.WheelFocus` by default: a wheel turn over one focuses it and changes its
value, so scrolling a long form edits whatever field passes under the pointer (batch size
64 -> 59). With `wheel_only_when_focused` a field needs a click or Tab first; until then the
wheel event is left unaccepted and Qt hands it on to the parents, so the scroll area scrolls.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget


class _UnfocusedWheelPasser(QObject):
    """One event filter for every guarded widget: an unfocused one lets a wheel event pass."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(watched, QWidget) \
                and not watched.hasFocus():
            # Filtered and not accepted: QApplication offers a spontaneous wheel event to the
            # parent widgets next, up to the scroll area's viewport.
            event.ignore()
            return True
        return False


_passer: _UnfocusedWheelPasser | None = None


def wheel_only_when_focused(widget: QAbstractSpinBox | QComboBox) -> None:
    """Makes `widget` take focus from a click or Tab only (not from the wheel) and take wheel
    turns only while focused; otherwise they scroll whatever contains it."""
    global _passer
    if _passer is None:
        # Parented to the application, so it lives as long as any widget it filters.
        _passer = _UnfocusedWheelPasser(QApplication.instance())
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_passer)
