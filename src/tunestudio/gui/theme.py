"""Light, dark, or following the system: Qt's own color scheme (6.8+) on the Fusion style, so
every platform looks the same and a change of the system theme is followed live. One small
style sheet marks invalid fields and colours the notifications."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tunestudio.gui.settings import Theme

STYLE_SHEET = """
QLabel#fieldError { color: #d32f2f; }
QLabel#problemBanner { color: #d32f2f; }
QFrame[level="error"] { background: #fdecea; color: #611a15; border: 1px solid #f5a3a0;
                        border-radius: 6px; }
QFrame[level="warning"] { background: #fff4e5; color: #663c00; border: 1px solid #ffcc80;
                          border-radius: 6px; }
QFrame[level="info"] { background: #e8f4fd; color: #0d3c61; border: 1px solid #90caf9;
                       border-radius: 6px; }
QFrame[level] QLabel { background: transparent; color: inherit; }
QLabel#welcomeTitle { font-size: 22pt; font-weight: 600; }
QLabel#hint { color: palette(placeholder-text); }
"""

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}


def apply_theme(app: QApplication, theme: Theme) -> None:
    app.setStyle("Fusion")
    app.styleHints().setColorScheme(_SCHEMES[theme])
    app.setStyleSheet(STYLE_SHEET)
