"""Light, dark, or following the system, on the Fusion style so every platform looks the same.
Qt (6.8+) is asked for the color scheme; where the platform cannot switch it (a bare X server,
offscreen), an explicit light or dark choice sets Fusion's palette directly. One small style
sheet marks invalid fields and colours the notifications."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from tunestudio.gui.common.settings import Theme

STYLE_SHEET = """
QLabel#fieldError { color: #d32f2f; }
QLabel#problemBanner { color: #d32f2f; }
QFrame[level="error"] { background: #fdecea; color: #611a15; border: 1px solid #f5a3a0;
                        border-radius: 6px; }
QFrame[level="warning"] { background: #fff4e5; color: #663c00; border: 1px solid #ffcc80;
                          border-radius: 6px; }
QFrame[level="info"] { background: #e8f4fd; color: #0d3c61; border: 1px solid #90caf9;
                       border-radius: 6px; }
QFrame[level] QLabel, QFrame[level] QToolButton { background: transparent; border: none; }
QFrame[level="error"] QLabel, QFrame[level="error"] QToolButton { color: #611a15; }
QFrame[level="warning"] QLabel, QFrame[level="warning"] QToolButton { color: #663c00; }
QFrame[level="info"] QLabel, QFrame[level="info"] QToolButton { color: #0d3c61; }
QLabel#welcomeTitle { font-size: 22pt; font-weight: 600; }
QLabel#hint { color: palette(placeholder-text); }
"""

_SCHEMES = {
    "system": Qt.ColorScheme.Unknown,
    "light": Qt.ColorScheme.Light,
    "dark": Qt.ColorScheme.Dark,
}


def dark_palette() -> QPalette:
    """Fusion's dark palette, for an explicit dark theme where the platform cannot switch its colour
    scheme."""
    palette = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colors = {
        role.Window: "#2b2b2b", role.WindowText: "#e6e6e6", role.Base: "#1f1f1f",
        role.AlternateBase: "#2f2f2f", role.ToolTipBase: "#3a3a3a", role.ToolTipText: "#e6e6e6",
        role.Text: "#e6e6e6", role.Button: "#353535", role.ButtonText: "#e6e6e6",
        role.BrightText: "#ff5555", role.Highlight: "#3d7bd9", role.HighlightedText: "#ffffff",
        role.Link: "#6aa6ff", role.PlaceholderText: "#8c8c8c", role.Mid: "#444444",
        role.Dark: "#1a1a1a", role.Light: "#505050", role.Midlight: "#404040",
        role.Shadow: "#000000",
    }
    for r, value in colors.items():
        palette.setColor(r, QColor(value))
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(group.Disabled, r, QColor("#777777"))
    return palette


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Applies `theme` (`system`, `light` or `dark`) to `app`: the Fusion style, Qt's colour scheme
    asked for, and where the platform did not switch to it, the palette set directly
    (`dark_palette`, Fusion's light one); plus STYLE_SHEET."""
    app.setStyle("Fusion")
    hints = app.styleHints()
    hints.setColorScheme(_SCHEMES[theme])
    style = app.style()
    if theme == "dark" and hints.colorScheme() != Qt.ColorScheme.Dark:
        app.setPalette(dark_palette())
    elif theme == "light" and hints.colorScheme() != Qt.ColorScheme.Light:
        app.setPalette(style.standardPalette())
    else:  # the platform's own palette, which follows its theme live
        app.setPalette(QPalette())
    app.setStyleSheet(STYLE_SHEET)
